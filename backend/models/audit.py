"""The audit chain: append-only entries, each hashing the one before (crypto/digest.py)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import BigInteger, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from backend.models.base import Base


class AuditEvent(Base):
    """One audited operation: who, with which passkey, when, what, on which records, why.

    Holds identifiers and codes only, never personal data (erasure logs keep metadata).
    """

    __tablename__ = "audit_events"

    seq: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=False
    )
    at: Mapped[datetime]
    action: Mapped[str] = mapped_column(String(64), index=True)
    actor_id: Mapped[uuid.UUID | None] = mapped_column(index=True)
    agency_id: Mapped[uuid.UUID | None]
    passkey_id: Mapped[uuid.UUID | None]
    records: Mapped[str] = mapped_column(Text)  # canonical JSON list of {"kind", "id"}
    purpose: Mapped[str | None] = mapped_column(Text)
    detail: Mapped[str] = mapped_column(Text)  # canonical JSON object
    prev_hash: Mapped[bytes] = mapped_column(LargeBinary(32))
    hash: Mapped[bytes] = mapped_column(LargeBinary(32))


class AuditHead(Base):
    """The single row naming the chain's last entry; updating it first serialises appends."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"))
    hash: Mapped[bytes] = mapped_column(LargeBinary(32))


class AuditCheckpoint(Base):
    """A signed statement that entry ``seq`` of the chain had ``hash`` at ``at``.

    Signed with the key ring's audit key (Ed25519), which the database never holds: an
    insider who rewrites the log and recomputes every hash still cannot forge these.
    """

    __tablename__ = "audit_checkpoints"

    seq: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=False
    )
    hash: Mapped[bytes] = mapped_column(LargeBinary(32))
    at: Mapped[str] = mapped_column(String(40))  # ISO 8601, exactly as signed
    key_id: Mapped[str] = mapped_column(String(64))
    signature: Mapped[bytes] = mapped_column(LargeBinary(64))


class AuditRecord(Base):
    """Which records an entry touched, one row each: the index behind "who looked at this
    child's records" (the entry's own ``records`` column is what its hash covers)."""

    __tablename__ = "audit_records"

    # No foreign key: the index is checked against the entries by ``audit verify``, and a
    # key would only stand in the way of reading a damaged log.
    seq: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=False
    )
    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    record_id: Mapped[str] = mapped_column(String(64), primary_key=True)  # a UUID or token id

    __table_args__ = (Index("ix_audit_records_record", "record_id", "kind"),)
