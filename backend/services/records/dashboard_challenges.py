"""The leadership page's count of challenges to decisions: open and resolved, by the agency
that decided and the stage each is at (or was resolved at), over the challenges raised in
the period and those still open.

Every agency and every stage of the rules is a cell, challenged or not, so a cell's being
there says nothing; each count from 1 to 4 is withheld (``dashboard.shown``). No total is
given beside the cells, so none can be worked back by subtraction.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from backend.models import Agency, Challenge


def challenge_counts(
    session: Session,
    agencies: dict[uuid.UUID, Agency],
    stages: int,
    since: datetime,
    shown: Callable[[int], int | None],
) -> list[dict[str, Any]]:
    """One row per agency and stage: ``open`` and ``resolved``, each as ``shown`` lets it be
    (the dashboard's rule for small counts)."""
    counts: Counter[tuple[uuid.UUID, int, bool]] = Counter(
        (agency_id, stage, is_open)
        for agency_id, stage, is_open in session.execute(
            select(Challenge.agency_id, Challenge.stage, Challenge.is_open).where(
                Challenge.agency_id.in_(agencies),
                or_(Challenge.is_open.is_(True), Challenge.raised_at >= since),
            )
        )
    )
    top = max([stages, *(stage for _, stage, _ in counts)])
    return [
        {
            "agency": agency.name,
            "stage": stage,
            "open": shown(counts[(agency.id, stage, True)]),
            "resolved": shown(counts[(agency.id, stage, False)]),
        }
        for agency in sorted(agencies.values(), key=lambda a: a.name)
        for stage in range(1, top + 1)
    ]
