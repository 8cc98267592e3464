"""Pattern alerts (docs/domain/indicators.md): raised once per pattern from the findings of
``findings.py``, updated as evidence grows, delivered with deadlines and escalated like any
delivery."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import bindparam, delete, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from backend.core.db import chunks, db_insert_absent
from backend.core.later import db_at_commit
from backend.models import (
    Alert,
    AlertEvidence,
    AlertSubject,
    Concern,
    Delivery,
    insert_into,
    new_id,
    table_of,
    utcnow,
)
from backend.services.concerns.deliveries import delivery_row
from backend.services.concerns.push import db_queue_push
from backend.services.concerns.rules import Active
from backend.services.linking.findings import Finding
from backend.services.linking.known import db_count
from backend.services.records.audit import db_audit

WORDS = {
    "repeated_missing": "Repeated missing",
    "multi_agency": "Concerns from several agencies",
    "cumulative": "Cumulative lower-level concerns",
    "young_child_high_risk": "Young child with a high-weight sign",
    "network": "Possible network",
}

_A, _AE, _AS = table_of(Alert), table_of(AlertEvidence), table_of(AlertSubject)
# Built once: every finding looks its alert up, and every network finding its rings.
_ALREADY = select(_AE.c.identifier_kind, _AE.c.key, _AE.c.concern_id).where(
    _AE.c.alert_id == bindparam("a"), _AE.c.concern_id.in_(bindparam("ids", expanding=True))
)
_SUBJECTS_OF = select(_AS.c.alert_id, _AS.c.subject_id).where(
    _AS.c.alert_id.in_(bindparam("ids", expanding=True))
)
_EVIDENCE_OF = (
    select(_AE.c.alert_id, _AE.c.identifier_kind, _AE.c.key, _AE.c.concern_id)
    .where(_AE.c.alert_id.in_(bindparam("ids", expanding=True)))
    .order_by(_AE.c.recorded_at, _AE.c.concern_id)
)
_NAMED = select(_AS.c.subject_id).where(
    _AS.c.alert_id == bindparam("a"), _AS.c.subject_id.in_(bindparam("ids", expanding=True))
)
_RAISED = select(Alert).where(
    Alert.partnership_id == bindparam("p"),
    Alert.kind == bindparam("kind"),
    Alert.pattern_key == bindparam("key"),
)
_TOUCH = update(_A).where(_A.c.id == bindparam("a")).values(updated_at=bindparam("at"))
# The alerts that name any of some children. Kind, status and partnership are checked by
# the caller: asked for in SQL, SQLite's planner walked every open network alert there is.
# With which of those children each names.
_NAMING = (
    select(Alert, AlertSubject.subject_id)
    .join(AlertSubject, AlertSubject.alert_id == Alert.id)
    .where(AlertSubject.subject_id.in_(bindparam("subjects", expanding=True)))
)


def _db_add(
    session: Session,
    alert_id: uuid.UUID,
    finding: Finding,
    *,
    new: bool = False,
    named: set[uuid.UUID] | None = None,
) -> int | None:
    """Add the evidence and children of a finding that the alert does not hold yet (an
    index lookup for the finding's own concerns, never a read of the whole alert). Return
    how many concerns were new to it, or None when it held everything already.
    ``named``: the children the alert names, when the caller knows (kept up to date here)."""
    evidence = {e[:3]: e[3] for e in finding.evidence}
    known: set[tuple[str, str, uuid.UUID]] = set()
    had: set[uuid.UUID] = set()
    if new:
        named = set()
    else:
        for chunk in chunks(sorted({c for _, _, c in evidence})):
            for kind, key, concern_id in session.execute(_ALREADY, {"a": alert_id, "ids": chunk}):
                known.add((kind, key, concern_id))
                had.add(concern_id)
        if named is None:
            named = set(session.scalars(_NAMED, {"a": alert_id, "ids": list(finding.subjects)}))
    rows = [
        {
            "alert_id": alert_id,
            "identifier_kind": kind,
            "key": key,
            "concern_id": c,
            "recorded_at": at,
        }
        for (kind, key, c), at in sorted(evidence.items(), key=lambda x: str(x[0]))
        if (kind, key, c) not in known
    ]
    children = {str(s) for s in finding.subjects - named}
    if not rows and not children:
        return None
    db_insert_absent(session, _AE, rows)
    db_index_subjects(session, alert_id, children)
    named |= finding.subjects
    return len({r["concern_id"] for r in rows} - had)


def db_index_subjects(session: Session, alert_id: uuid.UUID, subjects: set[str]) -> None:
    """Record that an alert names these children (any already recorded are left be)."""
    rows = [{"alert_id": alert_id, "subject_id": uuid.UUID(s)} for s in sorted(subjects)]
    db_insert_absent(session, table_of(AlertSubject), rows)


def _db_fold(session: Session, keep: Alert, other: Alert) -> None:
    """Move what ``other`` names and rests on into ``keep``: once per fold, not per concern."""
    moved = [
        {**row._mapping, "alert_id": keep.id}
        for row in session.execute(select(_AE).where(_AE.c.alert_id == other.id))
    ]
    db_insert_absent(session, _AE, moved)
    session.execute(delete(_AE).where(_AE.c.alert_id == other.id))
    named = session.scalars(select(_AS.c.subject_id).where(_AS.c.alert_id == other.id))
    db_index_subjects(session, keep.id, {str(s) for s in named})
    session.execute(delete(_AS).where(_AS.c.alert_id == other.id))


def _one_ring(
    session: Session, alert: Alert | None, finding: Finding, partnership_id: uuid.UUID
) -> tuple[Alert | None, set[uuid.UUID]]:
    """The same ring seen through another adult, car or phone is one alert: fold every open
    network alert sharing a child with this finding into the oldest of them. Return it, and
    which of the finding's children it names now."""
    found: dict[uuid.UUID, Alert] = {}
    naming: dict[uuid.UUID, set[uuid.UUID]] = {}
    for each, subject_id in session.execute(_NAMING, {"subjects": list(finding.subjects)}):
        found[each.id] = each
        naming.setdefault(each.id, set()).add(subject_id)
    if alert is not None:
        found[alert.id] = alert
    rings = sorted(
        (
            a
            for a in found.values()
            if (a.partnership_id, a.kind, a.status) == (partnership_id, "network", "open")
        ),
        key=lambda a: (a.raised_at, str(a.id)),
    )
    if not rings:
        return alert, naming.get(alert.id, set()) if alert is not None else set()
    keep, *others = rings
    named = set(naming.get(keep.id, ()))
    for other in others:
        _db_fold(session, keep, other)
        named |= naming.get(other.id, set())
        other.status, other.merged_into_id, other.updated_at = "merged", keep.id, utcnow()
        keep.updated_at = utcnow()
        db_audit(
            session,
            "alert.merged",
            records=[("alert", keep.id), ("alert", other.id)],
            detail={"kind": "network"},
        )
    return keep, named


def db_raise(
    session: Session, active: Active, concern: Concern, finding: Finding, partnership_id: uuid.UUID
) -> uuid.UUID:
    """Raise a new alert for this pattern, or add the evidence to the one already raised;
    return its id. Plain statements, not tracked objects: this runs for most concerns, and
    a dirty alert would be flushed before each query that follows."""
    if finding.alert is not None:
        alert: Alert | None = finding.alert
    else:
        alert = session.scalar(
            _RAISED, {"p": partnership_id, "kind": finding.kind, "key": finding.key}
        )
    # The children the alert names, when read with it or with its rings.
    named = finding.named
    if finding.kind == "network":
        alert, named = _one_ring(session, alert, finding, partnership_id)
    now = utcnow()
    if alert is not None:
        added = _db_add(session, alert.id, finding, named=named)
        if added is not None:
            # Read only by later requests (the alert lists' order): written at the commit,
            # with the other envelopes' touches.
            db_at_commit(session, _TOUCH, [{"a": alert.id, "at": now}])
            set_committed_value(alert, "updated_at", now)
            db_audit(
                session,
                "alert.updated",
                records=[("alert", alert.id), ("concern", concern.id)],
                detail={"kind": alert.kind, "concerns_added": added, "why": finding.why},
            )
        return alert.id
    alert_id = new_id()  # the model's default, given here: a plain INSERT has none
    session.execute(
        insert_into(Alert),
        {
            "id": alert_id,
            "partnership_id": partnership_id,
            "kind": finding.kind,
            "pattern_key": finding.key,
            "status": "open",
            "raised_at": now,
            "updated_at": now,
            "merged_into_id": None,
        },
    )
    _db_add(session, alert_id, finding, new=True)
    level = active.rules.patterns[finding.kind]["level"]
    ack, decide = active.rules.deadlines[level]
    targets = []
    for alias in active.rules.alert_to or (active.rules.fallback,):
        target = active.rules.target(active.rules.fallback if alias == "fallback" else alias)
        if target not in targets:
            targets.append(target)
    rows = [
        delivery_row(
            active,
            t,
            concern_id=concern.id,
            level=level,
            ack_due=active.rules.calendar.due(now, ack),
            decision_due=active.rules.calendar.due(now, decide),
            reason=f"Pattern alert: {WORDS[finding.kind]} ({finding.why})",
            notes=[],
            now=now,
            alert_id=alert_id,
        )
        for t in targets
    ]
    session.execute(insert_into(Delivery), rows)
    if concern.subject_id is not None:
        # The alert's deliveries are of the concern that raised it: the inboxes holding
        # records about its child (``known.py``).
        db_count(session, concern.subject_id, [r["inbox_id"] for r in rows])
    db_audit(
        session,
        "alert.raised",
        records=[("alert", alert_id), *(("concern", c) for c in sorted(finding.concerns, key=str))],
        detail={"kind": finding.kind, "why": finding.why, "recipients": [t.label for t in targets]},
    )
    db_queue_push(
        session, rows, labels={r["id"]: t.label for r, t in zip(rows, targets, strict=True)}
    )
    return alert_id


@dataclass(frozen=True, slots=True)
class Evidence:
    """Concerns that share one identifier, named by its kind only: the blind index that
    matched never leaves the server (AlertSchema's evidence)."""

    identifier_kind: str
    concerns: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Held:
    """What an alert names and rests on: its children, its concerns in event-time order
    (each once, at its first), and its evidence by kind."""

    subjects: tuple[str, ...]
    concerns: tuple[str, ...]
    evidence: tuple[Evidence, ...]


def held(session: Session, alert_ids: list[uuid.UUID]) -> dict[uuid.UUID, Held]:
    """What each alert names and rests on, for its view. The blind index of a key stays here."""
    subjects: dict[uuid.UUID, list[str]] = {a: [] for a in alert_ids}
    concerns: dict[uuid.UUID, list[str]] = {a: [] for a in alert_ids}
    shared: dict[uuid.UUID, dict[tuple[str, str], list[str]]] = {a: {} for a in alert_ids}
    for chunk in chunks(alert_ids):
        for alert_id, subject_id in session.execute(_SUBJECTS_OF, {"ids": chunk}):
            subjects[alert_id].append(str(subject_id))
        for alert_id, kind, key, concern_id in session.execute(_EVIDENCE_OF, {"ids": chunk}):
            concerns[alert_id].append(str(concern_id))
            shared[alert_id].setdefault((kind, key), []).append(str(concern_id))
    return {
        a: Held(
            subjects=tuple(sorted(subjects[a])),
            concerns=tuple(dict.fromkeys(concerns[a])),
            evidence=tuple(
                Evidence(kind, tuple(ids)) for (kind, _), ids in sorted(shared[a].items())
            ),
        )
        for a in alert_ids
    }
