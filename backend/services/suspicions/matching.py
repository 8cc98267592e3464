"""What later records and network alerts make of a suspicion.

A suspicion's identifiers are blind indexes (``suspicion_identifiers``), compared for
equality only, as a concern's are. A later concern, suspicion or return interview naming
one of them is a match: the suspicion's ``matches`` grows, an answered one is ``reopened``
with a new deadline to answer, and its owner inbox is told by push. What counts: the
people, cars, phones, addresses and accounts the network rule weighs (its ``kinds``), and a
child's strong keys (NHS number, name with date of birth).

Network alerts count a suspicion as evidence (``alert_suspicions``) when it names an
identifier the alert rests on within the network rule's window of event time; and in
weighing two children's link, a suspicion naming what they share is one more independent
sign (``services/linking/networks.py``, ``enough``).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import and_, bindparam, select, update
from sqlalchemy.orm import Session

from backend.models import (
    Alert,
    AlertEvidence,
    AlertSuspicion,
    Suspicion,
    SuspicionIdentifier,
    SuspicionMatch,
    insert_into,
    new_id,
    table_of,
    utcnow,
)
from backend.services.concerns.push import db_push_to
from backend.services.concerns.rules import Active, db_active
from backend.services.records.audit import db_audit

Held = tuple[str, str, str]  # (role, kind, blind index)
CHILD_KINDS = frozenset({"nhs_number", "name_dob"})
RECORD_WORDS = {"concern": "concern", "suspicion": "suspicion", "return_interview": "interview"}


def matching(active: Active, held: Iterable[Held]) -> set[Held]:
    """The identifiers of a record that can match a suspicion's."""
    kinds = set(active.rules.patterns["network"]["kinds"])
    return {
        (role, kind, index)
        for role, kind, index in held
        if (role == "associated" and kind in kinds) or (role == "subject" and kind in CHILD_KINDS)
    }


# A suspicion's identifier as the matching reads it: (suspicion, role, kind, blind index,
# the suspicion's event time).
Named = tuple[uuid.UUID, str, str, str, datetime]


# Built once (building a statement costs several times what SQLite takes to run it).
_SI = table_of(SuspicionIdentifier)
_NAMED = select(
    _SI.c.suspicion_id, _SI.c.role, _SI.c.kind, _SI.c.blind_index, _SI.c.recorded_at
).where(
    _SI.c.partnership_id == bindparam("p"),
    _SI.c.kind.in_(bindparam("kinds", expanding=True)),
    _SI.c.blind_index.in_(bindparam("indexes", expanding=True)),
)


def _db_named(session: Session, partnership_id: uuid.UUID, keys: Iterable[Held]) -> list[Named]:
    """The suspicions' identifiers among ``keys`` (and, rarely, a few more that share a kind
    and an index with them: the callers keep only theirs): one probe of the index."""
    keys = list(keys)
    if not keys:
        return []
    params = {
        "p": partnership_id,
        "kinds": sorted({k for _, k, _ in keys}),
        "indexes": sorted({i for _, _, i in keys}),
    }
    return [(s, r, k, i, at) for s, r, k, i, at in session.execute(_NAMED, params)]


def db_match(
    session: Session,
    active: Active,
    *,
    record: tuple[str, uuid.UUID],
    held: Iterable[Held],
    besides: uuid.UUID | None = None,
    named: list[Named] | None = None,
) -> list[uuid.UUID]:
    """Add this record to the matches of every suspicion sharing an identifier with it
    (other than ``besides``: a suspicion never matches itself); reopen the answered ones
    and tell their owners. Return the suspicions matched. ``named``: the suspicions'
    identifiers among the record's, when the caller has read them (``_db_named``)."""
    keys = matching(active, held)
    if not keys:
        return []
    if named is None:
        named = _db_named(session, active.partnership_id, keys)
    found: dict[uuid.UUID, str] = {}
    for suspicion_id, role, kind, index, _ in named:
        if (role, kind, index) in keys and suspicion_id != besides:
            found.setdefault(suspicion_id, kind)
    record_kind, record_id = record
    matched = []
    for suspicion_id, kind in sorted(found.items(), key=lambda f: f[0].hex):
        if session.scalar(
            select(SuspicionMatch.id).where(
                SuspicionMatch.suspicion_id == suspicion_id,
                SuspicionMatch.record_kind == record_kind,
                SuspicionMatch.record_id == record_id,
            )
        ):
            continue  # counted already
        session.execute(
            insert_into(SuspicionMatch),
            {
                "id": new_id(),
                "suspicion_id": suspicion_id,
                "record_kind": record_kind,
                "record_id": record_id,
                "identifier_kind": kind,
                "matched_at": utcnow(),
            },
        )
        matched.append(suspicion_id)
        _db_reopen(session, active, suspicion_id, record=record, kind=kind)
    return matched


