"""Who may open a child's profile (docs/contract.md, "Profile").

Readers: the home: the members of the recording agency's inboxes and its own staff (the
care workers who keep the profiles are recorders, in no inbox); and the members of the
police Missing Persons and Police Control Room inboxes while an episode about the child is
open, and then only. To anyone else a profile does not exist (404, never 403: no oracle).

The profile's child is the record that holds the child's strong keys (NHS number, name with
date of birth), as a concern's child is: the profile's blind indexes (``profile_keys``) meet
the keys the child's record holds (``subject_keys``), whichever was recorded first, and
across merges (``members``).
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.models import (
    Inbox,
    Membership,
    MissingEpisode,
    Profile,
    ProfileKey,
    Subject,
    SubjectKey,
)
from backend.services.concerns.rules import db_active
from backend.services.linking.conflicts import STRONG
from backend.services.linking.subjects import canonical, members
from backend.services.records.audit import Actor

# The rules' names (aliases) of the inboxes that may open a profile during an episode.
EPISODE_READERS = ("missing_persons", "control_room")


def db_latest(session: Session, profile_id: uuid.UUID) -> Profile | None:
    """The version that stands: the latest by the recorder's clock, then by arrival."""
    return session.scalars(
        select(Profile)
        .where(Profile.profile_id == profile_id)
        .order_by(Profile.recorded_at.desc(), Profile.version.desc())
        .limit(1)
    ).first()


def db_subjects_of(session: Session, profile_id: uuid.UUID) -> list[uuid.UUID]:
    """The child's records (heads of any merge) holding a strong key the profile names."""
    found = session.scalars(
        select(SubjectKey.subject_id)
        .distinct()
        .join(
            ProfileKey,
            (ProfileKey.kind == SubjectKey.kind)
            & (ProfileKey.blind_index == SubjectKey.blind_index),
        )
        .join(Profile, Profile.id == ProfileKey.profile_row_id)
        .join(Subject, Subject.id == SubjectKey.subject_id)
        .where(
            Profile.profile_id == profile_id,
            SubjectKey.role == "subject",
            # Blind indexes are the same in every partnership: the child is this one's.
            Subject.partnership_id == Profile.partnership_id,
        )
    )
    return sorted({canonical(session, s) for s in found}, key=str)


def db_profiles_of(session: Session, subject_id: uuid.UUID) -> list[uuid.UUID]:
    """The profiles naming a strong key that the child's record holds, kept in the child's
    partnership (another partnership's home keeps its own, for its own police)."""
    subject = session.get(Subject, subject_id)
    if subject is None:
        return []
    return sorted(
        set(
            session.scalars(
                select(Profile.profile_id)
                .join(ProfileKey, ProfileKey.profile_row_id == Profile.id)
                .join(
                    SubjectKey,
                    (SubjectKey.kind == ProfileKey.kind)
                    & (SubjectKey.blind_index == ProfileKey.blind_index),
                )
                .where(
                    Profile.partnership_id == subject.partnership_id,
                    SubjectKey.subject_id.in_(members(session, subject_id)),
                    SubjectKey.role == "subject",
                    SubjectKey.kind.in_(STRONG),
                )
            )
        ),
        key=str,
    )


def db_profile_for(session: Session, subject_id: uuid.UUID) -> uuid.UUID | None:
    """The child's profile (of several, the latest recorded), or None."""
    latest = [p for p in (db_latest(session, i) for i in db_profiles_of(session, subject_id)) if p]
    latest.sort(key=lambda p: (p.recorded_at, p.version))
    return latest[-1].profile_id if latest else None


def db_episode_open(session: Session, subjects: list[uuid.UUID]) -> bool:
    """Whether any of these children is missing now (an open episode)."""
    ids = [m for s in subjects for m in members(session, s)]
    if not ids:
        return False
    return (
        session.scalar(
            select(MissingEpisode.id)
            .where(MissingEpisode.subject_id.in_(ids), MissingEpisode.is_open.is_(True))
            .limit(1)
        )
        is not None
    )


def db_child_missing(session: Session, profile_id: uuid.UUID) -> bool:
    """Whether the child this profile is about is missing now."""
    return db_episode_open(session, db_subjects_of(session, profile_id))


def _db_inboxes(session: Session, actor: Actor) -> list[tuple[uuid.UUID, uuid.UUID]]:
    """(inbox, agency) of every inbox the person is a member of."""
    return [
        (inbox, agency)
        for inbox, agency in session.execute(
            select(Inbox.id, Inbox.agency_id)
            .join(Membership, Membership.inbox_id == Inbox.id)
            .where(Membership.user_id == actor.user_id)
        )
    ]


def db_episode_reader_inboxes(session: Session, partnership_id: uuid.UUID) -> set[uuid.UUID]:
    """The partnership's Missing Persons and Police Control Room inboxes."""
    active = db_active(session, partnership_id)
    aliases = active.rules.inboxes
    return {active.inboxes[aliases[a]] for a in EPISODE_READERS if a in aliases}


def db_episode_reader(session: Session, actor: Actor, partnership_id: uuid.UUID) -> bool:
    """Whether the person works a Missing Persons or Police Control Room inbox."""
    readers = db_episode_reader_inboxes(session, partnership_id)
    return any(inbox in readers for inbox, _ in _db_inboxes(session, actor))


def db_home_reader(session: Session, actor: Actor, profile: Profile) -> bool:
    """Whether the person works for the home that keeps it: a member of one of its inboxes,
    or one of its own staff (the care workers who keep its profiles hold no inbox)."""
    if actor.agency_id == profile.author_agency_id:
        return True
    return any(agency == profile.author_agency_id for _, agency in _db_inboxes(session, actor))


def db_may_read(session: Session, actor: Actor, profile: Profile) -> bool:
    """The home, always; Missing Persons and the Control Room while the child is missing."""
    if db_home_reader(session, actor, profile):
        return True
    if not db_episode_reader(session, actor, profile.partnership_id):
        return False
    return db_episode_open(session, db_subjects_of(session, profile.profile_id))


def db_profile_shown(session: Session, actor: Actor, subject_id: uuid.UUID) -> uuid.UUID | None:
    """The child's profile if this person may open it now, else None: an episode names its
    profile only to those who can follow the link (to anyone else it does not exist)."""
    profile_id = db_profile_for(session, subject_id)
    profile = db_latest(session, profile_id) if profile_id is not None else None
    if profile is None or not db_may_read(session, actor, profile):
        return None
    return profile_id


def overdue(profile: Profile, now: datetime | None = None) -> bool:
    """Past its review date: flagged to the home."""
    return profile.review_due < (now or datetime.now(UTC)).date()
