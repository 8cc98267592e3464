"""People as their admins and they themselves see them: profile, invites, users.

Each view is a frozen dataclass the API dumps with its schema (backend/schemas/identity.py)
attribute by attribute: the field names are the wire names.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

import crypto
from backend.core.errors import (
    Conflict,
    Invalid,
    NotAuthenticated,
    NotFound,
    NotPermitted,
    Unavailable,
)
from backend.models import (
    Agency,
    Inbox,
    Invite,
    Passkey,
    PushSubscription,
    RoleName,
    User,
    UserStatus,
    utcnow,
)
from backend.services.concerns.rules import db_active
from backend.services.identity import approvals
from backend.services.identity.admin_scope import db_governed, db_governs
from backend.services.identity.invites import IssuedInvite, db_create_invite, db_invite_name
from backend.services.identity.sessions import db_end_for_user
from backend.services.profiles.access import db_episode_reader_inboxes
from backend.services.records.audit import Actor, db_audit
from backend.services.records.sealed import db_data_key, unseal

# Roles only the partnership's own admins may hand out.
PARTNERSHIP_ROLES = frozenset({RoleName.PARTNERSHIP_LEAD.value, RoleName.AUDITOR.value})


def db_user_name(session: Session, ring: crypto.KeyRing, user: User) -> str:
    key = db_data_key(session, ring, user.data_key_id)
    return unseal(
        key, user.crypto_display_name, table="users", row_id=user.id, field="display_name"
    )


@dataclass(frozen=True, slots=True)
class PasskeyView:
    """A passkey as its owner or their admin sees it (never its key material)."""

    id: uuid.UUID
    name: str
    created_at: datetime
    last_used_at: datetime | None
    multi_device: bool  # a synced passkey
    backed_up: bool
    revoked_at: datetime | None
    current: bool  # the one this session signed in with


@dataclass(frozen=True, slots=True)
class Named:
    id: uuid.UUID
    name: str


@dataclass(frozen=True, slots=True)
class AgencyRef:
    id: uuid.UUID
    name: str
    kind: str


@dataclass(frozen=True, slots=True)
class InboxRef:
    id: uuid.UUID
    name: str
    agency: str  # the inbox's agency, by name


@dataclass(frozen=True, slots=True)
class SessionTerms:
    expires_at: datetime  # at the latest
    idle_timeout_seconds: int


@dataclass(frozen=True, slots=True)
class Profile:
    """What the signed-in person may know about themselves."""

    user: Named
    agency: AgencyRef
    roles: tuple[str, ...]
    inboxes: tuple[InboxRef, ...]
    passkeys: tuple[PasskeyView, ...]
    session: SessionTerms
    front_door: bool  # works the rules' fallback inbox (the MASH): decides possible matches
    profile_reader: bool  # works Missing Persons or the Control Room: missing children's profiles


@dataclass(frozen=True, slots=True)
class InviteView:
    """An invitation as its agency's admins see it (never its token)."""

    id: uuid.UUID
    name: str
    agency: str
    roles: tuple[str, ...]
    inboxes: tuple[str, ...]  # inbox names
    status: str  # awaiting_approval, pending, used, withdrawn or expired
    created_at: datetime
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class UserView:
    """A person as their admins see them, with every passkey they ever had."""

    id: uuid.UUID
    name: str
    agency: str
    status: str
    roles: tuple[str, ...]
    passkeys: tuple[PasskeyView, ...]


def passkey_view(passkey: Passkey, current: uuid.UUID | None) -> PasskeyView:
    """Describe a passkey for its owner or their admin (never its key material)."""
    return PasskeyView(
        id=passkey.id,
        name=passkey.name,
        created_at=passkey.created_at,
        last_used_at=passkey.last_used_at,
        multi_device=passkey.multi_device,
        backed_up=passkey.backed_up,
        revoked_at=passkey.revoked_at,
        current=passkey.id == current,
    )


def _passkeys(
    session: Session, user_id: uuid.UUID, current: uuid.UUID | None
) -> tuple[PasskeyView, ...]:
    rows = session.scalars(
        select(Passkey).where(Passkey.user_id == user_id).order_by(Passkey.created_at)
    )
    return tuple(passkey_view(p, current) for p in rows)


