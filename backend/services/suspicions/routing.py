"""Sending a suspicion to inboxes, and climbing the owner's chain when it goes unanswered.

The rules' ``[suspicions]`` name the inboxes and the owner (``routing/suspicions.py``).
Each send is a disclosure: audited, naming every recipient, and pushed to their devices
(the message names an inbox and a level, never a person). A sweep takes only suspicions
whose deadline passed — on PostgreSQL with ``FOR UPDATE SKIP LOCKED``, so sweeps on many
hosts share the work and never climb one twice; on SQLite the write lock taken at BEGIN
serialises them — and sends each one step up the owner inbox's escalation chain
(``[escalation]``), one step per ``climb``, until someone answers or it reaches the top.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from backend.models import Suspicion, SuspicionRecipient, insert_into, new_id, utcnow
from backend.routing.ruleset import Target
from backend.services.concerns.push import LEVEL_WORDS, db_push_to
from backend.services.concerns.rules import Active, db_active
from backend.services.records.audit import db_audit

log = logging.getLogger("frontline.suspicions")

LEADS = "partnership_leads"  # the rules' alias of the partnership's leads' inbox


@dataclass(frozen=True)
class Plan:
    """Where a new suspicion goes: its owner inbox, when the answer is due, its targets."""

    owner_inbox_id: uuid.UUID
    due: datetime
    targets: tuple[Target, ...]


def plan(active: Active, now: datetime) -> Plan:
    rules = active.rules.suspicion_rules()
    owner = active.rules.inboxes[rules.owner]
    targets = [Target("members", *active.rules.inboxes[alias]) for alias in rules.deliver]
    return Plan(
        owner_inbox_id=active.inboxes[owner],
        due=active.rules.calendar.due(now, rules.answer),
        targets=tuple(dict.fromkeys([Target("members", *owner), *targets])),
    )


def db_send(
    session: Session,
    active: Active,
    suspicion: Suspicion,
    targets: tuple[Target, ...],
    *,
    step: int,
    reason: str,
    now: datetime,
) -> int:
    """Insert the recipients, audit the disclosure and push; return how many were sent."""
    rows: list[dict[str, Any]] = [
        {
            "id": new_id(),
            "suspicion_id": suspicion.id,
            "agency_id": active.agencies[t.agency],
            "inbox_id": active.inboxes[(t.agency, t.inbox)] if t.inbox else None,
            "audience": t.audience,
            "step": step,
            "reason": reason[:300],
            "created_at": now,
        }
        for t in targets
    ]
    if not rows:
        return 0
    session.execute(insert_into(SuspicionRecipient), rows)
    db_audit(
        session,
        "suspicion.routed" if step == 0 else "suspicion.escalated",
        records=[("suspicion", suspicion.id)],
        detail={"step": step, "to": [t.label for t in targets]},
    )
    words = LEVEL_WORDS[suspicion.level].capitalize()
    for t, row in zip(targets, rows, strict=True):
        title = f"Suspicion escalated to {t.label}" if step else f"New suspicion in {t.label}"
        db_push_to(
            session, [(t.audience, row["inbox_id"], row["agency_id"])], title=title, body=words
        )
    return len(rows)


def db_escalate(session: Session, suspicion: Suspicion, now: datetime) -> int:
    """Climb one step of the owner inbox's chain; return how many recipients it made."""
    active = db_active(session, suspicion.partnership_id)
    agency, inbox = active.inbox_names[suspicion.owner_inbox_id]
    steps = active.rules.chain_for(agency, inbox)
    if suspicion.chain_step >= len(steps):
        suspicion.next_deadline = None  # the top of the chain has it
        return 0
    step = suspicion.chain_step + 1
    targets: list[Target] = []
    for word in steps[step - 1]:
        target = active.rules.target(word, agency=agency, inbox=inbox)
        if target not in targets:
            targets.append(target)
    reason = (
        f"Answer to a suspicion overdue in {inbox} since {suspicion.due_at.isoformat()}; "
        f"escalation step {step} of {len(steps)}"
    )
    made = db_send(session, active, suspicion, tuple(targets), step=step, reason=reason, now=now)
    suspicion.chain_step = step
    climb = active.rules.suspicion_rules().climb
    suspicion.next_deadline = active.rules.calendar.due(now, climb) if step < len(steps) else None
    return made


def _due(session: Session, now: datetime, batch: int) -> list[Suspicion]:
    query = (
        select(Suspicion)
        .where(Suspicion.next_deadline <= now)
        .order_by(Suspicion.next_deadline)
        .limit(batch)
    )
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    return list(session.scalars(query))


def sweep(
    sessions: sessionmaker[Session], *, now: datetime | None = None, batch: int = 200
) -> tuple[int, int]:
    """Climb every suspicion whose deadline passed; return (suspicions, recipients made)."""
    now = now or utcnow()
    taken = made = 0
    while True:
        with sessions() as session:
            due = _due(session, now, batch)
            if not due:
                break
            for suspicion in due:
                made += db_escalate(session, suspicion, now)
            session.commit()
            taken += len(due)
    if taken:
        log.info("suspicions.sweep", extra={"suspicions": taken, "escalations": made})
    return taken, made


def db_reached_leads(session: Session, suspicion_id: uuid.UUID) -> datetime | None:
    """When the suspicion first reached the partnership's leads (routed there, or an
    escalation step to their inbox); None if it never has. For "time to leadership"."""
    suspicion = session.get(Suspicion, suspicion_id)
    if suspicion is None:
        return None
    active = db_active(session, suspicion.partnership_id)
    names = active.rules.inboxes.get(LEADS)
    if names is None:
        return None
    return session.scalar(
        select(func.min(SuspicionRecipient.created_at)).where(
            SuspicionRecipient.suspicion_id == suspicion_id,
            SuspicionRecipient.inbox_id == active.inboxes[names],
        )
    )
