"""Recovery: receipts whose processing never ended (quarantined, or their worker died and
the lease ran out) are taken up again when their phone sends them again, at startup
(``frontline serve``), every 15 minutes by the scheduler (``FRONTLINE_SCHEDULER``, the job
``backend/http/app.py`` adds) or hourly by ``frontline tidy`` where timers run the sweeps,
and by ``frontline quarantine retry``. Nothing kept is ever
left behind."""

from __future__ import annotations

import uuid

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from backend.models import Receipt, ReceiptStatus, utcnow
from backend.pipeline.ingest import Context, process
from backend.pipeline.results import Result


def pending(session: Session) -> list[uuid.UUID]:
    """Receipts to retry: quarantined ones, and those whose worker died mid-way."""
    now = utcnow()
    return list(
        session.scalars(
            select(Receipt.id)
            .where(
                or_(
                    Receipt.status == ReceiptStatus.QUARANTINED,
                    (Receipt.status == ReceiptStatus.PROCESSING) & (Receipt.lease_until < now),
                )
            )
            .order_by(Receipt.received_at)
        )
    )


def recover(ctx: Context) -> list[Result]:
    """Retry every pending receipt once (startup, sweeps and ``frontline quarantine retry``)."""
    with ctx.sessions() as session:
        ids = pending(session)
    return [process(ctx, rid, claimed=False) for rid in ids]
