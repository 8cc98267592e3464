"""Reading what linking found: alerts, a network's graph, and the possible matches a MASH
member decides (a child's chronology is chronology.py). Every read is audited; need to know
throughout."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NotRequired, TypedDict

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.core.db import db_lock
from backend.core.errors import Conflict, NotFound, NotPermitted
from backend.models import (
    Agency,
    Alert,
    Concern,
    ConcernIdentifier,
    Delivery,
    PossibleMatch,
    Subject,
    UserRole,
    utcnow,
)
from backend.models.people import RoleName
from backend.services.concerns.escalation import labels
from backend.services.concerns.inbox import Viewer, db_viewer
from backend.services.concerns.rules import db_active
from backend.services.linking.alert_view import (
    AlertView,
    alert_view,
    ordered,
    said,
    suspicions_of,
)
from backend.services.linking.alerts import db_raise, held
from backend.services.linking.blind_keys import read_one_key
from backend.services.linking.child_patterns import child_findings
from backend.services.linking.conflicts import shown
from backend.services.linking.locks import link_lock
from backend.services.linking.merges import CONFIRMED
from backend.services.linking.subjects import canonical, db_merge, members
from backend.services.linking.windows import facts_of
from backend.services.records.audit import Actor, db_audit


def db_partnership(session: Session, actor: Actor) -> uuid.UUID:
    agency = session.get(Agency, actor.agency_id)
    assert agency is not None  # noqa: S101 - a signed-in person has an agency
    return agency.partnership_id


def _lead(session: Session, actor: Actor) -> bool:
    role = session.scalar(
        select(UserRole.role).where(
            UserRole.user_id == actor.user_id, UserRole.role == RoleName.PARTNERSHIP_LEAD.value
        )
    )
    return role is not None


def _alert_inboxes(session: Session, alert_ids: list[uuid.UUID]) -> dict[uuid.UUID, list[str]]:
    rows = list(
        session.scalars(
            select(Delivery).where(Delivery.alert_id.in_(alert_ids), Delivery.root_id.is_(None))
        )
    )
    named = labels(session, rows)
    found: dict[uuid.UUID, list[str]] = {}
    for d in rows:
        if d.alert_id is not None:
            found.setdefault(d.alert_id, []).append(named[d.id])
    return found


def _visible_alerts(session: Session, viewer: Viewer, partnership_id: uuid.UUID) -> Any:
    query = select(Alert).where(
        Alert.partnership_id == partnership_id, Alert.merged_into_id.is_(None)
    )
    if not _lead(session, viewer.actor):
        query = query.where(
            Alert.id.in_(
                # An alert delivered with one's own concern is not need to know gained.
                select(Delivery.alert_id).where(viewer.granting(), Delivery.alert_id.is_not(None))
            )
        )
    return query


def alerts(session: Session, *, actor: Actor, status: str = "open") -> list[AlertView]:
    """Alerts delivered to this person's inboxes (all of the partnership's for its leads),
    strongest and most serious first."""
    viewer = db_viewer(session, actor)
    viewer_partnership = db_partnership(session, actor)
    query = _visible_alerts(session, viewer, viewer_partnership)
    if status != "all":
        query = query.where(Alert.status == status)
    found = list(session.scalars(query.order_by(Alert.updated_at.desc()).limit(500)))
    inboxes = _alert_inboxes(session, [a.id for a in found])
    members = held(session, [a.id for a in found])
    words = said(session, db_active(session, viewer_partnership).rules, found, members)
    db_audit(session, "alert.listed", actor=actor, records=[("alert", a.id) for a in found])
    session.commit()
    counted = suspicions_of(session, [a.id for a in found])
    return ordered(
        [
            alert_view(a, members[a.id], inboxes.get(a.id, []), words[a.id], counted.get(a.id, ()))
            for a in found
        ]
    )


def _one_alert(session: Session, actor: Actor, alert_id: uuid.UUID) -> Alert:
    viewer = db_viewer(session, actor)
    alert = session.scalar(
        _visible_alerts(session, viewer, db_partnership(session, actor)).where(Alert.id == alert_id)
    )
    if alert is None:
        raise NotFound("not_found", "There is no such alert for you.")
    return alert


# A network's graph as NetworkSchema passes it through, free-form (fields.Dict): typed
# here, plain objects on the wire. A child is named by number with its subject id; any other
# node by kind and number ("vehicle 2"), never by value, with how many children it links.
class Node(TypedDict):
    id: str
    type: str
    label: str
    subject_id: NotRequired[str]  # a child's
    children: NotRequired[int]  # an entity's


# "from" is a Python keyword: the functional form names the key the wire has always had.
Edge = TypedDict("Edge", {"from": str, "to": str, "concerns": list[str]})


@dataclass(frozen=True, slots=True)
class Network:
    """The graph of a network alert: children and what links them, concerns as edges
    (NetworkSchema)."""

    alert_id: uuid.UUID
    nodes: list[Node]
    edges: list[Edge]


def network(session: Session, *, actor: Actor, alert_id: uuid.UUID) -> Network:
    """The graph of a network alert: children and what links them, concerns as edges.

    Entities are named by kind and number ("vehicle 2"), never by value: the concerns
    themselves, opened with a purpose, say who and what they are.
    """
    alert = _one_alert(session, actor, alert_id)
    concern_ids = [uuid.UUID(c) for c in held(session, [alert.id])[alert.id].concerns]
    rows = session.execute(
        select(Concern.id, Concern.subject_id, Concern.recorded_at, Agency.name)
        .join(Agency, Agency.id == Concern.recorder_agency_id)
        .where(Concern.id.in_(concern_ids))
    ).all()
    child_of = {cid: canonical(session, sid) for cid, sid, _, _ in rows if sid}
    kinds = db_active(session, alert.partnership_id).rules.patterns["network"]["kinds"]
    idents = [
        (cid, kind, index)
        for cid, kind, index, _ in read_one_key(
            session.execute(
                select(
                    ConcernIdentifier.concern_id,
                    ConcernIdentifier.kind,
                    ConcernIdentifier.blind_index,
                    ConcernIdentifier.key_id,
                ).where(
                    ConcernIdentifier.concern_id.in_(concern_ids),
                    ConcernIdentifier.role == "associated",
                    ConcernIdentifier.kind.in_(kinds),
                )
            ).all()
        )
    ]
    nodes: dict[str, Node] = {}
    children: dict[uuid.UUID, str] = {}
    for subject in sorted(set(child_of.values()), key=str):
        children[subject] = f"child-{len(children) + 1}"
        nodes[children[subject]] = {
            "id": children[subject],
            "type": "child",
            "label": f"Child {len(children)}",
            "subject_id": str(subject),
        }
    entity_ids: dict[tuple[str, str], str] = {}
    edges: dict[tuple[str, str], list[str]] = {}
    counts: dict[str, int] = {}
    for cid, kind, index in idents:
        if (kind, index) not in entity_ids:
            counts[kind] = counts.get(kind, 0) + 1
            entity_ids[(kind, index)] = f"{kind}-{counts[kind]}"
            nodes[entity_ids[(kind, index)]] = {
                "id": entity_ids[(kind, index)],
                "type": kind,
                "label": f"{kind.replace('_', ' ')} {counts[kind]}",
            }
        if cid in child_of:
            key = (children[child_of[cid]], entity_ids[(kind, index)])
            edges.setdefault(key, []).append(str(cid))
    for node in nodes.values():
        if node["type"] != "child":
            node["children"] = len({a for (a, b) in edges if b == node["id"]})
    db_audit(
        session,
        "alert.network_viewed",
        actor=actor,
        records=[("alert", alert.id), *(("concern", c) for c in concern_ids)],
    )
    session.commit()
    return Network(
        alert_id=alert.id,
        nodes=list(nodes.values()),
        edges=[
            {"from": a, "to": b, "concerns": sorted(set(c))} for (a, b), c in sorted(edges.items())
        ],
    )


# -- possible matches ------------------------------------------------------------------------


def mash_member(session: Session, actor: Actor) -> uuid.UUID:
    """Possible matches are decided in the partnership's front door (the rules' fallback)."""
    partnership_id = db_partnership(session, actor)
    active = db_active(session, partnership_id)
    inbox_id = active.inboxes[active.rules.inboxes[active.rules.fallback]]
    viewer = db_viewer(session, actor)
    if inbox_id not in viewer.inboxes:
        raise NotPermitted("forbidden.mash_only", "Possible matches are decided in the MASH.")
    return partnership_id


class Sides(TypedDict):
    """The concerns about each of the two records (MatchSchema passes it through whole)."""

    subject: list[str]
    candidate: list[str]


@dataclass(frozen=True, slots=True)
class Side:
    """What the MASH may know of one record before deciding, without opening a concern:
    how many concerns, from which agencies, over which span. No content, no names."""

    concerns: int
    agencies: tuple[str, ...]
    first_recorded_at: datetime | None
    last_recorded_at: datetime | None


@dataclass(frozen=True, slots=True)
class MatchView:
    """A possible match as the MASH decides it: the two records, the keys that agreed, the
    concerns about each, and any conflict between strong keys (MatchSchema)."""

    id: uuid.UUID
    subject_id: uuid.UUID
    candidate_id: uuid.UUID
    kinds: tuple[str, ...]
    created_at: datetime
    concerns: Sides
    sides: dict[str, Side]  # "subject" and "candidate"
    # When one concern's strong keys pointed at both and they disagree: which concern,
    # which of its kinds matched each record, the kinds that differ, and in words.
    conflict: dict[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class MatchDecision:
    """A possible match decided, with how many alerts the merge raised or updated
    (MatchDecisionSchema)."""

    id: uuid.UUID
    status: str
    patterns: int


def _about(session: Session, subject_id: uuid.UUID) -> tuple[list[str], Side]:
    """The concerns about a record (and the records merged into it), and their summary."""
    rows = session.execute(
        select(Concern.id, Concern.recorded_at, Agency.name)
        .join(Agency, Agency.id == Concern.recorder_agency_id)
        .where(Concern.subject_id.in_(members(session, subject_id)))
        .order_by(Concern.recorded_at)
    ).all()
    times = [at for _, at, _ in rows]
    side = Side(
        concerns=len(rows),
        agencies=tuple(sorted({name for _, _, name in rows})),
        first_recorded_at=times[0] if times else None,
        last_recorded_at=times[-1] if times else None,
    )
    return [str(cid) for cid, _, _ in rows], side


def matches(session: Session, *, actor: Actor) -> list[MatchView]:
    """The partnership's open possible matches, oldest first, for the MASH."""
    partnership_id = mash_member(session, actor)
    found = list(
        session.scalars(
            select(PossibleMatch)
            .where(PossibleMatch.partnership_id == partnership_id, PossibleMatch.status == "open")
            .order_by(PossibleMatch.created_at)
            .limit(500)
        )
    )
    out = []
    for m in found:
        (mine, side), (theirs, other) = (
            _about(session, m.subject_id),
            _about(session, m.candidate_id),
        )
        out.append(
            MatchView(
                id=m.id,
                subject_id=m.subject_id,
                candidate_id=m.candidate_id,
                kinds=tuple(json.loads(m.kinds)),
                created_at=m.created_at,
                concerns={"subject": mine, "candidate": theirs},
                sides={"subject": side, "candidate": other},
                conflict=shown(m.conflict),
            )
        )
    db_audit(session, "match.listed", actor=actor, records=[("match", m.id) for m in found])
    session.commit()
    return out


