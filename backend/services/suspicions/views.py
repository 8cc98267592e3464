"""Who sees a suspicion, reads it, and answers it.

Need to know: its recorder, the people who see one of its recipients (an inbox's members
or supervisors, an agency's leads, as for a delivery), and the partnership's leads. Anyone
else is told it does not exist. Reading its content is audited with a purpose, as a
concern's is; the list shows no content. Only members of the owner inbox answer, in
writing, with an outcome; the recorder is told by push.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, false, or_, select
from sqlalchemy.orm import Session

import crypto
from backend.core.db import db_locked_row
from backend.core.errors import Conflict, Gone, NotFound, NotPermitted
from backend.models import (
    Agency,
    Inbox,
    Membership,
    RoleName,
    Suspicion,
    SuspicionRecipient,
    User,
    UserRole,
    utcnow,
)
from backend.routing.ruleset import target_label
from backend.services.concerns.inbox import Viewer, db_viewer
from backend.services.concerns.purposes import Purpose
from backend.services.concerns.push import db_tell_person
from backend.services.records.audit import Actor, db_audit
from backend.services.records.sealed import db_data_key, seal, unseal
from backend.services.suspicions.keys import db_children_named

OUTCOME_WORDS = {
    "investigating": "Being investigated",
    "no_action": "No action",
    "joined_to_alert": "Joined to a network alert",
}


@dataclass(frozen=True, slots=True)
class SuspicionItem:
    id: uuid.UUID
    status: str
    owner: dict[str, str]
    due: datetime
    matches: int
    answered_at: datetime | None
    recorded_at: datetime
    basis: str
    level: str
    outcome: str | None
    escalated: int
    yours: bool
    can_answer: bool


@dataclass(frozen=True, slots=True)
class Reader:
    """What one person may see of suspicions, read once per request."""

    viewer: Viewer
    partnership_id: uuid.UUID
    lead: bool  # a partnership lead: sees every suspicion of the partnership

    def clause(self) -> ColumnElement[bool]:
        """SQL: the suspicions this person may see."""
        v = self.viewer
        audiences = ["members", "supervisors"] if v.supervisor else ["members"]
        parts: list[ColumnElement[bool]] = []
        if v.inboxes:
            parts.append(
                and_(
                    SuspicionRecipient.inbox_id.in_(v.inboxes),
                    SuspicionRecipient.audience.in_(audiences),
                )
            )
        if v.lead:
            parts.append(SuspicionRecipient.agency_id == v.actor.agency_id)
        received = (
            Suspicion.id.in_(select(SuspicionRecipient.suspicion_id).where(or_(*parts)))
            if parts
            else false()
        )
        mine = Suspicion.recorder_id == v.actor.user_id
        everything = Suspicion.partnership_id == self.partnership_id if self.lead else false()
        return and_(
            Suspicion.partnership_id == self.partnership_id, or_(mine, received, everything)
        )


def db_reader(session: Session, actor: Actor) -> Reader:
    agency = session.get(Agency, actor.agency_id)
    assert agency is not None  # noqa: S101 - the signed-in person has an agency
    lead = session.scalar(
        select(UserRole.role).where(
            UserRole.user_id == actor.user_id, UserRole.role == RoleName.PARTNERSHIP_LEAD.value
        )
    )
    return Reader(db_viewer(session, actor), agency.partnership_id, lead is not None)


def _db_owns(session: Session, actor: Actor, suspicion: Suspicion) -> bool:
    return (
        session.scalar(
            select(Membership.inbox_id).where(
                Membership.user_id == actor.user_id,
                Membership.inbox_id == suspicion.owner_inbox_id,
            )
        )
        is not None
    )


def _db_item(session: Session, actor: Actor, s: Suspicion) -> SuspicionItem:
    inbox = session.get(Inbox, s.owner_inbox_id)
    agency = session.get(Agency, inbox.agency_id) if inbox else None
    return SuspicionItem(
        id=s.id,
        status=s.status,
        owner={"inbox": inbox.name if inbox else "", "agency": agency.name if agency else ""},
        due=s.due_at,
        matches=s.matches,
        answered_at=s.answered_at,
        recorded_at=s.recorded_at,
        basis=s.basis,
        level=s.level,
        outcome=s.outcome,
        escalated=s.chain_step,
        yours=s.recorder_id == actor.user_id,
        can_answer=_db_owns(session, actor, s) and s.status != "answered",
    )


def listed(session: Session, *, actor: Actor, limit: int = 200) -> list[SuspicionItem]:
    """The suspicions the caller may see: unanswered first, most overdue first."""
    reader = db_reader(session, actor)
    found = session.scalars(
        select(Suspicion)
        .where(reader.clause())
        .order_by((Suspicion.status == "answered").asc(), Suspicion.due_at, Suspicion.id)
        .limit(limit)
    )
    items = [_db_item(session, actor, s) for s in found]
    db_audit(
        session,
        "suspicion.listed",
        actor=actor,
        records=[("suspicion", i.id) for i in items],
    )
    session.commit()
    return items


def _db_visible(session: Session, actor: Actor, suspicion_id: uuid.UUID) -> Suspicion:
    reader = db_reader(session, actor)
    found = session.scalar(select(Suspicion).where(Suspicion.id == suspicion_id, reader.clause()))
    if found is None:
        # The same answer for "absent" and "not yours": no oracle for others' records.
        raise NotFound("not_found", "There is no such suspicion for you.")
    return found


def read(
    session: Session,
    ring: crypto.KeyRing,
    *,
    actor: Actor,
    suspicion_id: uuid.UUID,
    purpose: Purpose,
) -> dict[str, Any]:
    """Open one suspicion, decrypted, with its answer; audited with the purpose."""
    s = _db_visible(session, actor, suspicion_id)
    if s.data_key_id is None:
        raise Gone("suspicion.erased", "This record was erased; only its metadata remains.")
    key = db_data_key(session, ring, s.data_key_id)
    document = json.loads(
        unseal(key, s.crypto_document, table="suspicions", row_id=s.id, field="document")
    )
    answer = (
        unseal(key, s.crypto_answer, table="suspicions", row_id=s.id, field="answer")
        if s.crypto_answer is not None
        else None
    )
    recipients = session.scalars(
        select(SuspicionRecipient)
        .where(SuspicionRecipient.suspicion_id == s.id)
        .order_by(SuspicionRecipient.step, SuspicionRecipient.created_at)
    )
    names = []
    for r in recipients:
        agency = session.get(Agency, r.agency_id)
        inbox = session.get(Inbox, r.inbox_id) if r.inbox_id else None
        names.append(
            target_label(agency.name if agency else "", inbox.name if inbox else None, r.audience)
        )
    item = _db_item(session, actor, s)
    db_audit(
        session,
        "suspicion.consulted",
        actor=actor,
        purpose=purpose.code.value,
        records=[("suspicion", s.id), *(("subject", c) for c in db_children_named(session, s))],
    )
    session.commit()
    return {
        **{f: getattr(item, f) for f in SuspicionItem.__slots__},
        "suspicion": {k: v for k, v in document.items() if k != "proof"},
        "answer": answer,
        "recipients": list(dict.fromkeys(names)),
    }


def answer(
    session: Session,
    ring: crypto.KeyRing,
    *,
    actor: Actor,
    suspicion_id: uuid.UUID,
    text: str,
    outcome: str,
) -> SuspicionItem:
    """The owner inbox answers in writing: the clock stops, the recorder is told."""
    s = _db_visible(session, actor, suspicion_id)
    if not _db_owns(session, actor, s):
        raise NotPermitted(
            "suspicion.not_owner", "Only members of the inbox that owns a suspicion answer it."
        )
    # Two owners answering at once: the second waits here, then finds it answered.
    db_locked_row(session, select(Suspicion).where(Suspicion.id == s.id))
    if s.status == "answered":
        raise Conflict("suspicion.answered", "This suspicion is answered already.")
    if s.data_key_id is None:
        raise Gone("suspicion.erased", "This record was erased; only its metadata remains.")
    key = db_data_key(session, ring, s.data_key_id)
    s.crypto_answer = seal(key, text, table="suspicions", row_id=s.id, field="answer")
    s.status, s.outcome = "answered", outcome
    s.answered_at, s.answered_by_id = utcnow(), actor.user_id
    s.next_deadline = None
    db_audit(
        session,
        "suspicion.answered",
        actor=actor,
        records=[("suspicion", s.id)],
        detail={"outcome": outcome},
    )
    recorder = session.get(User, s.recorder_id)
    if recorder is not None:
        db_tell_person(
            session,
            recorder.id,
            title="An answer to a suspicion you recorded",
            body=OUTCOME_WORDS[outcome],
        )
    session.commit()
    return _db_item(session, actor, s)
