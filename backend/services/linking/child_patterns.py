"""The per-child patterns (docs/domain/indicators.md): repeated missing, several agencies,
cumulative lower-level concerns and a young child with a high-weight sign, found from the
child's day rows (``windows.py``), never from the child's whole history.

A child has one open alert that grows: a finding whose level is no higher than an alert
already open about the child adds this concern to that alert (the same pattern's first,
else the highest) instead of raising another; only a finding of a higher level (shorter
deadlines) raises its own. What meets no threshold stays in the child's chronology, as the
child's picture, and raises nothing.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from backend.models import Alert, AlertSubject, Concern, table_of
from backend.routing.patterns import LEVELS
from backend.services.concerns.rules import Active
from backend.services.linking.findings import Evidence, Finding
from backend.services.linking.subjects import members
from backend.services.linking.windows import Day, Facts, days_near, db_new_episodes

WINDOWED = ("repeated_missing", "multi_agency", "cumulative")

_C = table_of(Concern)
# Built once. The window's concerns, read only when an alert is raised.
_IN_SPAN = select(_C.c.id, _C.c.recorded_at, _C.c.level, _C.c.subject_link).where(
    _C.c.subject_id.in_(bindparam("ids", expanding=True)),
    _C.c.recorded_at >= bindparam("lo"),
    _C.c.recorded_at < bindparam("hi"),
)
# The child's alerts, kind and status checked by the caller (see link.py's ``_ALERTED``).
_OPEN = (
    select(Alert, AlertSubject.subject_id)
    .join(AlertSubject, AlertSubject.alert_id == Alert.id)
    .where(AlertSubject.subject_id.in_(bindparam("ids", expanding=True)))
)


@dataclass(frozen=True, slots=True)
class Span:
    """The fullest span of whole days holding the concern's day: from ``start`` to
    ``start + days`` inclusive, with its total and how many agencies recorded in it."""

    start: date
    days: int
    total: int
    agencies: int


def fullest(
    days: dict[date, Day],
    when: date,
    length: int,
    value: Callable[[Day], int],
    ok: Callable[[int, int], bool],
    *,
    agencies: bool = True,
) -> Span | None:
    """Of every span of ``length`` days after a day with concerns that holds ``when``, the
    one with the highest total (the earliest on a tie) of those whose total and agencies
    meet the rule (``ok(total, agencies)``). One pass over the days near ``when``, adding
    the days that come in and taking out those that leave (each day's value taken once;
    with ``agencies``, the agencies present counted as they change, else left at 0)."""
    reach = timedelta(days=length)
    order = sorted(d for d in days if when - reach <= d <= when + reach)
    values = [value(days[d]) for d in order]
    present_in = [days[d].agencies for d in order] if agencies else None
    best: tuple[date, int, int] | None = None
    total = present = 0
    seen: dict[str, int] = {}  # recording agency -> its days in the span
    i = j = 0
    end = len(order)
    for start in order:
        if start > when:
            break
        last = start + reach
        while j < end and order[j] <= last:
            total += values[j]
            if present_in is not None:
                for agency in present_in[j]:
                    had = seen.get(agency, 0)
                    present += had == 0
                    seen[agency] = had + 1
            j += 1
        while order[i] < start:
            total -= values[i]
            if present_in is not None:
                for agency in present_in[i]:
                    seen[agency] -= 1
                    present -= seen[agency] == 0
            i += 1
        if (best is None or total > best[1]) and ok(total, present):
            best = (start, total, present)
    return None if best is None else Span(best[0], length, best[1], best[2])


def _rank(level: str) -> int:
    return LEVELS.index(level)


def windowed(
    rules: dict[str, dict[str, Any]], facts: Facts, days: dict[date, Day]
) -> list[tuple[str, Span, str]]:
    """The windowed rules this concern completes or adds to: (kind, span, why)."""
    weights, when = rules["weights"], facts.at.date()
    found = []
    rule = rules["repeated_missing"]
    if rule.get("enabled", True) and facts.missing:
        best = fullest(
            days,
            when,
            rule["days"],
            lambda d: d.missing,
            lambda total, _: total >= rule["count"],
            agencies=False,
        )
        if best:
            found.append(
                (
                    "repeated_missing",
                    best,
                    f"{best.total} missing episodes within {rule['days']} days",
                )
            )
    rule = rules["multi_agency"]
    if rule.get("enabled", True):
        best = fullest(
            days,
            when,
            rule["days"],
            lambda d: d.score(weights),
            lambda total, agencies: agencies >= rule["agencies"] and total >= rule["score"],
        )
        if best:
            found.append(
                (
                    "multi_agency",
                    best,
                    f"concerns from {best.agencies} agencies within {rule['days']} days, "
                    f"weighing {best.total}",
                )
            )
    rule = rules["cumulative"]
    if rule.get("enabled", True) and facts.level in rule["levels"]:
        levels = rule["levels"]
        best = fullest(
            days,
            when,
            rule["days"],
            lambda d: sum(d.levels.get(x, 0) for x in levels),
            lambda total, _: total >= rule["count"],
            agencies=False,
        )
        if best:
            found.append(
                (
                    "cumulative",
                    best,
                    f"{best.total} lower-level concerns within {rule['days']} days",
                )
            )
    return found


def young_child(rule: dict[str, Any], facts: Facts, age: int | None) -> str | None:
    """Why this concern about a young child is an alert, or None: a high-weight sign in a
    concern at ``min_level`` or above, or ``signs`` of them in one concern."""
    if not rule.get("enabled", True) or age is None or age > rule["max_age"]:
        return None
    signs = facts.codes & set(rule["indicators"])
    if not signs:
        return None
    if _rank(facts.level) < _rank(rule["min_level"]) and len(signs) < rule["signs"]:
        return None
    return f"aged {age} with {', '.join(sorted(signs))}"


def _open_alerts(
    session: Session, ids: list[uuid.UUID], partnership_id: uuid.UUID
) -> tuple[list[Alert], dict[uuid.UUID, set[uuid.UUID]]]:
    """The child's open alerts other than networks, oldest first, and which of the child's
    records each names."""
    found: dict[uuid.UUID, Alert] = {}
    naming: dict[uuid.UUID, set[uuid.UUID]] = {}
    for alert, subject_id in session.execute(_OPEN, {"ids": ids}):
        if (
            alert.status == "open"
            and alert.kind != "network"
            and alert.partnership_id == partnership_id
        ):
            found[alert.id] = alert
            naming.setdefault(alert.id, set()).add(subject_id)
    return sorted(found.values(), key=lambda a: (a.raised_at, str(a.id))), naming


def _target(rules: dict[str, dict[str, Any]], kind: str, open_: list[Alert]) -> Alert | None:
    """The open alert a finding of ``kind`` adds to: the same pattern's, else the one of the
    highest level at or above the finding's, else none (a new alert is raised)."""
    for alert in open_:
        if alert.kind == kind:
            return alert
    level = _rank(rules[kind]["level"])
    above = [a for a in open_ if _rank(rules[a.kind]["level"]) >= level]
    return max(above, key=lambda a: _rank(rules[a.kind]["level"]), default=None)


