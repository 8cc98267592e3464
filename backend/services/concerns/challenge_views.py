"""Challenges as people read them: those the caller raised, owns or supervises, each with
its stage, owner, deadline and outcome (ChallengeSchema).

The reason and the resolution's note are opened here, for the challenger and those who see
a stage (``challenge_stages.db_seen_clause``); nobody else learns a challenge exists. A
list is a consultation: audited with every challenge and concern it showed.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.orm import Session

import crypto
from backend.models import Challenge, ChallengeStage, Concern, Delivery, utcnow
from backend.services.concerns.challenge_stages import db_seen_clause, owns, stage_owner
from backend.services.concerns.escalation import labels
from backend.services.concerns.inbox import Viewer, db_viewer
from backend.services.concerns.rules import db_active, db_partnership
from backend.services.records.audit import Actor, db_audit
from backend.services.records.sealed import db_data_key, unseal

LIMIT = 200


@dataclass(frozen=True, slots=True)
class ChallengeView:
    """One challenge: where it is, whose it is now, and how it ended (ChallengeSchema)."""

    id: uuid.UUID
    concern_id: uuid.UUID
    delivery_id: uuid.UUID
    stage: int
    status: str  # open | resolved
    owner: dict[str, str]  # {"inbox": the owner as people read it, "agency"}
    due: datetime
    overdue: bool
    raised_at: datetime
    outcome: str | None  # upheld | changed
    decided_in: str  # the inbox whose decision it challenges
    decision: str  # the outcome challenged
    new_decision: str | None
    reason: str | None  # None once the record is erased
    note: str | None
    resolved_at: datetime | None
    raised_by_me: bool
    can_resolve: bool


def db_visible(viewer: Viewer) -> ColumnElement[bool]:
    """SQL over ``Challenge``: those this person raised, or sees a stage of."""
    seen = select(ChallengeStage.challenge_id).where(db_seen_clause(viewer))
    return or_(Challenge.challenger_id == viewer.actor.user_id, Challenge.id.in_(seen))


def db_views(
    session: Session, ring: crypto.KeyRing, viewer: Viewer, found: list[Challenge]
) -> list[ChallengeView]:
    """Build the views of these challenges (reason and note opened under each record's key)."""
    if not found:
        return []
    active = db_active(session, db_partnership(session, viewer.actor.agency_id).id)
    stages = {
        (s.challenge_id, s.stage): s
        for s in session.scalars(
            select(ChallengeStage).where(ChallengeStage.challenge_id.in_([c.id for c in found]))
        )
    }
    keys = dict(
        session.execute(
            select(Concern.id, Concern.data_key_id).where(
                Concern.id.in_({c.concern_id for c in found})
            )
        ).all()
    )
    decided = list(
        session.scalars(select(Delivery).where(Delivery.id.in_({c.delivery_id for c in found})))
    )
    named = labels(session, decided)
    now = utcnow()

    def opened(c: Challenge, blob: bytes | None, field: str) -> str | None:
        key_id = keys.get(c.concern_id)
        if blob is None or key_id is None:  # none written, or the record erased
            return None
        key = db_data_key(session, ring, key_id)
        return unseal(key, blob, table="challenges", row_id=c.id, field=field)

    views = []
    for c in found:
        stage = stages[(c.id, c.stage)]
        owner = stage_owner(session, active, stage)
        views.append(
            ChallengeView(
                id=c.id,
                concern_id=c.concern_id,
                delivery_id=c.delivery_id,
                stage=c.stage,
                status="open" if c.is_open else "resolved",
                owner={"inbox": owner.label, "agency": owner.agency},
                due=c.due_at,
                overdue=c.is_open and c.due_at < now,
                raised_at=c.raised_at,
                outcome=c.outcome,
                decided_in=named.get(c.delivery_id, ""),
                decision=c.decision,
                new_decision=c.new_decision,
                reason=opened(c, c.crypto_reason, "reason"),
                note=opened(c, c.crypto_note, "note"),
                resolved_at=c.resolved_at,
                raised_by_me=c.challenger_id == viewer.actor.user_id,
                can_resolve=c.is_open and owns(viewer, stage),
            )
        )
    return views


def challenges(
    session: Session, ring: crypto.KeyRing, *, actor: Actor, status: str = "all"
) -> list[ChallengeView]:
    """The challenges this person raised, owns or supervises, open first, newest first."""
    viewer = db_viewer(session, actor)
    query = select(Challenge).where(db_visible(viewer))
    if status != "all":
        query = query.where(Challenge.is_open.is_(status == "open"))
    found = list(
        session.scalars(
            query.order_by(Challenge.is_open.desc(), Challenge.raised_at.desc()).limit(LIMIT)
        )
    )
    views = db_views(session, ring, viewer, found)
    db_audit(
        session,
        "challenge.listed",
        actor=actor,
        records=[r for c in found for r in (("challenge", c.id), ("concern", c.concern_id))],
    )
    session.commit()
    return views
