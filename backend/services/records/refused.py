"""Refused envelopes' sealed bytes, kept for a retry and then dropped (docs/retention.md,
"Envelopes refused")."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from backend.models import REFUSED_KEPT, Receipt, ReceiptStatus, utcnow


def drop_refused(sessions: sessionmaker[Session], *, now: datetime | None = None) -> int:
    """Drop the sealed bytes of envelopes refused more than ``REFUSED_KEPT`` ago: what they
    say about a child is kept no longer than a retry could want it. Returns how many.
    Idempotent; a scheduler sweep (``backend/scheduler.py``)."""
    before = (now or utcnow()) - REFUSED_KEPT
    with sessions() as session:
        result = session.execute(
            update(Receipt)
            .where(
                Receipt.status == ReceiptStatus.REJECTED,
                Receipt.crypto_jwe.is_not(None),
                Receipt.processed_at < before,
            )
            .values(crypto_jwe=None)
        )
        session.commit()
    return int(result.rowcount)  # type: ignore[attr-defined]
