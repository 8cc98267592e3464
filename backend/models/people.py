"""People: users, their roles and inbox memberships, and the invitations that create them."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import Enum

from sqlalchemy import ForeignKey, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backend.models.base import Base, new_id, new_opaque_id, utcnow
from backend.models.partnership import Agency, Inbox, enum_column


class RoleName(str, Enum):
    """Roles of docs/contract.md ("The demo partnership"); who may do what is data, not code."""

    RECORDER = "recorder"
    INBOX_MEMBER = "inbox_member"
    INBOX_SUPERVISOR = "inbox_supervisor"
    AGENCY_LEAD = "agency_lead"
    AGENCY_ADMIN = "agency_admin"
    PARTNERSHIP_LEAD = "partnership_lead"
    AUDITOR = "auditor"


class UserStatus(str, Enum):
    ACTIVE = "active"
    DISABLED = "disabled"


class Role(Base):
    __tablename__ = "roles"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    description: Mapped[str] = mapped_column(String(200))


class User(Base):
    __tablename__ = "users"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_opaque_id)
    agency_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("agencies.id"), index=True)
    data_key_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("data_keys.id", ondelete="SET NULL"), index=True
    )
    crypto_display_name: Mapped[bytes] = mapped_column(LargeBinary)
    status: Mapped[UserStatus] = mapped_column(enum_column(UserStatus), default=UserStatus.ACTIVE)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    agency: Mapped[Agency] = relationship()
    roles: Mapped[list[UserRole]] = relationship(cascade="all, delete-orphan")
    memberships: Mapped[list[Membership]] = relationship(cascade="all, delete-orphan")


class UserRole(Base):
    __tablename__ = "user_roles"

    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    role: Mapped[str] = mapped_column(ForeignKey("roles.name"), primary_key=True)


class Membership(Base):
    """A user's membership of an inbox: they see and work its deliveries."""

    __tablename__ = "memberships"

    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    inbox_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("inboxes.id"), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    inbox: Mapped[Inbox] = relationship()


class Invite(Base):
    """A single-use invitation; only the SHA-256 of its token is stored."""

    __tablename__ = "invites"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    agency_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("agencies.id"), index=True)
    data_key_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("data_keys.id", ondelete="SET NULL"), index=True
    )
    crypto_name: Mapped[bytes] = mapped_column(LargeBinary)
    persona: Mapped[str | None] = mapped_column(String(64), index=True)
    created_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    withdrawn_at: Mapped[datetime | None]

    agency: Mapped[Agency] = relationship()
    roles: Mapped[list[InviteRole]] = relationship(cascade="all, delete-orphan")
    inboxes: Mapped[list[InviteInbox]] = relationship(cascade="all, delete-orphan")


class InviteRole(Base):
    __tablename__ = "invite_roles"

    invite_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("invites.id", ondelete="CASCADE"), primary_key=True
    )
    role: Mapped[str] = mapped_column(ForeignKey("roles.name"), primary_key=True)


class InviteInbox(Base):
    __tablename__ = "invite_inboxes"

    invite_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("invites.id", ondelete="CASCADE"), primary_key=True
    )
    inbox_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("inboxes.id"), primary_key=True)

    inbox: Mapped[Inbox] = relationship()


class Approval(Base):
    """A high-value action waiting for a second, independent admin: an invitation that grants
    a role reading records or administering, a recovery, new routing rules, or an operator's
    key rotation, erasure or bulk export (backend/services/identity/approvals.py)."""

    __tablename__ = "approvals"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    action: Mapped[str] = mapped_column(String(32))
    target: Mapped[str] = mapped_column(String(2000))  # ids the action is for, or ""
    # Whose admins may approve: this agency's, and its partnership's admins (for a
    # partnership-wide action, the asker's agency: that partnership's admins only).
    agency_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("agencies.id"))
    requested_by_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    requested_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    decided_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None]
    approved: Mapped[bool | None]
    used_at: Mapped[datetime | None]
    # JSON: a recovery's identity check, or the rules text proposed and the version it replaces
    detail: Mapped[str | None] = mapped_column(Text)
