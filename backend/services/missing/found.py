"""What the reports say of an episode, for those who read it: the child's name, from the
report that opened it, and where and with whom the child was found, from the record that
closed it. Sealed under the concern's data key, so read here and never kept in clear; a
concern erased since leaves them unsaid."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

import crypto
from backend.models import Addendum, Concern, MissingEpisode
from backend.services.records.sealed import db_data_key, unseal


@dataclass(frozen=True, slots=True)
class Told:
    """The words of the reports an episode shows."""

    child: str | None = None  # the child's name as the opening report gives it
    found_where: str | None = None
    found_with: str | None = None
    read: tuple[tuple[str, uuid.UUID], ...] = ()  # the records opened, for the audit


def _document(session: Session, ring: crypto.KeyRing, concern: Concern, row: Any) -> Any:
    key = db_data_key(session, ring, concern.data_key_id)
    table = "addenda" if isinstance(row, Addendum) else "concerns"
    return json.loads(
        unseal(key, row.crypto_document, table=table, row_id=row.id, field="document")
    )


def _name(subject: dict[str, Any]) -> str | None:
    """The child's name, else the first name they are known by."""
    words = " ".join(str(subject.get(k) or "").strip() for k in ("given_name", "family_name"))
    known = [str(k).strip() for k in subject.get("known_as") or [] if str(k).strip()]
    return words.strip() or (known[0] if known else None)


def db_told(session: Session, ring: crypto.KeyRing, episode: MissingEpisode) -> Told:
    """The child's name and the found facts of one episode, from its sealed records."""
    opening = session.get(Concern, episode.concern_id)
    if opening is None or opening.data_key_id is None:
        return Told()
    read: list[tuple[str, uuid.UUID]] = [("concern", opening.id)]
    child = _name(_document(session, ring, opening, opening).get("subject") or {})
    closing: Any = None
    if episode.closed_by_addendum_id is not None:
        closing = session.get(Addendum, episode.closed_by_addendum_id)
        if closing is not None:
            read.append(("addendum", closing.id))
    elif episode.closed_by_concern_id is not None:
        closing = session.get(Concern, episode.closed_by_concern_id)
        if closing is not None and closing.id != opening.id:
            read.append(("concern", closing.id))
    if closing is None:
        return Told(child=child, read=tuple(read))
    # An addendum is sealed under its concern's key.
    owner = session.get(Concern, closing.concern_id) if isinstance(closing, Addendum) else closing
    if owner is None or owner.data_key_id is None:
        return Told(child=child, read=tuple(read))
    missing = _document(session, ring, owner, closing).get("missing") or {}
    return Told(
        child=child,
        found_where=missing.get("found_where") or None,
        found_with=missing.get("found_with") or None,
        read=tuple(read),
    )
