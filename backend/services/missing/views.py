"""Missing episodes as read (``GET /api/v1/episodes``, ``GET /api/v1/subjects/{id}/missing``).

Readers: partnership leads and the members of the inboxes the rules name in ``[missing]``
(``readers``, and the inbox given the return interview task) read every episode of the
partnership; the members of a children's home's inboxes read the episodes their home
reported. Every read is audited. The return interview's status is how the latest
interview recorded went (held, declined, not_reached: ``return_interviews.py``); until one
is recorded it is counted from the return: not due while the child is missing, due until
72 hours after ``found_at``, overdue after.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import ColumnElement, Select, and_, false, or_, select
from sqlalchemy.orm import Session

import crypto
from backend.core import cursors
from backend.core.errors import Malformed, NotFound, NotPermitted
from backend.models import (
    Agency,
    AgencyKind,
    Inbox,
    Membership,
    MissingEpisode,
    RoleName,
    Subject,
    UserRole,
    utcnow,
)
from backend.services.concerns.rules import db_active
from backend.services.linking.subjects import canonical, members
from backend.services.missing.found import db_told
from backend.services.profiles.access import db_profile_shown
from backend.services.records.audit import Actor, db_audit

STATUSES = ("open", "closed")


@dataclass(frozen=True, slots=True)
class ReturnInterview:
    due: datetime | None  # 72 hours after the return; none while the child is missing
    status: Literal["not_due", "due", "overdue", "held", "declined", "not_reached"]


@dataclass(frozen=True, slots=True)
class EpisodeView:
    """One episode as the contract gives it (EpisodeSchema)."""

    id: uuid.UUID
    subject_id: uuid.UUID  # the child's record now (the head of any merge)
    concern_id: uuid.UUID  # the report that opened it
    reported_at: datetime
    found_at: datetime | None
    hours_missing: float | None
    profile_id: uuid.UUID | None  # the child's profile, kept by the home
    return_interview: ReturnInterview
    # From the sealed reports (``found.py``), for the readers of the episode.
    child: str | None = None
    found_where: str | None = None
    found_with: str | None = None


@dataclass(frozen=True)
class Reader:
    """What one person may read of the partnership's episodes."""

    partnership_id: uuid.UUID
    everything: bool  # a partnership lead, or a member of a reader inbox
    homes: frozenset[uuid.UUID]  # children's homes whose inboxes they work

    def clause(self) -> ColumnElement[bool]:
        """SQL: the episodes this person may read."""
        mine = MissingEpisode.partnership_id == self.partnership_id
        if self.everything:
            return mine
        if self.homes:
            return and_(mine, MissingEpisode.reporting_agency_id.in_(self.homes))
        return false()


def db_reader(session: Session, actor: Actor) -> Reader:
    """Who the person is to missing episodes; 403 for anyone who reads none."""
    agency = session.get(Agency, actor.agency_id)
    assert agency is not None  # noqa: S101 - a signed-in person has an agency
    lead = session.scalar(
        select(UserRole.role).where(
            UserRole.user_id == actor.user_id, UserRole.role == RoleName.PARTNERSHIP_LEAD.value
        )
    )
    worked = session.execute(
        select(Inbox.id, Inbox.agency_id, Agency.kind)
        .join(Membership, Membership.inbox_id == Inbox.id)
        .join(Agency, Agency.id == Inbox.agency_id)
        .where(Membership.user_id == actor.user_id)
    ).all()
    rules = db_active(session, agency.partnership_id)
    aliases = {*rules.rules.missing_readers, rules.rules.return_interview_send().to}
    readers = {rules.inboxes[rules.rules.inboxes[a]] for a in aliases if a in rules.rules.inboxes}
    reader = Reader(
        partnership_id=agency.partnership_id,
        everything=lead is not None or any(inbox in readers for inbox, _, _ in worked),
        homes=frozenset(a for _, a, kind in worked if kind == AgencyKind.CARE_HOME),
    )
    if not reader.everything and not reader.homes:
        raise NotPermitted(
            "forbidden.missing_episodes",
            "Missing episodes are read by the missing persons, control room and missing "
            "coordinator teams, the reporting home and partnership leads.",
        )
    return reader


def return_interview(episode: MissingEpisode, now: datetime) -> ReturnInterview:
    """The return interview's status: how the latest recorded went, or else counted from
    the return (``found_at``)."""
    due = episode.return_due
    if episode.return_outcome is not None:
        return ReturnInterview(due, episode.return_outcome)  # type: ignore[arg-type]
    if episode.is_open or due is None:
        return ReturnInterview(None, "not_due")
    return ReturnInterview(due, "overdue" if now > due else "due")


