"""A person sees every place they are signed in and ends any of them, or all but this one,
without an administrator (ASVS 7.5.2, 7.4.3); ended sessions refuse the next request."""

from __future__ import annotations

from sqlalchemy import select

from backend.models import AuditEvent
from tests.authenticator import SoftAuthenticator
from tests.factories import H, person, sign_in
from tests.services.identity.test_revocation import _add_backup


def _listed(client) -> list[dict]:  # type: ignore[no-untyped-def,type-arg]
    r = client.get("/api/v1/me/sessions")
    assert r.status_code == 200, r.get_json()
    return r.get_json()["sessions"]  # type: ignore[no-any-return]


def _last_entry(sessions) -> AuditEvent:  # type: ignore[no-untyped-def]
    with sessions() as s:
        return s.scalars(select(AuditEvent).order_by(AuditEvent.seq.desc()).limit(1)).one()


def test_7_5_2_sessions_are_listed_with_their_passkey_and_which_is_this_one(app) -> None:  # type: ignore[no-untyped-def]
    phone_client, phone, _ = person(app)
    backup = SoftAuthenticator()
    _add_backup(phone_client, backup, "Desk key")
    desk = app.test_client()
    assert sign_in(desk, backup).status_code == 200
    on_phone, on_desk = _listed(phone_client), _listed(desk)
    assert {s["id"] for s in on_phone} == {s["id"] for s in on_desk}
    assert len(on_phone) == 2
    assert [s["passkey"]["name"] for s in on_desk] == ["Desk key", "First passkey"]  # newest first
    assert [s["current"] for s in on_desk] == [True, False]
    assert [s["current"] for s in on_phone] == [False, True]
    assert set(on_phone[0]) == {
        "id",
        "passkey",
        "created_at",
        "last_seen_at",
        "expires_at",
        "current",
    }
    # Someone else's sessions are not among them, and theirs do not show ours.
    other, _, _ = person(app, name="PC Other")
    assert {s["id"] for s in _listed(other)}.isdisjoint(s["id"] for s in on_phone)


def test_7_4_3_sign_out_everywhere_else(app, sessions) -> None:  # type: ignore[no-untyped-def]
    phone_client, phone, me = person(app)
    borrowed = app.test_client()
    assert sign_in(borrowed, phone).status_code == 200
    third = app.test_client()
    assert sign_in(third, phone).status_code == 200
    assert len(_listed(phone_client)) == 3
    r = phone_client.post("/api/v1/me/sessions/end-others", headers=H)
    assert r.status_code == 200
    assert r.get_json() == {"ended": 2}
    for gone in (borrowed, third):
        refused = gone.get("/api/v1/me")
        assert refused.status_code == 401
        assert refused.get_json()["code"] == "session.ended_elsewhere"
    assert [s["current"] for s in _listed(phone_client)] == [True]
    entry = _last_entry(sessions)
    assert entry.action == "identity.sessions_ended"
    assert entry.actor_id is not None
    assert str(entry.actor_id) == me["user"]["id"]
    assert '"count":2' in entry.detail
    assert '"this_one":false' in entry.detail
    # Nothing left to end: still an answer, and no entry.
    again = phone_client.post("/api/v1/me/sessions/end-others", headers=H)
    assert again.get_json() == {"ended": 0}
    assert _last_entry(sessions).seq == entry.seq


def test_7_4_3_end_one_session_and_this_one(app, sessions) -> None:  # type: ignore[no-untyped-def]
    phone_client, phone, _ = person(app)
    borrowed = app.test_client()
    assert sign_in(borrowed, phone).status_code == 200
    theirs = next(s for s in _listed(phone_client) if not s["current"])
    r = phone_client.post(f"/api/v1/me/sessions/{theirs['id']}/end", headers=H)
    assert r.status_code == 204
    assert borrowed.get("/api/v1/me").get_json()["code"] == "session.ended_elsewhere"
    # Ending it twice: no such open session.
    again = phone_client.post(f"/api/v1/me/sessions/{theirs['id']}/end", headers=H)
    assert again.status_code == 404
    assert again.get_json()["code"] == "not_found"
    (mine,) = _listed(phone_client)
    r = phone_client.post(f"/api/v1/me/sessions/{mine['id']}/end", headers=H)
    assert r.status_code == 204
    assert "expires=thu, 01 jan 1970" in r.headers.get("Set-Cookie", "").lower()  # cleared
    assert phone_client.get("/api/v1/me").status_code == 401


def test_8_2_2_cannot_end_someone_elses_session(app, sessions) -> None:  # type: ignore[no-untyped-def]
    victim_client, _, _ = person(app, name="PC Victim")
    (victims,) = _listed(victim_client)
    attacker, _, _ = person(app, name="PC Attacker", roles=("recorder", "agency_admin"))
    r = attacker.post(f"/api/v1/me/sessions/{victims['id']}/end", headers=H)
    assert r.status_code == 404
    assert r.get_json()["code"] == "not_found"
    assert victim_client.get("/api/v1/me").status_code == 200
    ended = attacker.post("/api/v1/me/sessions/end-others", headers=H).get_json()
    assert ended == {"ended": 0}
    assert victim_client.get("/api/v1/me").status_code == 200
