"""Sensitive changes need a fresh passkey proof in this session (ASVS 7.5.1, 7.5.3):
adding a passkey, creating an account, enabling a disabled one, loading routing rules and
exporting an access review, revoking someone else's passkey (the first step of taking
their account over by recovery). Signing in counts; after five minutes the person proves
their passkey again (step-up) and the change goes through. Protective actions (revoking
one's own passkey, disabling a person, ending sessions) never wait for it."""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy import select, update

from backend.models import AuditEvent, StaffSession, utcnow
from backend.services.identity.step_up import WINDOW
from tests.authenticator import SoftAuthenticator, b64url_encode
from tests.factories import H, person

PARTNERSHIP = "Riverside Safeguarding Children Partnership"


def _age(sessions, user_id: str, by: timedelta = WINDOW + timedelta(seconds=1)) -> None:  # type: ignore[no-untyped-def]
    """Make the person's last passkey proof ``by`` old, as if the shift went on."""
    with sessions() as s:
        s.execute(
            update(StaffSession)
            .where(StaffSession.user_id == uuid.UUID(user_id))
            .values(verified_at=utcnow() - by)
        )
        s.commit()


def _step_up(client, device: SoftAuthenticator, **get):  # type: ignore[no-untyped-def]
    begin = client.post("/api/v1/auth/step-up/begin", headers=H)
    assert begin.status_code == 200, begin.get_json()
    return begin.get_json(), client.post(
        "/api/v1/auth/step-up/finish",
        json={"credential": device.get(begin.get_json(), **get)},
        headers=H,
    )


def _refused_for_step_up(response) -> None:  # type: ignore[no-untyped-def]
    assert response.status_code == 403, response.get_json()
    assert response.get_json()["code"] == "auth.step_up_required"


def test_7_5_1_adding_a_passkey_needs_a_recent_proof(app, sessions) -> None:  # type: ignore[no-untyped-def]
    client, device, me = person(app)
    # Just signed in: no second prompt.
    assert client.post("/api/v1/me/passkeys/begin", headers=H).status_code == 200
    _age(sessions, me["user"]["id"])
    _refused_for_step_up(client.post("/api/v1/me/passkeys/begin", headers=H))
    options, proved = _step_up(client, device)
    # Only the person's own live passkeys are offered.
    assert [c["id"] for c in options["allowCredentials"]] == [
        b64url_encode(device.credentials[0].id)
    ]
    assert options["userVerification"] == "required"
    assert proved.status_code == 200, proved.get_json()
    assert set(proved.get_json()) == {"verified_at", "until"}
    assert client.post("/api/v1/me/passkeys/begin", headers=H).status_code == 200
    with sessions() as s:
        last = s.scalars(select(AuditEvent).order_by(AuditEvent.seq.desc()).limit(1)).one()
    assert last.action == "identity.stepped_up"


def test_7_5_1_someone_elses_passkey_or_a_revoked_one_proves_nothing(app, sessions) -> None:  # type: ignore[no-untyped-def]
    client, device, me = person(app)
    _, other_device, _ = person(app, name="PC Other")
    _age(sessions, me["user"]["id"])
    _, refused = _step_up(client, other_device)
    assert refused.status_code == 401
    assert refused.get_json()["code"] == "webauthn.invalid"
    # A proof made on another site, or without user verification, is refused.
    _, elsewhere = _step_up(client, device, origin="http://evil.example")
    assert elsewhere.status_code == 401
    device.user_verified = False
    _, unverified = _step_up(client, device)
    assert unverified.status_code == 401
    device.user_verified = True
    _refused_for_step_up(client.post("/api/v1/me/passkeys/begin", headers=H))
    # The challenge is single use: replaying a good answer fails.
    begin = client.post("/api/v1/auth/step-up/begin", headers=H).get_json()
    answer = device.get(begin)
    ok = client.post("/api/v1/auth/step-up/finish", json={"credential": answer}, headers=H)
    assert ok.status_code == 200
    again = client.post("/api/v1/auth/step-up/finish", json={"credential": answer}, headers=H)
    assert again.status_code == 400


def test_7_2_4_a_step_up_gives_the_session_a_new_token(app, sessions) -> None:  # type: ignore[no-untyped-def]
    client, device, me = person(app)
    before = client.get_cookie("frontline_session").value
    _age(sessions, me["user"]["id"])
    assert _step_up(client, device)[1].status_code == 200
    after = client.get_cookie("frontline_session").value
    assert after != before
    assert client.post("/api/v1/me/passkeys/begin", headers=H).status_code == 200
    stale = app.test_client()
    stale.set_cookie("frontline_session", before)
    assert stale.get("/api/v1/me").status_code == 401


