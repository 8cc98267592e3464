"""A lost passkey is recovered as securely as enrolment (ASVS 6.4.4): the lost passkeys
are revoked first, then an admin of the person's agency, having checked who is asking,
asks for a recovery; a second admin approves it and is given the single-use ticket;
enrolling with it gives the same person a new passkey."""

from __future__ import annotations

import secrets
import uuid

from sqlalchemy import select, update

from backend.models import AuditEvent, Passkey, utcnow
from tests.authenticator import SoftAuthenticator
from tests.factories import H, person

CHECK = {"identity_check": "line_manager_in_person"}


def _ticket(admin, user_id: str, body: dict | None = None):  # type: ignore[no-untyped-def,type-arg]
    """Ask for a recovery (the asker is never given the link)."""
    return admin.post(f"/api/v1/admin/users/{user_id}/recovery", json=body or CHECK, headers=H)


def recover(asker, approver, user_id: str) -> str:  # type: ignore[no-untyped-def]
    """One admin asks, a second approves and is handed the ticket's token."""
    asked = _ticket(asker, user_id)
    assert asked.status_code == 202, asked.get_json()
    r = approver.post(f"/api/v1/admin/approvals/{asked.get_json()['id']}/approve", headers=H)
    assert r.status_code == 200, r.get_json()
    return r.get_json()["ticket"]["token"]  # type: ignore[no-any-return]


def _enrol(client, token: str, device: SoftAuthenticator):  # type: ignore[no-untyped-def]
    begin = client.post("/api/v1/auth/enrol/begin", json={"invite": token}, headers=H)
    if begin.status_code != 200:
        return begin
    return client.post(
        "/api/v1/auth/enrol/finish",
        json={"invite": token, "credential": device.create(begin.get_json())},
        headers=H,
    )


def _actions(sessions) -> list[str]:  # type: ignore[no-untyped-def]
    with sessions() as s:
        return list(s.scalars(select(AuditEvent.action).order_by(AuditEvent.seq)))


def test_6_4_4_no_ticket_while_a_lost_passkey_is_live(app) -> None:  # type: ignore[no-untyped-def]
    admin, _, _ = person(app, roles=("agency_admin",), name="Police Admin")
    _, _, lost = person(app, name="PC Lost Phone")
    refused = _ticket(admin, lost["user"]["id"])
    assert refused.status_code == 409
    assert refused.get_json()["code"] == "recovery.passkeys_live"
    bad = _ticket(admin, lost["user"]["id"], {"identity_check": "they seemed nice"})
    assert bad.status_code == 422
    assert "identity_check" in bad.get_json()["errors"]


def test_6_4_4_revoke_then_ticket_then_the_same_person_signs_in_again(app, sessions) -> None:  # type: ignore[no-untyped-def]
    admin, _, _ = person(app, roles=("agency_admin",), name="Police Admin")
    second, _, _ = person(app, roles=("agency_admin",), name="Second Police Admin")
    old_client, _, lost = person(app, name="PC Lost Phone")
    user_id, key = lost["user"]["id"], lost["passkeys"][0]["id"]
    assert admin.post(f"/api/v1/admin/passkeys/{key}/revoke", headers=H).status_code == 200
    token = recover(admin, second, user_id)
    new_phone, new_client = SoftAuthenticator(), app.test_client()
    signed_in = _enrol(new_client, token, new_phone)
    assert signed_in.status_code == 200, signed_in.get_json()
    me = signed_in.get_json()
    # The same person, with their roles and agency; a new passkey, the old one revoked.
    assert me["user"] == lost["user"]
    assert me["roles"] == lost["roles"]
    live = [p for p in me["passkeys"] if not p["revoked_at"]]
    assert [p["name"] for p in live] == ["Recovered passkey"]
    assert old_client.get("/api/v1/me").status_code == 401
    # The ticket is spent.
    again = _enrol(app.test_client(), token, SoftAuthenticator())
    assert again.status_code == 410
    actions = _actions(sessions)
    assert actions.index("identity.passkey_revoked") < actions.index("identity.recovery_issued")
    assert actions.index("identity.recovery_issued") < actions.index("identity.recovered")


