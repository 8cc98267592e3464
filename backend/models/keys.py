"""Wrapped per-record data keys (envelope encryption at rest; crypto/fields.py)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from backend.models.base import Base, new_id, utcnow


class DataKeyRecord(Base):
    """One record's data key, wrapped by a KEK of the key ring; deleting it shreds the record."""

    __tablename__ = "data_keys"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    kek_id: Mapped[str] = mapped_column(String(64), index=True)
    crypto_wrapped: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    rewrapped_at: Mapped[datetime | None]
