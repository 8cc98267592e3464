"""The leadership view: what in Oxford never reached the leaders, in aggregate.

Aggregates only — counts by week, agency, category and level; deadlines met and missed;
escalations that reached the partnership; open alerts, and alerts raised per 1,000 concerns
by kind; missing episodes (open, returned, how long missing, return interviews due and
overdue, counted from the returns); language flags per agency. Every count from 1 to 4 is suppressed
(shown as null) so that no child can be picked out; figures built on a suppressed count
are withheld too, and so are as many other counts as it takes that no withheld one comes
back by subtraction from totals, from the same total broken down another way, or across
the weeks (secondary suppression, ``backend/services/records/disclosure.py``). Every view
is audited.

The page stays a JSON document (``DashboardPage``), not a dataclass: it is a tree of count
tables keyed by week, agency, category and level, and the suppression works on it as that
tree, naming each cell by its path (``disclosure.Cell``) and blanking cells in place. Its
schema (``DashboardSchema``) passes the tables through as they are.
"""

from __future__ import annotations

import json
import statistics
import uuid
from collections import Counter, defaultdict
from datetime import datetime, timedelta
from typing import Any, TypeAlias

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from backend.models import (
    Agency,
    AgencyKind,
    Alert,
    Concern,
    ConcernCategory,
    Delivery,
    MissingEpisode,
    utcnow,
)
from backend.routing.patterns import PATTERN_DEFAULTS
from backend.services.concerns.rules import db_active
from backend.services.records.audit import Actor, db_audit
from backend.services.records.dashboard_challenges import challenge_counts
from backend.services.records.dashboard_suspicions import suspicion_counts
from backend.services.records.disclosure import Breakdown, withhold
from backend.services.records.disclosure import Cell as Path
from backend.services.records.time_to_leadership import time_to_leadership

SUPPRESS_BELOW = 5
WEEKS = 12

# The leadership page: period, concerns, weeks, deadlines, escalations, alerts_open,
# missing and language, each a table of counts (the module's docstring says why a dict).
DashboardPage: TypeAlias = dict[str, Any]


def shown(n: int) -> int | None:
    """A count as it may be shown: 0, or 5 and over; anything between is withheld."""
    return n if n == 0 or n >= SUPPRESS_BELOW else None


def _week(when: datetime) -> str:
    year, week, _ = when.isocalendar()
    return f"{year}-W{week:02d}"


def _counts(counter: Counter[str]) -> dict[str, int | None]:
    return {k: shown(v) for k, v in sorted(counter.items())}


def _sorted(counter: Counter[str]) -> dict[str, int]:
    return dict(sorted(counter.items()))


def _median(values: list[float]) -> float | None:
    return round(statistics.median(values), 1) if len(values) >= SUPPRESS_BELOW else None


def _deadlines(rows: list[Delivery], now: datetime) -> dict[str, int | float | None]:
    acked = [d for d in rows if d.acknowledged_at is not None]
    decided = [d for d in rows if d.decided_at is not None and d.decision_due is not None]
    return {
        "deliveries": shown(len(rows)),
        "acknowledged": shown(len(acked)),
        "acknowledged_in_time": shown(sum(d.acknowledged_at <= d.ack_due for d in acked)),  # type: ignore[operator]
        "acknowledge_median_minutes": _median(
            [(d.acknowledged_at - d.created_at).total_seconds() / 60 for d in acked]  # type: ignore[operator]
        ),
        "decided": shown(len(decided)),
        "decided_in_time": shown(sum(d.decided_at <= d.decision_due for d in decided)),  # type: ignore[operator]
        "decision_median_hours": _median(
            [(d.decided_at - d.created_at).total_seconds() / 3600 for d in decided]  # type: ignore[operator]
        ),
        "open_overdue": shown(sum(d.is_open and d.due_at < now for d in rows)),
    }


