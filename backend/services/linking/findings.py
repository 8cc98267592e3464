"""Pattern findings (docs/domain/indicators.md): what a finding is, and the window search
both kinds share. A child's own patterns are found in ``child_patterns.py``, networks
between children in ``networks.py``; ``alerts.py`` raises or updates an alert for each.

Windows are spans of event time (``recorded_at``) of the configured length that contain
the new concern, so a concern synced weeks late counts where it belongs. Every query is
bounded by this concern's subject or its own identifiers: never a scan of all concerns.
"""

from __future__ import annotations

import uuid
from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol, TypeVar

from backend.models import Alert

# One concern a finding rests on: (identifier kind, blind index or "", concern, event time).
Evidence = tuple[str, str, uuid.UUID, datetime]


@dataclass
class Finding:
    kind: str
    key: str
    subjects: set[uuid.UUID]
    evidence: list[Evidence] = field(default_factory=list)
    why: str = ""
    # The open alert this finding grows (a network holding this identifier near this
    # concern's time, or the child's own open alert): the concern joins it without the
    # history being read again. The loaded row itself: the session keeps only weak
    # references to what it has loaded.
    alert: Alert | None = None
    # The children that alert names, as read with it (else None: asked when needed); one set
    # per alert, shared by the findings growing it and kept up to date as children are added.
    named: set[uuid.UUID] | None = None

    @property
    def concerns(self) -> set[uuid.UUID]:
        """The concerns the finding rests on: those of its evidence."""
        return {concern_id for _, _, concern_id, _ in self.evidence}


@dataclass(frozen=True)
class Event:
    concern_id: uuid.UUID
    at: datetime
    agency_id: uuid.UUID
    level: str
    link: str
    subject_id: uuid.UUID | None = None


class Timed(Protocol):
    """Anything with an event time: a child's ``Event``, or a concern naming an identifier."""

    @property
    def at(self) -> datetime: ...


E = TypeVar("E", bound=Timed)


def best_window(events: Sequence[E], at: datetime, days: int) -> list[E]:
    """The events in the fullest span of ``days`` that contains ``at`` (the earliest such
    span on a tie), in their given order.

    Each candidate span starts at an event (or at ``at``) and is counted by bisection over
    the sorted times: a car or a nickname shared by thousands of concerns costs
    n log n, not n squared."""
    span = timedelta(days=days)
    times = sorted(e.at for e in events)
    best_start, most = None, 0
    for start in sorted({t for t in times if at - span <= t <= at} | {at}):
        inside = bisect_right(times, start + span) - bisect_left(times, start)
        if inside > most:
            best_start, most = start, inside
    if best_start is None:
        return []
    end = best_start + span
    return [e for e in events if best_start <= e.at <= end]
