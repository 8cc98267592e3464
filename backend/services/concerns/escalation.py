"""Escalation: missed deadlines climb each delivery's chain, once, however many sweep.

A routed delivery carries its chain's clock (acknowledge, then decide), how many steps it
has climbed, and when it next falls due. A sweep takes only chains whose deadline passed —
on PostgreSQL with ``FOR UPDATE SKIP LOCKED``, so sweeps on many hosts share the work and
never take the same chain; on SQLite the write lock taken at BEGIN serialises them — and
for each makes new deliveries to the next step, each saying why it came, audited. The climb
stops when someone in the chain acknowledges (for the acknowledge clock) or decides. The
same sweep climbs challenges to decisions whose stage's deadline passed (``challenge_climb``).
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from backend.models import (
    NO_DEADLINE,
    Agency,
    Delivery,
    DeliveryStatus,
    Inbox,
    insert_into,
    utcnow,
)
from backend.routing.ruleset import Target, target_label
from backend.services.concerns.deliveries import delivery_row
from backend.services.concerns.push import db_queue_push
from backend.services.concerns.rules import db_active
from backend.services.records.audit import db_audit
from backend.services.suspicions import routing as suspicions

log = logging.getLogger("frontline.escalation")

CLOCK_WORDS = {"acknowledge": "Acknowledgement", "decide": "Decision"}


@dataclass(frozen=True)
class SweepResult:
    chains: int  # chains that fell due
    escalations: int  # deliveries made
    challenges: int = 0  # challenges that climbed a stage (``challenge_climb``)


def label(session: Session, delivery: Delivery) -> str:
    """Name a delivery's target as people read it."""
    return labels(session, [delivery])[delivery.id]


def labels(session: Session, deliveries: list[Delivery]) -> dict[uuid.UUID, str]:
    """Name many deliveries' targets with two queries (not one per delivery)."""
    inbox_ids = {d.inbox_id for d in deliveries if d.inbox_id is not None}
    agency_ids = {d.agency_id for d in deliveries if d.inbox_id is None}
    inboxes: dict[uuid.UUID, str] = {}
    agencies: dict[uuid.UUID, str] = {}
    if inbox_ids:
        query = select(Inbox.id, Inbox.name).where(Inbox.id.in_(inbox_ids))
        inboxes = {row[0]: row[1] for row in session.execute(query)}
    if agency_ids:
        query = select(Agency.id, Agency.name).where(Agency.id.in_(agency_ids))
        agencies = {row[0]: row[1] for row in session.execute(query)}
    return {
        d.id: target_label(
            agencies.get(d.agency_id, "agency"),
            inboxes.get(d.inbox_id, "inbox") if d.inbox_id is not None else None,
            d.audience,
        )
        for d in deliveries
    }


def _due(session: Session, now: datetime, batch: int) -> list[Delivery]:
    query = (
        select(Delivery)
        .where(Delivery.next_deadline <= now)
        .order_by(Delivery.next_deadline)
        .limit(batch)
    )
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    return list(session.scalars(query))


def _open_steps(session: Session, root: Delivery) -> list[Delivery]:
    return list(
        session.scalars(
            select(Delivery).where(
                Delivery.root_id == root.id,
                Delivery.cause == root.clock,
                Delivery.step == root.chain_step,
                Delivery.closed_at.is_(None),
            )
        )
    )


