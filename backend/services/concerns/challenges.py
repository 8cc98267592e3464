"""Challenging a decision: raise one with a reason, resolve it (upheld, or the decision
changed). Climbing at a stage's deadline is the sweep's (``challenge_climb``); who owns a
stage, ``challenge_stages``; the lists, ``challenge_views``.

Who may challenge a decision: the concern's recorder (a decision they were shown: not a
pattern alert's nor a re-referral's, ``referrer.told_referrer``) or someone who sees a
delivery of the concern (a member of an inbox that received it), once it is decided. To
anyone else the delivery looks like one that does not exist. Raising grants nothing: the
challenger reads what they read before, and the list shows them only their challenge.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

import crypto
from backend.core.db import db_locked_row
from backend.core.errors import Conflict, Gone, Invalid, NotFound, NotPermitted
from backend.models import (
    Agency,
    Challenge,
    ChallengeOutcome,
    ChallengeStage,
    Concern,
    Delivery,
    Outcome,
    new_id,
    utcnow,
)
from backend.services.concerns.challenge_stages import db_begin_stage, db_next_owner, db_tell, owns
from backend.services.concerns.challenge_views import ChallengeView, db_views, db_visible
from backend.services.concerns.inbox import db_is_recipient, db_viewer
from backend.services.concerns.push import OUTCOME_WORDS, db_tell_recorder
from backend.services.concerns.re_referral import db_note_no_further_action
from backend.services.concerns.referrer import told_referrer
from backend.services.concerns.rules import db_active
from backend.services.records.audit import Actor, db_audit
from backend.services.records.sealed import db_data_key, seal

T = TypeVar("T")
REASON_MAX = 2_000
NOTE_MAX = 2_000


@dataclass(frozen=True, slots=True)
class Raised:
    """A challenge just raised: its stage, whose it is and by when (ChallengeRaisedSchema)."""

    challenge_id: uuid.UUID
    stage: int
    owner: dict[str, str]  # {"inbox": the owner as people read it, "agency"}
    due: datetime


def _may_challenge(session: Session, actor: Actor, concern: Concern, decided: Delivery) -> bool:
    if concern.recorder_id == actor.user_id:
        root = session.get(Delivery, decided.root_id) if decided.root_id else decided
        return root is not None and told_referrer(decided) and told_referrer(root)
    if not db_is_recipient(session, actor, concern.id):
        return False
    # A pattern alert's delivery only to those it was delivered to (as ``concerns.read``).
    return decided.alert_id is None or db_viewer(session, actor).sees(decided)


def raise_challenge(
    session: Session, ring: crypto.KeyRing, *, actor: Actor, delivery_id: uuid.UUID, reason: str
) -> Raised:
    """Challenge the decision on a delivery; its first stage's owners are told."""
    decided = db_locked_row(session, select(Delivery).where(Delivery.id == delivery_id))
    concern = session.get(Concern, decided.concern_id) if decided is not None else None
    if decided is None or concern is None:
        raise NotFound("not_found", "There is no such delivery for you.")
    if not _may_challenge(session, actor, concern, decided):
        raise NotFound("not_found", "There is no such delivery for you.")
    if decided.decided_at is None or decided.outcome is None:
        raise Conflict("challenge.not_decided", "Nothing is decided here yet to disagree with.")
    if concern.data_key_id is None:
        raise Gone("concern.erased", "This record was erased; only its metadata remains.")
    already = select(Challenge.id).where(
        Challenge.delivery_id == decided.id, Challenge.is_open.is_(True)
    )
    if session.scalar(already) is not None:
        raise Conflict(
            "challenge.already_open", "This decision is already challenged; it is being looked at."
        )
    agency = session.get(Agency, decided.agency_id)
    assert agency is not None  # noqa: S101 - deliveries belong to agencies
    active = db_active(session, agency.partnership_id)
    now = utcnow()
    first = db_next_owner(active, decided, 0, now)
    if first is None:
        raise Conflict("challenge.no_stages", "The partnership's rules name no one to hear it.")
    number, owner, due = first
    challenge = Challenge(
        id=new_id(),
        concern_id=concern.id,
        delivery_id=decided.id,
        agency_id=decided.agency_id,
        challenger_id=actor.user_id,
        raised_at=now,
        decision=decided.outcome,
        is_open=True,
    )
    key = db_data_key(session, ring, concern.data_key_id)
    challenge.crypto_reason = seal(
        key, reason, table="challenges", row_id=challenge.id, field="reason"
    )
    challenge.due_at = due
    session.add(challenge)
    session.flush()
    db_begin_stage(session, challenge, first, top=len(active.rules.challenge_stages), now=now)
    db_audit(
        session,
        "challenge.raised",
        actor=actor,
        records=[("concern", concern.id), ("delivery", decided.id), ("challenge", challenge.id)],
        detail={"stage": number, "to": owner.label, "decision": decided.outcome},
    )
    db_tell(
        session,
        delivery_id=decided.id,
        title="A decision is challenged",
        body=f"Stage {number}: {owner.label}",
        owner=owner,
    )
    session.commit()
    return Raised(challenge.id, number, {"inbox": owner.label, "agency": owner.agency}, due)


