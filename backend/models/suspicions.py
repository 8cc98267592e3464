"""Suspicions: "I think these men are grooming girls from the home" — a record about people,
cars, phones, places and accounts, and children if known, that is about no one child.

Sealed and proven like a concern, under a data key of its own (``crypto_document``); its
plain columns name no one. The partnership's rules (``[suspicions]``) send it to inboxes
(``suspicion_recipients``) and give one of them, the owner, a deadline to answer in
writing; a missed deadline climbs the owner's escalation chain like a delivery's
(``chain_step``, ``next_deadline``). What it names is blind-indexed
(``suspicion_identifiers``): a later concern, suspicion or return interview naming the same
is a match (``suspicion_matches``) and reopens an answered suspicion, and network alerts
count it as evidence (``alert_suspicions``).
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from backend.models.base import Base, new_id, utcnow


class Suspicion(Base):
    __tablename__ = "suspicions"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    client_id: Mapped[uuid.UUID] = mapped_column(unique=True)  # unique forever
    content_sha256: Mapped[str] = mapped_column(String(64))  # the proof's challenge, hex
    partnership_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("partnerships.id"))
    recorder_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"), index=True)
    recorder_agency_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("agencies.id"))
    passkey_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("passkeys.id"))
    proof_sign_count: Mapped[int] = mapped_column(Integer)
    receipt_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("receipts.id"))
    recorded_at: Mapped[datetime]  # the phone's clock: event time
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    basis: Mapped[str] = mapped_column(String(16))  # observed | reported | pattern | gut_feeling
    level: Mapped[str] = mapped_column(String(32))
    children: Mapped[int] = mapped_column(Integer)  # how many children it names (no names)
    data_key_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("data_keys.id", ondelete="SET NULL"), index=True
    )
    crypto_document: Mapped[bytes] = mapped_column(LargeBinary)  # the whole sealed suspicion
    # The one inbox that must answer, and by when.
    owner_inbox_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("inboxes.id"), index=True)
    status: Mapped[str] = mapped_column(String(16), default="open")  # open|answered|reopened
    due_at: Mapped[datetime]
    # Chain state, as a routed delivery's: how far it climbed and when it next falls due
    # (None once answered, or at the top of the chain). A sweep reads only rows past it.
    chain_step: Mapped[int] = mapped_column(Integer, default=0)
    next_deadline: Mapped[datetime | None] = mapped_column(index=True)
    matches: Mapped[int] = mapped_column(Integer, default=0)
    answered_at: Mapped[datetime | None]
    answered_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    outcome: Mapped[str | None] = mapped_column(String(16))
    crypto_answer: Mapped[bytes | None] = mapped_column(LargeBinary)  # under its own key


class SuspicionRecipient(Base):
    """An inbox (its members or supervisors) or an agency's leads the suspicion went to:
    routed (step 0) by the rules, or an escalation step when the owner missed its deadline."""

    __tablename__ = "suspicion_recipients"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    suspicion_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("suspicions.id", ondelete="CASCADE"), index=True
    )
    agency_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("agencies.id"))
    inbox_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("inboxes.id"), index=True)
    audience: Mapped[str] = mapped_column(String(16))  # members | supervisors | agency_leads
    step: Mapped[int] = mapped_column(Integer, default=0)
    reason: Mapped[str] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class SuspicionIdentifier(Base):
    """One identifier a suspicion names, as a blind index (equality only), per blind key."""

    __tablename__ = "suspicion_identifiers"
    __table_args__ = (Index("ix_suspicion_identifiers_key", "kind", "blind_index"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    suspicion_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("suspicions.id", ondelete="CASCADE"), index=True
    )
    partnership_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("partnerships.id"))
    role: Mapped[str] = mapped_column(String(16))  # subject (a child) | associated | peer
    kind: Mapped[str] = mapped_column(String(32))
    blind_index: Mapped[str] = mapped_column(String(32))
    key_id: Mapped[str] = mapped_column(String(64))
    recorded_at: Mapped[datetime]  # the suspicion's event time


class SuspicionMatch(Base):
    """A later record that named something the suspicion names."""

    __tablename__ = "suspicion_matches"
    __table_args__ = (UniqueConstraint("suspicion_id", "record_kind", "record_id"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    suspicion_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("suspicions.id", ondelete="CASCADE"))
    record_kind: Mapped[str] = mapped_column(String(16))  # concern|suspicion|return_interview
    record_id: Mapped[uuid.UUID]
    identifier_kind: Mapped[str] = mapped_column(String(32))  # the first kind shared
    matched_at: Mapped[datetime] = mapped_column(default=utcnow)


class AlertSuspicion(Base):
    """A suspicion a network alert counts as evidence, and the identifier that tied it in."""

    __tablename__ = "alert_suspicions"

    alert_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("alerts.id", ondelete="CASCADE"), primary_key=True
    )
    suspicion_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("suspicions.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    identifier_kind: Mapped[str] = mapped_column(String(32), primary_key=True)
    key: Mapped[str] = mapped_column(String(32), primary_key=True)
    added_at: Mapped[datetime] = mapped_column(default=utcnow)
