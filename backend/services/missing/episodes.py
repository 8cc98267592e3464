"""Opening, updating and closing missing episodes, and the return interview task.

A missing child is one episode, not a string of events: a concern in the category
``missing`` that says when the child was reported missing (``missing.reported_at``) and not
that they were found opens it; another report while it is open updates it; the first
concern or addendum that gives ``missing.found_at`` closes it (a report with both opens and
closes at once). The return interview is due within 72 hours of the return, so the task
is made when the episode closes, its deadline counted from ``found_at`` — never from the
report. A return synced days late makes a task already overdue, and it escalates at the
next sweep like any missed deadline.

One open episode per child: the caller holds the child's link locks (``db_lock_child``), so
two reports about one child never both open one, and the database's partial unique index
holds it for each child record. A child's episodes are read over every record merged into
the child's (``members``).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.core.db import db_lock
from backend.models import MissingEpisode, new_id, utcnow
from backend.services.concerns.deliveries import delivery_row
from backend.services.concerns.disclose import db_disclose
from backend.services.concerns.rules import db_active
from backend.services.linking import known
from backend.services.linking.locks import link_lock, subject_lock
from backend.services.linking.subjects import canonical, members
from backend.services.records.audit import db_audit

RETURN_REASON = "The child has returned from a missing episode"


@dataclass(frozen=True)
class Record:
    """The record that may open, update or close an episode, as the pipeline stored it."""

    partnership_id: uuid.UUID
    agency_id: uuid.UUID  # its author's
    agency_name: str
    concern_id: uuid.UUID  # the concern, or the one the addendum adds to
    subject_id: uuid.UUID  # the child record the concern is linked to
    level: str  # the concern's
    missing: dict[str, Any]  # ``missing`` as validated ({} when absent)
    addendum_id: uuid.UUID | None = None


def hours_between(reported_at: datetime, found_at: datetime) -> float:
    """Hours missing, to a tenth; a return given before the report counts as none."""
    return max(0.0, round((found_at - reported_at).total_seconds() / 3600, 1))


def db_lock_child(session: Session, partnership_id: uuid.UUID, subject_id: uuid.UUID) -> None:
    """Hold the child's link locks for an addendum, which is not linked (a concern's link
    holds them already). In linking's order: the partnership's shared lock, then the child."""
    db_lock(session, link_lock(partnership_id), shared=True)
    db_lock(session, subject_lock(canonical(session, subject_id)))


def db_open_episode(session: Session, subject_id: uuid.UUID) -> MissingEpisode | None:
    """The child's open episode, over every record merged into the child's."""
    head = canonical(session, subject_id)
    return session.scalars(
        select(MissingEpisode)
        .where(MissingEpisode.subject_id.in_(members(session, head)), MissingEpisode.is_open)
        .order_by(MissingEpisode.reported_at)
        .limit(1)
    ).first()


def db_concern(session: Session, record: Record, categories: list[str]) -> None:
    """A concern: open, update or close the child's episode, as its ``missing`` says."""
    reported_at = record.missing.get("reported_at")
    found_at = record.missing.get("found_at")
    episode = db_open_episode(session, record.subject_id)
    if episode is None and "missing" in categories and reported_at is not None:
        episode = MissingEpisode(
            id=new_id(),
            partnership_id=record.partnership_id,
            subject_id=record.subject_id,
            concern_id=record.concern_id,
            reporting_agency_id=record.agency_id,
            reported_at=reported_at,
            reports=1,
            is_open=True,
            opened_at=utcnow(),
        )
        session.add(episode)
        session.flush()
        db_audit(
            session,
            "missing.episode_opened",
            records=[("concern", record.concern_id), ("missing_episode", episode.id)],
        )
    elif episode is not None and "missing" in categories and reported_at is not None:
        # A second report while the child is missing is the same episode, told again.
        episode.reports += 1
        episode.reported_at = min(episode.reported_at, reported_at)
        db_audit(
            session,
            "missing.episode_updated",
            records=[("concern", record.concern_id), ("missing_episode", episode.id)],
        )
    if episode is not None and found_at is not None:
        db_close(session, episode, record, found_at)


def db_addendum(session: Session, record: Record) -> None:
    """An addendum: a sighting changes nothing; one that gives ``found_at`` closes the
    child's open episode."""
    found_at = record.missing.get("found_at")
    if found_at is None:
        return
    db_lock_child(session, record.partnership_id, record.subject_id)
    episode = db_open_episode(session, record.subject_id)
    if episode is not None:
        db_close(session, episode, record, found_at)


def db_close(session: Session, episode: MissingEpisode, record: Record, found_at: datetime) -> None:
    """Close the episode and give the return interview task, due from ``found_at``."""
    now = utcnow()
    episode.is_open = False
    episode.found_at = found_at
    episode.hours_missing = hours_between(episode.reported_at, found_at)
    episode.closed_at = now
    episode.closed_by_concern_id = record.concern_id
    episode.closed_by_addendum_id = record.addendum_id
    row = _return_interview(session, record, found_at, now)
    episode.return_due = row["decision_due"]
    episode.return_delivery_id = row["id"]
    session.flush()
    db_audit(
        session,
        "missing.episode_closed",
        records=[
            ("concern", record.concern_id),
            *([("addendum", record.addendum_id)] if record.addendum_id else []),
            ("missing_episode", episode.id),
        ],
    )


def _return_interview(
    session: Session, record: Record, found_at: datetime, now: datetime
) -> dict[str, Any]:
    """Deliver the return interview task where the rules say (``[missing]``), its decision
    due the rules' span after the return and its acknowledgement no later; audited as a
    disclosure, like routing."""
    active = db_active(session, record.partnership_id)
    rules = active.rules
    send = rules.return_interview_send()
    target = rules.target(send.to, agency=record.agency_name)
    default_ack, default_decide = rules.deadlines[record.level]
    decide = rules.calendar.due(found_at, send.decide or default_decide)
    ack = min(rules.calendar.due(found_at, send.acknowledge or default_ack), decide)
    row = delivery_row(
        active,
        target,
        concern_id=record.concern_id,
        level=record.level,
        ack_due=ack,
        decision_due=decide,
        reason=RETURN_REASON,
        notes=[send.note] if send.note else [],
        now=now,
    )
    db_disclose(session, active, record.concern_id, [row], [target])
    # A routed delivery of the child's concern: it counts towards who holds the child's records.
    known.db_count(session, record.subject_id, [row["inbox_id"]])
    return row


def db_follow_split(session: Session, moved: list[uuid.UUID], gone: uuid.UUID) -> None:
    """After a split moved these concerns to the split-off record ``gone``, move the
    episodes they opened with them: an episode is the child's whose report opened it. An
    open one stays where it is when ``gone``'s side already has an open episode (the
    database keeps one per record; which report is the child's is then the MASH's to say)."""
    if not moved:
        return
    found = list(
        session.scalars(select(MissingEpisode).where(MissingEpisode.concern_id.in_(moved)))
    )
    open_there = db_open_episode(session, gone) is not None
    for episode in found:
        if episode.is_open and open_there:
            continue
        episode.subject_id = gone
        open_there = open_there or episode.is_open
    session.flush()
