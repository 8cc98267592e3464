"""Time to leadership: for each network alert, how many days passed from its first sign —
the earliest high-weight sign in a concern it rests on, or the earliest suspicion it counts
as evidence (``alert_suspicions``) — to the moment the partnership's leads first saw it.

"Saw" is the first audited read of the alert by a person holding the partnership lead role:
the alert in the list they were shown (``alert.listed``) or its network opened
(``alert.network_viewed``). Not the first delivery or escalation into the Partnership Leads
inbox: a delivery says the alert was put before them, the audit log says they looked, and
"seen" is the question (docs/audit.md). An alert not seen yet counts its days so far.
Roles are read as they are now (the log keeps who, not their roles at the time).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from backend.models import (
    Alert,
    AlertEvidence,
    AlertSuspicion,
    AuditEvent,
    Concern,
    ConcernIndicator,
    Suspicion,
    UserRole,
)
from backend.models.people import RoleName
from backend.routing.patterns import HIGH_WEIGHT
from backend.services.records.audit_review import db_naming

SEEING = ("alert.listed", "alert.network_viewed")
LIMIT = 50  # the newest network alerts of the period, and every open one up to this

FirstSigns = Callable[[Session, list[uuid.UUID]], dict[uuid.UUID, datetime]]


def _high_weight_signs(session: Session, alert_ids: list[uuid.UUID]) -> dict[uuid.UUID, datetime]:
    """The event time of the earliest concern with a high-weight sign, per alert."""
    rows = session.execute(
        select(AlertEvidence.alert_id, func.min(Concern.recorded_at))
        .join(Concern, Concern.id == AlertEvidence.concern_id)
        .join(ConcernIndicator, ConcernIndicator.concern_id == Concern.id)
        .where(AlertEvidence.alert_id.in_(alert_ids), ConcernIndicator.code.in_(HIGH_WEIGHT))
        .group_by(AlertEvidence.alert_id)
    )
    return {alert_id: at for alert_id, at in rows}


def _suspicions(session: Session, alert_ids: list[uuid.UUID]) -> dict[uuid.UUID, datetime]:
    """The event time of the earliest suspicion each alert counts as evidence: someone
    suspected it then, whatever the concerns said."""
    rows = session.execute(
        select(AlertSuspicion.alert_id, func.min(Suspicion.recorded_at))
        .join(Suspicion, Suspicion.id == AlertSuspicion.suspicion_id)
        .where(AlertSuspicion.alert_id.in_(alert_ids))
        .group_by(AlertSuspicion.alert_id)
    )
    return {alert_id: at for alert_id, at in rows}


# Every source of a first sign; the earliest of them counts.
FIRST_SIGNS: tuple[FirstSigns, ...] = (_high_weight_signs, _suspicions)


def _first_seen(
    session: Session, alert_ids: list[uuid.UUID], after: datetime
) -> dict[uuid.UUID, datetime]:
    """When a partnership lead first read each alert, from the audit log."""
    leads = select(UserRole.user_id).where(UserRole.role == RoleName.PARTNERSHIP_LEAD)
    naming = db_naming(session, [("alert", str(a)) for a in alert_ids])
    entries = session.execute(
        select(AuditEvent.at, AuditEvent.records)
        .where(
            AuditEvent.seq.in_(naming),
            AuditEvent.action.in_(SEEING),
            AuditEvent.actor_id.in_(leads),
            AuditEvent.at >= after,
        )
        .order_by(AuditEvent.seq)
    )
    wanted, seen = {str(a): a for a in alert_ids}, {}
    for at, records in entries:
        for record in json.loads(records):
            alert_id = wanted.pop(record["id"], None) if record["kind"] == "alert" else None
            if alert_id is not None:
                seen[alert_id] = at
        if not wanted:
            break
    return seen


def _days(start: datetime, end: datetime) -> float:
    return round((end - start).total_seconds() / 86_400, 1)


def time_to_leadership(
    session: Session, partnership_id: uuid.UUID, since: datetime, now: datetime
) -> list[dict[str, Any]]:
    """Per network alert (open, or raised in the period), newest first: when it was raised,
    its first sign, when the leads first saw it, and the days between (so far, if unseen)."""
    alerts = list(
        session.scalars(
            select(Alert)
            .where(
                Alert.partnership_id == partnership_id,
                Alert.kind == "network",
                Alert.merged_into_id.is_(None),
                or_(Alert.status == "open", Alert.raised_at >= since),
            )
            .order_by(Alert.raised_at.desc())
            .limit(LIMIT)
        )
    )
    ids = [a.id for a in alerts]
    first: dict[uuid.UUID, datetime] = {}
    for source in FIRST_SIGNS:
        for alert_id, at in source(session, ids).items():
            first[alert_id] = min(at, first.get(alert_id, at))
    earliest = min([a.raised_at for a in alerts] + list(first.values()), default=now)
    seen = _first_seen(session, ids, earliest) if ids else {}
    rows = []
    for a in alerts:
        sign, saw = first.get(a.id), seen.get(a.id)
        rows.append(
            {
                "raised_at": a.raised_at.isoformat(),
                "status": a.status,
                "first_sign_at": sign.isoformat() if sign else None,
                "seen_at": saw.isoformat() if saw else None,
                "days": _days(sign, saw or now) if sign else None,
            }
        )
    return rows
