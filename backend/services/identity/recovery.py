"""Recovery after a lost passkey: a ticket to enrol a new passkey for the same person,
never a way round identity proofing, and never in one admin's hands alone.

The order is the safeguard. Every lost passkey is revoked first (its sessions end; an
admin revoking someone else's passkey proves their own first). Then an admin of the
person's agency (or partnership) asks for a recovery, recording by code how they
confirmed who is asking. A second, independent admin approves (backend/services/
approval_decisions.py), and only then is the single-use ticket made, shown to that
approver once, to hand to the person; the asker never sees it. The ticket lives 24 hours.
Enrolling with it adds a passkey to the existing person (their history, roles and inboxes
stay theirs) and is refused if any passkey of theirs is live again by then; when it is
used, the person and both admins get a security notice, so a link that reached the wrong
hands is noticed by three people. A normal invitation makes a new person; only a ticket
recovers one.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from enum import Enum

from sqlalchemy import select, update
from sqlalchemy.orm import Session

import crypto
from backend.core.db import db_lock
from backend.core.errors import Conflict, NotFound
from backend.models import Approval, Invite, Passkey, User, UserStatus, utcnow
from backend.services.identity import approvals
from backend.services.identity.admin_scope import db_governs
from backend.services.identity.invites import IssuedInvite, db_create_invite
from backend.services.identity.notices import db_notify
from backend.services.records.audit import Actor, db_audit

RECOVERY_TTL = timedelta(hours=24)


class IdentityCheck(str, Enum):
    """How the admin confirmed who is asking (codes only: the audit log holds no names)."""

    LINE_MANAGER_IN_PERSON = "line_manager_in_person"
    LINE_MANAGER_VIDEO_CALL = "line_manager_video_call"
    PHOTO_ID_IN_PERSON = "photo_id_in_person"


def db_has_live_passkey(session: Session, user_id: uuid.UUID) -> bool:
    live = select(Passkey.id).where(Passkey.user_id == user_id, Passkey.revoked_at.is_(None))
    return session.scalar(live.limit(1)) is not None


def db_check_recoverable(session: Session, user: User, *, approving: bool = False) -> None:
    if user.status is not UserStatus.ACTIVE:
        raise Conflict("recovery.user_disabled", "Enable the person before recovery.")
    if db_has_live_passkey(session, user.id):
        raise Conflict(
            "recovery.passkeys_live",
            # Asked: the lost passkey is still live. Approving: the person has signed in
            # again since, so the link would only be a spare way into their account.
            "This person has a working passkey again, so this recovery is no longer "
            "needed: refuse it."
            if approving
            else "This person still has a live passkey: revoke the lost one first, then "
            "ask for a recovery.",
        )


def db_check_none_waiting(session: Session, user_id: uuid.UUID) -> None:
    """Refuse a second recovery for a person while one waits for its second admin: two
    approvers could otherwise each be handed a working link for the same account."""
    # Two admins asking at once: the second waits here and then sees the first's request.
    db_lock(session, f"recovery:{user_id}")
    waiting = session.scalar(
        select(Approval.id)
        .where(
            Approval.action == "recovery",
            Approval.target == str(user_id),
            Approval.approved.is_(None),
            Approval.expires_at > utcnow(),
        )
        .limit(1)
    )
    if waiting is not None:
        raise Conflict(
            "recovery.already_asked",
            "A recovery for this person is already waiting for a second admin.",
        )


def request(
    session: Session,
    *,
    actor: Actor,
    partnership_admin: bool,
    user_id: uuid.UUID,
    identity_check: IdentityCheck,
) -> Approval:
    """Ask for a recovery of someone this admin governs whose passkeys are all revoked; a
    second admin approves it and is then given the ticket."""
    user = session.get(User, user_id)
    if user is None or not db_governs(session, actor, partnership_admin, user.agency_id):
        raise NotFound("not_found", "There is no such person in your agency.")
    if user.id == actor.user_id:
        raise Conflict("user.self", "Ask another admin to recover your own account.")
    db_check_recoverable(session, user)
    db_check_none_waiting(session, user.id)
    approval = approvals.db_request(
        session,
        actor,
        "recovery",
        str(user.id),
        user.agency_id,
        detail={"identity_check": identity_check.value},
    )
    session.commit()
    return approval


def db_issue_ticket(
    session: Session, ring: crypto.KeyRing, *, approval: Approval, approver: Actor
) -> IssuedInvite:
    """On approval: withdraw any earlier unused ticket and make the new one, for the
    approver to hand over. The caller commits."""
    from backend.services.identity.people import db_user_name

    user = session.get(User, uuid.UUID(approval.target))
    assert user is not None  # noqa: S101 - a recovery names a person
    db_check_recoverable(session, user, approving=True)
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
        created_by_id=approver.user_id,
        ttl=RECOVERY_TTL,
    )
    session.flush()
    session.execute(update(Invite).where(Invite.id == issued.invite_id).values(user_id=user.id))
    db_audit(
        session,
        "identity.recovery_issued",
        actor=approver,
        records=[("user", user.id), ("invite", issued.invite_id), ("approval", approval.id)],
        detail={"identity_check": approvals.detail_of(approval).get("identity_check")},
    )
    return issued


def db_tell_the_admins(session: Session, user_id: uuid.UUID) -> None:
    """A ticket was used: the admins who asked for and approved it hear of it, so one
    who did not hand it to the person can raise the alarm."""
    approval = session.scalar(
        select(Approval)
        .where(
            Approval.action == "recovery",
            Approval.target == str(user_id),
            Approval.approved.is_(True),
            Approval.used_at.is_(None),
        )
        .order_by(Approval.decided_at.desc())
        .limit(1)
    )
    if approval is None:
        return
    approval.used_at = utcnow()
    for admin in {approval.requested_by_id, approval.decided_by_id}:
        if admin is not None:
            db_notify(session, admin, "recovery_used")


def is_ticket(invite: Invite) -> bool:
    """A recovery ticket names its person before use; an invitation only once used."""
    return invite.user_id is not None and invite.used_at is None
