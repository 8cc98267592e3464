"""Passkeys, WebAuthn ceremonies and server-side sessions."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import Enum

from sqlalchemy import ForeignKey, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backend.models.base import Base, new_id, new_opaque_id, utcnow
from backend.models.partnership import enum_column


class Passkey(Base):
    """A WebAuthn credential of one person; revoked, never deleted (the audit refers to it)."""

    __tablename__ = "passkeys"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_opaque_id)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"), index=True)
    credential_id: Mapped[str] = mapped_column(String(1400), unique=True)  # base64url
    public_key: Mapped[bytes] = mapped_column(LargeBinary)  # COSE_Key
    sign_count: Mapped[int] = mapped_column(Integer, default=0)
    aaguid: Mapped[str] = mapped_column(String(36))
    multi_device: Mapped[bool]  # a synced passkey (WebAuthn "backup eligible")
    backed_up: Mapped[bool]
    name: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
    revoked_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))


class CeremonyPurpose(str, Enum):
    ENROL = "enrol"
    LOGIN = "login"
    ADD_PASSKEY = "add_passkey"
    STEP_UP = "step_up"


class Ceremony(Base):
    """One WebAuthn challenge: single-use, short-lived, bound to the browser that asked."""

    __tablename__ = "ceremonies"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    purpose: Mapped[CeremonyPurpose] = mapped_column(enum_column(CeremonyPurpose))
    challenge: Mapped[bytes] = mapped_column(LargeBinary)
    invite_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("invites.id"))
    user_id: Mapped[uuid.UUID | None] = mapped_column()  # the user a credential is made for
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]


class StaffSession(Base):
    """A signed-in session; the cookie holds a random token, the table only its hash."""

    __tablename__ = "sessions"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"), index=True)
    passkey_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("passkeys.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    idle_seconds: Mapped[int] = mapped_column(Integer)
    expires_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]
    end_reason: Mapped[str | None] = mapped_column(String(32))
    # The last user-verified assertion in this session: sign-in, then each step-up.
    verified_at: Mapped[datetime | None]

    passkey: Mapped[Passkey] = relationship()


class SecurityNotice(Base):
    """Something a person must hear about their own account (a passkey added or revoked,
    a recovery, a copied passkey, a sign-in after a long gap). Codes only; the words are
    the app's."""

    __tablename__ = "security_notices"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    passkey_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("passkeys.id"))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    read_at: Mapped[datetime | None]
