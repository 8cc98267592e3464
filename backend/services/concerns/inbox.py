"""Inbox work, read: who sees which deliveries, the inboxes a person works with their
counts, and one queue listed most urgent first (acting on a delivery: ``inbox_actions``).

Need to know (docs/architecture.md, "The security model"): an inbox member sees the
deliveries to that inbox; its supervisors also see escalations addressed to supervisors; an
agency's safeguarding leads see every delivery to their agency, their own queue included.
Nobody else sees any.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from sqlalchemy import ColumnElement, and_, false, func, or_, select
from sqlalchemy.orm import Session

from backend.core import cursors
from backend.core.errors import Malformed, NotFound
from backend.models import (
    Agency,
    Concern,
    ConcernCategory,
    Delivery,
    DeliveryStatus,
    Inbox,
    Membership,
    UserRole,
    utcnow,
)
from backend.models.people import RoleName
from backend.services.concerns.escalation import label, labels
from backend.services.concerns.why import db_why
from backend.services.records.audit import Actor, db_audit

STATUS_FILTERS = ("open", "new", "escalated", "acknowledged", "decided", "closed", "all")


@dataclass(frozen=True)
class Viewer:
    """What one person may see of deliveries, read once per request."""

    actor: Actor
    inboxes: frozenset[uuid.UUID]
    supervisor: bool
    lead: bool

    def clause(self) -> ColumnElement[bool]:
        """SQL: the deliveries this person may see."""
        audiences = ["members", "supervisors"] if self.supervisor else ["members"]
        parts = [and_(Delivery.inbox_id.in_(self.inboxes), Delivery.audience.in_(audiences))]
        if self.lead:
            parts.append(Delivery.agency_id == self.actor.agency_id)
        return or_(*parts) if self.inboxes or self.lead else false()

    def granting(self) -> ColumnElement[bool]:
        """SQL: the deliveries that give this person need to know about the child, beyond
        the one concern delivered: those they see, less any of a concern they recorded.

        WARNING: ``clause`` alone is for work on the delivery itself. A recorder whose
        concern the rules route back to their own inbox (a school's DSL, through "the
        recorder's agency lead"), or whose concern completes a pattern alerted to their
        inbox, would gain the child's chronology and alerts by recording (docs/architecture.md,
        "The security model"); every read wider than the delivered concern uses this instead.
        """
        own = select(Concern.id).where(Concern.recorder_id == self.actor.user_id)
        return and_(self.clause(), Delivery.concern_id.not_in(own))

    def sees(self, delivery: Delivery) -> bool:
        if self.lead and delivery.agency_id == self.actor.agency_id:
            return True
        if delivery.inbox_id not in self.inboxes:
            return False
        return delivery.audience == "members" or (
            delivery.audience == "supervisors" and self.supervisor
        )


def db_viewer(session: Session, actor: Actor) -> Viewer:
    roles = set(session.scalars(select(UserRole.role).where(UserRole.user_id == actor.user_id)))
    inboxes = frozenset(
        session.scalars(select(Membership.inbox_id).where(Membership.user_id == actor.user_id))
    )
    return Viewer(
        actor=actor,
        inboxes=inboxes,
        supervisor=RoleName.INBOX_SUPERVISOR.value in roles,
        lead=RoleName.AGENCY_LEAD.value in roles,
    )


def db_is_recipient(session: Session, actor: Actor, concern_id: uuid.UUID) -> bool:
    """Whether a delivery of this concern is one this person may see."""
    viewer = db_viewer(session, actor)
    found = session.scalar(
        select(Delivery.id).where(Delivery.concern_id == concern_id, viewer.clause()).limit(1)
    )
    return found is not None


# -- inboxes and counts ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Queue:
    """An inbox a person works, or their agency's safeguarding lead queue (its id is the
    agency's), with how many of its deliveries wait for acknowledgement and how many are
    past their deadline (InboxSchema)."""

    id: uuid.UUID
    name: str
    agency: str
    kind: Literal["inbox", "agency_lead"]
    new: int
    overdue: int


def _count(session: Session, where: ColumnElement[bool], now: datetime) -> tuple[int, int]:
    unacknowledged = Delivery.status.in_([DeliveryStatus.NEW.value, DeliveryStatus.ESCALATED.value])
    row = session.execute(
        select(
            func.count().filter(unacknowledged), func.count().filter(Delivery.due_at < now)
        ).where(where, Delivery.is_open.is_(True))
    ).one()
    return int(row[0] or 0), int(row[1] or 0)


def inboxes(session: Session, *, actor: Actor, now: datetime | None = None) -> list[Queue]:
    """The inboxes (and agency lead queue) this person works, with new and overdue counts."""
    now = now or utcnow()
    viewer = db_viewer(session, actor)
    query = select(Inbox, Agency).join(Agency, Agency.id == Inbox.agency_id)
    if viewer.lead:
        query = query.where(or_(Inbox.id.in_(viewer.inboxes), Agency.id == actor.agency_id))
    else:
        query = query.where(Inbox.id.in_(viewer.inboxes))
    found = []
    for inbox, agency in session.execute(query.order_by(Agency.name, Inbox.name)):
        new, overdue = _count(session, and_(Delivery.inbox_id == inbox.id, viewer.clause()), now)
        found.append(Queue(inbox.id, inbox.name, agency.name, "inbox", new, overdue))
    if viewer.lead:
        assert actor.agency_id is not None  # noqa: S101 - a signed-in person has an agency
        lead_agency = session.get(Agency, actor.agency_id)
        where = and_(Delivery.agency_id == actor.agency_id, Delivery.inbox_id.is_(None))
        new, overdue = _count(session, where, now)
        agency_name = lead_agency.name if lead_agency else ""
        found.append(
            Queue(actor.agency_id, "Safeguarding lead", agency_name, "agency_lead", new, overdue)
        )
    session.commit()
    return found


# -- listing ---------------------------------------------------------------------------------


def _cursor(d: Delivery) -> str:
    return cursors.encode(d.rank, d.due_at, d.id)


def _after(cursor: str) -> ColumnElement[bool]:
    rank_text, at_text, id_text = cursors.decode(cursor, 3)
    rank, at, did = cursors.number(rank_text), cursors.moment(at_text), cursors.ident(id_text)
    return or_(
        Delivery.rank < rank,
        and_(Delivery.rank == rank, Delivery.due_at > at),
        and_(Delivery.rank == rank, Delivery.due_at == at, Delivery.id > did),
    )


def _status(status: str) -> ColumnElement[bool]:
    if status == "open":
        return Delivery.is_open.is_(True)
    if status == "closed":
        return Delivery.closed_at.is_not(None)
    if status == "all":
        return Delivery.id.is_not(None)
    return and_(Delivery.status == status, Delivery.closed_at.is_(None))


def _queue(session: Session, viewer: Viewer, queue_id: uuid.UUID) -> ColumnElement[bool]:
    """The deliveries of one inbox, or of the agency lead queue, that this person sees."""
    if viewer.lead and queue_id == viewer.actor.agency_id:
        return and_(Delivery.agency_id == queue_id, Delivery.inbox_id.is_(None))
    inbox = session.get(Inbox, queue_id)
    mine = inbox is not None and (
        inbox.id in viewer.inboxes or (viewer.lead and inbox.agency_id == viewer.actor.agency_id)
    )
    if not mine:
        # Another agency's inbox looks exactly like one that does not exist.
        raise NotFound("not_found", "You work no such inbox.")
    return and_(Delivery.inbox_id == queue_id, viewer.clause())


@dataclass(frozen=True, slots=True)
class DeliveryView:
    """A delivery as its recipients see it: where and why it came, its deadlines and what
    became of it; no content of the concern (DeliverySchema)."""

    id: uuid.UUID
    concern_id: uuid.UUID
    status: str
    level: str
    ack_due: datetime
    decision_due: datetime | None
    created_at: datetime
    inbox: str  # its label: "MASH", "MASH (supervisors)", "<agency> safeguarding lead"
    audience: str
    overdue: bool
    acknowledged_at: datetime | None
    decided_at: datetime | None
    outcome: str | None
    escalated_at: datetime | None
    closed_at: datetime | None
    closed_reason: str | None
    step: int
    reason: str
    notes: tuple[str, ...]
    categories: tuple[str, ...]
    why: str  # the reason in words: the routing rules' descriptions, never their ids


def view(
    session: Session,
    d: Delivery,
    categories: list[str] | None = None,
    *,
    named: str | None = None,
    now: datetime | None = None,
    why: str | None = None,
) -> DeliveryView:
    """A delivery as its recipients see it (no content of the concern)."""
    return DeliveryView(
        id=d.id,
        concern_id=d.concern_id,
        status=d.status,
        level=d.level,
        ack_due=d.ack_due,
        decision_due=d.decision_due,
        created_at=d.created_at,
        inbox=named or label(session, d),
        audience=d.audience,
        overdue=d.is_open and d.due_at < (now or utcnow()),
        acknowledged_at=d.acknowledged_at,
        decided_at=d.decided_at,
        outcome=d.outcome,
        escalated_at=d.escalated_at,
        closed_at=d.closed_at,
        closed_reason=d.closed_reason,
        step=d.step,
        reason=d.reason,
        notes=tuple(json.loads(d.notes)),
        categories=tuple(categories or ()),
        why=why if why is not None else db_why(session, [d])[d.id],
    )


def deliveries(
    session: Session,
    *,
    actor: Actor,
    queue_id: uuid.UUID,
    status: str,
    cursor: str | None,
    limit: int,
) -> tuple[list[DeliveryView], str | None]:
    """One page of a queue, most urgent first: level, then the deadline it works to."""
    if status not in STATUS_FILTERS:
        raise Malformed("request.bad_status", f"status is one of {', '.join(STATUS_FILTERS)}.")
    viewer = db_viewer(session, actor)
    query = select(Delivery).where(_queue(session, viewer, queue_id), _status(status))
    if cursor:
        query = query.where(_after(cursor))
    rows = list(
        session.scalars(
            query.order_by(Delivery.rank.desc(), Delivery.due_at, Delivery.id).limit(limit + 1)
        )
    )
    page, more = rows[:limit], len(rows) > limit
    categories: dict[uuid.UUID, list[str]] = {}
    if page:
        for cid, category in session.execute(
            select(ConcernCategory.concern_id, ConcernCategory.category).where(
                ConcernCategory.concern_id.in_({d.concern_id for d in page})
            )
        ):
            categories.setdefault(cid, []).append(category)
    named, now, why = labels(session, page), utcnow(), db_why(session, page)
    items = [
        view(
            session,
            d,
            sorted(categories.get(d.concern_id, [])),
            named=named[d.id],
            now=now,
            why=why[d.id],
        )
        for d in page
    ]
    # A list is a consultation too (DPA 2018 s.62): which concerns this person was shown.
    db_audit(
        session,
        "delivery.listed",
        actor=actor,
        records=[("delivery", d.id) for d in page],
        detail={"queue": str(queue_id), "status": status},
    )
    session.commit()
    return items, (_cursor(page[-1]) if more and page else None)