def db_escalate(session: Session, root: Delivery, now: datetime) -> int:
    """Climb one step of this chain; return how many deliveries it made."""
    cause = root.clock
    if cause is None:
        root.next_deadline = None
        return 0
    agency = session.get(Agency, root.agency_id)
    assert agency is not None  # noqa: S101
    active = db_active(session, agency.partnership_id)
    inbox = session.get(Inbox, root.inbox_id) if root.inbox_id else None
    steps = active.rules.chain_for(agency.name, inbox.name if inbox else None)
    missed = [root] if root.chain_step == 0 else _open_steps(session, root)
    for d in missed:
        d.escalated_at = now
        if d.status == DeliveryStatus.NEW.value:
            d.status = DeliveryStatus.ESCALATED.value
    if root.chain_step >= len(steps):
        root.next_deadline = None  # the top of the chain has it: nowhere higher to go
        return 0
    step = root.chain_step + 1
    targets: list[Target] = []
    for word in steps[step - 1]:
        if word == "supervisors" and inbox is None:
            continue  # an agency's leads have no supervisors above them but the next step
        target = active.rules.target(word, agency=agency.name, inbox=inbox.name if inbox else None)
        if target not in targets:
            targets.append(target)
    ack_span = active.rules.deadlines[root.level][0]
    ack_due = active.rules.calendar.due(now, ack_span)
    deadline = root.ack_due if cause == "acknowledge" else root.decision_due
    where = label(session, root)
    reason = (
        f"{CLOCK_WORDS[cause]} overdue in {where} since {deadline.isoformat() if deadline else ''}"
        f"; escalation step {step} of {len(steps)}"
    )
    rows = [
        delivery_row(
            active,
            t,
            concern_id=root.concern_id,
            level=root.level,
            ack_due=ack_due,
            decision_due=None,
            reason=reason,
            notes=[],
            now=now,
            root_id=root.id,
            step=step,
            cause=cause,
            alert_id=root.alert_id,
        )
        for t in targets
    ]
    for row in rows:
        row["clock"], row["next_deadline"] = None, None
    if rows:
        session.execute(insert_into(Delivery), rows)
    root.chain_step = step
    root.next_deadline = ack_due if rows else None
    db_audit(
        session,
        "delivery.escalated",
        records=[("concern", root.concern_id), ("delivery", root.id)]
        + [("delivery", r["id"]) for r in rows],
        detail={
            "cause": cause,
            "step": step,
            "from": where,
            "to": [t.label for t in targets],
        },
    )
    db_queue_push(
        session,
        rows,
        labels={r["id"]: t.label for r, t in zip(rows, targets, strict=True)},
        escalation=True,
    )
    return len(rows)


def sweep(
    sessions: sessionmaker[Session], *, now: datetime | None = None, batch: int = 200
) -> SweepResult:
    """Run one escalation sweep, deliveries then suspicions; safe to run on many hosts at
    once."""
    now = now or utcnow()
    chains = made = 0
    while True:
        with sessions() as session:
            due = _due(session, now, batch)
            if not due:
                break
            for root in due:
                made += db_escalate(session, root, now)
            session.commit()
            chains += len(due)
    # Unanswered suspicions climb their owner's chain in the same sweep (counted with it).
    taken, raised = suspicions.sweep(sessions, now=now, batch=batch)
    chains, made = chains + taken, made + raised
    from backend.services.concerns.challenge_climb import climb

    climbed = climb(sessions, now=now, batch=batch)
    if chains or climbed:
        log.info(
            "escalation.sweep",
            extra={"chains": chains, "escalations": made, "challenges": climbed},
        )
    return SweepResult(chains, made, climbed)


def db_close_steps(session: Session, root: Delivery, *, cause: str | None, why: str) -> None:
    """Close a chain's open escalations (of one clock, or all): they are moot now."""
    query = update(Delivery).where(
        Delivery.root_id == root.id, Delivery.closed_at.is_(None), Delivery.is_open.is_(True)
    )
    if cause is not None:
        query = query.where(Delivery.cause == cause)
    session.execute(
        query.values(closed_at=utcnow(), closed_reason=why[:200], is_open=False, due_at=NO_DEADLINE)
    )


def db_chain_acknowledged(session: Session, root: Delivery, by: str) -> None:
    """Someone in the chain acknowledged: the acknowledgement clock stops, the decision's runs."""
    if root.clock != "acknowledge":
        return
    db_close_steps(session, root, cause="acknowledge", why=f"Acknowledged in {by}")
    if root.decided_at is None and root.decision_due is not None:
        root.clock, root.chain_step, root.next_deadline = "decide", 0, root.decision_due
    else:
        root.clock, root.next_deadline = None, None


def db_chain_decided(session: Session, root: Delivery, by: str) -> None:
    """A decision was recorded in the chain: nothing in it climbs any more."""
    db_close_steps(session, root, cause=None, why=f"Decided in {by}")
    root.clock, root.next_deadline = None, None


def root_of(session: Session, delivery: Delivery) -> Delivery:
    """Return the routed delivery at the base of this one's chain, locked for update."""
    root_id = delivery.root_id or delivery.id
    query = select(Delivery).where(Delivery.id == root_id)
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update()
    root = session.scalar(query)
    assert root is not None  # noqa: S101 - the FK guarantees it
    return root