def profile(
    session: Session,
    ring: crypto.KeyRing,
    *,
    user_id: uuid.UUID,
    passkey_id: uuid.UUID,
    session_expires_at: datetime,
    idle_seconds: int,
) -> Profile:
    """Return what the signed-in person may know about themselves (GET /api/v1/me)."""
    user = session.get(User, user_id)
    if user is None:
        raise NotAuthenticated("auth.required", "Sign in first.")
    agency = user.agency
    inboxes = {m.inbox_id for m in user.memberships}
    return Profile(
        user=Named(id=user.id, name=db_user_name(session, ring, user)),
        agency=AgencyRef(id=agency.id, name=agency.name, kind=agency.kind.value),
        roles=tuple(sorted(r.role for r in user.roles)),
        inboxes=tuple(
            InboxRef(id=m.inbox.id, name=m.inbox.name, agency=agency.name)
            for m in sorted(user.memberships, key=lambda m: m.inbox.name)
        ),
        passkeys=_passkeys(session, user.id, passkey_id),
        session=SessionTerms(expires_at=session_expires_at, idle_timeout_seconds=idle_seconds),
        front_door=_front_door(session, agency.partnership_id, inboxes),
        profile_reader=_profile_reader(session, agency.partnership_id, inboxes),
    )


def _front_door(session: Session, partnership_id: uuid.UUID, inboxes: set[uuid.UUID]) -> bool:
    """Whether these inboxes include the partnership's front door: the inbox the rules send
    a concern to when none matches, where possible matches are decided (linking's
    ``mash_member`` asks the same). The phone asks for that work only then."""
    if not inboxes:
        return False
    try:
        active = db_active(session, partnership_id)
    except Unavailable:
        return False
    return active.inboxes.get(active.rules.inboxes[active.rules.fallback]) in inboxes


def _profile_reader(session: Session, partnership_id: uuid.UUID, inboxes: set[uuid.UUID]) -> bool:
    """Whether these inboxes include Missing Persons or the Police Control Room, who open a
    child's profile while the child is missing (profiles.access). The phone asks for the
    profile beside a missing concern only then (or for its own home's child)."""
    if not inboxes:
        return False
    try:
        return bool(inboxes & db_episode_reader_inboxes(session, partnership_id))
    except Unavailable:
        return False


def _scope(
    session: Session, actor: Actor, partnership_admin: bool, agency_id: uuid.UUID | None
) -> uuid.UUID:
    """Return the agency an admin acts on: their own, or one of their partnership's for a
    partnership admin."""
    assert actor.agency_id is not None  # noqa: S101 - admins are signed in
    if agency_id is None or agency_id == actor.agency_id:
        return actor.agency_id
    if not partnership_admin:
        raise NotPermitted("forbidden.agency", "You can invite only into your own agency.")
    if not db_governs(session, actor, partnership_admin, agency_id):
        raise Invalid("invite.agency_unknown", "There is no such agency.")
    return agency_id


def create_invite(
    session: Session,
    ring: crypto.KeyRing,
    *,
    actor: Actor,
    partnership_admin: bool,
    agency_id: uuid.UUID | None,
    name: str,
    roles: list[str],
    inbox_ids: list[uuid.UUID],
) -> IssuedInvite:
    """Invite a person into an agency with roles and inbox memberships."""
    target = session.get(Agency, _scope(session, actor, partnership_admin, agency_id))
    if target is None:
        raise Invalid("invite.agency_unknown", "There is no such agency.")
    if PARTNERSHIP_ROLES & set(roles) and not partnership_admin:
        raise NotPermitted("forbidden.role", "Only the partnership's admins grant those roles.")
    inboxes = [session.get(Inbox, i) for i in inbox_ids]
    if any(i is None or i.agency_id != target.id for i in inboxes):
        raise Invalid(
            "invite.inbox_not_in_agency",
            "Every inbox must belong to the invite's agency.",
            errors={"inboxes": ["not an inbox of this agency"]},
        )
    issued = db_create_invite(
        session,
        ring,
        agency=target,
        name=name,
        roles=[RoleName(r) for r in roles],
        inboxes=[i for i in inboxes if i is not None],
        created_by_id=actor.user_id,
    )
    db_audit(
        session,
        "identity.invite_created",
        actor=actor,
        records=[("invite", issued.invite_id), ("agency", target.id)],
        detail={"roles": sorted(roles), "inboxes": [str(i) for i in inbox_ids]},
    )
    if approvals.grants_access(roles, inbox_ids):
        # Access to children's records, or the power to grant it: a second, independent
        # admin approves before the link works (threat: one admin enrolling the link).
        approvals.db_request(session, actor, "access_grant", str(issued.invite_id), target.id)
    session.commit()
    return issued


