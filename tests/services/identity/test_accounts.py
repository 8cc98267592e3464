"""Accounts: a new database has none, and disabling a person or removing a membership takes
effect on their next request, in every session they have."""

from __future__ import annotations

import uuid

from tests.factories import H, envelope, make_concern, person, sync


def test_7_4_2_8_3_2_disabling_a_person_ends_their_sessions_at_once(app, sessions) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy import func, select

    from backend.models import AuditEvent, PushSubscription

    admin, _, _ = person(app, roles=("agency_admin",), name="Police Admin")
    elsewhere, _, _ = person(app, roles=("agency_admin",), agency="Riverside Health", name="HA")
    user, _, profile = person(app, name="Leaver")
    second = app.test_client()
    second.set_cookie("frontline_session", user.get_cookie("frontline_session").value)
    assert user.get("/api/v1/me").status_code == 200
    uid = profile["user"]["id"] if "user" in profile else profile["id"]

    assert elsewhere.post(f"/api/v1/admin/users/{uid}/disable", headers=H).status_code == 404
    assert user.get("/api/v1/me").status_code == 200
    r = admin.post(f"/api/v1/admin/users/{uid}/disable", headers=H)
    assert (r.status_code, r.get_json()["status"]) == (200, "disabled")
    for client in (user, second):
        refused = client.get("/api/v1/me")
        assert refused.status_code == 401
        assert refused.get_json()["code"] in ("user.disabled", "session.ended")
    with sessions() as s:
        assert s.scalar(select(func.count()).select_from(PushSubscription)) == 0
        actions = set(s.scalars(select(AuditEvent.action)))
    assert "identity.user_disabled" in actions
    mine = admin.get("/api/v1/me").get_json()
    own = mine["user"]["id"] if "user" in mine else mine["id"]
    selfish = admin.post(f"/api/v1/admin/users/{own}/disable", headers=H)
    assert selfish.status_code == 409
    assert admin.post(f"/api/v1/admin/users/{uid}/enable", headers=H).get_json()["status"] == (
        "active"
    )


def test_8_3_2_a_membership_removed_applies_to_the_next_request(app, sessions) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy import delete

    from backend.models import Membership

    recorder, device, _ = person(app)
    (r,) = sync(recorder, envelope(app, device, make_concern()))
    worker, _, profile = person(
        app,
        agency="Riverside Children's Social Care",
        roles=("inbox_member",),
        inboxes=("MASH",),
        name="MASH worker",
    )
    path = f"/api/v1/concerns/{r['concern_id']}?purpose=assess_new_concern"
    assert worker.get(path).status_code == 200
    uid = profile["user"]["id"] if "user" in profile else profile["id"]
    with sessions() as s:
        s.execute(delete(Membership).where(Membership.user_id == uuid.UUID(uid)))
        s.commit()
    assert worker.get(path).status_code == 404  # same session, no cached rights
    assert worker.get("/api/v1/inboxes").get_json()["inboxes"] == []


def test_6_3_2_a_new_database_has_no_accounts(sessions) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy import func, select

    from backend.models import Invite, Passkey, User

    with sessions() as s:
        for model in (User, Passkey, Invite):
            assert s.scalar(select(func.count()).select_from(model)) == 0, model
