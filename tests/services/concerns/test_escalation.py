"""Escalation over simulated time: missed deadlines climb the chain, once, and stop."""

from __future__ import annotations

import threading
import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select

from backend.models import AuditEvent, Delivery
from backend.services.concerns.escalation import sweep
from tests.factories import H, person
from tests.services.concerns.test_inbox import C, P, items, record, worker
from tests.services.concerns.test_inbox import constable as constable  # noqa: F401 - fixture

AMY = {"given_name": "Amy", "approx_age": 15, "legal_status": "none_known"}


def routed(sessions: Any, cid: str) -> dict[str, Delivery]:
    with sessions() as s:
        rows = s.scalars(
            select(Delivery).where(
                Delivery.concern_id == uuid.UUID(cid), Delivery.root_id.is_(None)
            )
        ).all()
        return {_label(s, d): d for d in rows}


def _label(s: Any, d: Delivery) -> str:
    from backend.services.concerns.escalation import label

    return label(s, d)


def escalations(sessions: Any, cid: str) -> list[tuple[int, str, str]]:
    with sessions() as s:
        rows = s.scalars(
            select(Delivery)
            .where(Delivery.concern_id == uuid.UUID(cid), Delivery.root_id.is_not(None))
            .order_by(Delivery.step, Delivery.created_at)
        ).all()
        return [(d.step, d.cause or "", _label(s, d)) for d in rows]


def test_unacknowledged_deliveries_climb_the_chain_at_the_right_moments(  # type: ignore[no-untyped-def]
    app, sessions, constable
) -> None:
    cid = record(app, constable, categories=["neglect"], level="significant_harm")
    (mash,) = routed(sessions, cid).values()
    start: datetime = mash.created_at
    assert mash.ack_due - start == timedelta(hours=1)

    assert sweep(sessions, now=start + timedelta(minutes=59)).escalations == 0
    first = sweep(sessions, now=start + timedelta(minutes=61))
    assert (first.chains, first.escalations) == (1, 1)  # MASH's own supervisors = MASH manager
    assert escalations(sessions, cid) == [(1, "acknowledge", "MASH (supervisors)")]
    # The same moment swept again escalates nothing more.
    assert sweep(sessions, now=start + timedelta(minutes=61)).escalations == 0
    # Each step has its own hour.
    assert sweep(sessions, now=start + timedelta(minutes=120)).escalations == 0
    sweep(sessions, now=start + timedelta(minutes=122))
    sweep(sessions, now=start + timedelta(minutes=183))
    assert escalations(sessions, cid) == [
        (1, "acknowledge", "MASH (supervisors)"),
        (2, "acknowledge", "Riverside Children's Social Care safeguarding lead"),
        (3, "acknowledge", "Partnership Leads"),
    ]
    # The top of the chain has it; there is nowhere higher to go.
    assert sweep(sessions, now=start + timedelta(hours=6)).escalations == 0
    with sessions() as s:
        root = s.get(Delivery, mash.id)
        assert root.status == "escalated"
        assert root.escalated_at is not None
        assert root.next_deadline is None
        steps = s.scalars(select(AuditEvent).where(AuditEvent.action == "delivery.escalated")).all()
        assert len(steps) == 3
    lead, _, _ = person(
        app,
        agency="Riverside Safeguarding Children Partnership",
        roles=("partnership_lead",),
        inboxes=("Partnership Leads",),
        name="Dr Lead",
    )
    (top,) = items(lead, "Partnership Leads")
    assert top["concern_id"] == cid
    assert top["step"] == 3
    assert top["reason"].startswith("Acknowledgement overdue in MASH since")
    # Delivered to the leads, they may open it (and the read is audited).
    assert lead.get(f"/api/v1/concerns/{cid}?purpose=escalation_review").status_code == 200