def dashboard(session: Session, *, actor: Actor, now: datetime | None = None) -> DashboardPage:
    """The partnership's aggregates over the last twelve weeks; the view is audited."""
    now = now or utcnow()
    since = now - timedelta(weeks=WEEKS)
    mine = session.get(Agency, actor.agency_id)
    assert mine is not None  # noqa: S101 - a signed-in person has an agency
    agencies = {
        a.id: a
        for a in session.scalars(select(Agency).where(Agency.partnership_id == mine.partnership_id))
    }
    concerns = list(
        session.execute(
            select(
                Concern.id,
                Concern.recorded_at,
                Concern.recorder_agency_id,
                Concern.level,
                Concern.language_flags,
            ).where(Concern.recorder_agency_id.in_(agencies), Concern.recorded_at >= since)
        )
    )
    ids = [c.id for c in concerns]
    categories: dict[uuid.UUID, list[str]] = defaultdict(list)
    for cid, category in session.execute(
        select(ConcernCategory.concern_id, ConcernCategory.category).where(
            ConcernCategory.concern_id.in_(ids)
        )
    ):
        categories[cid].append(category)
    weeks: dict[str, dict[str, Counter[str]]] = defaultdict(
        lambda: {"agency": Counter(), "level": Counter(), "category": Counter()}
    )
    language: dict[str, Counter[str]] = defaultdict(Counter)
    for c in concerns:
        name = agencies[c.recorder_agency_id].name
        week = weeks[_week(c.recorded_at)]
        week["agency"][name] += 1
        week["level"][c.level] += 1
        for category in categories[c.id]:
            week["category"][category] += 1
        flags = sum(json.loads(c.language_flags or "{}").values())
        language[name]["concerns"] += 1
        language[name]["flagged"] += flags > 0
        language[name]["flags"] += flags
    deliveries = list(
        session.scalars(
            select(Delivery).where(Delivery.agency_id.in_(agencies), Delivery.created_at >= since)
        )
    )
    # First deliveries (of concerns and of pattern alerts): escalations have their own count.
    routed = [d for d in deliveries if d.step == 0]
    escalations = [d for d in deliveries if d.step > 0]
    partnership = {a.id for a in agencies.values() if a.kind is AgencyKind.PARTNERSHIP}
    alerts = Counter(
        session.scalars(
            select(Alert.kind).where(
                Alert.partnership_id == mine.partnership_id, Alert.status == "open"
            )
        )
    )
    raised = Counter(
        session.scalars(
            select(Alert.kind).where(
                Alert.partnership_id == mine.partnership_id,
                Alert.raised_at >= since,
                Alert.merged_into_id.is_(None),
            )
        )
    )
    answer: DashboardPage = {
        "period": {"from": since.isoformat(), "to": now.isoformat(), "weeks": WEEKS},
        "suppressed_below": SUPPRESS_BELOW,
        "concerns": {
            "total": len(concerns),
            "by_category": _sorted(Counter(cat for c in concerns for cat in categories[c.id])),
            "by_level": _sorted(Counter(c.level for c in concerns)),
        },
        "weeks": [
            {
                "week": week,
                "total": sum(v["agency"].values()),
                "by_agency": _sorted(v["agency"]),
                "by_level": _sorted(v["level"]),
                "by_category": _sorted(v["category"]),
            }
            for week, v in sorted(weeks.items())
        ],
        "deadlines": _deadlines(routed, now),
        "escalations": {
            "total": shown(len(escalations)),
            "reaching_partnership": shown(sum(d.agency_id in partnership for d in escalations)),
        },
        "alerts_open": _counts(alerts),
        "alerts_per_1000": alert_rates(raised, len(concerns)),
        "missing": _missing(session, mine.partnership_id, since, now),
        # Challenges to decisions, and each network alert's days to the leaders: their own
        # modules, each saying how it keeps small numbers out.
        "challenges": challenge_counts(
            session,
            agencies,
            len(db_active(session, mine.partnership_id).rules.challenge_stages),
            since,
            shown,
        ),
        "time_to_leadership": time_to_leadership(session, mine.partnership_id, since, now),
        "suspicions": suspicion_counts(session, agencies, since, now, shown),
        "language": [
            {
                "agency": name,
                "concerns": v["concerns"],
                "flagged": shown(v["flagged"]),
                "flags": shown(v["flags"]),
            }
            for name, v in sorted(language.items())
        ],
    }
    _suppress(answer)
    db_audit(session, "dashboard.viewed", actor=actor, detail={"weeks": WEEKS})
    session.commit()
    return answer


def _missing(
    session: Session, partnership_id: uuid.UUID, since: datetime, now: datetime
) -> dict[str, int | float | None]:
    """Missing episodes, counted as episodes (a child missing once is one, however many
    reports), and the return interviews counted from the returns, never the reports: due
    while the task is open within 72 hours of the child's return, overdue when it is still
    open after; held and declined as the latest return interview recorded for each return
    in the period says."""
    rows = session.execute(
        select(
            MissingEpisode.reported_at,
            MissingEpisode.is_open,
            MissingEpisode.found_at,
            MissingEpisode.hours_missing,
            MissingEpisode.return_due,
            MissingEpisode.return_outcome,
            Delivery.is_open.label("task_open"),
        )
        .outerjoin(Delivery, Delivery.id == MissingEpisode.return_delivery_id)
        .where(
            MissingEpisode.partnership_id == partnership_id,
            # Open now, or reported or back within the period.
            or_(
                MissingEpisode.is_open.is_(True),
                MissingEpisode.reported_at >= since,
                MissingEpisode.found_at >= since,
            ),
        )
    ).all()
    back = [r for r in rows if r.found_at is not None and r.found_at >= since]
    returned = [r.hours_missing for r in back]
    waiting = [r.return_due for r in rows if r.return_due is not None and r.task_open]
    return {
        "episodes": sum(r.reported_at >= since for r in rows),
        "open": sum(bool(r.is_open) for r in rows),
        "returned": len(returned),
        "median_hours_missing": _median([h for h in returned if h is not None]),
        "return_interviews_due": sum(due >= now for due in waiting),
        "return_interviews_overdue": sum(due < now for due in waiting),
        "return_interviews_held": sum(r.return_outcome == "held" for r in back),
        "return_interviews_declined": sum(r.return_outcome == "declined" for r in back),
    }


