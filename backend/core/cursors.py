"""The API lists' opaque ``next`` cursors: the last listed item's ordering fields, joined
with ``|`` and base64url-encoded. A cursor the server did not give is a 400
``request.bad_cursor``, whatever is wrong with it, and never reaches a query."""

from __future__ import annotations

import base64
import uuid
from datetime import datetime

from backend.core.errors import Malformed


def encode(*fields: object) -> str:
    raw = "|".join(f.isoformat() if isinstance(f, datetime) else str(f) for f in fields)
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode(cursor: str, count: int) -> list[str]:
    """The cursor's ``count`` fields, as text."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (ValueError, UnicodeDecodeError):
        raise _bad() from None
    fields = raw.split("|")
    if len(fields) != count:
        raise _bad()
    return fields


def moment(text: str) -> datetime:
    """A time from a cursor: every one given carries its offset."""
    try:
        at = datetime.fromisoformat(text)
    except ValueError:
        raise _bad() from None
    if at.tzinfo is None:
        raise _bad()
    return at


def ident(text: str) -> uuid.UUID:
    try:
        return uuid.UUID(text)
    except ValueError:
        raise _bad() from None


def number(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise _bad() from None


def _bad() -> Malformed:
    return Malformed("request.bad_cursor", "The 'next' cursor is not one we gave.")
