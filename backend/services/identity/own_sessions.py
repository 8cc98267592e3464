"""A person's own sessions: which are open, on which passkey, and ending them.

After adding a passkey, losing sight of a phone or signing in on a borrowed device, a
person must be able to see every place they are signed in and end any of them — or all
but this one — without an administrator.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.core.errors import NotAuthenticated, NotFound
from backend.models import Passkey, StaffSession, utcnow
from backend.services.identity.sessions import ENDED_ELSEWHERE, db_end
from backend.services.records.audit import Actor, db_audit


def _person(actor: Actor) -> uuid.UUID:
    if actor.user_id is None:  # pragma: no cover - only signed-in people reach these
        raise NotAuthenticated("auth.required", "Sign in first.")
    return actor.user_id


def db_list(session: Session, user_id: uuid.UUID) -> list[StaffSession]:
    """The person's open sessions, most recently used first."""
    now = utcnow()
    candidates = session.scalars(
        select(StaffSession)
        .join(Passkey, Passkey.id == StaffSession.passkey_id)
        .where(
            StaffSession.user_id == user_id,
            StaffSession.ended_at.is_(None),
            StaffSession.expires_at > now,
            Passkey.revoked_at.is_(None),
        )
        .order_by(StaffSession.last_seen_at.desc(), StaffSession.id)
    )
    # The idle limit is per session; a session past it is over even before it is next used.
    return [s for s in candidates if now - s.last_seen_at <= timedelta(seconds=s.idle_seconds)]


def end_one(
    session: Session, *, actor: Actor, current_id: uuid.UUID, session_id: uuid.UUID
) -> None:
    """End one open session of the signed-in person (this one included: that is signing
    out). Another person's session, or one already over, is not found."""
    mine = {s.id: s for s in db_list(session, _person(actor))}
    record = mine.get(session_id)
    if record is None:
        raise NotFound("not_found", "You have no such open session.")
    db_end(session, record, "logout" if session_id == current_id else ENDED_ELSEWHERE)
    _audit(session, actor, [record], current_id)
    session.commit()


def end_others(session: Session, *, actor: Actor, current_id: uuid.UUID) -> int:
    """End every open session of the person but this one; return how many ended."""
    others = [s for s in db_list(session, _person(actor)) if s.id != current_id]
    for record in others:
        db_end(session, record, ENDED_ELSEWHERE)
    if others:
        _audit(session, actor, others, current_id)
    session.commit()
    return len(others)


def _audit(
    session: Session, actor: Actor, ended: list[StaffSession], current_id: uuid.UUID
) -> None:
    db_audit(
        session,
        "identity.sessions_ended",
        actor=actor,
        records=[("user", _person(actor))] + [("session", s.id) for s in ended],
        detail={"count": len(ended), "this_one": any(s.id == current_id for s in ended)},
    )
