"""Retention sweeps: list records due for review; record keep decisions; crypto-shred.

Erasing a record destroys its data key (the concern and its addenda become ciphertext no
key opens) and deletes its blind indexes, and with them any key its child's record held
through it alone (it no longer links to anything); the row stays with its metadata, so
counts, deadlines and the audit log keep their meaning. The audit entry of an erasure
names the record and the rule, never its content.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from backend.core.errors import Conflict, NotFound
from backend.domain.retention import due_at, rule_for
from backend.models import (
    Agency,
    Concern,
    ConcernCategory,
    ConcernIdentifier,
    DataKeyRecord,
    LegalHold,
    RetentionReview,
    Suspicion,
    utcnow,
)
from backend.services.linking.record_keys import db_rebuild_keys
from backend.services.records.audit import Actor, db_audit


@dataclass(frozen=True, slots=True)
class Due:
    """A record past its review date under the schedule's ``rule``."""

    concern_id: uuid.UUID
    recorded_at: datetime
    due_at: datetime
    rule: str


@dataclass(frozen=True, slots=True)
class Review:
    """A decision taken on a record at its review: keep (until when) or erase, and why."""

    decision: str
    reason: str
    decided_at: datetime
    keep_until: datetime | None


def _held(session: Session) -> set[uuid.UUID]:
    return set(session.scalars(select(LegalHold.concern_id).where(LegalHold.lifted_at.is_(None))))


def _kept(session: Session, now: datetime) -> set[uuid.UUID]:
    return set(
        session.scalars(
            select(RetentionReview.concern_id).where(
                RetentionReview.decision == "keep", RetentionReview.keep_until > now
            )
        )
    )


def _schedule(session: Session, concern: Concern) -> tuple[str, datetime]:
    agency = session.get(Agency, concern.recorder_agency_id)
    categories = list(
        session.scalars(
            select(ConcernCategory.category).where(ConcernCategory.concern_id == concern.id)
        )
    )
    kind = agency.kind.value if agency is not None else ""
    rule = rule_for(kind, categories, concern.subject_legal_status)
    return rule.name, due_at(rule, recorded_at=concern.recorded_at, age_then=concern.subject_age)


def due(session: Session, *, now: datetime | None = None) -> list[Due]:
    """Records past their review date: not erased, not held, not kept beyond ``now``."""
    now = now or utcnow()
    held, kept = _held(session), _kept(session, now)
    out = []
    for concern in session.scalars(
        select(Concern).where(Concern.data_key_id.is_not(None)).order_by(Concern.recorded_at)
    ):
        if concern.id in held or concern.id in kept:
            continue
        rule, when = _schedule(session, concern)
        if when <= now:
            out.append(
                Due(concern_id=concern.id, recorded_at=concern.recorded_at, due_at=when, rule=rule)
            )
    return out


def _concern(session: Session, concern_id: uuid.UUID) -> Concern:
    concern = session.get(Concern, concern_id)
    if concern is None and session.get(Suspicion, concern_id) is not None:
        raise Conflict(
            "retention.not_for_suspicions",
            "A suspicion has no keep decision or legal hold: it is kept by not being erased.",
        )
    if concern is None:
        raise NotFound("not_found", "There is no such record.")
    return concern


def db_erase(session: Session, concern_id: uuid.UUID, *, reason: str, actor: Actor) -> None:
    """Crypto-shred a record; the caller commits. Refused under a legal hold."""
    concern = _concern(session, concern_id)
    if concern_id in _held(session):
        raise Conflict("retention.legal_hold", "A legal hold stops erasure of this record.")
    if concern.data_key_id is None:
        raise Conflict("retention.already_erased", "This record was erased already.")
    rule, when = _schedule(session, concern)
    key_id = concern.data_key_id
    named = list(
        session.execute(
            select(
                ConcernIdentifier.role, ConcernIdentifier.kind, ConcernIdentifier.blind_index
            ).where(ConcernIdentifier.concern_id == concern_id)
        )
    )
    identifiers = len(named)
    session.execute(delete(ConcernIdentifier).where(ConcernIdentifier.concern_id == concern_id))
    if concern.subject_id is not None:
        # The keys its record holds through it go with them: rebuilt from the rest.
        db_rebuild_keys(session, concern.subject_id, set(named))
    session.execute(delete(DataKeyRecord).where(DataKeyRecord.id == key_id))
    session.expire(concern)
    session.add(
        RetentionReview(
            concern_id=concern_id,
            due_at=when,
            decision="erase",
            reason=reason,
            decided_by_id=actor.user_id,
        )
    )
    detail = {"rule": rule, "blind_indexes": identifiers, "data_key": str(key_id)}
    db_audit(
        session,
        "record.erased",
        actor=actor,
        records=[("concern", concern_id)],
        purpose=reason,
        detail=detail,
    )


def db_keep(
    session: Session, concern_id: uuid.UUID, *, until: datetime, reason: str, actor: Actor
) -> None:
    """Record a decision to keep a record until a later review; the caller commits."""
    concern = _concern(session, concern_id)
    _, when = _schedule(session, concern)
    session.add(
        RetentionReview(
            concern_id=concern_id,
            due_at=when,
            decision="keep",
            keep_until=until,
            reason=reason,
            decided_by_id=actor.user_id,
        )
    )
    db_audit(
        session,
        "retention.kept",
        actor=actor,
        records=[("concern", concern_id)],
        purpose=reason,
        detail={"until": until.isoformat()},
    )


def db_hold(session: Session, concern_id: uuid.UUID, *, reason: str, actor: Actor) -> None:
    """Place a legal hold; the caller commits."""
    _concern(session, concern_id)
    session.add(LegalHold(concern_id=concern_id, reason=reason, placed_by_id=actor.user_id))
    db_audit(
        session,
        "retention.hold_placed",
        actor=actor,
        records=[("concern", concern_id)],
        purpose=reason,
    )


def db_release(session: Session, concern_id: uuid.UUID, *, reason: str, actor: Actor) -> int:
    """Lift every hold on a record; the caller commits. Returns how many were lifted."""
    holds = list(
        session.scalars(
            select(LegalHold).where(
                LegalHold.concern_id == concern_id, LegalHold.lifted_at.is_(None)
            )
        )
    )
    for hold in holds:
        hold.lifted_at = utcnow()
        hold.lifted_by_id = actor.user_id
    db_audit(
        session,
        "retention.hold_lifted",
        actor=actor,
        records=[("concern", concern_id)],
        purpose=reason,
        detail={"holds": len(holds)},
    )
    return len(holds)


def reviews(session: Session, concern_id: uuid.UUID) -> list[Review]:
    """Every review decision on a record, oldest first."""
    return [
        Review(
            decision=r.decision,
            reason=r.reason,
            decided_at=r.decided_at,
            keep_until=r.keep_until,
        )
        for r in session.scalars(
            select(RetentionReview)
            .where(RetentionReview.concern_id == concern_id)
            .order_by(RetentionReview.decided_at)
        )
    ]
