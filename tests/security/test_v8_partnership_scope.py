"""A partnership admin's powers stop at their partnership (ASVS 8.2.2, 8.4.1): with two
partnerships on one server, an admin of one cannot invite into, list, revoke, recover,
approve for or load rules for the other's agencies and people."""

from __future__ import annotations

from sqlalchemy import select

from backend.models import Agency, AgencyKind, Inbox, Partnership, RuleSetRecord
from backend.services.rules import default_rules_text
from tests.factories import H, make_partnership, person

RIVERSIDE = "Riverside Safeguarding Children Partnership"
NORTH = "Northshire Safeguarding Partnership"


def _northshire(sessions) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """A second partnership on the same server (no rules of its own loaded yet)."""
    make_partnership(sessions)
    with sessions() as s:
        north = Partnership(name=NORTH)
        office = Agency(name="Northshire Partnership Office", kind=AgencyKind.PARTNERSHIP)
        police = Agency(name="Northshire Police", kind=AgencyKind.POLICE)
        police.inboxes.append(Inbox(name="Child Exploitation Team"))
        north.agencies.extend([office, police])
        s.add(north)
        s.flush()
        s.commit()
        return {"police": str(police.id), "office": str(office.id)}


def test_8_2_2_a_partnership_admin_cannot_reach_another_partnership(app, sessions) -> None:  # type: ignore[no-untyped-def]
    ids = _northshire(sessions)
    p1, _, _ = person(app, agency=RIVERSIDE, roles=("agency_admin",), name="Riverside Admin")
    p2, _, _ = person(app, agency="Northshire Partnership Office", roles=("agency_admin",),
                      name="North Admin")  # fmt: skip
    _, _, officer = person(app, agency="Northshire Police", name="PC North")
    # Invite into the other partnership's agency: refused.
    mole = {"name": "Mole", "roles": ["recorder"], "agency_id": ids["police"]}
    r = p1.post("/api/v1/admin/invites", headers=H, json=mole)
    assert r.status_code in (403, 422), r.get_json()
    # Its people and invitations are not listed.
    names = {u["name"] for u in p1.get("/api/v1/admin/users").get_json()["items"]}
    assert "PC North" not in names
    assert "North Admin" not in names
    agencies = {i["agency"] for i in p1.get("/api/v1/admin/invites").get_json()["items"]}
    assert not {"Northshire Police", "Northshire Partnership Office"} & agencies
    # Revoke, disable, recover: no such person for them.
    key = officer["passkeys"][0]["id"]
    assert p1.post(f"/api/v1/admin/passkeys/{key}/revoke", headers=H).status_code == 404
    user = officer["user"]["id"]
    assert p1.post(f"/api/v1/admin/users/{user}/disable", headers=H).status_code == 404
    assert p2.post(f"/api/v1/admin/passkeys/{key}/revoke", headers=H).status_code == 200
    r = p1.post(f"/api/v1/admin/users/{user}/recovery", headers=H,
                json={"identity_check": "photo_id_in_person"})  # fmt: skip
    assert r.status_code == 404
    # The other partnership's approvals are neither listed nor decidable.
    asked = p2.post(f"/api/v1/admin/users/{user}/recovery", headers=H,
                    json={"identity_check": "photo_id_in_person"})  # fmt: skip
    assert asked.status_code == 202, asked.get_json()
    north_invite = p2.post("/api/v1/admin/invites", headers=H,
                           json={"name": "North Lead", "roles": ["agency_lead"],
                                 "agency_id": ids["police"]}).get_json()  # fmt: skip
    kek = p2.post("/api/v1/admin/approvals", json={"action": "kek_rotation"}, headers=H)
    listed = {a["id"] for a in p1.get("/api/v1/admin/approvals").get_json()["items"]}
    theirs = [asked.get_json()["id"], kek.get_json()["id"]]
    assert not listed & set(theirs)
    for approval in theirs:
        r = p1.post(f"/api/v1/admin/approvals/{approval}/approve", headers=H)
        assert r.status_code == 404, r.get_json()
    invites = {a["grant"].get("person") for a in
               p1.get("/api/v1/admin/approvals").get_json()["items"]}  # fmt: skip
    assert "North Lead" not in invites
    assert north_invite["id"]
    # Rules: a file naming the other partnership is refused; theirs stay as they were.
    source = default_rules_text().replace(RIVERSIDE, NORTH)
    r = p1.post("/api/v1/admin/rules", json={"source": source}, headers=H)
    assert r.status_code == 422, r.get_json()
    with sessions() as s:
        north = s.scalar(select(Partnership.id).where(Partnership.name == NORTH))
        assert (
            s.scalars(select(RuleSetRecord).where(RuleSetRecord.partnership_id == north)).all()
            == []
        )