def test_6_4_4_one_ticket_at_a_time_used_once_and_never_beside_a_live_passkey(
    app, sessions
) -> None:  # type: ignore[no-untyped-def]
    from tests.factories import sign_in

    admin, _, _ = person(app, roles=("agency_admin",), name="Police Admin")
    second, _, _ = person(app, roles=("agency_admin",), name="Second Police Admin")
    _, device, lost = person(app, name="PC Found It")
    key = lost["passkeys"][0]["id"]
    assert admin.post(f"/api/v1/admin/passkeys/{key}/revoke", headers=H).status_code == 200
    older = recover(admin, second, lost["user"]["id"])
    newer = recover(admin, second, lost["user"]["id"])
    withdrawn = _enrol(app.test_client(), older, SoftAuthenticator())
    assert withdrawn.status_code == 410
    assert withdrawn.get_json()["code"] == "invite.withdrawn"
    # Should a passkey of theirs be live again (here set by hand, as a fault would), the
    # ticket is refused and stays unused.
    with sessions() as s:
        s.execute(update(Passkey).where(Passkey.id == uuid.UUID(key)).values(revoked_at=None))
        s.commit()
    refused = _enrol(app.test_client(), newer, SoftAuthenticator())
    assert refused.status_code == 409
    assert refused.get_json()["code"] == "recovery.passkeys_live"
    with sessions() as s:
        s.execute(update(Passkey).where(Passkey.id == uuid.UUID(key)).values(revoked_at=utcnow()))
        s.commit()
    assert _enrol(app.test_client(), newer, SoftAuthenticator()).status_code == 200
    assert sign_in(app.test_client(), device).status_code == 401  # the lost one stays out


def test_6_4_4_only_the_persons_agency_admin_and_never_for_oneself(app) -> None:  # type: ignore[no-untyped-def]
    other_admin, _, _ = person(
        app, agency="Riverside Health", roles=("agency_admin",), name="Health Admin"
    )
    admin, _, admin_me = person(app, roles=("agency_admin",), name="Police Admin")
    _, _, lost = person(app, name="PC Lost")
    key = lost["passkeys"][0]["id"]
    assert admin.post(f"/api/v1/admin/passkeys/{key}/revoke", headers=H).status_code == 200
    assert _ticket(other_admin, lost["user"]["id"]).status_code == 404
    assert _ticket(admin, admin_me["user"]["id"]).status_code == 409
    # Nor can the other agency's admin approve (or see) a recovery asked in this one.
    asked = _ticket(admin, lost["user"]["id"]).get_json()
    r = other_admin.post(f"/api/v1/admin/approvals/{asked['id']}/approve", headers=H)
    assert r.status_code == 404
    recorder, _, _ = person(app, name="PC Not Admin")
    assert _ticket(recorder, lost["user"]["id"]).status_code == 403
    # Without a ticket there is no way back in: an unknown token is refused.
    unknown = _enrol(app.test_client(), secrets.token_urlsafe(32), SoftAuthenticator())
    assert unknown.status_code == 404


def test_6_4_4_one_recovery_waits_at_a_time_for_a_person(app) -> None:  # type: ignore[no-untyped-def]
    # Two admins (or one, twice) asking for the same person would leave a second approver
    # free to make a second link: the second ask is refused while the first waits.
    admin, _, _ = person(app, roles=("agency_admin",), name="Police Admin")
    other, _, _ = person(app, roles=("agency_admin",), name="Other Police Admin")
    _, _, lost = person(app, name="PC Lost Twice")
    user_id = lost["user"]["id"]
    assert (
        admin.post(
            f"/api/v1/admin/passkeys/{lost['passkeys'][0]['id']}/revoke", headers=H
        ).status_code
        == 200
    )
    first = _ticket(admin, user_id)
    assert first.status_code == 202, first.get_json()
    for asker in (admin, other):
        again = _ticket(asker, user_id)
        assert again.status_code == 409
        assert again.headers["Content-Type"].startswith("application/problem+json")
        assert again.get_json()["code"] == "recovery.already_asked"
    pending = [
        a
        for a in other.get("/api/v1/admin/approvals").get_json()["items"]
        if a["action"] == "recovery" and a["status"] == "pending"
    ]
    assert len(pending) == 1
    # Once the first is refused, a new ask is heard.
    assert (
        other.post(
            f"/api/v1/admin/approvals/{first.get_json()['id']}/reject", headers=H
        ).status_code
        == 200
    )
    assert _ticket(admin, user_id).status_code == 202


def test_6_4_4_a_recovery_no_longer_needed_is_not_approved_and_says_so(app, sessions) -> None:  # type: ignore[no-untyped-def]
    admin, _, _ = person(app, roles=("agency_admin",), name="Police Admin")
    second, _, _ = person(app, roles=("agency_admin",), name="Second Police Admin")
    _, _, lost = person(app, name="PC Found It Again")
    key = lost["passkeys"][0]["id"]
    assert admin.post(f"/api/v1/admin/passkeys/{key}/revoke", headers=H).status_code == 200
    asked = _ticket(admin, lost["user"]["id"]).get_json()
    # Meanwhile a passkey of theirs is live again (set by hand, as an added one would be).
    with sessions() as s:
        s.execute(update(Passkey).where(Passkey.id == uuid.UUID(key)).values(revoked_at=None))
        s.commit()
    r = second.post(f"/api/v1/admin/approvals/{asked['id']}/approve", headers=H)
    assert r.status_code == 409
    problem = r.get_json()
    assert problem["code"] == "recovery.passkeys_live"
    assert "no longer needed" in problem["detail"]
    assert "ticket" not in problem["detail"]
    assert "ticket" not in r.get_data(as_text=True)
