"""Routing rule sets, deliveries to inboxes with their deadlines and escalation chains,
and the Web Push subscriptions and outbox that tell people about them.

A delivery is either *routed* (made by the rules when the concern arrived; its chain state
lives on it) or an *escalation* (made by a sweep when a routed delivery, or the previous
escalation, missed a deadline; ``root_id`` names the routed delivery).
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from enum import Enum

from sqlalchemy import ForeignKey, Index, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from backend.models.base import Base, new_id, utcnow, where_set

# Open deliveries with no pending deadline sort last; a sentinel keeps the index total.
NO_DEADLINE = datetime(9999, 12, 31, tzinfo=UTC)


class DeliveryStatus(str, Enum):
    """docs/contract.md, deliveries: where a delivery is."""

    NEW = "new"
    ACKNOWLEDGED = "acknowledged"
    DECIDED = "decided"
    ESCALATED = "escalated"  # missed a deadline and went up the chain, not yet acknowledged


class Outcome(str, Enum):
    """docs/contract.md, decision outcomes (Working Together 2023: the responses to a referral)."""

    NO_FURTHER_ACTION = "no_further_action"
    EARLY_HELP = "early_help"
    CHILD_IN_NEED_ASSESSMENT = "child_in_need_assessment"
    STRATEGY_DISCUSSION = "strategy_discussion"
    IMMEDIATE_PROTECTION = "immediate_protection"
    REFERRED_ELSEWHERE = "referred_elsewhere"


class RuleSetRecord(Base):
    """One loaded version of a partnership's routing rules, kept forever for the trace."""

    __tablename__ = "routing_rulesets"
    __table_args__ = (UniqueConstraint("partnership_id", "number"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    partnership_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("partnerships.id"))
    number: Mapped[int] = mapped_column(Integer)  # 1, 2, ... per partnership; latest is live
    label: Mapped[str] = mapped_column(String(100))  # the file's own "version"
    source: Mapped[str] = mapped_column(Text)  # the file as loaded
    sha256: Mapped[str] = mapped_column(String(64))
    loaded_at: Mapped[datetime] = mapped_column(default=utcnow)
    loaded_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))


class ConcernRoute(Base):
    """Why a concern went where it went: the rules that matched, in which version."""

    __tablename__ = "concern_routes"

    concern_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("concerns.id", ondelete="CASCADE"), primary_key=True
    )
    ruleset_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("routing_rulesets.id"))
    routed_at: Mapped[datetime] = mapped_column(default=utcnow)
    trace: Mapped[str] = mapped_column(Text)  # JSON: rule ids, reasons, targets; no identifiers


class Delivery(Base):
    __tablename__ = "deliveries"
    __table_args__ = (
        # An inbox page, most urgent first; and its counts.
        Index("ix_deliveries_page", "inbox_id", "audience", "is_open", "rank", "due_at", "id"),
        Index("ix_deliveries_agency_queue", "agency_id", "audience", "is_open", "rank", "due_at"),
        # Most deliveries are routed ones, of a concern: neither a chain step nor an alert's.
        where_set("deliveries", "root_id"),
        where_set("deliveries", "alert_id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    concern_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("concerns.id", ondelete="CASCADE"), index=True
    )
    agency_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("agencies.id"))
    # A pattern alert's delivery: concern_id is then the concern that raised it.
    alert_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("alerts.id"))
    inbox_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("inboxes.id"))
    audience: Mapped[str] = mapped_column(String(16))  # members | supervisors | agency_leads
    root_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("deliveries.id"))
    step: Mapped[int] = mapped_column(Integer, default=0)  # 0 routed, n the chain's n-th step
    cause: Mapped[str | None] = mapped_column(String(16))  # acknowledge | decide (escalations)
    reason: Mapped[str] = mapped_column(Text)  # why it came, for the people who receive it
    notes: Mapped[str] = mapped_column(Text, default="[]")  # JSON list, e.g. return interview
    level: Mapped[str] = mapped_column(String(32))
    rank: Mapped[int] = mapped_column(Integer)  # level as a number, higher is more urgent
    status: Mapped[str] = mapped_column(String(16), default=DeliveryStatus.NEW.value)
    is_open: Mapped[bool] = mapped_column(default=True)  # not decided, not closed
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    ack_due: Mapped[datetime]
    decision_due: Mapped[datetime | None]
    due_at: Mapped[datetime]  # the deadline it now works to, or NO_DEADLINE
    acknowledged_at: Mapped[datetime | None]
    acknowledged_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None]
    decided_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    outcome: Mapped[str | None] = mapped_column(String(32))
    crypto_reasons: Mapped[bytes | None] = mapped_column(LargeBinary)  # under the concern's key
    # Written for the person who recorded the concern, under the concern's key.
    crypto_feedback: Mapped[bytes | None] = mapped_column(LargeBinary)
    escalated_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]  # an escalation made moot (acknowledged elsewhere)
    closed_reason: Mapped[str | None] = mapped_column(String(200))
    # Chain state, on routed deliveries: which clock runs, how far it climbed, when it next
    # falls due. A sweep touches only rows whose next_deadline has passed.
    clock: Mapped[str | None] = mapped_column(String(16))
    chain_step: Mapped[int] = mapped_column(Integer, default=0)
    next_deadline: Mapped[datetime | None] = mapped_column(index=True)


class PushSubscription(Base):
    """A device's Web Push subscription; its endpoint and keys are sealed to the person."""

    __tablename__ = "push_subscriptions"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"), index=True)
    passkey_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("passkeys.id"), index=True)
    endpoint_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    crypto_subscription: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Notification(Base):
    """A push message waiting to be sent; its text never names a child or a person."""

    __tablename__ = "notifications"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    subscription_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("push_subscriptions.id", ondelete="CASCADE"), index=True
    )
    delivery_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("deliveries.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[str] = mapped_column(String(120))
    body: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(index=True)
    sent_at: Mapped[datetime | None]
    error: Mapped[str | None] = mapped_column(String(200))