def _db_reopen(
    session: Session,
    active: Active,
    suspicion_id: uuid.UUID,
    *,
    record: tuple[str, uuid.UUID],
    kind: str,
) -> None:
    """Count the match; an answered suspicion is reopened with a new deadline. Both in SQL,
    so two records matching one suspicion at once both count."""
    now = utcnow()
    session.execute(
        update(Suspicion).where(Suspicion.id == suspicion_id).values(matches=Suspicion.matches + 1)
    )
    due = active.rules.calendar.due(now, active.rules.suspicion_rules().answer)
    reopened = session.scalar(
        update(Suspicion)
        .where(Suspicion.id == suspicion_id, Suspicion.status == "answered")
        .values(status="reopened", due_at=due, chain_step=0, next_deadline=due)
        .returning(Suspicion.id)
    )
    owner = session.scalar(select(Suspicion.owner_inbox_id).where(Suspicion.id == suspicion_id))
    assert owner is not None  # noqa: S101 - matched above
    agency, inbox = active.inbox_names[owner]
    db_audit(
        session,
        "suspicion.matched",
        records=[("suspicion", suspicion_id), record],
        detail={"identifier_kind": kind, "reopened": reopened is not None},
    )
    title = (
        "A suspicion you answered is reopened"
        if reopened is not None
        else "New match on a suspicion"
    )
    db_push_to(
        session,
        [("members", owner, active.agencies[agency])],
        title=f"{title} ({inbox})",
        body=f"A later {RECORD_WORDS[record[0]]} names the same {kind.replace('_', ' ')}",
    )


def _db_attach(
    session: Session, alert_id: uuid.UUID, suspicion_id: uuid.UUID, kind: str, key: str
) -> bool:
    if session.get(AlertSuspicion, (alert_id, suspicion_id, kind, key)) is not None:
        return False
    session.execute(
        insert_into(AlertSuspicion),
        {
            "alert_id": alert_id,
            "suspicion_id": suspicion_id,
            "identifier_kind": kind,
            "key": key,
            "added_at": utcnow(),
        },
    )
    db_audit(
        session,
        "alert.suspicion_counted",
        records=[("alert", alert_id), ("suspicion", suspicion_id)],
        detail={"identifier_kind": kind},
    )
    return True


def _span(active: Active) -> timedelta:
    return timedelta(days=int(active.rules.patterns["network"]["days"]))


def db_count_for_concern(
    session: Session,
    active: Active,
    concern_id: uuid.UUID,
    held: Iterable[Held],
    named: list[Named] | None = None,
) -> int:
    """After a concern (or what adds to it) is linked: the open network alerts it is
    evidence of count every suspicion naming the identifiers that tied it in.

    Bounded by what the record names: one probe of the suspicions' identifiers (rarely
    any), and only for an identifier a suspicion names, one probe of the alerts' evidence
    by that identifier (``ix_alert_evidence_key_time``) — never a scan by concern."""
    associated = {(role, k, i) for role, k, i in held if role == "associated"}
    if not associated:
        return 0
    if named is None:
        named = _db_named(session, active.partnership_id, associated)
    by_key: dict[tuple[str, str], list[tuple[uuid.UUID, datetime]]] = {}
    for suspicion_id, role, kind, index, at in named:
        if (role, kind, index) in associated:
            by_key.setdefault((kind, index), []).append((suspicion_id, at))
    span = _span(active)
    added = 0
    for (kind, index), suspicions in sorted(by_key.items()):
        evidence = session.execute(
            select(AlertEvidence.alert_id, AlertEvidence.recorded_at)
            .join(Alert, Alert.id == AlertEvidence.alert_id)
            .where(
                AlertEvidence.identifier_kind == kind,
                AlertEvidence.key == index,
                AlertEvidence.concern_id == concern_id,
                Alert.kind == "network",
                Alert.status == "open",
            )
        ).all()
        for alert_id, at in evidence:
            for suspicion_id, named_at in suspicions:
                if abs(named_at - at) <= span:
                    added += _db_attach(session, alert_id, suspicion_id, kind, index)
    return added


def db_count_for_suspicion(session: Session, active: Active, suspicion: Suspicion) -> int:
    """A new suspicion counts in every open network alert resting on what it names, within
    the window of its event time."""
    span = _span(active)
    at = suspicion.recorded_at
    keys = session.execute(
        select(SuspicionIdentifier.kind, SuspicionIdentifier.blind_index).where(
            SuspicionIdentifier.suspicion_id == suspicion.id,
            SuspicionIdentifier.role == "associated",
        )
    ).all()
    added = 0
    for kind, index in set(keys):
        for (alert_id,) in session.execute(
            select(AlertEvidence.alert_id)
            .distinct()
            .join(Alert, Alert.id == AlertEvidence.alert_id)
            .where(
                and_(AlertEvidence.identifier_kind == kind, AlertEvidence.key == index),
                AlertEvidence.recorded_at.between(at - span, at + span),
                Alert.partnership_id == active.partnership_id,
                Alert.kind == "network",
                Alert.status == "open",
            )
        ):
            added += _db_attach(session, alert_id, suspicion.id, kind, index)
    return added


def db_after_record(
    session: Session,
    partnership_id: uuid.UUID,
    *,
    record: tuple[str, uuid.UUID],
    held: Iterable[Held],
    concern_id: uuid.UUID | None,
) -> None:
    """What a newly linked concern or return interview does to suspicions: matches them,
    and has the network alerts it is evidence of count them."""
    held = list(held)
    active = db_active(session, partnership_id)
    # Both read the suspicions' identifiers among the record's: read once, for both.
    wanted = matching(active, held)
    if concern_id is not None:
        wanted |= {h for h in held if h[0] == "associated"}
    named = _db_named(session, partnership_id, wanted)
    db_match(session, active, record=record, held=held, named=named)
    if concern_id is not None:
        db_count_for_concern(session, active, concern_id, held, named)
