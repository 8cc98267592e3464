"""Four eyes on high-value actions (ASVS 2.3.5): granting inbox access, KEK rotation,
erasure and bulk export wait for a second, distinct admin; the asker can never approve.
(The operator commands' side: tests/cli/test_commands.py, and in tests/services/records/,
test_retention.py and test_subject_access.py.)"""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy import update

from backend.models import Approval, utcnow
from tests.factories import H, person

PARTNERSHIP = "Riverside Safeguarding Children Partnership"


def test_2_3_5_a_refused_grant_withdraws_the_invitation(app, sessions) -> None:  # type: ignore[no-untyped-def]
    from tests.services.identity.test_invites import _inbox

    admin, _, _ = person(app, roles=("agency_admin",), name="Police Admin")
    second, _, _ = person(app, roles=("agency_admin",), name="Second Police Admin")
    body = {
        "name": "DC Pending",
        "roles": ["inbox_member"],
        "inboxes": [_inbox(sessions, "Riverside Police", "Missing Persons")],
    }
    issued = admin.post("/api/v1/admin/invites", json=body, headers=H).get_json()
    (waiting,) = [
        a
        for a in second.get("/api/v1/admin/approvals").get_json()["items"]
        if a["target"] == [issued["id"]]
    ]
    assert waiting["yours"] is False
    refused = second.post(f"/api/v1/admin/approvals/{waiting['id']}/reject", headers=H)
    assert refused.get_json()["status"] == "rejected"
    r = app.test_client().post(
        "/api/v1/auth/enrol/begin", json={"invite": issued["token"]}, headers=H
    )
    assert (r.status_code, r.get_json()["code"]) == (410, "invite.withdrawn")
    # An invitation that grants no inbox needs no second admin.
    plain = admin.post(
        "/api/v1/admin/invites", json={"name": "PC Plain", "roles": ["recorder"]}, headers=H
    ).get_json()
    ok = app.test_client().post(
        "/api/v1/auth/enrol/begin", json={"invite": plain["token"]}, headers=H
    )
    assert ok.status_code == 200


def test_2_3_5_operator_actions_are_asked_for_by_partnership_admins_only(app, sessions) -> None:  # type: ignore[no-untyped-def]
    agency_admin, _, _ = person(app, roles=("agency_admin",), name="Police Admin")
    asked = agency_admin.post("/api/v1/admin/approvals", json={"action": "kek_rotation"}, headers=H)
    assert asked.status_code == 403
    lead, _, _ = person(app, agency=PARTNERSHIP, roles=("agency_admin",), name="P Admin 1")
    for bad in (
        {"action": "kek_rotation", "ids": [str(uuid.uuid4())]},
        {"action": "retention_erase", "ids": []},
        {"action": "retention_erase", "ids": ["not-an-id"]},
        {"action": "subject_export", "ids": [str(uuid.uuid4()), str(uuid.uuid4())]},
        {"action": "launch_missiles"},
    ):
        r = lead.post("/api/v1/admin/approvals", json=bad, headers=H)
        assert r.status_code == 422, (bad, r.get_json())
    ok = lead.post("/api/v1/admin/approvals", json={"action": "kek_rotation"}, headers=H)
    assert ok.status_code == 201
    approval = ok.get_json()
    # An agency admin can neither see nor decide the partnership's operator actions.
    assert approval["id"] not in {
        a["id"] for a in agency_admin.get("/api/v1/admin/approvals").get_json()["items"]
    }
    r = agency_admin.post(f"/api/v1/admin/approvals/{approval['id']}/approve", headers=H)
    assert r.status_code == 404
    # Unanswered for a day, it lapses.
    with sessions() as s:
        s.execute(
            update(Approval)
            .where(Approval.id == uuid.UUID(approval["id"]))
            .values(expires_at=utcnow() - timedelta(seconds=1))
        )
        s.commit()
    other, _, _ = person(app, agency=PARTNERSHIP, roles=("agency_admin",), name="P Admin 2")
    late = other.post(f"/api/v1/admin/approvals/{approval['id']}/approve", headers=H)
    assert late.status_code == 409
    assert "expired" in late.get_json()["detail"]
