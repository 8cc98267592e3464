"""Step 8, episodes: a concern or addendum about a missing child opens, updates or closes
the child's missing episode (``services/missing/episodes.py``), inside the store
transaction. After link: the child is known then, and linking holds the child's locks."""

from __future__ import annotations

from sqlalchemy.orm import Session

from backend.pipeline.store import Stored
from backend.services.missing import episodes
from backend.services.missing.episodes import Record


def _record(stored: Stored, *, addendum: bool) -> Record | None:
    missing = stored.loaded.get("missing") or {}
    concern = stored.the_concern
    if not missing or concern.subject_id is None:
        return None
    return Record(
        partnership_id=stored.agency.partnership_id,
        agency_id=stored.agency.id,
        agency_name=stored.agency.name,
        concern_id=concern.id,
        subject_id=concern.subject_id,
        level=concern.level,
        missing=missing,
        addendum_id=stored.id if addendum else None,
    )


def db_concern_episode(session: Session, stored: Stored) -> None:
    """A concern's ``missing``: open, update or close the child's episode."""
    record = _record(stored, addendum=False)
    if record is not None:
        episodes.db_concern(session, record, list(stored.loaded["categories"]))


def db_addendum_episode(session: Session, stored: Stored) -> None:
    """An addendum's ``missing``: a ``found_at`` closes the child's open episode."""
    record = _record(stored, addendum=True)
    if record is not None:
        episodes.db_addendum(session, record)
