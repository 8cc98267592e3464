"""A challenge unresolved at its stage's deadline climbs to the next stage by itself, once,
however many sweeps run: part of the escalation sweep (``escalation.sweep``,
``frontline escalate``), with its idiom — on PostgreSQL the due rows are taken ``FOR UPDATE
SKIP LOCKED``, so sweeps on many hosts share the work and never take the same challenge;
on SQLite the write lock taken at BEGIN serialises them — and each climb audited.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from backend.models import Agency, Challenge, ChallengeStage, Delivery
from backend.services.concerns.challenge_stages import db_begin_stage, db_next_owner, db_tell
from backend.services.concerns.rules import db_active
from backend.services.records.audit import db_audit


def _due(session: Session, now: datetime, batch: int) -> list[Challenge]:
    query = (
        select(Challenge)
        .where(Challenge.next_deadline <= now, Challenge.is_open.is_(True))
        .order_by(Challenge.next_deadline)
        .limit(batch)
    )
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    return list(session.scalars(query))


def db_climb(session: Session, challenge: Challenge, now: datetime) -> bool:
    """Move one overdue challenge up a stage; return whether it climbed (False: at the top)."""
    decided = session.get(Delivery, challenge.delivery_id)
    agency = session.get(Agency, challenge.agency_id)
    assert decided is not None  # noqa: S101 - foreign keys
    assert agency is not None  # noqa: S101 - foreign keys
    active = db_active(session, agency.partnership_id)
    found = db_next_owner(active, decided, challenge.stage, now)
    if found is None:
        challenge.next_deadline = None  # the top stage has it: nowhere higher to go
        return False
    number, owner, _ = found
    before = session.get(ChallengeStage, (challenge.id, challenge.stage))
    assert before is not None  # noqa: S101 - a challenge is always at a stage it reached
    before.ended_at, before.ended = now, "climbed"
    was = challenge.stage
    db_begin_stage(session, challenge, found, top=len(active.rules.challenge_stages), now=now)
    db_audit(
        session,
        "challenge.climbed",
        records=[
            ("concern", challenge.concern_id),
            ("delivery", challenge.delivery_id),
            ("challenge", challenge.id),
        ],
        detail={"from": was, "stage": number, "to": owner.label},
    )
    db_tell(
        session,
        delivery_id=challenge.delivery_id,
        title="A challenge reached you",
        body=f"Stage {number}: not resolved in time below",
        owner=owner,
    )
    return True


def climb(sessions: sessionmaker[Session], *, now: datetime, batch: int = 200) -> int:
    """Climb every challenge whose stage's deadline passed; return how many climbed."""
    climbed = 0
    while True:
        with sessions() as session:
            due = _due(session, now, batch)
            if not due:
                break
            climbed += sum(db_climb(session, c, now) for c in due)
            session.commit()
    return climbed
