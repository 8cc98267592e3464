"""Reading concerns: the recorder's list, and one concern opened for a stated purpose."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Literal, TypedDict

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

import crypto
from backend.core import cursors
from backend.core.errors import Gone, NotFound
from backend.core.jsontext import Document
from backend.models import (
    Addendum,
    Agency,
    Concern,
    ConcernRoute,
    Delivery,
    Receipt,
    ReceiptStatus,
    User,
)
from backend.services.concerns.challenge_stages import db_reads_by_challenge
from backend.services.concerns.escalation import labels
from backend.services.concerns.inbox import db_is_recipient, db_viewer
from backend.services.concerns.purposes import Purpose, db_seal_note
from backend.services.concerns.re_referral import RE_REFERRAL
from backend.services.concerns.referrer import for_referrer, told_referrer
from backend.services.linking.subjects import canonical
from backend.services.records.audit import Actor, db_audit
from backend.services.records.sealed import db_data_key, unseal


@dataclass(frozen=True, slots=True)
class Delivered:
    """What became of a concern in one inbox: which inbox, acknowledged when, decided what,
    escalated when; never who acted, nor the decision's reasons (the deliveries of
    MineItemSchema and ConcernViewSchema)."""

    id: uuid.UUID  # the delivery, so a decision on it can be challenged
    inbox: str
    agency: str
    status: str
    kind: Literal["routed", "escalation", "alert", "re_referral"]
    delivered_at: datetime
    acknowledged_at: datetime | None
    decided_at: datetime | None
    outcome: str | None
    escalated_at: datetime | None
    closed_at: datetime | None
    feedback: str | None = None  # to the concern's recorder only (``mine``)


@dataclass(frozen=True, slots=True)
class Recorded:
    """One of the recorder's own concerns in their list, with where it went (MineItemSchema)."""

    concern_id: uuid.UUID
    client_id: uuid.UUID
    recorded_at: datetime
    received_at: datetime
    deliveries: tuple[Delivered, ...]


# The parts of an opened concern that ConcernViewSchema passes through as free-form objects
# (fields.Dict): typed here, dicts on the wire as they always were.
class RecorderShown(TypedDict):
    id: uuid.UUID | None
    agency: str | None


class ProofShown(TypedDict):
    passkey_id: uuid.UUID
    sign_count: int
    content_sha256: str


class AddendumShown(TypedDict):
    addendum_id: uuid.UUID
    received_at: datetime
    addendum: Document  # as its author sealed it, less the proof


@dataclass(frozen=True, slots=True)
class ConcernView:
    """One concern opened for a purpose: the document as its recorder sealed it (less the
    proof), who recorded it, how it was routed, where it went and the addenda this reader
    may read (ConcernViewSchema)."""

    concern_id: uuid.UUID
    subject_id: uuid.UUID | None  # the child, for the chronology
    received_at: datetime
    late: bool
    recorder: RecorderShown
    proof: ProofShown
    concern: Document
    routing: Document | None  # the routing trace as stored when it was routed
    deliveries: tuple[Delivered, ...]
    addenda: list[AddendumShown]


@dataclass(frozen=True, slots=True)
class Kept:
    """A receipt not accepted: quarantined, rejected or stuck; never its content
    (QuarantineItemSchema)."""

    id: uuid.UUID
    client_id: uuid.UUID
    kind: str
    user_id: uuid.UUID
    received_at: datetime
    status: str
    attempts: int
    error_code: str | None
    error_detail: str | None
    sealed_kept: bool


def _cursor(concern: Concern) -> str:
    return cursors.encode(concern.received_at, concern.id)


def _after(cursor: str) -> tuple[datetime, uuid.UUID]:
    at, cid = cursors.decode(cursor, 2)
    return cursors.moment(at), cursors.ident(cid)


