"""The leadership page's count of suspicions: by the agency of the inbox that owns each
(must answer it), over those still waiting for an answer and those answered in the period.

Each suspicion counts in exactly one cell of its owner agency's row: ``open`` (waiting,
within its deadline), ``reopened`` (a later record matched it after it was answered;
waiting again, within its new deadline), ``overdue`` (waiting, either way, past its
deadline) or ``answered`` (in the period). Every agency of the partnership has a row,
owning suspicions or not, so a row's being there says nothing; each count from 1 to 4 is
withheld (``dashboard.shown``), and no total is given beside the cells, so none can be
worked back by subtraction. Plain columns only: no suspicion is opened to count it.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from backend.models import Agency, Inbox, Suspicion

CELLS = ("open", "reopened", "overdue", "answered")


def _cell(status: str, due: datetime, now: datetime) -> str:
    if status == "answered":
        return "answered"
    return "overdue" if due < now else status


def suspicion_counts(
    session: Session,
    agencies: dict[uuid.UUID, Agency],
    since: datetime,
    now: datetime,
    shown: Callable[[int], int | None],
) -> list[dict[str, Any]]:
    """One row per agency: ``open``, ``reopened``, ``overdue`` and ``answered``, each as
    ``shown`` lets it be (the dashboard's rule for small counts)."""
    counts: Counter[tuple[uuid.UUID, str]] = Counter(
        (agency_id, _cell(status, due, now))
        for agency_id, status, due in session.execute(
            select(Inbox.agency_id, Suspicion.status, Suspicion.due_at)
            .join(Inbox, Inbox.id == Suspicion.owner_inbox_id)
            .where(
                Inbox.agency_id.in_(agencies),
                or_(Suspicion.status != "answered", Suspicion.answered_at >= since),
            )
        )
    )
    return [
        {"agency": agency.name, **{cell: shown(counts[(agency.id, cell)]) for cell in CELLS}}
        for agency in sorted(agencies.values(), key=lambda a: a.name)
    ]
