"""After a split, everything built on the merge is derived again for both children: which
concerns belong to which (a concern linked to the merged record while merged goes with the
side whose records hold its strong keys), the alerts whose evidence crossed the two
(evidence from the other side taken out, the child's findings run again on each side, an
alert that no longer holds withdrawn), and each side's care status. The chronology, the
export and the ``known`` answer read these, so nothing stale survives.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from backend.models import (
    Alert,
    AlertEvidence,
    AlertSubject,
    Concern,
    ConcernIdentifier,
    Delivery,
    Subject,
    utcnow,
)
from backend.services.concerns.rules import db_active
from backend.services.linking import known
from backend.services.linking.alerts import db_index_subjects, db_raise
from backend.services.linking.blind_keys import read_one_key
from backend.services.linking.child_patterns import child_findings
from backend.services.linking.conflicts import STRONG
from backend.services.linking.record_keys import db_rebuild_keys
from backend.services.linking.subjects import KNOWN_STATUSES, members
from backend.services.linking.windows import db_rebuild, facts_of
from backend.services.missing import episodes
from backend.services.records.audit import db_audit


@dataclass
class Rederived:
    moved: list[uuid.UUID] = field(default_factory=list)
    withdrawn: list[uuid.UUID] = field(default_factory=list)
    rebuilt: list[uuid.UUID] = field(default_factory=list)


def _strong(session: Session, ids: list[uuid.UUID]) -> list[tuple[uuid.UUID, str, str, str]]:
    """(concern, kind, blind index, key id) of the strong keys of these children's concerns."""
    query = (
        select(
            ConcernIdentifier.concern_id,
            ConcernIdentifier.kind,
            ConcernIdentifier.blind_index,
            ConcernIdentifier.key_id,
        )
        .join(Concern, Concern.id == ConcernIdentifier.concern_id)
        .where(
            Concern.subject_id.in_(ids),
            ConcernIdentifier.role == "subject",
            ConcernIdentifier.kind.in_(STRONG),
            ConcernIdentifier.addendum_id.is_(None),
        )
    )
    return [(c, k, b, key) for c, k, b, key in session.execute(query)]


def _db_relink(
    session: Session,
    keep_side: list[uuid.UUID],
    gone: uuid.UUID,
    gone_side: list[uuid.UUID],
    since: datetime,
) -> list[uuid.UUID]:
    """Concerns linked to the kept record since the merge whose strong keys the split-off
    side holds (and, when both sides hold some, its name with date of birth): moved back."""
    rows = read_one_key(_strong(session, keep_side + gone_side), lambda r: r[3])
    later = set(
        session.scalars(
            select(Concern.id).where(
                Concern.subject_id.in_(keep_side), Concern.received_at >= since
            )
        )
    )
    sides = set(gone_side)
    subject_of = dict(
        session.execute(
            select(Concern.id, Concern.subject_id).where(Concern.id.in_({c for c, _, _, _ in rows}))
        ).all()
    )
    held: dict[str, set[tuple[str, str]]] = {"keep": set(), "gone": set()}
    for cid, kind, index, _ in rows:
        if cid not in later:
            held["gone" if subject_of[cid] in sides else "keep"].add((kind, index))
    moved = []
    for cid in sorted(later, key=str):
        own = {(k, b) for c, k, b, _ in rows if c == cid}
        on_gone = {k for k, b in own if (k, b) in held["gone"]}
        on_keep = {k for k, b in own if (k, b) in held["keep"]}
        if on_gone and (not on_keep or ("name_dob" in on_gone and "name_dob" not in on_keep)):
            moved.append(cid)
    if moved:
        session.execute(update(Concern).where(Concern.id.in_(moved)).values(subject_id=gone))
    return moved


def _db_care(session: Session, head: uuid.UUID) -> None:
    """The child's care status: the latest known legal status among its own concerns."""
    latest = session.scalar(
        select(Concern.subject_legal_status)
        .where(Concern.subject_id.in_(members(session, head)))
        .where(Concern.subject_legal_status.in_(KNOWN_STATUSES))
        .order_by(Concern.recorded_at.desc())
        .limit(1)
    )
    session.execute(update(Subject).where(Subject.id == head).values(care_status=latest))