def _views(
    session: Session,
    ring: crypto.KeyRing,
    actor: Actor,
    found: list[MissingEpisode],
    now: datetime,
) -> tuple[list[EpisodeView], list[tuple[str, uuid.UUID]]]:
    """The episodes as read, and the records read to say them (for the audit); each names
    the child's profile only to a reader who may open it."""
    views: list[EpisodeView] = []
    read: list[tuple[str, uuid.UUID]] = []
    for e in found:
        told = db_told(session, ring, e)
        read.extend(told.read)
        views.append(
            EpisodeView(
                id=e.id,
                subject_id=canonical(session, e.subject_id),
                concern_id=e.concern_id,
                reported_at=e.reported_at,
                found_at=e.found_at,
                hours_missing=e.hours_missing,
                profile_id=db_profile_shown(session, actor, e.subject_id),
                return_interview=return_interview(e, now),
                child=told.child,
                found_where=told.found_where,
                found_with=told.found_with,
            )
        )
    return views, read


def _cursor(e: MissingEpisode) -> str:
    return cursors.encode(e.reported_at, e.id)


def _after(cursor: str) -> ColumnElement[bool]:
    at_text, id_text = cursors.decode(cursor, 2)
    at, eid = cursors.moment(at_text), cursors.ident(id_text)
    return or_(
        MissingEpisode.reported_at < at,
        and_(MissingEpisode.reported_at == at, MissingEpisode.id < eid),
    )


def _latest_first(query: Select[Any]) -> Select[Any]:
    return query.order_by(MissingEpisode.reported_at.desc(), MissingEpisode.id.desc())


def episodes(
    session: Session,
    ring: crypto.KeyRing,
    *,
    actor: Actor,
    status: str,
    cursor: str | None,
    limit: int,
    now: datetime | None = None,
) -> tuple[list[EpisodeView], str | None]:
    """A page of the episodes this person reads, open or closed, latest report first."""
    if status not in STATUSES:
        raise Malformed("request.bad_status", f"status is one of {', '.join(STATUSES)}.")
    reader = db_reader(session, actor)
    query = select(MissingEpisode).where(
        reader.clause(), MissingEpisode.is_open.is_(status == "open")
    )
    if cursor:
        query = query.where(_after(cursor))
    found = list(session.scalars(_latest_first(query).limit(limit + 1)))
    more, page = len(found) > limit, found[:limit]
    views, read = _views(session, ring, actor, page, now or utcnow())
    _audit(session, actor, page, read=read)
    return views, (_cursor(page[-1]) if more and page else None)


def subject_episodes(
    session: Session,
    ring: crypto.KeyRing,
    *,
    actor: Actor,
    subject_id: uuid.UUID,
    now: datetime | None = None,
) -> list[EpisodeView]:
    """A child's episodes, over every record merged into the child's, latest first; 404
    when the child is not the partnership's or, for a home, none of them is its own."""
    reader = db_reader(session, actor)
    subject = session.get(Subject, subject_id)
    if subject is None or subject.partnership_id != reader.partnership_id:
        raise NotFound("not_found", "There is no such child for you.")
    ids = members(session, canonical(session, subject_id))
    found = list(
        session.scalars(
            _latest_first(
                select(MissingEpisode).where(reader.clause(), MissingEpisode.subject_id.in_(ids))
            )
        )
    )
    if not found and not reader.everything:
        raise NotFound("not_found", "There is no such child for you.")
    views, read = _views(session, ring, actor, found, now or utcnow())
    _audit(session, actor, found, subject_id=subject_id, read=read)
    return views


def _audit(
    session: Session,
    actor: Actor,
    found: list[MissingEpisode],
    *,
    subject_id: uuid.UUID | None = None,
    read: list[tuple[str, uuid.UUID]] | None = None,
) -> None:
    """A read of episodes is a consultation of the children's records: each child, episode
    and report read to say it named, then committed."""
    children = sorted(
        {e.subject_id for e in found} | ({subject_id} if subject_id else set()), key=str
    )
    db_audit(
        session,
        "missing.episodes_listed",
        actor=actor,
        records=[
            *(("subject", s) for s in children),
            *(("missing_episode", e.id) for e in found),
            *(read or []),
        ],
    )
    session.commit()
