"""A partnership admin's powers stop at their partnership (ASVS 8.2.2, 8.4.1): with two
partnerships on one server, an admin of one cannot invite into, list, revoke, recover,
approve for or load rules for the other's agencies and people, see or retry its kept
envelopes, nor have its records erased or exported."""

from __future__ import annotations

import uuid

from click.testing import CliRunner
from sqlalchemy import select

from backend.cli import main
from backend.models import (
    Agency,
    AgencyKind,
    Approval,
    AuditEvent,
    Concern,
    Inbox,
    Partnership,
    RuleSetRecord,
    utcnow,
)
from backend.services.concerns.rules import db_load, default_rules_text
from backend.services.identity.approvals import db_request
from backend.services.records.audit import Actor
from tests.factories import H, envelope, make_concern, make_partnership, person, seal_payload, sync

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
    p2, _, _ = person(
        app, agency="Northshire Partnership Office", roles=("agency_admin",), name="North Admin"
    )
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
    r = p1.post(
        f"/api/v1/admin/users/{user}/recovery",
        headers=H,
        json={"identity_check": "photo_id_in_person"},
    )
    assert r.status_code == 404
    # The other partnership's approvals are neither listed nor decidable.
    asked = p2.post(
        f"/api/v1/admin/users/{user}/recovery",
        headers=H,
        json={"identity_check": "photo_id_in_person"},
    )
    assert asked.status_code == 202, asked.get_json()
    north_invite = p2.post(
        "/api/v1/admin/invites",
        headers=H,
        json={"name": "North Lead", "roles": ["agency_lead"], "agency_id": ids["police"]},
    ).get_json()
    kek = p2.post("/api/v1/admin/approvals", json={"action": "kek_rotation"}, headers=H)
    listed = {a["id"] for a in p1.get("/api/v1/admin/approvals").get_json()["items"]}
    theirs = [asked.get_json()["id"], kek.get_json()["id"]]
    assert not listed & set(theirs)
    for approval in theirs:
        r = p1.post(f"/api/v1/admin/approvals/{approval}/approve", headers=H)
        assert r.status_code == 404, r.get_json()
    invites = {
        a["grant"].get("person") for a in p1.get("/api/v1/admin/approvals").get_json()["items"]
    }
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


NORTH_RULES = f"""
format = "frontline.rules/1"
version = "northshire-1"
partnership = "{NORTH}"
timezone = "Europe/London"
fallback = "exploitation_team"

[inboxes]
exploitation_team = "Northshire Police / Child Exploitation Team"

[escalation]
steps = [["supervisors"]]
""" + "".join(
    f'\n[deadlines.{level}]\nacknowledge = "1h"\ndecide = "same_day"\n'
    for level in (
        "immediate_danger",
        "significant_harm",
        "child_in_need",
        "early_help",
        "information",
    )
)


def _northshire_concern(app, sessions) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    """A child's record in the second partnership: a concern accepted from its recorder."""
    with sessions() as s:
        north = s.scalar(select(Partnership).where(Partnership.name == NORTH))
        db_load(s, north, NORTH_RULES)
        s.commit()
    recorder, device, _ = person(app, agency="Northshire Police", name="PC North")
    (r,) = sync(recorder, envelope(app, device, make_concern()))
    assert r["status"] == "accepted", r
    with sessions() as s:
        subject = s.get(Concern, uuid.UUID(r["concern_id"])).subject_id
    return r["concern_id"], str(subject)


def _cli(config, *args: str) -> str:  # type: ignore[no-untyped-def]
    env = {
        "FRONTLINE_ENV": "test",
        "FRONTLINE_INSTANCE": str(config.instance_path),
        "DATABASE_URL": config.database_url,
        "FRONTLINE_SECRET_KEY": "s" * 40,
    }
    return CliRunner(env=env).invoke(main, list(args)).output


