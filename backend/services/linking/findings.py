"""Pattern findings (docs/domain/indicators.md): the networks one concern completes or adds
to, found from its own identifiers (a child's own patterns: ``child_patterns.py``);
``alerts.py`` raises or updates an alert for each.

Windows are spans of event time (``recorded_at``) of the configured length that contain
the new concern, so a concern synced weeks late counts where it belongs. Every query is
bounded by this concern's subject or its own identifiers: never a scan of all concerns.
"""

from __future__ import annotations

import uuid
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cache
from typing import Any

from sqlalchemy import Select, and_, bindparam, or_, select
from sqlalchemy.orm import Session

from backend.models import (
    Alert,
    AlertEvidence,
    Concern,
    ConcernIdentifier,
    Subject,
    table_of,
)
from backend.services.concerns.rules import Active
from backend.services.linking.blind_keys import IdentifierRow, own_of
from backend.services.linking.subjects import canonical

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
# Built once: linking runs on every concern, and building a statement costs several times
# what SQLite takes to run it.
# The alert itself, not its id: the caller adds to it, and so finds it loaded.
_HOLDER = (
    select(Alert)
    .join(AlertEvidence, AlertEvidence.alert_id == Alert.id)
    .where(
        AlertEvidence.identifier_kind == bindparam("kind"),
        AlertEvidence.key == bindparam("key"),
        AlertEvidence.recorded_at.between(bindparam("lo"), bindparam("hi")),
        Alert.partnership_id == bindparam("p"),
        Alert.kind == "network",
        Alert.status == "open",
    )
    .limit(1)  # any will do: rings that share a child are folded into the oldest
)


@cache
def _sharers(pairs: int) -> Select[Any]:
    """Concerns about a child within ``lo``..``hi`` that name any of ``pairs`` associated
    identifiers (bound as ``k0``, ``b0``, ...), with the identifier that they share."""
    return (
        select(
            _CI.c.kind,
            _CI.c.blind_index,
            _C.c.id,
            _C.c.recorded_at,
            _C.c.recorder_agency_id,
            _C.c.level,
            _C.c.subject_id,
            _S.c.merged_into_id,
        )
        .join(_C, _C.c.id == _CI.c.concern_id)
        .join(_S, _S.c.id == _C.c.subject_id)
        .where(
            _CI.c.role == "associated",
            or_(
                *(
                    and_(_CI.c.kind == bindparam(f"k{n}"), _CI.c.blind_index == bindparam(f"b{n}"))
                    for n in range(pairs)
                )
            ),
            _C.c.recorded_at.between(bindparam("lo"), bindparam("hi")),
            _C.c.subject_id.is_not(None),
        )
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


def network_findings(
    session: Session,
    active: Active,
    concern: Concern,
    subject_id: uuid.UUID,
    identifiers: list[IdentifierRow],
) -> list[Finding]:
    """Adults, vehicles, phones, addresses or accounts this concern shares with other children.

    ``identifiers``: the concern's identifier rows, as the store step wrote them. An
    identifier that an open network alert already holds within the window of this concern
    adds the concern to that alert: one index probe, however many concerns have named it.
    Only an identifier no open network holds nearby has its sharers read and counted."""
    rule = active.rules.patterns["network"]
    if not rule.get("enabled", True):
        return []
    kinds = set(rule["kinds"])
    own = own_of(identifiers, lambda r: r["role"] == "associated" and r["kind"] in kinds)
    span = timedelta(days=rule["days"])
    at = concern.recorded_at
    found, unheld = [], []
    for kind, index in own:
        holder = session.scalar(
            _HOLDER,
            {
                "p": active.partnership_id,
                "kind": kind,
                "key": index,
                "lo": at - span,
                "hi": at + span,
            },
        )
        if holder is None:
            unheld.append((kind, index))
            continue
        found.append(
            Finding(
                "network",
                f"{kind}:{index}",
                {subject_id},
                [(kind, index, concern.id, at)],
                f"one {kind.replace('_', ' ')} already in an open network alert",
                alert=holder,
            )
        )
    if not unheld:
        return found
    params: dict[str, Any] = {"lo": at - span, "hi": at + span}
    for n, (kind, index) in enumerate(unheld):
        params[f"k{n}"], params[f"b{n}"] = kind, index
    by_key: dict[tuple[str, str], list[Event]] = {}
    for kind, index, cid, when, agency, level, subject, merged in session.execute(
        _sharers(len(unheld)), params
    ):
        # Merges are rare: only a merged subject's head is looked up.
        head = subject if merged is None else canonical(session, subject)
        event = Event(cid, when, agency, level, kind, head)
        by_key.setdefault((kind, index), []).append(event)
    for (kind, index), events in sorted(by_key.items()):
        window = best_window(events, at, rule["days"])
        children = {e.subject_id for e in window if e.subject_id is not None}
        if len(children) >= rule["children"]:
            found.append(
                Finding(
                    "network",
                    f"{kind}:{index}",
                    children,
                    [(kind, index, e.concern_id, e.at) for e in window],
                    f"one {kind.replace('_', ' ')} linked to {len(children)} children",
                )
            )
    return found
