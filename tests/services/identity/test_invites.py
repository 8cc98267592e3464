"""Agency admins invite into their own agency only; partnership admins into any."""

from __future__ import annotations

from sqlalchemy import select

from backend.models import Agency, Inbox
from tests.authenticator import SoftAuthenticator
from tests.factories import H, enrol, person


def _inbox(sessions, agency: str, name: str) -> str:  # type: ignore[no-untyped-def]
    with sessions() as s:
        a = s.scalar(select(Agency).where(Agency.name == agency))
        return str(s.scalar(select(Inbox.id).where(Inbox.agency_id == a.id, Inbox.name == name)))


def _agency(sessions, name: str) -> str:  # type: ignore[no-untyped-def]
    with sessions() as s:
        return str(s.scalar(select(Agency.id).where(Agency.name == name)))


def test_admin_invites_into_own_agency_and_the_link_enrols(app, sessions) -> None:  # type: ignore[no-untyped-def]
    admin, _, _ = person(app, roles=("agency_admin",), name="Police Admin")
    second, _, _ = person(app, roles=("agency_admin",), name="Second Police Admin")
    inbox = _inbox(sessions, "Riverside Police", "Missing Persons")
    r = admin.post(
        "/api/v1/admin/invites",
        headers=H,
        json={"name": "DC New", "roles": ["inbox_member"], "inboxes": [inbox]},
    )
    assert r.status_code == 201, r.get_json()
    issued = r.get_json()
    assert issued["url"] == f"http://localhost:8000/enrol#invite={issued['token']}"
    listed = admin.get("/api/v1/admin/invites").get_json()["items"]
    mine = next(i for i in listed if i["id"] == issued["id"])
    # Access to an inbox's records: the link works only once a second admin approves.
    assert mine["status"] == "awaiting_approval"
    assert "token" not in mine
    early = app.test_client().post(
        "/api/v1/auth/enrol/begin", json={"invite": issued["token"]}, headers=H
    )
    assert early.status_code == 409
    assert early.get_json()["code"] == "invite.awaiting_approval"
    (waiting,) = [
        a
        for a in admin.get("/api/v1/admin/approvals").get_json()["items"]
        if a["target"] == [issued["id"]]
    ]
    assert (waiting["action"], waiting["status"], waiting["yours"]) == (
        "access_grant",
        "pending",
        True,
    )
    own = admin.post(f"/api/v1/admin/approvals/{waiting['id']}/approve", headers=H)
    assert own.status_code == 409
    assert own.get_json()["code"] == "approval.same_person"
    other_agency, _, _ = person(app, agency="Riverside Health", roles=("agency_admin",), name="HA")
    assert (
        other_agency.post(f"/api/v1/admin/approvals/{waiting['id']}/approve", headers=H).status_code
        == 404
    )
    ok = second.post(f"/api/v1/admin/approvals/{waiting['id']}/approve", headers=H)
    assert ok.get_json()["status"] == "approved"
    twice = second.post(f"/api/v1/admin/approvals/{waiting['id']}/approve", headers=H)
    assert twice.get_json()["code"] == "approval.decided"
    listed = admin.get("/api/v1/admin/invites").get_json()["items"]
    assert next(i for i in listed if i["id"] == issued["id"])["status"] == "pending"
    me = enrol(app.test_client(), issued["token"], SoftAuthenticator())
    assert [i["name"] for i in me["inboxes"]] == ["Missing Persons"]
    listed = admin.get("/api/v1/admin/invites").get_json()["items"]
    assert next(i for i in listed if i["id"] == issued["id"])["status"] == "used"


def test_admin_cannot_invite_elsewhere_or_grant_partnership_roles(app, sessions) -> None:  # type: ignore[no-untyped-def]
    admin, _, _ = person(app, roles=("agency_admin",), name="Police Admin")
    health = _agency(sessions, "Riverside Health")
    r = admin.post(
        "/api/v1/admin/invites",
        headers=H,
        json={"name": "X", "roles": ["recorder"], "agency_id": health},
    )
    assert (r.status_code, r.get_json()["code"]) == (403, "forbidden.agency")
    r = admin.post("/api/v1/admin/invites", headers=H, json={"name": "X", "roles": ["auditor"]})
    assert (r.status_code, r.get_json()["code"]) == (403, "forbidden.role")
    mash = _inbox(sessions, "Riverside Children's Social Care", "MASH")
    r = admin.post(
        "/api/v1/admin/invites",
        headers=H,
        json={"name": "X", "roles": ["inbox_member"], "inboxes": [mash]},
    )
    assert (r.status_code, r.get_json()["code"]) == (422, "invite.inbox_not_in_agency")
    r = admin.post("/api/v1/admin/invites", headers=H, json={"name": "X", "roles": ["wizard"]})
    assert (r.status_code, r.get_json()["code"]) == (422, "validation.failed")
    assert "roles" in r.get_json()["errors"]


def test_partnership_admin_invites_into_any_agency(app, sessions) -> None:  # type: ignore[no-untyped-def]
    admin, _, _ = person(
        app,
        roles=("agency_admin",),
        name="Partnership Admin",
        agency="Riverside Safeguarding Children Partnership",
    )
    health = _agency(sessions, "Riverside Health")
    r = admin.post(
        "/api/v1/admin/invites",
        headers=H,
        json={"name": "Nurse", "roles": ["recorder"], "agency_id": health},
    )
    assert r.status_code == 201
    r = admin.post("/api/v1/admin/invites", headers=H, json={"name": "Aud", "roles": ["auditor"]})
    assert r.status_code == 201


def test_withdrawn_invite_cannot_enrol(app) -> None:  # type: ignore[no-untyped-def]
    admin, _, _ = person(app, roles=("agency_admin",), name="Police Admin")
    issued = admin.post(
        "/api/v1/admin/invites", headers=H, json={"name": "Y", "roles": ["recorder"]}
    ).get_json()
    assert (
        admin.post(f"/api/v1/admin/invites/{issued['id']}/withdraw", headers=H).status_code == 204
    )
    r = app.test_client().post(
        "/api/v1/auth/enrol/begin", json={"invite": issued["token"]}, headers=H
    )
    assert (r.status_code, r.get_json()["code"]) == (410, "invite.withdrawn")
    other, _, _ = person(app, roles=("agency_admin",), agency="Riverside Health", name="HA")
    assert (
        other.post(f"/api/v1/admin/invites/{issued['id']}/withdraw", headers=H).status_code == 404
    )
