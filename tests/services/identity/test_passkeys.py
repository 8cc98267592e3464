"""Invitations, passkey enrolment and sign-in: each WebAuthn ceremony and what it refuses.
(Sessions, once signed in: test_sessions.py.)"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from backend.models import AuditEvent, Ceremony, Invite, utcnow
from tests.authenticator import SoftAuthenticator
from tests.factories import H, enrol, make_invite, person, sign_in


@pytest.fixture
def ring(app):  # type: ignore[no-untyped-def]
    return app.extensions["frontline"].keyring


def _actions(sessions) -> list[str]:  # type: ignore[no-untyped-def]
    with sessions() as s:
        return list(s.scalars(select(AuditEvent.action).order_by(AuditEvent.seq)))


# -- enrolment -----------------------------------------------------------------------------


def test_3_3_2_3_3_4_enrol_from_invite_signs_in_with_a_safe_cookie(app, sessions, ring) -> None:  # type: ignore[no-untyped-def]
    token = make_invite(
        sessions, ring, roles=("inbox_member",), inboxes=("Missing Persons",), name="Sam Okafor"
    )
    client = app.test_client()
    device = SoftAuthenticator()
    begin = client.post("/api/v1/auth/enrol/begin", json={"invite": token}, headers=H)
    options = begin.get_json()
    assert options["rp"]["id"] == "localhost"
    assert options["authenticatorSelection"]["userVerification"] == "required"
    assert options["authenticatorSelection"]["residentKey"] == "required"
    assert options["attestation"] == "none"
    assert {p["alg"] for p in options["pubKeyCredParams"]} == {-7, -8, -257}
    done = client.post(
        "/api/v1/auth/enrol/finish",
        json={"invite": token, "credential": device.create(options), "name": "Work phone"},
        headers=H,
    )
    assert done.status_code == 200
    cookie = next(c for c in done.headers.getlist("Set-Cookie") if "frontline_session=" in c)
    assert "HttpOnly" in cookie
    assert "SameSite=Strict" in cookie
    assert "Secure" not in cookie  # every origin is http://localhost here
    me = client.get("/api/v1/me").get_json()
    assert me["user"]["name"] == "Sam Okafor"
    assert me["agency"]["name"] == "Riverside Police"
    assert me["roles"] == ["inbox_member"]
    assert [i["name"] for i in me["inboxes"]] == ["Missing Persons"]
    (passkey,) = me["passkeys"]
    assert passkey["name"] == "Work phone"
    assert passkey["current"] is True
    assert "identity.enrolled" in _actions(sessions)


def test_6_4_1_invite_cannot_be_reused(app, sessions, ring) -> None:  # type: ignore[no-untyped-def]
    token = make_invite(sessions, ring)
    enrol(app.test_client(), token, SoftAuthenticator())
    again = app.test_client().post("/api/v1/auth/enrol/begin", json={"invite": token}, headers=H)
    assert again.status_code == 410
    assert again.get_json()["code"] == "invite.used"


def test_6_4_1_expired_withdrawn_and_unknown_invites(app, sessions, ring) -> None:  # type: ignore[no-untyped-def]
    client = app.test_client()
    expired = make_invite(sessions, ring, ttl=timedelta(seconds=-1))
    r = client.post("/api/v1/auth/enrol/begin", json={"invite": expired}, headers=H)
    assert (r.status_code, r.get_json()["code"]) == (410, "invite.expired")
    withdrawn = make_invite(sessions, ring)
    with sessions() as s:
        s.execute(update(Invite).values(withdrawn_at=utcnow()).where(Invite.used_at.is_(None)))
        s.commit()
    r = client.post("/api/v1/auth/enrol/begin", json={"invite": withdrawn}, headers=H)
    assert (r.status_code, r.get_json()["code"]) == (410, "invite.withdrawn")
    r = client.post("/api/v1/auth/enrol/begin", json={"invite": "x" * 43}, headers=H)
    assert (r.status_code, r.get_json()["code"]) == (404, "invite.unknown")


def test_15_4_2_invite_used_between_begin_and_finish_is_refused(app, sessions, ring) -> None:  # type: ignore[no-untyped-def]
    token = make_invite(sessions, ring)
    slow, fast = app.test_client(), app.test_client()
    begin = slow.post("/api/v1/auth/enrol/begin", json={"invite": token}, headers=H).get_json()
    enrol(fast, token, SoftAuthenticator())
    late = slow.post(
        "/api/v1/auth/enrol/finish",
        json={"invite": token, "credential": SoftAuthenticator().create(begin)},
        headers=H,
    )
    assert (late.status_code, late.get_json()["code"]) == (410, "invite.used")


def test_wa_10_enrolment_is_bound_to_the_invite_it_began_with(app, sessions, ring) -> None:  # type: ignore[no-untyped-def]
    mine = make_invite(sessions, ring, name="A")
    other = make_invite(sessions, ring, name="B", roles=("agency_admin",))
    client = app.test_client()
    begin = client.post("/api/v1/auth/enrol/begin", json={"invite": mine}, headers=H).get_json()
    r = client.post(
        "/api/v1/auth/enrol/finish",
        json={"invite": other, "credential": SoftAuthenticator().create(begin)},
        headers=H,
    )
    assert (r.status_code, r.get_json()["code"]) == (400, "enrol.invite_mismatch")


# -- ceremonies ----------------------------------------------------------------------------


def test_6_7_2_challenge_is_single_use(app, sessions, ring) -> None:  # type: ignore[no-untyped-def]
    client, device, _ = person(app)
    begin = client.post("/api/v1/auth/login/begin", headers=H).get_json()
    ceremony_cookie = client.get_cookie("frontline_ceremony").value  # type: ignore[union-attr]
    assertion = device.get(begin)
    first = client.post("/api/v1/auth/login/finish", json={"credential": assertion}, headers=H)
    assert first.status_code == 200
    # An attacker who captured both the cookie and the assertion replays them.
    attacker = app.test_client()
    attacker.set_cookie("frontline_ceremony", ceremony_cookie)
    replay = attacker.post("/api/v1/auth/login/finish", json={"credential": assertion}, headers=H)
    assert (replay.status_code, replay.get_json()["code"]) == (400, "webauthn.challenge_invalid")


def test_6_7_2_wa_4_challenge_expires_after_five_minutes(app, sessions) -> None:  # type: ignore[no-untyped-def]
    client, device, _ = person(app)
    begin = client.post("/api/v1/auth/login/begin", headers=H).get_json()
    with sessions() as s:
        s.execute(update(Ceremony).values(expires_at=utcnow() - timedelta(seconds=1)))
        s.commit()
    r = client.post("/api/v1/auth/login/finish", json={"credential": device.get(begin)}, headers=H)
    assert (r.status_code, r.get_json()["code"]) == (400, "webauthn.challenge_invalid")


def test_wa_4_challenge_is_bound_to_the_browser_that_asked(app) -> None:  # type: ignore[no-untyped-def]
    client, device, _ = person(app)
    begin = client.post("/api/v1/auth/login/begin", headers=H).get_json()
    stranger = app.test_client()
    r = stranger.post(
        "/api/v1/auth/login/finish", json={"credential": device.get(begin)}, headers=H
    )
    assert (r.status_code, r.get_json()["code"]) == (400, "webauthn.no_ceremony")


@pytest.mark.parametrize(
    ("knob", "value"),
    [
        ("origin", "http://evil.localhost:8000"),
        ("origin", "https://localhost:8000"),
        ("rp_id", "example.org"),
    ],
)
def test_wa_1_wa_2_enrolment_refuses_wrong_origin_or_rp_id(
    app, sessions, ring, knob, value
) -> None:  # type: ignore[no-untyped-def]
    token = make_invite(sessions, ring)
    client = app.test_client()
    begin = client.post("/api/v1/auth/enrol/begin", json={"invite": token}, headers=H).get_json()
    credential = SoftAuthenticator().create(begin, **{knob: value})
    r = client.post(
        "/api/v1/auth/enrol/finish", json={"invite": token, "credential": credential}, headers=H
    )
    assert (r.status_code, r.get_json()["code"]) == (400, "webauthn.invalid")
    with sessions() as s:
        assert s.scalar(select(Invite.used_at)) is None  # nothing consumed


@pytest.mark.parametrize(
    ("knob", "value"),
    [("origin", "http://localhost:9999"), ("rp_id", "evil.example")],
)
def test_wa_1_wa_2_sign_in_refuses_wrong_origin_or_rp_id(app, knob, value) -> None:  # type: ignore[no-untyped-def]
    client, device, _ = person(app)
    r = sign_in(client, device, **{knob: value})
    assert (r.status_code, r.get_json()["code"]) == (401, "webauthn.invalid")


def test_6_3_3_wa_5_user_verification_is_required(app, sessions, ring) -> None:  # type: ignore[no-untyped-def]
    token = make_invite(sessions, ring)
    client = app.test_client()
    begin = client.post("/api/v1/auth/enrol/begin", json={"invite": token}, headers=H).get_json()
    r = client.post(
        "/api/v1/auth/enrol/finish",
        json={"invite": token, "credential": SoftAuthenticator(user_verified=False).create(begin)},
        headers=H,
    )
    assert (r.status_code, r.get_json()["code"]) == (400, "webauthn.invalid")
    client, device, _ = person(app)
    device.user_verified = False
    r = sign_in(client, device)
    assert (r.status_code, r.get_json()["code"]) == (401, "webauthn.invalid")


def test_wa_9_sign_count_regression_is_refused_and_audited(app, sessions) -> None:  # type: ignore[no-untyped-def]
    client, device, _ = person(app)
    assert sign_in(client, device, sign_count=5).status_code == 200
    clone = sign_in(app.test_client(), device, sign_count=3)
    assert (clone.status_code, clone.get_json()["code"]) == (401, "auth.sign_count_regression")
    assert "identity.sign_count_regression" in _actions(sessions)
    assert sign_in(client, device, sign_count=6).status_code == 200


def test_wa_8_unknown_credential(app) -> None:  # type: ignore[no-untyped-def]
    _, device, _ = person(app)
    stranger = SoftAuthenticator()
    stranger.credentials = [
        type(device.credentials[0])(
            id=b"\x01" * 32,
            key=device.credentials[0].key,
            rp_id="localhost",
            user_handle=b"\x02" * 16,
        )
    ]
    r = sign_in(app.test_client(), stranger)
    assert (r.status_code, r.get_json()["code"]) == (401, "auth.unknown_credential")


def test_wa_6_a_key_of_an_algorithm_we_do_not_accept_is_refused(app, sessions) -> None:  # type: ignore[no-untyped-def]
    """ES256, EdDSA and RS256 are offered and accepted; an ES384 credential is not."""
    from backend.models import Passkey

    state = app.extensions["frontline"]
    token = make_invite(state.sessions, state.keyring)
    client = app.test_client()
    begin = client.post("/api/v1/auth/enrol/begin", json={"invite": token}, headers=H).get_json()
    assert [p["alg"] for p in begin["pubKeyCredParams"]] == [-7, -8, -257]
    device = SoftAuthenticator()
    credential = device.create(begin, curve="P-384")
    r = client.post(
        "/api/v1/auth/enrol/finish", json={"invite": token, "credential": credential}, headers=H
    )
    assert r.status_code in (400, 401, 422), r.get_json()
    assert client.get("/api/v1/me").status_code == 401
    with sessions() as s:
        assert s.scalar(select(func.count()).select_from(Passkey)) == 0


def test_wa_3_an_assertion_made_for_another_ceremony_is_refused(app) -> None:  # type: ignore[no-untyped-def]
    _, device, _ = person(app)
    client = app.test_client()
    begin = client.post("/api/v1/auth/login/begin", headers=H).get_json()
    credential = device.get(begin, ceremony="webauthn.create")
    r = client.post("/api/v1/auth/login/finish", json={"credential": credential}, headers=H)
    assert r.status_code == 401, r.get_json()
    assert client.get("/api/v1/me").status_code == 401
