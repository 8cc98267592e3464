"""Challenges to decisions: someone who disagrees with what an inbox decided says why, and
the challenge climbs named stages, each with an owner and a deadline, until one resolves it
(Working Together 2023: the partnership's escalation and resolution protocol).

A challenge names the decided delivery and its concern; its reason and its resolution's
note are sealed under the concern's data key (AAD: ``challenges``, the row, the field), so
they are erased with the record. Each stage it reached is a row naming its owner as a
delivery names its recipients (an inbox's members or supervisors, or an agency's leads):
those owners read the concern, audited with a purpose. The sweep takes only challenges
whose ``next_deadline`` has passed.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import Enum

from sqlalchemy import ForeignKey, Index, Integer, LargeBinary, String, text
from sqlalchemy.orm import Mapped, mapped_column

from backend.models.base import Base, new_id, utcnow


class ChallengeOutcome(str, Enum):
    """How a challenge ended: the decision stands, or it was changed."""

    UPHELD = "upheld"
    CHANGED = "changed"


class Challenge(Base):
    __tablename__ = "challenges"
    __table_args__ = (
        # One open challenge per decision, whatever races the application's locks miss.
        Index(
            "uq_challenges_open_delivery",
            "delivery_id",
            unique=True,
            sqlite_where=text("is_open"),
            postgresql_where=text("is_open"),
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    concern_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("concerns.id", ondelete="CASCADE"), index=True
    )
    delivery_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("deliveries.id", ondelete="CASCADE"), index=True
    )
    # The agency that made the decision: the leadership page counts by it.
    agency_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("agencies.id"), index=True)
    challenger_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"), index=True)
    raised_at: Mapped[datetime] = mapped_column(default=utcnow)
    decision: Mapped[str] = mapped_column(String(32))  # the outcome challenged
    crypto_reason: Mapped[bytes] = mapped_column(LargeBinary)
    stage: Mapped[int] = mapped_column(Integer, default=1)  # 1, 2, ...: the stage it is at
    is_open: Mapped[bool] = mapped_column(default=True)
    due_at: Mapped[datetime]  # the current stage's deadline
    # When the sweep next looks at it: the current stage's deadline while a stage above it
    # remains; None once resolved, or at the top with nowhere higher to go.
    next_deadline: Mapped[datetime | None] = mapped_column(index=True)
    resolved_at: Mapped[datetime | None]
    resolved_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    outcome: Mapped[str | None] = mapped_column(String(16))  # upheld | changed
    new_decision: Mapped[str | None] = mapped_column(String(32))  # when changed
    crypto_note: Mapped[bytes | None] = mapped_column(LargeBinary)  # to the challenger


class ChallengeStage(Base):
    """One stage a challenge reached: whose it is (as a delivery's audience names its
    recipients), when it began, by when it must be resolved, and how it ended."""

    __tablename__ = "challenge_stages"
    __table_args__ = (
        # "The challenges I own": by inbox, or by agency for its leads.
        Index("ix_challenge_stages_inbox", "inbox_id", "audience"),
        Index("ix_challenge_stages_agency", "agency_id", "audience"),
    )

    challenge_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("challenges.id", ondelete="CASCADE"), primary_key=True
    )
    stage: Mapped[int] = mapped_column(Integer, primary_key=True)
    audience: Mapped[str] = mapped_column(String(16))  # members | supervisors | agency_leads
    agency_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("agencies.id"))
    inbox_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("inboxes.id"))
    started_at: Mapped[datetime]
    due_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]
    ended: Mapped[str | None] = mapped_column(String(16))  # climbed | resolved