def resolve(
    session: Session,
    ring: crypto.KeyRing,
    *,
    actor: Actor,
    challenge_id: uuid.UUID,
    outcome: str,
    note: str,
    decision: str | None,
) -> ChallengeView:
    """Resolve an open challenge at its stage: the decision upheld, or changed to
    ``decision`` (audited; the referrer told). The challenger is told either way."""
    viewer = db_viewer(session, actor)
    challenge = db_locked_row(session, select(Challenge).where(Challenge.id == challenge_id))
    if (
        challenge is None
        or session.scalar(
            select(Challenge.id).where(Challenge.id == challenge_id, db_visible(viewer))
        )
        is None
    ):
        raise NotFound("not_found", "There is no such challenge for you.")
    if not challenge.is_open:
        raise Conflict("challenge.resolved", "This challenge is already resolved.")
    stage = session.get(ChallengeStage, (challenge.id, challenge.stage))
    assert stage is not None  # noqa: S101 - a challenge is always at a stage it reached
    if not owns(viewer, stage):
        raise NotPermitted(
            "challenge.not_owner", "Only the owner of the stage it is at can resolve it."
        )
    decided = session.get(Delivery, challenge.delivery_id)
    concern = session.get(Concern, challenge.concern_id)
    assert decided is not None  # noqa: S101 - foreign keys
    assert concern is not None  # noqa: S101 - foreign keys
    if concern.data_key_id is None:
        raise Gone("concern.erased", "This record was erased; only its metadata remains.")
    changed = outcome == ChallengeOutcome.CHANGED
    if changed and (decision is None or decision == decided.outcome):
        raise Invalid(
            "challenge.decision_unchanged",
            "To change the decision, choose a different one.",
            errors={"decision": ["choose the new decision, different from the one challenged"]},
        )
    now = utcnow()
    key = db_data_key(session, ring, concern.data_key_id)
    challenge.crypto_note = seal(key, note, table="challenges", row_id=challenge.id, field="note")
    challenge.is_open, challenge.next_deadline = False, None
    challenge.resolved_at, challenge.resolved_by_id, challenge.outcome = now, actor.user_id, outcome
    stage.ended_at, stage.ended = now, "resolved"
    records = [("concern", concern.id), ("delivery", decided.id), ("challenge", challenge.id)]
    if changed and decision is not None:
        _change(session, actor, challenge, decided, concern, decision, records)
    db_audit(
        session,
        "challenge.resolved",
        actor=actor,
        records=records,
        detail={"stage": challenge.stage, "outcome": outcome},
    )
    words = f"Decision changed: {OUTCOME_WORDS[decision]}" if changed and decision else "Upheld"
    db_tell(
        session,
        delivery_id=decided.id,
        title="Your challenge is answered",
        body=words,
        person=challenge.challenger_id,
    )
    session.commit()
    return db_views(session, ring, viewer, [challenge])[0]


def _change(
    session: Session,
    actor: Actor,
    challenge: Challenge,
    decided: Delivery,
    concern: Concern,
    decision: str,
    records: list[tuple[str, uuid.UUID]],
) -> None:
    """Record the new decision on the delivery (audited); the referrer is told."""
    before = decided.outcome
    decided.outcome, challenge.new_decision = decision, decision
    db_audit(
        session,
        "delivery.decision_changed",
        actor=actor,
        records=records,
        detail={"from": before, "to": decision, "by": "challenge"},
    )
    if concern.recorder_id != challenge.challenger_id:  # the challenger hears it below
        db_tell_recorder(
            session, recorder_id=concern.recorder_id, delivery_id=decided.id, outcome=decision
        )
    if decision == Outcome.NO_FURTHER_ACTION and decided.inbox_id and concern.subject_id:
        db_note_no_further_action(session, concern.subject_id, decided.inbox_id, utcnow())
