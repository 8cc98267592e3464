"""Receipts, concerns, their structured facts, blind-indexed identifiers and addenda.

What routing, pattern rules and dashboards query is in plain columns and holds no
identifier: categories, indicators, level, setting, times, age in years, care status,
postcode district, the recorder's agency. Everything else — names, narrative, the
child's words, places, the recorder's proof — is in ``crypto_document``, sealed under
the concern's own data key.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from enum import Enum

from sqlalchemy import ForeignKey, Index, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backend.models.base import Base, new_id, utcnow, where_set
from backend.models.partnership import enum_column


class ReceiptStatus(str, Enum):
    """Where an envelope is in the pipeline; only the last three are final."""

    PROCESSING = "processing"  # claimed by a worker until its lease runs out
    QUARANTINED = "quarantined"  # a server-side step failed; kept and retried
    ACCEPTED = "accepted"
    DUPLICATE = "duplicate"
    REJECTED = "rejected"  # the envelope itself is at fault; kept for review


# A refused envelope's sealed bytes are kept this long after its refusal, for an operator's
# retry once what refused it is mended (a role granted, a key restored, a rule fixed): the
# phone was told, and keeps its own copy. Then a sweep drops them
# (``services/records/refused.py``).
REFUSED_KEPT = timedelta(days=30)


class Receipt(Base):
    """An envelope as it arrived, written durably before anything else happens."""

    __tablename__ = "receipts"
    __table_args__ = (UniqueConstraint("client_id", "jwe_sha256"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    client_id: Mapped[uuid.UUID]  # led by the unique (client_id, jwe_sha256): no index of its own
    kind: Mapped[str] = mapped_column(String(16))  # concern | addendum | return_interview
    target_concern_id: Mapped[uuid.UUID | None]  # for an addendum: the concern it adds to
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"), index=True)
    passkey_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("passkeys.id"))
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    kid: Mapped[str | None] = mapped_column(String(64), index=True)
    jwe_sha256: Mapped[str] = mapped_column(String(64))
    # The sealed envelope itself: kept until processed, then dropped (its content now lives
    # under the concern's data key, which retention can destroy).
    crypto_jwe: Mapped[str | None] = mapped_column(Text)
    status: Mapped[ReceiptStatus] = mapped_column(enum_column(ReceiptStatus), index=True)
    lease_until: Mapped[datetime | None]
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    error_code: Mapped[str | None] = mapped_column(String(64))
    error_detail: Mapped[str | None] = mapped_column(Text)
    result_id: Mapped[uuid.UUID | None]  # the record it became
    processed_at: Mapped[datetime | None]


class Concern(Base):
    __tablename__ = "concerns"
    # A child's concerns in a span of event time, newest first, without a sort: where a
    # record's concern naming a key in a window is looked for (linking/record_keys.py).
    __table_args__ = (Index("ix_concerns_subject_time", "subject_id", "recorded_at"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    client_id: Mapped[uuid.UUID] = mapped_column(unique=True)  # unique forever
    content_sha256: Mapped[str] = mapped_column(String(64))  # the proof's challenge, hex
    recorder_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"), index=True)
    recorder_agency_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("agencies.id"), index=True)
    passkey_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("passkeys.id"))
    proof_sign_count: Mapped[int] = mapped_column(Integer)
    receipt_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("receipts.id"))
    recorded_at: Mapped[datetime] = mapped_column(index=True)  # event time, phone clock
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    late: Mapped[bool]  # recorded more than 72 hours before it reached the server
    setting: Mapped[str] = mapped_column(String(32))
    source: Mapped[str] = mapped_column(String(32))
    level: Mapped[str] = mapped_column(String(32), index=True)
    subject_age: Mapped[int | None] = mapped_column(Integer)  # whole years at recorded_at
    subject_legal_status: Mapped[str | None] = mapped_column(String(32))
    location_district: Mapped[str | None] = mapped_column(String(8))  # postcode outward code
    missing_police_risk: Mapped[str | None] = mapped_column(String(32))
    consent: Mapped[str] = mapped_column(String(16))
    actions_taken: Mapped[str] = mapped_column(Text)  # JSON list of codes
    # Phrases the language check flags in the narrative, per term: aggregate metrics for
    # supervision and training, never used against the recorder (language guidance).
    language_flags: Mapped[str] = mapped_column(Text, default="{}")
    data_key_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("data_keys.id", ondelete="SET NULL"), index=True
    )
    crypto_document: Mapped[bytes] = mapped_column(LargeBinary)  # the whole sealed concern
    # The child it is about, and which key linked it there (nhs_number, name_dob, new,
    # or confirmed: a MASH member confirmed a possible match).
    # Indexed by ix_concerns_subject_time, which leads with it.
    subject_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("subjects.id"))
    subject_link: Mapped[str | None] = mapped_column(String(16))

    categories: Mapped[list[ConcernCategory]] = relationship(cascade="all, delete-orphan")
    indicators: Mapped[list[ConcernIndicator]] = relationship(cascade="all, delete-orphan")


class ConcernCategory(Base):
    __tablename__ = "concern_categories"

    concern_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("concerns.id", ondelete="CASCADE"), primary_key=True
    )
    category: Mapped[str] = mapped_column(String(32), primary_key=True, index=True)


class ConcernIndicator(Base):
    __tablename__ = "concern_indicators"

    concern_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("concerns.id", ondelete="CASCADE"), primary_key=True
    )
    code: Mapped[str] = mapped_column(String(32), primary_key=True, index=True)
    present: Mapped[str] = mapped_column(String(8))
    basis: Mapped[str] = mapped_column(String(16))


class ConcernIdentifier(Base):
    """A blind index of one identifier in a concern, addendum or return interview (never the
    value)."""

    __tablename__ = "concern_identifiers"
    __table_args__ = (
        Index("ix_concern_identifiers_lookup", "kind", "blind_index"),
        # An addendum's or a return interview's identifiers, few among a concern's.
        where_set("concern_identifiers", "addendum_id"),
        where_set("concern_identifiers", "return_interview_id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    concern_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("concerns.id", ondelete="CASCADE"), index=True
    )
    addendum_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("addenda.id", ondelete="CASCADE")
    )
    # A return interview's identifiers are its episode's concern's, as an addendum's are.
    return_interview_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("return_interviews.id", ondelete="CASCADE")
    )
    role: Mapped[str] = mapped_column(String(16))  # subject | associated
    kind: Mapped[str] = mapped_column(String(32))
    blind_index: Mapped[str] = mapped_column(String(32))
    key_id: Mapped[str] = mapped_column(String(64), index=True)


class AddsToConcern:
    """The columns of a sealed, proven record that adds to a concern (an addendum, a return
    interview): who sealed it with which passkey, from which receipt, and the concern whose
    data key it is sealed under, so that both shred together."""

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    client_id: Mapped[uuid.UUID] = mapped_column(unique=True)  # unique forever
    content_sha256: Mapped[str] = mapped_column(String(64))  # the proof's challenge, hex
    concern_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("concerns.id"), index=True)
    author_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"), index=True)
    author_agency_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("agencies.id"))
    passkey_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("passkeys.id"))
    proof_sign_count: Mapped[int] = mapped_column(Integer)
    receipt_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("receipts.id"))
    recorded_at: Mapped[datetime]  # event time, phone clock
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    crypto_document: Mapped[bytes] = mapped_column(LargeBinary)  # sealed under the concern's key


class Addendum(AddsToConcern, Base):
    """A later fact about a concern: the concern itself never changes."""

    __tablename__ = "addenda"
