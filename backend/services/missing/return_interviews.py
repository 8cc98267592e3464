"""The return home interview: who may record it, and what recording it does to the episode.

The rules give the return interview task to one inbox (``[missing] return_interview``, the
Missing Coordinator by default) when an episode closes (``episodes.py``); only that inbox's
members record the interview. Recording one says how it went on the episode (the latest
interview by event time wins: one synced late does not undo a later one) and completes the
task, so it stops climbing its escalation chain. Whether anyone may record it is checked
before anything about the episode is looked up, so a refusal tells an outsider nothing of
which children went missing.
"""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.core.errors import Conflict, Gone, NotFound, NotPermitted
from backend.models import (
    NO_DEADLINE,
    Concern,
    Delivery,
    DeliveryStatus,
    Membership,
    MissingEpisode,
    ReturnInterview,
    utcnow,
)
from backend.services.concerns.escalation import db_close_steps, root_of
from backend.services.concerns.rules import db_active
from backend.services.records.audit import db_audit

RECORDED = "Return interview recorded"


def db_task_inboxes(session: Session, partnership_id: uuid.UUID) -> set[uuid.UUID]:
    """The inbox the partnership's rules give the return interview task, as an id."""
    active = db_active(session, partnership_id)
    alias = active.rules.return_interview_send().to
    if alias not in active.rules.inboxes:
        return set()
    return {active.inboxes[active.rules.inboxes[alias]]}


def db_episode_for(
    session: Session, *, partnership_id: uuid.UUID, author_id: uuid.UUID, concern_id: uuid.UUID
) -> tuple[MissingEpisode, Concern]:
    """The closed episode the concern opened, and that concern, for an interview the author
    may record; refused (``return_interview.*``) otherwise."""
    task = db_task_inboxes(session, partnership_id)
    member = task and session.scalar(
        select(Membership.inbox_id).where(
            Membership.user_id == author_id, Membership.inbox_id.in_(task)
        )
    )
    if not member:
        raise NotPermitted(
            "return_interview.not_coordinator",
            "Only members of the inbox given the return interview task (the Missing "
            "Coordinator) record return interviews.",
        )
    episode = session.scalar(
        select(MissingEpisode).where(
            MissingEpisode.concern_id == concern_id,
            MissingEpisode.partnership_id == partnership_id,
        )
    )
    concern = session.get(Concern, concern_id) if episode is not None else None
    if episode is None or concern is None:
        raise NotFound(
            "return_interview.no_episode", "That concern opened no missing episode here."
        )
    if episode.is_open:
        raise Conflict(
            "return_interview.child_missing",
            "The child is still missing: the interview follows the return.",
        )
    if concern.data_key_id is None:
        raise Gone("return_interview.concern_erased", "The episode's concern was erased.")
    return episode, concern


def db_recorded(session: Session, interview_id: uuid.UUID) -> None:
    """Say on the episode how its latest interview went, and complete the return interview
    task (and any escalation of it) if it is still open; audited."""
    interview = session.get(ReturnInterview, interview_id)
    assert interview is not None  # noqa: S101 - stored in this transaction
    episode = session.get(MissingEpisode, interview.episode_id)
    assert episode is not None  # noqa: S101 - the foreign key holds it
    episode.return_outcome = session.scalar(
        select(ReturnInterview.outcome)
        .where(ReturnInterview.episode_id == episode.id)
        .order_by(ReturnInterview.recorded_at.desc(), ReturnInterview.id.desc())
        .limit(1)
    )
    task = session.get(Delivery, episode.return_delivery_id) if episode.return_delivery_id else None
    completed = task is not None and _db_complete(session, task, interview)
    db_audit(
        session,
        "missing.return_interview_recorded",
        records=[
            ("concern", interview.concern_id),
            ("missing_episode", episode.id),
            ("return_interview", interview.id),
            *([("delivery", task.id)] if task is not None and completed else []),
        ],
        detail={"outcome": interview.outcome, "task_completed": completed},
    )


def _db_complete(session: Session, task: Delivery, interview: ReturnInterview) -> bool:
    """Close the task as done by the interview: acknowledged if it was not, no deadline
    left, its escalations closed. False when it was decided or closed already."""
    root = root_of(session, task)
    session.refresh(root)
    if root.decided_at is not None or root.closed_at is not None:
        return False
    now = utcnow()
    root.acknowledged_at = root.acknowledged_at or now
    root.acknowledged_by_id = root.acknowledged_by_id or interview.author_id
    root.status = DeliveryStatus.ACKNOWLEDGED.value
    root.closed_at, root.closed_reason = now, f"{RECORDED} ({interview.outcome})"
    root.is_open, root.due_at = False, NO_DEADLINE
    db_close_steps(session, root, cause=None, why=RECORDED)
    root.clock, root.next_deadline = None, None
    return True
