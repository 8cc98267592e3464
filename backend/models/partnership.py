"""The safeguarding partnership, its agencies and their inboxes."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import Enum

from sqlalchemy import Enum as SAEnum
from sqlalchemy import ForeignKey, String, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backend.models.base import Base, new_id, utcnow


def enum_column(enum: type[Enum]) -> SAEnum:
    """Store a (str, Enum) by value as a short string on every engine."""
    return SAEnum(
        enum,
        native_enum=False,
        length=32,
        values_callable=lambda e: [m.value for m in e],
        validate_strings=True,
    )


class AgencyKind(str, Enum):
    """Kinds of agency: the three safeguarding partners and relevant agencies.

    See docs/domain/routing.md, "The statutory frame".
    """

    POLICE = "police"
    SOCIAL_CARE = "social_care"
    HEALTH = "health"
    EDUCATION = "education"
    CARE_HOME = "care_home"
    PARTNERSHIP = "partnership"


class Partnership(Base):
    __tablename__ = "partnerships"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    agencies: Mapped[list[Agency]] = relationship(back_populates="partnership")


class Agency(Base):
    __tablename__ = "agencies"
    __table_args__ = (UniqueConstraint("partnership_id", "name"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    partnership_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("partnerships.id"))
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[AgencyKind] = mapped_column(enum_column(AgencyKind))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The agency's passkey policy: only device-bound passkeys (no synced copies) when set.
    device_bound_only: Mapped[bool] = mapped_column(default=False, server_default=false())

    partnership: Mapped[Partnership] = relationship(back_populates="agencies")
    inboxes: Mapped[list[Inbox]] = relationship(back_populates="agency")


class Inbox(Base):
    __tablename__ = "inboxes"
    __table_args__ = (UniqueConstraint("agency_id", "name"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    agency_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("agencies.id"))
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    agency: Mapped[Agency] = relationship(back_populates="inboxes")
