"""What waits: envelopes in quarantine, deliveries past their deadline, and how far the
escalation sweep is behind. Read at scrape time (``backend.core.metrics``), counts only."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backend.core.metrics import Backlog
from backend.models import Delivery, Receipt, ReceiptStatus, utcnow


def read_backlog(session: Session, *, now: datetime | None = None) -> Backlog:
    """Count what waits; three aggregate queries, no row is read."""
    at = now or utcnow()
    quarantined = session.scalar(
        select(func.count()).select_from(Receipt).where(Receipt.status == ReceiptStatus.QUARANTINED)
    )
    # A delivery with no deadline works to NO_DEADLINE, far in the future: never counted.
    overdue = session.scalar(
        select(func.count())
        .select_from(Delivery)
        .where(Delivery.is_open.is_(True), Delivery.closed_at.is_(None), Delivery.due_at <= at)
    )
    # A chain is due for the sweep from its next deadline on; the oldest one waiting says
    # how far behind the sweep is (seconds, not a count: a stopped scheduler shows at once).
    oldest = session.scalar(
        select(func.min(Delivery.next_deadline)).where(Delivery.next_deadline <= at)
    )
    lag = max((at - oldest).total_seconds(), 0.0) if oldest is not None else 0.0
    return Backlog(
        quarantined=quarantined or 0, deliveries_overdue=overdue or 0, escalation_lag_seconds=lag
    )
