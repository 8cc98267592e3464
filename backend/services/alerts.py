"""Pattern alerts (indicators.md): raised once per pattern from the findings of
``findings.py``, updated as evidence grows, delivered with deadlines and escalated like any
delivery."""

from __future__ import annotations

import json
import uuid
from typing import Any

from sqlalchemy import bindparam, or_, select
from sqlalchemy.orm import Session

from backend.db import db_insert_absent
from backend.models import (
    Alert,
    AlertSubject,
    Concern,
    Delivery,
    insert_into,
    table_of,
    utcnow,
)
from backend.pipeline.route import delivery_row
from backend.services.audit import db_audit
from backend.services.findings import Finding
from backend.services.push import db_queue_push
from backend.services.rules import Active

WORDS = {
    "repeated_missing": "Repeated missing",
    "multi_agency": "Concerns from several agencies",
    "cumulative": "Cumulative lower-level concerns",
    "young_child_high_risk": "Young child with a high-weight sign",
    "network": "Possible network",
}

# Built once: every finding looks its alert up, and every network finding its rings.
_RAISED = select(Alert).where(
    Alert.partnership_id == bindparam("p"),
    Alert.kind == bindparam("kind"),
    Alert.pattern_key == bindparam("key"),
)
_RINGS = (
    select(Alert)
    .where(
        Alert.partnership_id == bindparam("p"),
        Alert.kind == "network",
        Alert.status == "open",
        or_(
            Alert.id.in_(
                select(AlertSubject.alert_id).where(
                    AlertSubject.subject_id.in_(bindparam("subjects", expanding=True))
                )
            ),
            Alert.id == bindparam("alert"),
        ),
    )
    .order_by(Alert.raised_at, Alert.id)
)


def _ids(text: str) -> set[str]:
    return set(json.loads(text))


def _merge_evidence(old: list[dict[str, Any]], new: list[dict[str, Any]]) -> list[dict[str, Any]]:
    merged: dict[tuple[str, str | None], set[str]] = {}
    for item in [*old, *new]:
        slot = merged.setdefault((item["identifier_kind"], item.get("key")), set())
        slot.update(item["concerns"])
    return [
        {"identifier_kind": kind, **({"key": key} if key else {}), "concerns": sorted(concerns)}
        for (kind, key), concerns in sorted(merged.items(), key=lambda x: (x[0][0], x[0][1] or ""))
    ]


def db_index_subjects(session: Session, alert: Alert, subjects: set[str]) -> None:
    """Record that an alert names these children (any already recorded are left be)."""
    rows = [{"alert_id": alert.id, "subject_id": uuid.UUID(s)} for s in sorted(subjects)]
    db_insert_absent(session, table_of(AlertSubject), rows)


def _one_ring(
    session: Session, alert: Alert | None, finding: Finding, partnership_id: uuid.UUID
) -> Alert | None:
    """The same ring seen through another adult, car or phone is one alert: fold every open
    network alert sharing a child with this finding into the oldest of them."""
    rings = list(
        session.scalars(
            _RINGS,
            {
                "p": partnership_id,
                "subjects": list(finding.subjects),
                "alert": alert.id if alert is not None else None,
            },
        )
    )
    if not rings:
        return alert
    keep, *others = rings
    for other in others:
        keep.concerns = json.dumps(sorted(_ids(keep.concerns) | _ids(other.concerns)))
        keep.subjects = json.dumps(sorted(_ids(keep.subjects) | _ids(other.subjects)))
        keep.evidence = json.dumps(
            _merge_evidence(json.loads(keep.evidence), json.loads(other.evidence))
        )
        other.status, other.merged_into_id, other.updated_at = "merged", keep.id, utcnow()
        db_index_subjects(session, keep, _ids(other.subjects))
        db_audit(
            session,
            "alert.merged",
            records=[("alert", keep.id), ("alert", other.id)],
            detail={"kind": "network"},
        )
    return keep


def db_raise(
    session: Session, active: Active, concern: Concern, finding: Finding, partnership_id: uuid.UUID
) -> Alert:
    """Raise a new alert for this pattern, or add the evidence to the one already raised."""
    alert = session.scalar(_RAISED, {"p": partnership_id, "kind": finding.kind, "key": finding.key})
    if finding.kind == "network":
        alert = _one_ring(session, alert, finding, partnership_id)
    now = utcnow()
    if alert is not None:
        had_concerns, had_subjects = _ids(alert.concerns), _ids(alert.subjects)
        had_evidence = json.loads(alert.evidence)
        concerns = had_concerns | {str(c) for c in finding.concerns}
        subjects = had_subjects | {str(s) for s in finding.subjects}
        evidence = _merge_evidence(had_evidence, finding.evidence)
        if (concerns, subjects, evidence) != (had_concerns, had_subjects, had_evidence):
            alert.concerns, alert.subjects = (
                json.dumps(sorted(concerns)),
                json.dumps(sorted(subjects)),
            )
            alert.evidence, alert.updated_at = json.dumps(evidence), now
            db_index_subjects(session, alert, subjects - had_subjects)
            db_audit(
                session,
                "alert.updated",
                records=[("alert", alert.id), ("concern", concern.id)],
                detail={"kind": alert.kind, "concerns": len(concerns), "why": finding.why},
            )
        return alert
    alert = Alert(
        partnership_id=partnership_id,
        kind=finding.kind,
        pattern_key=finding.key,
        raised_at=now,
        updated_at=now,
        subjects=json.dumps(sorted(str(s) for s in finding.subjects)),
        concerns=json.dumps(sorted(str(c) for c in finding.concerns)),
        evidence=json.dumps(finding.evidence),
    )
    session.add(alert)
    session.flush()
    db_index_subjects(session, alert, {str(s) for s in finding.subjects})
    level = active.rules.patterns[finding.kind]["level"]
    ack, decide = active.rules.deadlines[level]
    targets = []
    for alias in active.rules.alert_to or (active.rules.fallback,):
        target = active.rules.target(active.rules.fallback if alias == "fallback" else alias)
        if target not in targets:
            targets.append(target)
    rows = [
        delivery_row(
            active, t, concern_id=concern.id, level=level,
            ack_due=active.rules.calendar.due(now, ack),
            decision_due=active.rules.calendar.due(now, decide),
            reason=f"Pattern alert: {WORDS[finding.kind]} ({finding.why})",
            notes=[], now=now, alert_id=alert.id,
        )
        for t in targets
    ]  # fmt: skip
    session.execute(insert_into(Delivery), rows)
    db_audit(
        session,
        "alert.raised",
        records=[
            ("alert", alert.id),
            *(("concern", uuid.UUID(c)) for c in json.loads(alert.concerns)),
        ],
        detail={"kind": finding.kind, "why": finding.why, "recipients": [t.label for t in targets]},
    )
    db_queue_push(
        session, rows, labels={r["id"]: t.label for r, t in zip(rows, targets, strict=True)}
    )
    return alert