def _invite_status(invite: Invite, waiting: bool) -> str:
    if invite.used_at:
        return "used"
    if invite.withdrawn_at:
        return "withdrawn"
    if invite.expires_at <= utcnow():
        return "expired"
    return "awaiting_approval" if waiting else "pending"


def list_invites(
    session: Session, ring: crypto.KeyRing, *, actor: Actor, partnership_admin: bool
) -> list[InviteView]:
    query = (
        select(Invite)
        .where(Invite.agency_id.in_(db_governed(session, actor, partnership_admin)))
        .order_by(Invite.created_at.desc())
    )
    invites = list(session.scalars(query))
    waiting = approvals.db_invites_waiting(session, invites)
    items = [
        InviteView(
            id=i.id,
            name=db_invite_name(session, ring, i),
            agency=i.agency.name,
            roles=tuple(sorted(r.role for r in i.roles)),
            inboxes=tuple(b.inbox.name for b in i.inboxes),
            status=_invite_status(i, i.id in waiting),
            created_at=i.created_at,
            expires_at=i.expires_at,
        )
        for i in invites
    ]
    db_audit(
        session, "identity.invites_listed", actor=actor, records=[("invite", i.id) for i in invites]
    )
    session.commit()
    return items


def withdraw_invite(
    session: Session, *, actor: Actor, partnership_admin: bool, invite_id: uuid.UUID
) -> None:
    invite = session.get(Invite, invite_id)
    if invite is None or not db_governs(session, actor, partnership_admin, invite.agency_id):
        raise NotFound("not_found", "There is no such invite in your agency.")
    if invite.used_at is not None:
        raise Conflict("invite.used", "This invitation was used already.")
    if invite.withdrawn_at is None:
        invite.withdrawn_at = utcnow()
        db_audit(session, "identity.invite_withdrawn", actor=actor, records=[("invite", invite.id)])
    session.commit()


def user_view(session: Session, ring: crypto.KeyRing, user: User) -> UserView:
    return UserView(
        id=user.id,
        name=db_user_name(session, ring, user),
        agency=user.agency.name,
        status=user.status.value,
        roles=tuple(sorted(r.role for r in user.roles)),
        passkeys=_passkeys(session, user.id, None),
    )


def list_users(
    session: Session, ring: crypto.KeyRing, *, actor: Actor, partnership_admin: bool
) -> list[UserView]:
    query = (
        select(User)
        .where(User.agency_id.in_(db_governed(session, actor, partnership_admin)))
        .order_by(User.created_at)
    )
    users = list(session.scalars(query))
    items = [user_view(session, ring, u) for u in users]
    db_audit(session, "identity.users_listed", actor=actor, records=[("user", u.id) for u in users])
    session.commit()
    return items


def set_status(
    session: Session,
    *,
    actor: Actor,
    partnership_admin: bool,
    user_id: uuid.UUID,
    status: UserStatus,
) -> User:
    """Disable (or enable again) someone in the admin's agency (any, for a partnership admin).

    Disabling ends every session of theirs at once and forgets their devices' push
    subscriptions; their passkeys stay, revocable one by one, so enabling restores sign-in.
    """
    user = session.get(User, user_id)
    if user is None or not db_governs(session, actor, partnership_admin, user.agency_id):
        raise NotFound("not_found", "There is no such person in your agency.")
    if user.id == actor.user_id:
        raise Conflict("user.self", "Ask another admin to change your own account.")
    if user.status is not status:
        user.status = status
        ended = 0
        if status is UserStatus.DISABLED:
            ended = db_end_for_user(session, user.id, "user.disabled")
            session.execute(delete(PushSubscription).where(PushSubscription.user_id == user.id))
        db_audit(
            session,
            "identity.user_disabled" if status is UserStatus.DISABLED else "identity.user_enabled",
            actor=actor,
            records=[("user", user.id)],
            detail={"sessions_ended": ended},
        )
    session.commit()
    return user
