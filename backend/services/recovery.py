"""Recovery after a lost passkey: an admin-issued ticket to enrol a new passkey for the
same person, never a way round identity proofing.

The order is the safeguard. Every lost passkey is revoked first (its sessions end); only
then will an admin of the person's agency — having checked who is asking, in a way the
ticket records by code — issue a single-use ticket that lives 24 hours. Enrolling with it
adds a passkey to the existing person (their history, roles and inboxes stay theirs) and
is refused if any passkey of theirs is live again by then. A normal invitation makes a new
person; only a ticket recovers one.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from enum import Enum

from sqlalchemy import select, update
from sqlalchemy.orm import Session

import crypto
from backend.errors import Problem
from backend.models import Invite, Passkey, User, UserStatus, utcnow
from backend.services.audit import Actor, db_audit
from backend.services.invites import IssuedInvite, db_create_invite

RECOVERY_TTL = timedelta(hours=24)


class IdentityCheck(str, Enum):
    """How the admin confirmed who is asking (codes only: the audit log holds no names)."""

    LINE_MANAGER_IN_PERSON = "line_manager_in_person"
    LINE_MANAGER_VIDEO_CALL = "line_manager_video_call"
    PHOTO_ID_IN_PERSON = "photo_id_in_person"


def db_has_live_passkey(session: Session, user_id: uuid.UUID) -> bool:
    live = select(Passkey.id).where(Passkey.user_id == user_id, Passkey.revoked_at.is_(None))
    return session.scalar(live.limit(1)) is not None


def db_check_recoverable(session: Session, user: User) -> None:
    if user.status is not UserStatus.ACTIVE:
        raise Problem(409, "recovery.user_disabled", "Enable the person before recovery.")
    if db_has_live_passkey(session, user.id):
        raise Problem(
            409,
            "recovery.passkeys_live",
            "Revoke the person's lost passkeys first; a ticket is issued only when none is live.",
        )


def issue(
    session: Session,
    ring: crypto.KeyRing,
    *,
    actor: Actor,
    partnership_admin: bool,
    user_id: uuid.UUID,
    identity_check: IdentityCheck,
) -> IssuedInvite:
    """Issue a recovery ticket for someone of the admin's agency (any, for a partnership
    admin) whose passkeys are all revoked; an earlier unused ticket is withdrawn."""
    from backend.services.people import db_user_name

    user = session.get(User, user_id)
    if user is None or not (partnership_admin or user.agency_id == actor.agency_id):
        raise Problem(404, "not_found", "There is no such person in your agency.")
    if user.id == actor.user_id:
        raise Problem(409, "user.self", "Ask another admin to recover your own account.")
    db_check_recoverable(session, user)
    now = utcnow()
    session.execute(
        update(Invite)
        .where(Invite.user_id == user.id, Invite.used_at.is_(None), Invite.withdrawn_at.is_(None))
        .values(withdrawn_at=now)
    )
    issued = db_create_invite(
        session,
        ring,
        agency=user.agency,
        name=db_user_name(session, ring, user),
        roles=[],
        inboxes=[],
        created_by_id=actor.user_id,
        ttl=RECOVERY_TTL,
    )
    session.flush()
    session.execute(update(Invite).where(Invite.id == issued.invite_id).values(user_id=user.id))
    db_audit(
        session,
        "identity.recovery_issued",
        actor=actor,
        records=[("user", user.id), ("invite", issued.invite_id)],
        detail={"identity_check": identity_check.value},
    )
    session.commit()
    return issued


def is_ticket(invite: Invite) -> bool:
    """A recovery ticket names its person before use; an invitation only once used."""
    return invite.user_id is not None and invite.used_at is None
