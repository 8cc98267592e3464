"""Invitations: single-use tokens, stored only as hashes, that let a person enrol."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

import crypto
from backend.models import Agency, Inbox, Invite, InviteInbox, InviteRole, RoleName, new_id, utcnow
from backend.services.records.sealed import db_new_data_key, seal

INVITE_TTL = timedelta(hours=72)


def token_hash(token: str) -> str:
    """Hash an invite token for storage; 256 random bits need no slow hash or pepper."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class IssuedInvite:
    """An invite as the issuer sees it once: the token is never stored or shown again."""

    invite_id: uuid.UUID
    token: str
    expires_at: datetime


def db_create_invite(
    session: Session,
    ring: crypto.KeyRing,
    *,
    agency: Agency,
    name: str,
    roles: list[RoleName],
    inboxes: list[Inbox],
    persona: str | None = None,
    created_by_id: uuid.UUID | None = None,
    ttl: timedelta = INVITE_TTL,
) -> IssuedInvite:
    """Create an invitation inside the caller's transaction and return its token."""
    token = secrets.token_urlsafe(32)
    invite_id = new_id()
    key = db_new_data_key(session, ring)
    now = utcnow()
    invite = Invite(
        id=invite_id,
        token_hash=token_hash(token),
        agency_id=agency.id,
        data_key_id=uuid.UUID(key.id),
        crypto_name=seal(key, name, table="invites", row_id=invite_id, field="name"),
        persona=persona,
        created_by_id=created_by_id,
        created_at=now,
        expires_at=now + ttl,
    )
    invite.roles = [InviteRole(role=r.value) for r in roles]
    invite.inboxes = [InviteInbox(inbox_id=i.id) for i in inboxes]
    session.add(invite)
    return IssuedInvite(invite_id=invite_id, token=token, expires_at=invite.expires_at)


def db_invite_name(session: Session, ring: crypto.KeyRing, invite: Invite) -> str:
    """Decrypt the invitee's name."""
    from backend.services.records.sealed import db_data_key, unseal

    key = db_data_key(session, ring, invite.data_key_id)
    return unseal(key, invite.crypto_name, table="invites", row_id=invite.id, field="name")