def _link_kind(link: str | None) -> str:
    return "first_record" if (link or "new") == "new" else link  # type: ignore[return-value]


def _span_evidence(
    session: Session, rules: dict[str, dict[str, Any]], kind: str, span: Span, ids: list[uuid.UUID]
) -> list[Evidence]:
    """The concerns in a span that its rule counts (read once, when its alert is raised)."""
    lo = datetime.combine(span.start, time(), UTC)
    rows = session.execute(
        _IN_SPAN, {"ids": ids, "lo": lo, "hi": lo + timedelta(days=span.days + 1)}
    ).all()
    if kind == "repeated_missing":
        missing = db_new_episodes(session, [r[0] for r in rows])
        rows = [r for r in rows if r[0] in missing]
    elif kind == "cumulative":
        rows = [r for r in rows if r[2] in rules["cumulative"]["levels"]]
    return [(_link_kind(link), "", cid, at) for cid, at, _, link in rows]


def reach(active: Active) -> int:
    """How many days either side of a concern the child's windowed patterns look."""
    return max(int(active.rules.patterns[k]["days"]) for k in WINDOWED)


def child_findings(
    session: Session,
    active: Active,
    concern: Concern,
    subject_id: uuid.UUID,
    facts: Facts,
    days: dict[date, Day] | None = None,
) -> list[Finding]:
    """The per-child patterns this concern completes or adds to, each pointing at the open
    alert it grows when there is one. ``facts``: the concern's own, already in its day.
    ``days``: the child's days within ``reach`` of it, when the caller has them (linking
    reads them as it writes the concern's day); else they are read."""
    rules = active.rules.patterns
    ids = members(session, subject_id)
    if days is None:
        days = days_near(session, ids, facts.at, reach(active))
    hits: list[tuple[str, Span | None, str]] = list(windowed(rules, facts, days))
    why = young_child(rules["young_child_high_risk"], facts, concern.subject_age)
    if why:
        hits.append(("young_child_high_risk", None, why))
    if not hits:
        return []
    # Only the alerts open before this concern: two patterns it completes at once are two
    # responses, each raised.
    open_, naming = _open_alerts(session, ids, active.partnership_id)
    mine: list[Evidence] = [(_link_kind(concern.subject_link), "", concern.id, facts.at)]
    found = []
    for kind, span, why in hits:
        target = _target(rules, kind, open_)
        if target is not None or span is None:
            evidence = mine
        else:
            evidence = _span_evidence(session, rules, kind, span, ids)
        named = None if target is None else naming[target.id]
        found.append(
            Finding(kind, str(subject_id), {subject_id}, evidence, why, alert=target, named=named)
        )
    return found