def test_8_2_2_a_partnership_admin_cannot_see_or_retry_another_partnerships_envelopes(
    app, sessions
) -> None:  # type: ignore[no-untyped-def]
    _northshire(sessions)
    p1, _, _ = person(app, agency=RIVERSIDE, roles=("agency_admin",), name="Riverside Admin")
    p2, _, _ = person(
        app, agency="Northshire Partnership Office", roles=("agency_admin",), name="North Admin"
    )
    recorder, device, _ = person(app, agency="Northshire Police", name="PC North")
    # An envelope without its recorder's proof: kept for review, rejected.
    unproven = make_concern()
    jwe = seal_payload(app, device, unproven, prove=False)
    (r,) = sync(recorder, {"client_id": unproven["client_id"], "jwe": jwe})
    assert r["status"] == "rejected", r
    theirs = p2.get("/api/v1/admin/quarantine").get_json()["items"]
    assert len(theirs) == 1  # its own partnership's admin sees it, by its recorder's agency
    receipt = theirs[0]["id"]
    assert p1.get("/api/v1/admin/quarantine").get_json()["items"] == []
    r = p1.post(f"/api/v1/admin/quarantine/{receipt}/retry", headers=H)
    assert r.status_code == 404, r.get_json()
    with sessions() as s:
        retries = s.scalars(
            select(AuditEvent).where(AuditEvent.action == "pipeline.retry_requested")
        ).all()
        assert retries == []
    assert p2.post(f"/api/v1/admin/quarantine/{receipt}/retry", headers=H).status_code == 200


def test_8_2_2_a_partnership_admin_cannot_erase_or_export_another_partnerships_records(
    app, sessions, config
) -> None:  # type: ignore[no-untyped-def]
    _northshire(sessions)
    concern_id, subject_id = _northshire_concern(app, sessions)
    asker, _, asker_me = person(app, agency=RIVERSIDE, roles=("agency_admin",), name="P1 Asker")
    colleague, _, _ = person(app, agency=RIVERSIDE, roles=("agency_admin",), name="P1 Colleague")
    wanted = {"retention_erase": concern_id, "subject_export": subject_id}
    # Asked for: refused, just as for a record that does not exist.
    for action, record in [*wanted.items(), ("retention_erase", str(uuid.uuid4()))]:
        r = asker.post(
            "/api/v1/admin/approvals", json={"action": action, "ids": [record]}, headers=H
        )
        assert (r.status_code, r.get_json()["code"]) == (422, "approval.target_unknown"), action
    # One that names them anyway (asked before the check existed): a P1 colleague cannot
    # approve it, and approved or not, the operator's command will not use it.
    with sessions() as s:
        office = s.scalar(select(Agency.id).where(Agency.name == RIVERSIDE))
        made = {
            action: db_request(
                s,
                Actor(user_id=uuid.UUID(asker_me["user"]["id"]), agency_id=office),
                action,
                record,
                office,
            )
            for action, record in wanted.items()
        }
        s.commit()
        ids = {action: str(a.id) for action, a in made.items()}
    for approval in ids.values():
        r = colleague.post(f"/api/v1/admin/approvals/{approval}/approve", headers=H)
        assert (r.status_code, r.get_json()["code"]) == (409, "approval.target_outside")
    with sessions() as s:
        for approval in ids.values():
            row = s.get(Approval, uuid.UUID(approval))
            assert row.approved is None
            row.approved, row.decided_at = True, utcnow()
        s.commit()
    erase = _cli(
        config,
        "retention",
        "erase",
        concern_id,
        "--reason",
        "x",
        "--confirm",
        "--approval",
        ids["retention_erase"],
    )
    assert "outside its asker's partnership" in erase, erase
    export = _cli(config, "export", "subject", subject_id, "--approval", ids["subject_export"])
    assert "outside its asker's partnership" in export, export
    with sessions() as s:
        assert s.get(Concern, uuid.UUID(concern_id)).data_key_id is not None
        assert all(s.get(Approval, uuid.UUID(a)).used_at is None for a in ids.values())
