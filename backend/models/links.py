"""Joining the dots: subjects (the children concerns are about), possible matches between
them, and pattern alerts.

A subject holds no identifier: concerns point at it, and their blind-indexed identifiers
are what resolution looks up. Merging is a pointer (``merged_into_id``), so a split is the
pointer removed: both are audited and reversible.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from backend.models.base import Base, new_id, new_opaque_id, utcnow, where_set


class Subject(Base):
    __tablename__ = "subjects"
    __table_args__ = (where_set("subjects", "merged_into_id"),)  # most records are not merged

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_opaque_id)
    partnership_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("partnerships.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    merged_into_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("subjects.id"))
    merged_at: Mapped[datetime | None]
    care_status: Mapped[str | None] = mapped_column(String(32))  # latest known legal status


class PossibleMatch(Base):
    """Two subjects that may be one child, for a MASH member to decide: weak keys agreed,
    or one concern's strong keys pointed at both and the records disagree (``conflict``)."""

    __tablename__ = "possible_matches"
    __table_args__ = (UniqueConstraint("subject_id", "candidate_id"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    partnership_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("partnerships.id"), index=True)
    subject_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("subjects.id"))
    candidate_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("subjects.id"))
    kinds: Mapped[str] = mapped_column(Text)  # JSON list of the keys that agreed
    # JSON, set when strong keys disagree (services/linking/conflicts.py): which concern,
    # which kinds of it matched each record, and which kinds the records hold differently.
    conflict: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="open", index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_at: Mapped[datetime | None]
    decided_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))


class SubjectMerge(Base):
    """One merge of two children's records, and how it was made: automatically on strong
    keys that did not disagree (``automatic``, to be confirmed by the MASH) or by the MASH
    confirming a possible match (``confirmed``). A split ends it (``split_at``)."""

    __tablename__ = "subject_merges"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_opaque_id)
    partnership_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("partnerships.id"), index=True)
    subject_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("subjects.id"), index=True)  # kept
    merged_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("subjects.id"), index=True)
    how: Mapped[str] = mapped_column(String(16))  # automatic | confirmed
    kinds: Mapped[str] = mapped_column(Text)  # JSON list of the key kinds it was made on
    concern_id: Mapped[uuid.UUID | None]  # the concern whose keys made an automatic merge
    made_at: Mapped[datetime] = mapped_column(default=utcnow)
    made_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))  # None: system
    confirmed_at: Mapped[datetime | None]
    confirmed_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    split_at: Mapped[datetime | None]
    split_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))


class Alert(Base):
    """One pattern, raised once and updated as its evidence grows."""

    __tablename__ = "alerts"
    __table_args__ = (
        UniqueConstraint("partnership_id", "kind", "pattern_key"),
        # Linking reads the open alerts of one kind (network rings) on every concern.
        Index("ix_alerts_open_by_kind", "partnership_id", "kind", "status"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    partnership_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("partnerships.id"))
    kind: Mapped[str] = mapped_column(String(32))
    # What makes two findings the same pattern: a subject's id, or a network's first
    # identifier (a blind index, never a value).
    pattern_key: Mapped[str] = mapped_column(String(80))
    status: Mapped[str] = mapped_column(String(16), default="open", index=True)
    raised_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    merged_into_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("alerts.id"))
    # What it names and rests on are rows (``alert_subjects``, ``alert_evidence``): a ring
    # of thousands of concerns grows by a row per concern, not by rewriting a list.


class AlertSubject(Base):
    """Which children an alert names, so a child's alerts are an index lookup."""

    __tablename__ = "alert_subjects"

    alert_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("alerts.id", ondelete="CASCADE"), primary_key=True
    )
    subject_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("subjects.id"), primary_key=True, index=True
    )


class AlertEvidence(Base):
    """One concern an alert rests on, and the key that tied it in: for a child's pattern,
    how the concern was linked to the child (``identifier_kind``, no ``key``); for a network,
    the kind and blind index of the shared adult, car or phone (``key``, which never leaves
    the server). An alert's concerns are the concerns of its evidence."""

    __tablename__ = "alert_evidence"
    __table_args__ = (
        # Linking asks whether an open network already holds this identifier near this
        # concern's time: one probe of this index, however large the network.
        Index("ix_alert_evidence_key_time", "identifier_kind", "key", "recorded_at"),
    )

    # In this order: "which of these concerns does the alert hold" is a primary key lookup.
    alert_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("alerts.id", ondelete="CASCADE"), primary_key=True
    )
    concern_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("concerns.id"), primary_key=True)
    identifier_kind: Mapped[str] = mapped_column(String(32), primary_key=True)
    key: Mapped[str] = mapped_column(String(32), primary_key=True)  # "" for a child's pattern
    recorded_at: Mapped[datetime]  # the concern's event time, for the probe above