def alert_rates(raised: Counter[str], concerns: int) -> dict[str, Any]:
    """Alerts raised in the period per 1,000 concerns recorded in it, by kind and in all:
    how much of the MASH's attention the pattern rules ask for. A rate rests on a count, so
    a kind raised 1 to 4 times is withheld, and so is whatever would give it back from the
    total."""
    kinds = sorted(set(raised) | set(PATTERN_DEFAULTS))
    counts: dict[Path, int] = {("by_kind", k): raised[k] for k in kinds}
    counts[("total",)] = raised.total()
    parts = tuple(p for p in counts if p[0] == "by_kind")
    hidden = withhold(counts, [Breakdown(("total",), parts)], below=SUPPRESS_BELOW)

    def rate(path: Path) -> float | None:
        if path in hidden:
            return None
        return round(1000 * counts[path] / concerns, 1) if concerns else 0.0

    return {
        "concerns": concerns,
        "total": rate(("total",)),
        "by_kind": {k: rate(("by_kind", k)) for k in kinds},
    }


# -- small numbers: the figures that add up to one another ----------------------------------


def _sums(answer: DashboardPage) -> tuple[dict[Path, int], list[Breakdown]]:
    """Every count of the concerns' breakdowns, and every sum the page implies among them:
    each breakdown of the total and of each week, each cell across the weeks, the agencies'
    concern counts, and a missing episode being a concern in category ``missing``."""
    counts: dict[Path, int] = {}
    sums: list[Breakdown] = []

    def breakdown(total: Path, parts: list[Path], *, exact: bool = True) -> None:
        sums.append(Breakdown(total, tuple(parts), exact))

    def cells(*path: Any) -> list[Path]:
        table = answer
        for step in path:
            table = table[step]
        for key, n in table.items():
            counts[(*path, key)] = n
        return [(*path, key) for key in table]

    total: Path = ("concerns", "total")
    counts[total] = answer["concerns"]["total"]
    breakdown(total, cells("concerns", "by_level"))
    # A concern counts under each of its categories: the parts cover the total.
    breakdown(total, cells("concerns", "by_category"), exact=False)
    across: dict[Path, list[Path]] = defaultdict(list)
    for i, week in enumerate(answer["weeks"]):
        counts[("weeks", i, "total")] = week["total"]
        for name, margin in (
            ("by_agency", "agency"),
            ("by_level", "by_level"),
            ("by_category", "by_category"),
        ):
            parts = cells("weeks", i, name)
            breakdown(("weeks", i, "total"), parts, exact=name != "by_category")
            for part in parts:
                across[(margin, part[-1])].append(part)
    breakdown(total, [("weeks", i, "total") for i in range(len(answer["weeks"]))])
    agencies = {
        row["agency"]: ("language", i, "concerns") for i, row in enumerate(answer["language"])
    }
    for path in agencies.values():
        counts[path] = answer["language"][path[1]]["concerns"]
    breakdown(total, list(agencies.values()))
    for (margin, key), parts in across.items():
        whole = agencies[key] if margin == "agency" else ("concerns", margin, key)
        breakdown(whole, parts)
    # Episodes are not concerns (a second report is the same episode), so no sum joins them
    # to the concerns' counts; each is withheld when small.
    for key in (
        "episodes",
        "open",
        "returned",
        "return_interviews_due",
        "return_interviews_overdue",
        "return_interviews_held",
        "return_interviews_declined",
    ):
        counts[("missing", key)] = answer["missing"][key]
    return counts, sums


def _suppress(answer: DashboardPage) -> None:
    """Withhold the small counts, and whatever else would give them back by subtraction."""
    counts, sums = _sums(answer)
    hidden = withhold(counts, sums, below=SUPPRESS_BELOW)
    for path in hidden:
        table: Any = answer
        for step in path[:-1]:
            table = table[step]
        table[path[-1]] = None