def decide_match(
    session: Session, *, actor: Actor, match_id: uuid.UUID, same: bool
) -> MatchDecision:
    """Confirm (merge, then look again for patterns) or reject a possible match."""
    partnership_id = mash_member(session, actor)
    db_lock(session, link_lock(partnership_id))
    match = session.get(PossibleMatch, match_id)
    if match is None or match.partnership_id != partnership_id:
        raise NotFound("not_found", "There is no such possible match.")
    if match.status != "open":
        raise Conflict("match.decided", f"Already {match.status}.")
    match.status, match.decided_at, match.decided_by_id = (
        "confirmed" if same else "rejected",
        utcnow(),
        actor.user_id,
    )
    raised = 0
    if same:
        keep, gone = canonical(session, match.subject_id), canonical(session, match.candidate_id)
        if keep != gone:
            older = sorted((keep, gone), key=lambda s: session.get(Subject, s).created_at)  # type: ignore[union-attr]
            db_merge(
                session,
                older[0],
                older[1],
                actor=actor,
                why="confirmed possible match",
                how=CONFIRMED,
                kinds=set(json.loads(match.kinds)),
            )
            session.flush()
            active = db_active(session, partnership_id)
            latest = session.scalar(
                select(Concern)
                .where(Concern.subject_id.in_(members(session, older[0])))
                .order_by(Concern.recorded_at.desc())
                .limit(1)
            )
            if latest is not None:
                facts = facts_of(session, latest)
                for finding in child_findings(session, active, latest, older[0], facts):
                    db_raise(session, active, latest, finding, partnership_id)
                    raised += 1
    else:
        db_audit(
            session,
            "subject.match_rejected",
            actor=actor,
            records=[
                ("match", match.id),
                ("subject", match.subject_id),
                ("subject", match.candidate_id),
            ],
        )
    session.commit()
    return MatchDecision(id=match.id, status=match.status, patterns=raised)
