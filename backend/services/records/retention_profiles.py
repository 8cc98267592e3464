"""Retention of children's profiles (docs/retention.md, "Children's profiles and their photos").

A profile is one record whatever its versions, and its photos are part of it. It falls due
for review a year after its latest version (``domain/retention.py``, ``PROFILE``): the home
updates a profile while it keeps it, so a year without a version means it no longer does.
A profile whose child is missing now is never due, and is not erased (``db_erase_profile``
refuses, ``retention.child_missing``): the police read it while the episode is open. As for
every record, the sweep lists and a person decides; an approved ``retention erase``
crypto-shreds (``profiles/attachments.db_erase_profile``).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backend.domain.retention import PROFILE, due_at
from backend.models import Profile, utcnow
from backend.services.profiles.access import db_child_missing


@dataclass(frozen=True, slots=True)
class ProfileDue:
    """A profile past its review date: ``latest_at`` is when its latest version was made."""

    profile_id: uuid.UUID
    versions: int
    latest_at: datetime
    due_at: datetime
    rule: str


def due_profiles(session: Session, *, now: datetime | None = None) -> list[ProfileDue]:
    """Profiles not erased whose latest version is a year old, the child not missing now."""
    now = now or utcnow()
    rows = session.execute(
        select(Profile.profile_id, func.count(), func.max(Profile.recorded_at))
        .where(Profile.data_key_id.is_not(None))
        .group_by(Profile.profile_id)
        .order_by(func.max(Profile.recorded_at))
    )
    out = []
    for profile_id, versions, latest in rows:
        when = due_at(PROFILE, recorded_at=latest, age_then=None)
        if when <= now and not db_child_missing(session, profile_id):
            out.append(ProfileDue(profile_id, versions, latest, when, PROFILE.name))
    return out