def db_rederive(
    session: Session,
    partnership_id: uuid.UUID,
    *,
    keep: uuid.UUID,
    gone: uuid.UUID,
    gone_side: list[uuid.UUID],
    since: datetime,
) -> Rederived:
    """Derive links, alerts and care status again for both sides of a split (the pointer
    already removed; ``gone_side``: the split-off record and those merged into it)."""
    done = Rederived()
    keep_side = members(session, keep)
    done.moved = _db_relink(session, keep_side, gone, gone_side, since)
    episodes.db_follow_split(session, done.moved, gone)
    session.expire_all()
    side = {s: keep for s in keep_side} | {s: gone for s in gone_side}
    both = list(side)
    alerts = list(
        session.scalars(
            select(Alert)
            .join(AlertSubject, AlertSubject.alert_id == Alert.id)
            .where(AlertSubject.subject_id.in_(both), Alert.status == "open")
            .distinct()
        )
    )
    crossed: dict[uuid.UUID, Alert] = {}
    for alert in alerts:
        evidence = list(
            session.execute(
                select(AlertEvidence.concern_id, Concern.subject_id)
                .join(Concern, Concern.id == AlertEvidence.concern_id)
                .where(AlertEvidence.alert_id == alert.id)
            )
        )
        heads = {side[s] for _, s in evidence if s in side}
        if alert.kind == "network":
            # A ring names each child by its record: the split-off child named again.
            named = [s for s in both if s not in heads]
            session.execute(
                delete(AlertSubject).where(
                    AlertSubject.alert_id == alert.id, AlertSubject.subject_id.in_(named)
                )
            )
            db_index_subjects(session, alert.id, {str(h) for h in heads})
            continue
        owner = side.get(uuid.UUID(alert.pattern_key))
        foreign = [c for c, s in evidence if s in side and side[s] != owner]
        if owner is None or not foreign:
            continue
        crossed[alert.id] = alert
        session.execute(
            delete(AlertEvidence).where(
                AlertEvidence.alert_id == alert.id, AlertEvidence.concern_id.in_(foreign)
            )
        )
        session.execute(
            delete(AlertSubject).where(
                AlertSubject.alert_id == alert.id, AlertSubject.subject_id != owner
            )
        )
    # The pattern windows (per record and day) and the keys each record holds: rebuilt from
    # whichever concerns each record holds now, before the patterns are looked for again.
    for subject in both:
        db_rebuild(session, subject)
        db_rebuild_keys(session, subject)
    active = db_active(session, partnership_id)
    found: set[tuple[str, str]] = set()
    for head in (keep, gone):
        concerns = session.scalars(
            select(Concern)
            .where(Concern.subject_id.in_(members(session, head)))
            .order_by(Concern.recorded_at)
        )
        for concern in list(concerns):
            facts = facts_of(session, concern)
            for finding in child_findings(session, active, concern, head, facts):
                db_raise(session, active, concern, finding, partnership_id)
                found.add((finding.kind, finding.key))
    now = utcnow()
    for alert in crossed.values():
        if (alert.kind, alert.pattern_key) in found:
            done.rebuilt.append(alert.id)
            continue
        alert.status, alert.updated_at = "withdrawn", now
        # Nobody is chased for a pattern that no longer holds: its deliveries' clocks stop.
        session.execute(
            update(Delivery)
            .where(Delivery.alert_id == alert.id)
            .values(clock=None, next_deadline=None)
        )
        done.withdrawn.append(alert.id)
        db_audit(
            session,
            "alert.withdrawn",
            records=[("alert", alert.id), ("subject", keep), ("subject", gone)],
            detail={"kind": alert.kind, "why": "a split left the pattern without its evidence"},
        )
    # Which inboxes hold each record's concerns: rebuilt once the concerns have moved and
    # the patterns raised their alerts again (an alert's deliveries are of a concern).
    for subject in both:
        known.db_rebuild(session, subject)
    for head in (keep, gone):
        _db_care(session, head)
    return done
