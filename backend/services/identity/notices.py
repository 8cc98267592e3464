"""Security notices: a person hears about changes to their own account on every other
device they have, and in the app (ASVS 6.3.5, 6.3.7, WebAuthn sign counts).

A passkey added or revoked, a recovery, a refused sign-in with a passkey whose counter
went backwards (a copy exists), or a passkey used after a long gap: each is a notice
kept for the person, shown in the app until they dismiss it, and pushed to the person's
other devices (not the one that made the change). Notices hold codes; the words are
here and say what to do, never who or what else.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from backend.models import (
    Notification,
    Passkey,
    PushSubscription,
    SecurityNotice,
    insert_into,
    new_id,
    utcnow,
)

IDLE = timedelta(days=30)  # a passkey used after this long a gap is worth a notice
SHOWN_FOR = timedelta(days=30)
IF_NOT_YOU = "If this was not you, revoke that passkey in Frontline and tell your admin."

# What a push says (through a push service: no names, no advice beyond opening the app).
WORDS = {
    "passkey_added": "A passkey was added to your account.",
    "passkey_revoked": "A passkey of yours was revoked.",
    "recovered": "Your account was recovered with a new passkey.",
    "recovery_used": (
        "A recovery link you asked for or approved was just used. If the person did not "
        "receive it from you, disable their account and tell another admin."
    ),
    "sign_count_regression": ("A sign-in was refused: one of your passkeys may have been copied."),
    "used_after_idle": "A passkey of yours was used for the first time in over 30 days.",
}

# What the app says, beside the date and the passkey's name: what happened and what to do.
# Advice must fit what happened: "revoke that passkey" after a revocation, or on a notice
# about someone else's link, would send the person looking for something already done.
_IN_APP = {
    **{kind: f"{words} {IF_NOT_YOU}" for kind, words in WORDS.items()},
    "passkey_revoked": (
        "You revoked this passkey from another of your devices. If this was not you, sign "
        "out everywhere else and tell your agency's admin or the safeguarding lead."
    ),
    "recovery_used": WORDS["recovery_used"],
}
_REVOKED_BY_ADMIN = (
    "An admin revoked this passkey; any phone using it was signed out. If you did not ask "
    "for this, tell your agency's admin or the safeguarding lead."
)


def _text(kind: str, passkey: Passkey | None) -> str:
    if (
        kind == "passkey_revoked"
        and passkey is not None
        and passkey.revoked_by_id
        not in (
            None,
            passkey.user_id,
        )
    ):
        return _REVOKED_BY_ADMIN
    return _IN_APP[kind]


def db_notify(
    session: Session,
    user_id: uuid.UUID,
    kind: str,
    *,
    passkey_id: uuid.UUID | None = None,
    made_on: uuid.UUID | None = None,
) -> None:
    """Keep a notice for the person and queue a push to each of their devices except
    ``made_on`` (the passkey whose device made the change already knows)."""
    now = utcnow()
    session.add(SecurityNotice(user_id=user_id, kind=kind, passkey_id=passkey_id, at=now))
    devices = select(PushSubscription.id).where(PushSubscription.user_id == user_id)
    if made_on is not None:
        devices = devices.where(
            (PushSubscription.passkey_id != made_on) | PushSubscription.passkey_id.is_(None)
        )
    messages = [
        {
            "id": new_id(),
            "subscription_id": sub,
            "delivery_id": None,
            "title": "Frontline security notice",
            "body": WORDS[kind][:200],
            "created_at": now,
            "attempts": 0,
            "next_attempt_at": now,
        }
        for sub in session.scalars(devices)
    ]
    if messages:
        session.execute(insert_into(Notification), messages)


@dataclass(frozen=True, slots=True)
class NoticeView:
    """A notice as the app shows it: what happened and what to do, in words."""

    id: uuid.UUID
    kind: str
    text: str
    at: datetime
    passkey: str | None  # the passkey's name, if it was about one
    read: bool


def db_list(session: Session, user_id: uuid.UUID) -> list[NoticeView]:
    """The person's notices of the last 30 days, newest first."""
    rows = session.execute(
        select(SecurityNotice, Passkey)
        .outerjoin(Passkey, Passkey.id == SecurityNotice.passkey_id)
        .where(SecurityNotice.user_id == user_id, SecurityNotice.at > utcnow() - SHOWN_FOR)
        .order_by(SecurityNotice.at.desc(), SecurityNotice.id)
        .limit(20)
    ).all()
    return [
        NoticeView(
            id=notice.id,
            kind=notice.kind,
            text=_text(notice.kind, passkey),
            at=notice.at,
            passkey=passkey.name if passkey is not None else None,
            read=notice.read_at is not None,
        )
        for notice, passkey in rows
    ]


def mark_read(session: Session, user_id: uuid.UUID) -> int:
    """Dismiss every unread notice of the person; return how many."""
    result = session.execute(
        update(SecurityNotice)
        .where(SecurityNotice.user_id == user_id, SecurityNotice.read_at.is_(None))
        .values(read_at=utcnow())
    )
    session.commit()
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
