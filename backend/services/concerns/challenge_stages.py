"""The stages of a challenge to a decision: who owns each, who reads the concern because
of one, how a stage begins, and how its owners' devices are told.

A stage's owner is written in the rules as an escalation step's target is, and resolved
the same way against the decision challenged (``RuleSet.target``): the deciding inbox's
supervisors, the deciding agency's safeguarding leads, or an inbox (the Partnership Leads).
It is kept as a delivery keeps its recipients — audience, agency, inbox — so that "whose
is it" is the inbox rule people already know: an inbox's members, its supervisors, or the
people holding the agency lead role in that agency (``owns``).

Need to know: those who see a stage it reached (``db_seen_clause``; as ``inbox.Viewer``
sees deliveries, so an agency's leads see their agency's stages) may list the challenge and
open its concern, audited with a purpose; nobody gains anything by raising one.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, and_, exists, false, or_, select
from sqlalchemy.orm import Session

from backend.models import (
    Challenge,
    ChallengeStage,
    Delivery,
    Membership,
    PushSubscription,
    User,
    UserRole,
    UserStatus,
    insert_into,
)
from backend.models.people import RoleName
from backend.routing.ruleset import Target
from backend.services.concerns.inbox import Viewer, db_viewer
from backend.services.concerns.push import db_queue_messages
from backend.services.concerns.rules import Active
from backend.services.records.audit import Actor


@dataclass(frozen=True, slots=True)
class Owner:
    """Who owns a stage: as a delivery names its recipients, and as people read it
    (``label``: "MASH (supervisors)", "<agency> safeguarding lead", "Partnership Leads")."""

    audience: str
    agency_id: uuid.UUID
    inbox_id: uuid.UUID | None
    label: str
    agency: str


def db_next_owner(
    active: Active, decided: Delivery, after: int, now: datetime
) -> tuple[int, Owner, datetime] | None:
    """The first stage above ``after`` that has an owner for this decision, its owner and
    its deadline counted from ``now``; None when no stage is left. A ``supervisors`` stage is
    passed over for a decision made in an agency's lead queue (no inbox, so no supervisors)."""
    rules = active.rules
    agency = active.agency_names[decided.agency_id]
    inbox = active.inbox_names[decided.inbox_id][1] if decided.inbox_id else None
    for number in range(after + 1, len(rules.challenge_stages) + 1):
        step = rules.challenge_stages[number - 1]
        if step.to == "supervisors" and inbox is None:
            continue
        target: Target = rules.target(step.to, agency=agency, inbox=inbox)
        owner = Owner(
            audience=target.audience,
            agency_id=active.agencies[target.agency],
            inbox_id=active.inboxes[(target.agency, target.inbox)] if target.inbox else None,
            label=target.label,
            agency=target.agency,
        )
        return number, owner, rules.calendar.due(now, step.within)
    return None


def db_begin_stage(
    session: Session,
    challenge: Challenge,
    stage: tuple[int, Owner, datetime],
    *,
    top: int,
    now: datetime,
) -> None:
    """Put the challenge at ``stage`` (number of ``top``, owner, deadline) from ``now``."""
    number, owner, due = stage
    session.execute(
        insert_into(ChallengeStage),
        {
            "challenge_id": challenge.id,
            "stage": number,
            "audience": owner.audience,
            "agency_id": owner.agency_id,
            "inbox_id": owner.inbox_id,
            "started_at": now,
            "due_at": due,
            "ended_at": None,
            "ended": None,
        },
    )
    challenge.stage, challenge.due_at = number, due
    # The sweep looks again at the deadline only while a stage above remains.
    challenge.next_deadline = due if number < top else None


def stage_owner(session: Session, active: Active, stage: ChallengeStage) -> Owner:
    """A stage's owner as people read it."""
    agency = active.agency_names[stage.agency_id]
    inbox = active.inbox_names[stage.inbox_id][1] if stage.inbox_id else None
    label = Target(stage.audience, agency, inbox).label
    return Owner(stage.audience, stage.agency_id, stage.inbox_id, label, agency)


def owns(viewer: Viewer, stage: ChallengeStage) -> bool:
    """Whether this person owns the stage: a member of its inbox, a supervisor of it, or a
    safeguarding lead of its agency, as its audience says; strictly (a lead does not own a
    stage of an inbox of their agency, though they see it)."""
    if stage.audience == "agency_leads":
        return viewer.lead and stage.agency_id == viewer.actor.agency_id
    if stage.inbox_id not in viewer.inboxes:
        return False
    return stage.audience == "members" or viewer.supervisor


def db_seen_clause(viewer: Viewer) -> ColumnElement[bool]:
    """SQL over ``ChallengeStage``: the stages this person sees (as deliveries are seen)."""
    audiences = ["members", "supervisors"] if viewer.supervisor else ["members"]
    parts = [
        and_(ChallengeStage.inbox_id.in_(viewer.inboxes), ChallengeStage.audience.in_(audiences))
    ]
    if viewer.lead:
        parts.append(ChallengeStage.agency_id == viewer.actor.agency_id)
    return or_(*parts) if viewer.inboxes or viewer.lead else false()


def db_reads_by_challenge(session: Session, actor: Actor, concern_id: uuid.UUID) -> bool:
    """Whether this person sees a stage of a challenge on this concern: its owners read it."""
    viewer = db_viewer(session, actor)
    query = select(ChallengeStage.challenge_id).where(
        db_seen_clause(viewer),
        exists().where(
            Challenge.id == ChallengeStage.challenge_id, Challenge.concern_id == concern_id
        ),
    )
    return session.scalar(query.limit(1)) is not None


def _devices(owner: Owner) -> ColumnElement[bool]:
    if owner.audience == "agency_leads":
        who = and_(User.agency_id == owner.agency_id, _holds(RoleName.AGENCY_LEAD))
    else:
        member = exists().where(
            Membership.user_id == User.id, Membership.inbox_id == owner.inbox_id
        )
        who = (
            member
            if owner.audience == "members"
            else and_(member, _holds(RoleName.INBOX_SUPERVISOR))
        )
    return and_(User.status == UserStatus.ACTIVE, who)


def _holds(role: RoleName) -> ColumnElement[bool]:
    return exists().where(UserRole.user_id == User.id, UserRole.role == role)


def db_tell(
    session: Session,
    *,
    delivery_id: uuid.UUID,
    title: str,
    body: str,
    owner: Owner | None = None,
    person: uuid.UUID | None = None,
) -> int:
    """Queue a message to the devices of a stage's owners, or of one person; the words name
    no child and no one (``push``'s rule). Return how many were queued."""
    query = select(PushSubscription.id).join(User, User.id == PushSubscription.user_id)
    if owner is not None:
        query = query.where(_devices(owner))
    else:
        query = query.where(User.id == person, User.status == UserStatus.ACTIVE)
    return db_queue_messages(
        session, session.scalars(query), title=title, body=body, delivery_id=delivery_id
    )
