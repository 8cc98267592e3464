"""The leadership view: what in Oxford never reached the leaders, in aggregate.

Aggregates only — counts by week, agency, category and level; deadlines met and missed;
escalations that reached the partnership; open alerts; missing episodes; language flags
per agency. Every count from 1 to 4 is suppressed (shown as null) so that no child can be
picked out; figures built on a suppressed count are withheld too. Every view is audited.
"""

from __future__ import annotations

import json
import statistics
import uuid
from collections import Counter, defaultdict
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.models import Agency, AgencyKind, Alert, Concern, ConcernCategory, Delivery, utcnow
from backend.services.audit import Actor, db_audit

SUPPRESS_BELOW = 5
WEEKS = 12


def shown(n: int) -> int | None:
    """A count as it may be shown: 0, or 5 and over; anything between is withheld."""
    return n if n == 0 or n >= SUPPRESS_BELOW else None


def _week(when: datetime) -> str:
    year, week, _ = when.isocalendar()
    return f"{year}-W{week:02d}"


def _counts(counter: Counter[str]) -> dict[str, int | None]:
    return {k: shown(v) for k, v in sorted(counter.items())}


def _median(values: list[float]) -> float | None:
    return round(statistics.median(values), 1) if len(values) >= SUPPRESS_BELOW else None


def _deadlines(rows: list[Delivery], now: datetime) -> dict[str, Any]:
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


def dashboard(session: Session, *, actor: Actor, now: datetime | None = None) -> dict[str, Any]:
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
            ).where(  # fmt: skip
                Concern.recorder_agency_id.in_(agencies), Concern.recorded_at >= since
            )
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
    missing = [c for c in concerns if "missing" in categories[c.id]]
    answer = {
        "period": {"from": since.isoformat(), "to": now.isoformat(), "weeks": WEEKS},
        "suppressed_below": SUPPRESS_BELOW,
        "concerns": {
            "total": shown(len(concerns)),
            "by_category": _counts(Counter(cat for c in concerns for cat in categories[c.id])),
            "by_level": _counts(Counter(c.level for c in concerns)),
        },  # fmt: skip
        "weeks": [
            {
                "week": week,
                "total": shown(sum(v["agency"].values())),
                "by_agency": _counts(v["agency"]),
                "by_level": _counts(v["level"]),
                "by_category": _counts(v["category"]),
            }
            for week, v in sorted(weeks.items())
        ],  # fmt: skip
        "deadlines": _deadlines(routed, now),
        "escalations": {
            "total": shown(len(escalations)),
            "reaching_partnership": shown(sum(d.agency_id in partnership for d in escalations)),
        },
        "alerts_open": _counts(alerts),
        "missing": {
            "episodes": shown(len(missing)),
            # Every returned child is offered a return interview within 72 hours.
            "return_interviews_due": shown(
                sum(c.recorded_at >= now - timedelta(hours=72) for c in missing)
            ),
        },
        "language": [
            {
                "agency": name,
                "concerns": shown(v["concerns"]),
                "flagged": shown(v["flagged"]),
                "flags": shown(v["flags"]),
            }
            for name, v in sorted(language.items())
        ],  # fmt: skip
    }
    db_audit(session, "dashboard.viewed", actor=actor, detail={"weeks": WEEKS})
    session.commit()
    return answer
