"""Retention of suspicions (docs/retention.md, "Suspicions").

A suspicion falls due for review six years after the last thing that happened to it: it was
recorded, answered, or a later record matched it (``domain/retention.py``, ``SUSPICION``).
One that still waits for its answer is live work and never due. One a network alert counts
as evidence (``alert_suspicions``) is kept as that evidence while any record the alert rests
on is kept; when they are all erased it is reviewed on its own clock. As with a concern, a
person decides: the sweep lists, an approved ``retention erase`` crypto-shreds.

Erasing a suspicion destroys its data key (its document and its owner's answer become
ciphertext no key opens) and deletes its blind indexes (it matches nothing again, and
names no child to a subject access export). The row stays with its metadata (dates,
basis, level, owner, status, how many matched), so the leadership page's counts keep their
meaning; the audit entry names the record and the rule, never its content.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from backend.core.errors import Conflict, NotFound
from backend.domain.retention import SUSPICION, due_at
from backend.models import (
    AlertEvidence,
    AlertSuspicion,
    Concern,
    DataKeyRecord,
    Suspicion,
    SuspicionIdentifier,
    SuspicionMatch,
    utcnow,
)
from backend.services.records.audit import Actor, db_audit


@dataclass(frozen=True, slots=True)
class SuspicionDue:
    """A suspicion past its review date: ``since`` is the last thing that happened to it."""

    suspicion_id: uuid.UUID
    recorded_at: datetime
    since: datetime
    due_at: datetime
    rule: str


def _evidence(session: Session) -> set[uuid.UUID]:
    """Suspicions an alert counts as evidence while a record it rests on is kept."""
    kept = (
        select(AlertEvidence.alert_id)
        .join(Concern, Concern.id == AlertEvidence.concern_id)
        .where(Concern.data_key_id.is_not(None))
    )
    return set(
        session.scalars(
            select(AlertSuspicion.suspicion_id).where(AlertSuspicion.alert_id.in_(kept))
        )
    )


def _last_matched(session: Session) -> dict[uuid.UUID, datetime]:
    """Each matched suspicion's latest match, in one grouped read."""
    rows = session.execute(
        select(SuspicionMatch.suspicion_id, func.max(SuspicionMatch.matched_at)).group_by(
            SuspicionMatch.suspicion_id
        )
    )
    return {sid: at for sid, at in rows}


def _since(s: Suspicion, matched: datetime | None) -> datetime:
    return max(t for t in (s.recorded_at, s.answered_at, matched) if t is not None)


def due_suspicions(session: Session, *, now: datetime | None = None) -> list[SuspicionDue]:
    """Suspicions past their review date: answered, not erased, no kept alert's evidence."""
    now = now or utcnow()
    evidence, matched = _evidence(session), _last_matched(session)
    out = []
    for s in session.scalars(
        select(Suspicion)
        .where(Suspicion.data_key_id.is_not(None), Suspicion.status == "answered")
        .order_by(Suspicion.recorded_at)
    ):
        if s.id in evidence:
            continue
        since = _since(s, matched.get(s.id))
        when = due_at(SUSPICION, recorded_at=since, age_then=None)
        if when <= now:
            out.append(
                SuspicionDue(
                    suspicion_id=s.id,
                    recorded_at=s.recorded_at,
                    since=since,
                    due_at=when,
                    rule=SUSPICION.name,
                )
            )
    return out


def db_erase_suspicion(
    session: Session, suspicion_id: uuid.UUID, *, reason: str, actor: Actor
) -> None:
    """Crypto-shred a suspicion; the caller commits. Refused while it is unanswered or a
    kept alert's evidence."""
    s = session.get(Suspicion, suspicion_id)
    if s is None:
        raise NotFound("not_found", "There is no such record.")
    if s.data_key_id is None:
        raise Conflict("retention.already_erased", "This record was erased already.")
    if s.status != "answered":
        raise Conflict("retention.unanswered", "This suspicion still waits for its owner's answer.")
    if suspicion_id in _evidence(session):
        raise Conflict(
            "retention.alert_evidence",
            "A network alert counts this suspicion as evidence while its records are kept.",
        )
    key_id = s.data_key_id
    identifiers = session.execute(
        delete(SuspicionIdentifier).where(SuspicionIdentifier.suspicion_id == suspicion_id)
    )
    session.execute(delete(DataKeyRecord).where(DataKeyRecord.id == key_id))
    session.expire(s)
    detail = {
        "rule": SUSPICION.name,
        "blind_indexes": int(identifiers.rowcount or 0),  # type: ignore[attr-defined]
        "data_key": str(key_id),
    }
    db_audit(
        session,
        "record.erased",
        actor=actor,
        records=[("suspicion", suspicion_id)],
        purpose=reason,
        detail=detail,
    )
