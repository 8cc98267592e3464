"""Inbox work, done: acknowledge a delivery, record its decision, move it to another inbox
of the agency. Each stops or moves the delivery's deadline clock (and its escalation
chain's), and each is audited in the same transaction.

Only a delivery the person sees (``inbox.Viewer.sees``) can be acted on; any other looks
like one that does not exist.
"""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

import crypto
from backend.core.db import db_lock
from backend.core.errors import Conflict, Gone, Invalid, NotFound
from backend.models import (
    NO_DEADLINE,
    Agency,
    Concern,
    Delivery,
    DeliveryStatus,
    Inbox,
    Outcome,
    utcnow,
)
from backend.services.concerns.escalation import (
    db_chain_acknowledged,
    db_chain_decided,
    db_close_steps,
    label,
    root_of,
)
from backend.services.concerns.inbox import DeliveryView, Viewer, db_viewer, view
from backend.services.concerns.push import db_tell_recorder
from backend.services.concerns.re_referral import db_note_no_further_action
from backend.services.linking.known import db_move
from backend.services.linking.locks import link_lock
from backend.services.records.audit import Actor, db_audit
from backend.services.records.sealed import db_data_key, seal


def _mine(session: Session, viewer: Viewer, delivery_id: uuid.UUID) -> Delivery:
    delivery = session.get(Delivery, delivery_id)
    if delivery is None or not viewer.sees(delivery):
        raise NotFound("not_found", "There is no such delivery for you.")
    return delivery


def acknowledge(session: Session, *, actor: Actor, delivery_id: uuid.UUID) -> DeliveryView:
    """Acknowledge a delivery: its acknowledgement clock stops (again: no change)."""
    viewer = db_viewer(session, actor)
    delivery = _mine(session, viewer, delivery_id)
    root = root_of(session, delivery)
    session.refresh(delivery)
    if delivery.closed_at is not None:
        raise Conflict("delivery.closed", f"Already dealt with: {delivery.closed_reason}.")
    if delivery.acknowledged_at is None:
        now = utcnow()
        delivery.acknowledged_at, delivery.acknowledged_by_id = now, actor.user_id
        if delivery.status != DeliveryStatus.DECIDED.value:
            delivery.status = DeliveryStatus.ACKNOWLEDGED.value
        _rework_due(delivery)
        where = label(session, delivery)
        if delivery.id == root.id or delivery.cause == "acknowledge":
            db_chain_acknowledged(session, root, where)
        elif delivery.cause == root.clock:
            # A senior picked up an overdue decision: it is theirs now, the climb stops.
            db_close_steps(session, root, cause=delivery.cause, why=f"Taken up in {where}")
            root.next_deadline = None
        db_audit(
            session,
            "delivery.acknowledged",
            actor=actor,
            records=[("concern", delivery.concern_id), ("delivery", delivery.id)],
        )
    session.commit()
    return view(session, delivery)


def _rework_due(delivery: Delivery) -> None:
    if delivery.decided_at is not None or delivery.closed_at is not None:
        delivery.is_open, delivery.due_at = False, NO_DEADLINE
    elif delivery.acknowledged_at is not None:
        delivery.due_at = delivery.decision_due or NO_DEADLINE


def decide(
    session: Session,
    ring: crypto.KeyRing,
    *,
    actor: Actor,
    delivery_id: uuid.UUID,
    outcome: str,
    reasons: str,
    feedback: str,
) -> DeliveryView:
    """Record a decision with its reasons and the feedback written for the referrer (both
    sealed); a decision is made once, never edited. The referrer's devices are told."""
    viewer = db_viewer(session, actor)
    delivery = _mine(session, viewer, delivery_id)
    root = root_of(session, delivery)
    session.refresh(delivery)
    if delivery.decided_at is not None:
        raise Conflict(
            "delivery.already_decided", "A decision is recorded; add an addendum instead."
        )
    concern = session.get(Concern, delivery.concern_id)
    if concern is None or concern.data_key_id is None:
        raise Gone("concern.erased", "This record was erased; only its metadata remains.")
    now = utcnow()
    delivery.decided_at, delivery.decided_by_id, delivery.outcome = now, actor.user_id, outcome
    delivery.acknowledged_at = delivery.acknowledged_at or now
    delivery.acknowledged_by_id = delivery.acknowledged_by_id or actor.user_id
    key = db_data_key(session, ring, concern.data_key_id)
    delivery.crypto_reasons = seal(
        key, reasons, table="deliveries", row_id=delivery.id, field="reasons"
    )
    delivery.crypto_feedback = seal(
        key, feedback, table="deliveries", row_id=delivery.id, field="feedback"
    )
    delivery.status = DeliveryStatus.DECIDED.value
    delivery.closed_at, delivery.closed_reason = None, None
    _rework_due(delivery)
    db_chain_decided(session, root, label(session, delivery))
    db_audit(
        session,
        "delivery.decided",
        actor=actor,
        records=[("concern", delivery.concern_id), ("delivery", delivery.id)],
        detail={"outcome": outcome},
    )
    db_tell_recorder(
        session, recorder_id=concern.recorder_id, delivery_id=delivery.id, outcome=outcome
    )
    if outcome == Outcome.NO_FURTHER_ACTION and delivery.inbox_id and concern.subject_id:
        db_note_no_further_action(session, concern.subject_id, delivery.inbox_id, now)
    session.commit()
    return view(session, delivery)


def reassign(
    session: Session, *, actor: Actor, delivery_id: uuid.UUID, inbox_id: uuid.UUID
) -> DeliveryView:
    """Move an open delivery to another inbox of the same agency; its deadlines stay."""
    viewer = db_viewer(session, actor)
    delivery = _mine(session, viewer, delivery_id)
    target = session.get(Inbox, inbox_id)
    if target is None or target.agency_id != delivery.agency_id:
        raise Invalid(
            "delivery.reassign_outside_agency",
            "A delivery can move only to another inbox of the same agency.",
            errors={"inbox": ["not an inbox of this agency"]},
        )
    if not delivery.is_open or delivery.inbox_id is None:
        raise Conflict("delivery.not_open", "Only an open delivery to an inbox can move.")
    routed = delivery.root_id is None
    if routed:
        # The inboxes holding the child's records follow a routed delivery; under the link
        # lock, taken before any row is changed, so a split rebuilding the child's rows
        # neither misses the move nor waits on this delivery while holding the lock.
        agency = session.get(Agency, delivery.agency_id)
        assert agency is not None  # noqa: S101 - deliveries belong to agencies
        db_lock(session, link_lock(agency.partnership_id))
    before = delivery.inbox_id
    delivery.inbox_id = target.id
    if routed:
        subject_id = session.scalar(
            select(Concern.subject_id).where(Concern.id == delivery.concern_id)
        )
        if subject_id is not None:
            db_move(session, subject_id, before, target.id)
    db_audit(
        session,
        "delivery.reassigned",
        actor=actor,
        records=[("concern", delivery.concern_id), ("delivery", delivery.id)],
        detail={"from": str(before), "to": str(target.id)},
    )
    session.commit()
    return view(session, delivery)