def mine(
    session: Session,
    ring: crypto.KeyRing,
    *,
    actor: Actor,
    cursor: str | None,
    limit: int,
) -> tuple[list[Recorded], str | None]:
    """List what the signed-in person recorded, newest first, with where each went and the
    feedback each decision wrote for them."""
    query = select(Concern).where(Concern.recorder_id == actor.user_id)
    if cursor:
        at, cid = _after(cursor)
        query = query.where(
            or_(Concern.received_at < at, and_(Concern.received_at == at, Concern.id < cid))
        )
    rows = list(
        session.scalars(
            query.order_by(Concern.received_at.desc(), Concern.id.desc()).limit(limit + 1)
        )
    )
    page, more = rows[:limit], len(rows) > limit
    # Where it went and who escalated it, not the alerts it joined: those tell of other
    # concerns about the child (no one gains need to know by recording).
    keys = {c.id: c.data_key_id for c in page}

    def feedback(d: Delivery) -> str | None:
        key_id = keys.get(d.concern_id)
        if d.crypto_feedback is None or key_id is None:  # none written, or erased
            return None
        key = db_data_key(session, ring, key_id)
        return unseal(key, d.crypto_feedback, table="deliveries", row_id=d.id, field="feedback")

    where = db_delivered(session, [c.id for c in page], told_referrer, feedback)
    items = [
        Recorded(c.id, c.client_id, c.recorded_at, c.received_at, tuple(where.get(c.id, ())))
        for c in page
    ]
    db_audit(session, "concern.listed", actor=actor, records=[("concern", c.id) for c in page])
    session.commit()
    return items, (_cursor(page[-1]) if more and page else None)


def db_delivered(
    session: Session,
    concern_ids: list[uuid.UUID],
    shown: Callable[[Delivery], bool] | None = None,
    feedback: Callable[[Delivery], str | None] | None = None,
) -> dict[uuid.UUID, list[Delivered]]:
    """What became of each concern: every delivery and escalation (those ``shown`` allows),
    in the order made; with ``feedback``, what each decision wrote for the referrer.

    Which inboxes, acknowledged when, decided what, escalated when — no names of the people
    who acted, and no decision reasons.
    """
    found: dict[uuid.UUID, list[Delivered]] = {}
    if not concern_ids:
        return found
    every = list(
        session.execute(
            select(Delivery, Agency.name)
            .join(Agency, Agency.id == Delivery.agency_id)
            .where(Delivery.concern_id.in_(concern_ids))
            .order_by(Delivery.created_at, Delivery.step, Delivery.id)
        )
    )
    # A delivery not shown hides its escalations with it.
    hidden = {d.id for d, _ in every if shown is not None and not shown(d)}
    rows = [(d, agency) for d, agency in every if d.id not in hidden and d.root_id not in hidden]
    named = labels(session, [d for d, _ in rows])
    for d, agency in rows:
        found.setdefault(d.concern_id, []).append(
            Delivered(
                id=d.id,
                inbox=named[d.id],
                agency=agency,
                status=d.status,
                kind=_kind(d),
                delivered_at=d.created_at,
                acknowledged_at=d.acknowledged_at,
                decided_at=d.decided_at,
                outcome=d.outcome,
                escalated_at=d.escalated_at,
                closed_at=d.closed_at,
                feedback=feedback(d) if feedback is not None else None,
            )
        )
    return found


def _kind(d: Delivery) -> Literal["routed", "escalation", "alert", "re_referral"]:
    if d.root_id:
        return "escalation"
    if d.alert_id:
        return "alert"
    return "re_referral" if d.cause == RE_REFERRAL else "routed"


def db_may_read(session: Session, concern: Concern, actor: Actor) -> bool:
    """Whether this person may open this concern: its recorder or one of its recipients."""
    return concern.recorder_id == actor.user_id or db_is_recipient(session, actor, concern.id)