def test_7_5_1_a_step_up_in_one_session_opens_nothing_in_another(app, sessions) -> None:  # type: ignore[no-untyped-def]
    from tests.factories import sign_in

    phone, device, me = person(app)
    desk = app.test_client()
    assert sign_in(desk, device).status_code == 200
    _age(sessions, me["user"]["id"])
    assert _step_up(phone, device)[1].status_code == 200
    assert phone.post("/api/v1/me/passkeys/begin", headers=H).status_code == 200
    _refused_for_step_up(desk.post("/api/v1/me/passkeys/begin", headers=H))


def test_7_5_3_exports_and_admin_changes_need_it_protective_actions_do_not(app, sessions) -> None:  # type: ignore[no-untyped-def]
    admin, admin_device, admin_me = person(
        app, agency="Riverside Police", roles=("agency_admin",), name="Admin"
    )
    auditor, auditor_device, auditor_me = person(
        app, agency=PARTNERSHIP, roles=("auditor",), name="Aud"
    )
    staff, _, staff_me = person(app, name="PC Staff")
    _age(sessions, admin_me["user"]["id"])
    _age(sessions, auditor_me["user"]["id"])
    invite = {"name": "PC New", "roles": ["recorder"]}
    _refused_for_step_up(admin.post("/api/v1/admin/invites", json=invite, headers=H))
    # Disabling protects; it goes through at once.
    user_id = staff_me["user"]["id"]
    assert admin.post(f"/api/v1/admin/users/{user_id}/disable", headers=H).status_code == 200
    _refused_for_step_up(admin.post(f"/api/v1/admin/users/{user_id}/enable", headers=H))
    # Revoking a colleague's passkey clears the way for a recovery: it needs the proof.
    key = staff_me["passkeys"][0]["id"]
    _refused_for_step_up(admin.post(f"/api/v1/admin/passkeys/{key}/revoke", headers=H))
    assert _step_up(admin, admin_device)[1].status_code == 200
    assert admin.post(f"/api/v1/admin/passkeys/{key}/revoke", headers=H).status_code == 200
    assert admin.post("/api/v1/admin/invites", json=invite, headers=H).status_code == 201
    assert admin.post(f"/api/v1/admin/users/{user_id}/enable", headers=H).status_code == 200
    # The auditor reads the review on screen freely; the CSV export needs the proof.
    path = f"/api/v1/audit/people/{user_id}"
    assert auditor.get(path).status_code == 200
    _refused_for_step_up(auditor.get(path + "?format=csv"))
    assert _step_up(auditor, auditor_device)[1].status_code == 200
    exported = auditor.get(path + "?format=csv")
    assert exported.status_code == 200
    assert exported.mimetype == "text/csv"


def test_7_5_1_loading_routing_rules_needs_it(app, sessions) -> None:  # type: ignore[no-untyped-def]
    admin, device, me = person(app, agency=PARTNERSHIP, roles=("agency_admin",), name="P Admin")
    _age(sessions, me["user"]["id"])
    _refused_for_step_up(admin.post("/api/v1/admin/rules", json={"source": "x"}, headers=H))
    assert _step_up(admin, device)[1].status_code == 200
    # Past the step-up, the rules are read and their mistakes reported.
    assert admin.post("/api/v1/admin/rules", json={"source": "x"}, headers=H).status_code == 422


def test_7_5_1_a_request_in_flight_does_not_bring_back_a_spent_challenge(app, sessions) -> None:  # type: ignore[no-untyped-def]
    client, device, me = person(app)
    _age(sessions, me["user"]["id"])
    # A page's ordinary request sent while a step-up began carries the browser's cookie as
    # it was; its answer must not write that cookie back over the new challenge's.
    client.post("/api/v1/auth/step-up/begin", headers=H)
    stale = client.get_cookie(app.config["SESSION_COOKIE_NAME"])
    assert stale is not None
    options = client.post("/api/v1/auth/step-up/begin", headers=H).get_json()
    fresh = client.get_cookie(app.config["SESSION_COOKIE_NAME"])
    in_flight = app.test_client()
    for cookie in client._cookies.values():  # the same browser's other cookies
        in_flight.set_cookie(cookie.key, cookie.value)
    in_flight.set_cookie(stale.key, stale.value)
    answer = in_flight.get("/api/v1/me")
    assert answer.status_code == 200
    assert not [c for c in answer.headers.getlist("Set-Cookie") if c.startswith(stale.key)]
    # The step-up finishes with the challenge it was given.
    client.set_cookie(fresh.key, fresh.value)
    done = client.post(
        "/api/v1/auth/step-up/finish", json={"credential": device.get(options)}, headers=H
    )
    assert done.status_code == 200, done.get_json()
