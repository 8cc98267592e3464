"""Server-side sessions: created at sign-in, checked on every request, ended at once."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import ColumnElement, select, update
from sqlalchemy.orm import Session

from backend.core.config import DEFAULT_TIMEOUTS
from backend.models import Passkey, StaffSession, User, UserStatus, utcnow

_TOUCH_EVERY = timedelta(seconds=30)
# Ended by the person from another of their sessions; told as such, and the device keeps
# its unsent concerns (unlike a revoked passkey).
ENDED_ELSEWHERE = "session.ended_elsewhere"
_TOLD_AS_IS = frozenset(
    {"device.revoked", ENDED_ELSEWHERE}
)  # idle clock resolution; saves a write per request


class SessionRefused(Exception):
    """The presented session is not valid; ``code`` tells the client why."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class Started:
    token: str
    record: StaffSession


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def timeouts_for(
    roles: list[str], policy: dict[str, tuple[timedelta, timedelta]] | None = None
) -> tuple[timedelta, timedelta]:
    """Return (idle, absolute) for a set of roles: the strictest that applies."""
    table = policy or DEFAULT_TIMEOUTS
    chosen = [table[r] for r in roles if r in table] or [min(table.values())]
    return min(i for i, _ in chosen), min(a for _, a in chosen)


def db_start(
    session: Session,
    *,
    user: User,
    passkey: Passkey,
    policy: dict[str, tuple[timedelta, timedelta]] | None = None,
) -> Started:
    """Open a session for a person who just proved their passkey; return its token."""
    idle, absolute = timeouts_for([r.role for r in user.roles], policy)
    token = secrets.token_urlsafe(32)  # 256 bits; only its hash is stored
    now = utcnow()
    record = StaffSession(
        token_hash=token_hash(token),
        user_id=user.id,
        passkey_id=passkey.id,
        created_at=now,
        last_seen_at=now,
        verified_at=now,
        idle_seconds=int(idle.total_seconds()),
        expires_at=now + absolute,
    )
    session.add(record)
    return Started(token=token, record=record)


def db_end(session: Session, record: StaffSession, reason: str) -> None:
    if record.ended_at is None:
        record.ended_at = utcnow()
        record.end_reason = reason


def _db_end_where(session: Session, which: ColumnElement[bool], reason: str) -> int:
    result = session.execute(
        update(StaffSession)
        .where(which, StaffSession.ended_at.is_(None))
        .values(ended_at=utcnow(), end_reason=reason)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def db_end_for_passkey(session: Session, passkey_id: uuid.UUID, reason: str) -> int:
    """End every open session made with this passkey; return how many."""
    return _db_end_where(session, StaffSession.passkey_id == passkey_id, reason)


def db_end_for_user(session: Session, user_id: uuid.UUID, reason: str) -> int:
    """End every open session of this person; return how many."""
    return _db_end_where(session, StaffSession.user_id == user_id, reason)


def resolve(session: Session, token: str) -> tuple[StaffSession, User]:
    """Return the open session and its user for a cookie token, or raise SessionRefused.

    Commits only the idle-clock touch, and at most every 30 seconds.
    """
    record = session.scalar(
        select(StaffSession).where(StaffSession.token_hash == token_hash(token))
    )
    if record is None:
        raise SessionRefused("auth.required")
    now = utcnow()
    if record.ended_at is not None:
        raise SessionRefused(
            record.end_reason if record.end_reason in _TOLD_AS_IS else "session.ended"
        )
    if record.passkey.revoked_at is not None:
        db_end(session, record, "device.revoked")
        session.commit()
        raise SessionRefused("device.revoked")
    if now >= record.expires_at or now - record.last_seen_at > timedelta(
        seconds=record.idle_seconds
    ):
        db_end(session, record, "session.expired")
        session.commit()
        raise SessionRefused("session.expired")
    user = session.get(User, record.user_id)
    if user is None or user.status is not UserStatus.ACTIVE:
        db_end(session, record, "user.disabled")
        session.commit()
        raise SessionRefused("user.disabled")
    if now - record.last_seen_at > _TOUCH_EVERY:
        record.last_seen_at = now
        session.commit()
    return record, user