def read(
    session: Session, ring: crypto.KeyRing, *, actor: Actor, concern_id: uuid.UUID, purpose: Purpose
) -> ConcernView:
    """Open one concern and its addenda, decrypted; the consultation is audited with its
    purpose's code, and any note is sealed with the concern (``purposes``)."""
    concern = session.get(Concern, concern_id)
    # Those who see a stage of a challenge to a decision on it read it too, to resolve it
    # (``challenge_stages``); reading is all it grants them.
    if concern is None or not (
        db_may_read(session, concern, actor) or db_reads_by_challenge(session, actor, concern.id)
    ):
        # The same answer for "absent" and "not yours": no oracle for other agencies' records.
        raise NotFound("not_found", "There is no such concern for you.")
    if concern.data_key_id is None:
        raise Gone("concern.erased", "This record was erased; only its metadata remains.")
    key = db_data_key(session, ring, concern.data_key_id)
    document = json.loads(
        unseal(key, concern.crypto_document, table="concerns", row_id=concern.id, field="document")
    )
    # Its recorder reads it as its referrer, even where the rules also delivered it to an
    # inbox of theirs: a delivery of one's own concern grants nothing beyond it.
    referrer = concern.recorder_id == actor.user_id
    addenda: list[tuple[Addendum, Document]] = []
    for a in session.scalars(
        select(Addendum).where(Addendum.concern_id == concern.id).order_by(Addendum.recorded_at)
    ):
        body = json.loads(
            unseal(key, a.crypto_document, table="addenda", row_id=a.id, field="document")
        )
        if not referrer or for_referrer(concern, a, body):
            addenda.append((a, {k: v for k, v in body.items() if k != "proof"}))
    viewer = None if referrer else db_viewer(session, actor)

    def shown(d: Delivery) -> bool:
        if viewer is None:
            return told_referrer(d)
        # A pattern alert on this concern only to those it was delivered to (docs/architecture.md:
        # alerts go to the MASH and exploitation team, not every recipient of a concern).
        return d.alert_id is None or viewer.sees(d)

    agency = session.get(Agency, concern.recorder_agency_id)
    recorder = session.get(User, concern.recorder_id)
    route = session.get(ConcernRoute, concern.id)
    notes = []
    if purpose.note:
        notes.append(db_seal_note(session, key, purpose.note, concern_id=concern.id))
    db_audit(
        session,
        "concern.consulted",
        actor=actor,
        purpose=purpose.code.value,
        records=[("concern", concern.id), *(("addendum", a.id) for a, _ in addenda)],
        detail={"notes": [str(n) for n in notes]} if notes else None,
    )
    session.commit()
    return ConcernView(
        concern_id=concern.id,
        subject_id=canonical(session, concern.subject_id) if concern.subject_id else None,
        received_at=concern.received_at,
        late=concern.late,
        recorder={
            "id": recorder.id if recorder else None,
            "agency": agency.name if agency else None,
        },
        proof={
            "passkey_id": concern.passkey_id,
            "sign_count": concern.proof_sign_count,
            "content_sha256": concern.content_sha256,
        },
        concern={k: v for k, v in document.items() if k != "proof"},
        routing=json.loads(route.trace) if route else None,
        deliveries=tuple(db_delivered(session, [concern.id], shown).get(concern.id, ())),
        addenda=[
            {"addendum_id": a.id, "received_at": a.received_at, "addendum": body}
            for a, body in addenda
        ],
    )


def quarantine(
    session: Session,
    *,
    agency_ids: list[uuid.UUID] | None,
    receipt_id: uuid.UUID | None = None,
) -> list[Kept]:
    """Receipts not accepted: quarantined, rejected, or stuck (never their content).

    ``agency_ids`` limits them to those agencies' recorders (None: all, for the operator);
    ``receipt_id`` to one receipt. A receipt belongs to the agency of the recorder whose
    signed-in session sent it, known even when its envelope cannot be opened.
    """
    query = (
        select(Receipt)
        .join(User, User.id == Receipt.user_id)
        .where(
            Receipt.status.in_(
                [ReceiptStatus.QUARANTINED, ReceiptStatus.REJECTED, ReceiptStatus.PROCESSING]
            )
        )
        .order_by(Receipt.received_at)
    )
    if agency_ids is not None:
        query = query.where(User.agency_id.in_(agency_ids))
    if receipt_id is not None:
        query = query.where(Receipt.id == receipt_id)
    return [
        Kept(
            id=r.id,
            client_id=r.client_id,
            kind=r.kind,
            user_id=r.user_id,
            received_at=r.received_at,
            status=r.status.value,
            attempts=r.attempts,
            error_code=r.error_code,
            error_detail=r.error_detail,
            sealed_kept=r.crypto_jwe is not None,
        )
        for r in session.scalars(query)
    ]
