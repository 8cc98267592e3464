"""Retention: review decisions on records past their schedule, and legal holds."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from backend.models.base import Base, new_id, utcnow


class RetentionReview(Base):
    """A decision on a record due for review: keep it (until when, and why) or erase it."""

    __tablename__ = "retention_reviews"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    concern_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("concerns.id"), index=True)
    due_at: Mapped[datetime]
    decision: Mapped[str] = mapped_column(String(8))  # keep | erase
    keep_until: Mapped[datetime | None]
    reason: Mapped[str] = mapped_column(Text)
    decided_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))


class LegalHold(Base):
    """While a hold is in place the record is never erased, whatever its schedule says."""

    __tablename__ = "legal_holds"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    concern_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("concerns.id"), index=True)
    reason: Mapped[str] = mapped_column(Text)
    placed_at: Mapped[datetime] = mapped_column(default=utcnow)
    placed_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    lifted_at: Mapped[datetime | None]
    lifted_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