def test_acknowledging_stops_the_climb_and_starts_the_decision_clock(  # type: ignore[no-untyped-def]
    app, sessions, constable
) -> None:
    cid = record(app, constable, categories=["neglect"], level="significant_harm")
    (mash,) = routed(sessions, cid).values()
    start = mash.created_at
    sweep(sessions, now=start + timedelta(minutes=61))
    manager = worker(app, C, "MASH", "inbox_supervisor")
    member = worker(app, C, "MASH")
    # A plain member does not see what was sent to the supervisors.
    assert [i["step"] for i in items(member, "MASH")] == [0]
    pending = {i["step"]: i for i in items(manager, "MASH")}
    assert set(pending) == {0, 1}
    r = manager.post(f"/api/v1/deliveries/{pending[1]['id']}/acknowledge", headers=H)
    assert r.status_code == 200
    # Picked up by the MASH manager: the acknowledgement no longer climbs ...
    assert sweep(sessions, now=start + timedelta(minutes=125)).escalations == 0
    assert [e[0] for e in escalations(sessions, cid)] == [1]
    # ... but the decision is still due the same day, and climbs if missed.
    with sessions() as s:
        root = s.get(Delivery, mash.id)
        assert (root.clock, root.next_deadline) == ("decide", root.decision_due)
        decision_due = root.decision_due
    assert sweep(sessions, now=decision_due + timedelta(seconds=1)).escalations == 1
    assert escalations(sessions, cid)[-1] == (1, "decide", "MASH (supervisors)")
    # A decision ends the chain: open escalations close, nothing climbs again.
    decided = member.post(
        f"/api/v1/deliveries/{mash.id}/decision",
        json={
            "outcome": "child_in_need_assessment",
            "reasons": "Assessment opened.",
            "feedback": "An assessment is under way.",
        },
        headers=H,
    )
    assert decided.status_code == 200
    assert sweep(sessions, now=decision_due + timedelta(days=3)).escalations == 0
    with sessions() as s:
        still_open = s.scalar(
            select(func.count())
            .select_from(Delivery)
            .where(Delivery.concern_id == uuid.UUID(cid), Delivery.is_open.is_(True))
        )
        assert still_open == 0
    mine = constable[0].get("/api/v1/concerns/mine").get_json()["items"][0]["deliveries"]
    assert {(d["kind"], d["inbox"]) for d in mine} == {
        ("routed", "MASH"),
        ("escalation", "MASH (supervisors)"),
    }
    assert next(d for d in mine if d["kind"] == "routed")["outcome"] == "child_in_need_assessment"


def test_acknowledged_in_time_nothing_escalates(app, sessions, constable) -> None:  # type: ignore[no-untyped-def]
    cid = record(app, constable, categories=["neglect"], level="immediate_danger", subject=AMY)
    roots = routed(sessions, cid)
    assert set(roots) == {"Police Control Room", "MASH"}
    control = worker(app, P, "Police Control Room")
    mash = worker(app, C, "MASH")
    for client, name in ((control, "Police Control Room"), (mash, "MASH")):
        (item,) = items(client, name)
        r = client.post(f"/api/v1/deliveries/{item['id']}/acknowledge", headers=H)
        assert r.status_code == 200
    start = roots["MASH"].created_at
    assert sweep(sessions, now=start + timedelta(minutes=16)).escalations == 0
    assert escalations(sessions, cid) == []


def test_concurrent_sweeps_escalate_each_delivery_exactly_once(app, sessions, constable) -> None:  # type: ignore[no-untyped-def]
    for _ in range(12):
        # Twelve different children with nothing in common: no alert adds deliveries.
        record(
            app,
            constable,
            categories=["neglect"],
            level="immediate_danger",
            subject=AMY,
            associated=[],
        )
    with sessions() as s:
        roots = s.scalar(select(func.count()).select_from(Delivery))
        latest = s.scalar(select(func.max(Delivery.created_at)))
    assert roots == 24  # control room and MASH for each
    later = latest + timedelta(minutes=16)
    results: list[Any] = []
    errors: list[BaseException] = []
    gate = threading.Barrier(4)

    def run() -> None:
        try:
            gate.wait()
            results.append(sweep(sessions, now=later, batch=5))
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sum(r.chains for r in results) == 24
    with sessions() as s:
        made = s.execute(
            select(Delivery.root_id, Delivery.audience, Delivery.inbox_id, func.count())
            .where(Delivery.root_id.is_not(None))
            .group_by(Delivery.root_id, Delivery.audience, Delivery.inbox_id)
        ).all()
        audited = s.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.action == "delivery.escalated")
        )
    # Control room: its supervisors and the MASH manager; MASH: its supervisors only.
    assert len(made) == 12 * 3
    assert {row[3] for row in made} == {1}
    assert audited == 24
