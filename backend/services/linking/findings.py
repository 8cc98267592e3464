"""Pattern findings (docs/domain/indicators.md): which patterns one concern completes or adds to,
found from its own links; ``alerts.py`` raises or updates an alert for each.

Windows are spans of event time (``recorded_at``) of the configured length that contain
the new concern, so a concern synced weeks late counts where it belongs. Every query is
bounded by this concern's subject or its own identifiers: never a scan of all concerns.
"""

from __future__ import annotations

import uuid
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from backend.models import (
    Alert,
    Concern,
    ConcernCategory,
    ConcernIdentifier,
    ConcernIndicator,
    Subject,
    table_of,
)
from backend.services.concerns.rules import Active
from backend.services.linking.subjects import members

# One concern a finding rests on: (identifier kind, blind index or "", concern, event time).
Evidence = tuple[str, str, uuid.UUID, datetime]


@dataclass
class Finding:
    kind: str
    key: str
    subjects: set[uuid.UUID]
    evidence: list[Evidence] = field(default_factory=list)
    why: str = ""
    # An open network alert that already holds this identifier near this concern's time:
    # the concern joins it without the identifier's whole history being read again. The
    # loaded row itself: the session keeps only weak references to what it has loaded.
    alert: Alert | None = None

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


_C, _CI, _S = table_of(Concern), table_of(ConcernIdentifier), table_of(Subject)
_CC, _IND = table_of(ConcernCategory), table_of(ConcernIndicator)
# Built once: linking runs on every concern, and building a statement costs several times
# what SQLite takes to run it.
_EVENTS = select(
    _C.c.id, _C.c.recorded_at, _C.c.recorder_agency_id, _C.c.level, _C.c.subject_link
).where(
    _C.c.subject_id.in_(bindparam("ids", expanding=True)),
    _C.c.recorded_at.between(bindparam("lo"), bindparam("hi")),
)
_MISSING = select(_CC.c.concern_id).where(
    _CC.c.concern_id.in_(bindparam("ids", expanding=True)), _CC.c.category == "missing"
)
_SIGNS = select(_IND.c.code).where(
    _IND.c.concern_id == bindparam("cid"), _IND.c.code.in_(bindparam("codes", expanding=True))
)


def best_window(events: list[Event], at: datetime, days: int) -> list[Event]:
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


def _subject_events(
    session: Session, subject_id: uuid.UUID, at: datetime, days: int
) -> tuple[list[Event], set[uuid.UUID]]:
    ids = members(session, subject_id)
    span = timedelta(days=days)
    rows = session.execute(_EVENTS, {"ids": ids, "lo": at - span, "hi": at + span}).all()
    events = [Event(r[0], r[1], r[2], r[3], r[4] or "new") for r in rows]
    missing = set(session.scalars(_MISSING, {"ids": [e.concern_id for e in events]}))
    return events, missing


def _evidence(events: list[Event]) -> list[Evidence]:
    """Which key tied each concern to the child: its kind, never its value."""
    return [("first_record" if e.link == "new" else e.link, "", e.concern_id, e.at) for e in events]


def subject_findings(
    session: Session, active: Active, concern: Concern, subject_id: uuid.UUID
) -> list[Finding]:
    """Patterns about one child that this concern completes or adds to."""
    p = active.rules.patterns
    at = concern.recorded_at
    days = max(p[k]["days"] for k in ("repeated_missing", "multi_agency", "cumulative"))
    events, missing = _subject_events(session, subject_id, at, days)
    key = str(subject_id)
    found = []

    def add(kind: str, window: list[Event], why: str) -> None:
        found.append(Finding(kind, key, {subject_id}, _evidence(window), why))

    rule = p["repeated_missing"]
    if rule.get("enabled", True) and concern.id in missing:
        window = best_window([e for e in events if e.concern_id in missing], at, rule["days"])
        if len(window) >= rule["count"]:
            add(
                "repeated_missing",
                window,
                f"{len(window)} missing episodes within {rule['days']} days",
            )
    rule = p["multi_agency"]
    if rule.get("enabled", True):
        window = best_window(events, at, rule["days"])
        agencies = {e.agency_id for e in window}
        if len(agencies) >= rule["agencies"]:
            add(
                "multi_agency",
                window,
                f"concerns from {len(agencies)} agencies within {rule['days']} days",
            )
    rule = p["cumulative"]
    if rule.get("enabled", True) and concern.level in rule["levels"]:
        lower = [e for e in events if e.level in rule["levels"]]
        window = best_window(lower, at, rule["days"])
        if len(window) >= rule["count"]:
            add(
                "cumulative",
                window,
                f"{len(window)} lower-level concerns within {rule['days']} days",
            )
    rule = p["young_child_high_risk"]
    age = concern.subject_age
    if rule.get("enabled", True) and age is not None and age <= rule["max_age"]:
        signs = set(session.scalars(_SIGNS, {"cid": concern.id, "codes": rule["indicators"]}))
        if signs:
            this = [e for e in events if e.concern_id == concern.id]
            add("young_child_high_risk", this, f"aged {age} with {', '.join(sorted(signs))}")
    return found
