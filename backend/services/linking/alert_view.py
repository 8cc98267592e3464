"""An alert as its recipients read it: what it names and rests on, why in one line a person
understands, how strong its links are, and the order a list of them is read in (strongest,
then most serious, then latest)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.core.db import chunks
from backend.models import Alert, AlertEvidence, AlertSuspicion, Concern, Delivery
from backend.routing.patterns import LEVELS, STRENGTHS
from backend.services.linking.alerts import WORDS, Evidence, Held
from backend.services.linking.subjects import canonical_many

# How an identifier reads in a why-line: one of it, several of it.
THINGS = {
    "vehicle": ("a car (registration)", "cars (registrations)"),
    "phone": ("a phone number", "phone numbers"),
    "online_account": ("an online account", "online accounts"),
    "address": ("an address", "addresses"),
    "person_name": ("an adult's name", "adults' names"),
    "nickname": ("a nickname", "nicknames"),
    "postcode": ("a postcode", "postcodes"),
}


@dataclass(frozen=True, slots=True)
class AlertView:
    """An alert as its recipients see it: its kind and state, why, how strong and how
    serious, the children and concerns it names, its evidence by kind, and the inboxes it
    went to (AlertSchema)."""

    id: uuid.UUID
    kind: str
    status: str
    raised_at: datetime
    updated_at: datetime
    subjects: tuple[str, ...]
    concerns: tuple[str, ...]
    evidence: tuple[Evidence, ...]
    inboxes: tuple[str, ...]
    why: str = ""
    strength: str = "strong"
    level: str | None = None
    # Suspicions a network counts as evidence (services/suspicions/matching.py).
    suspicions: tuple[str, ...] = ()


def suspicions_of(session: Session, alert_ids: list[uuid.UUID]) -> dict[uuid.UUID, tuple[str, ...]]:
    """The suspicions each alert counts, by id; one query."""
    found: dict[uuid.UUID, set[str]] = {}
    for chunk in chunks(alert_ids):
        query = select(AlertSuspicion.alert_id, AlertSuspicion.suspicion_id).where(
            AlertSuspicion.alert_id.in_(chunk)
        )
        for alert_id, suspicion_id in session.execute(query):
            found.setdefault(alert_id, set()).add(str(suspicion_id))
    return {a: tuple(sorted(ids)) for a, ids in found.items()}


def alert_view(
    alert: Alert,
    members: Held,
    inboxes: list[str],
    said: Said | None = None,
    suspicions: tuple[str, ...] = (),
) -> AlertView:
    said = said or Said("", "strong", None)
    return AlertView(
        id=alert.id,
        kind=alert.kind,
        status=alert.status,
        raised_at=alert.raised_at,
        updated_at=alert.updated_at,
        # Evidence by kind only: the blind index of what matched never leaves the server.
        subjects=members.subjects,
        concerns=members.concerns,
        evidence=members.evidence,
        inboxes=tuple(sorted(set(inboxes))),
        why=said.why,
        strength=said.strength,
        level=said.level,
        suspicions=suspicions,
    )


@dataclass(frozen=True, slots=True)
class Said:
    why: str
    strength: str
    level: str | None


def ordered(views: list[AlertView]) -> list[AlertView]:
    """Strongest first, then the most serious level, then the latest."""
    rank = {level: n for n, level in enumerate(reversed(LEVELS))}
    return sorted(
        views,
        key=lambda v: (
            STRENGTHS.index(v.strength),
            rank.get(v.level or "", len(rank)),
            -v.updated_at.timestamp(),
        ),
    )


def _span(times: Sequence[datetime]) -> str:
    days = (max(times) - min(times)) / timedelta(days=1) if times else 0
    if days < 1:
        return "one day"
    if days < 14:
        return f"{round(days)} days"
    if days < 61:
        return f"{round(days / 7)} weeks"
    return f"{round(days / 30.44)} months"


def _things(kinds: list[str]) -> str:
    words = []
    for kind in dict.fromkeys(sorted(kinds, key=list(THINGS).index)):
        n = kinds.count(kind)
        one, many = THINGS.get(kind, (kind.replace("_", " "), kind.replace("_", " ")))
        words.append(one if n == 1 else f"{n} {many}")
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} and {words[-1]}"


def said(
    session: Session, rules: Any, alerts: list[Alert], members: dict[uuid.UUID, Held]
) -> dict[uuid.UUID, Said]:
    """Why each alert was raised, in one line; how strong its links are; its level."""
    ids = [a.id for a in alerts]
    level: dict[uuid.UUID, str] = {}
    rows: dict[uuid.UUID, list[tuple[str, str, uuid.UUID, datetime]]] = {a: [] for a in ids}
    for chunk in chunks(ids):
        for alert_id, lvl in session.execute(
            select(Delivery.alert_id, Delivery.level).where(
                Delivery.alert_id.in_(chunk), Delivery.root_id.is_(None)
            )
        ):
            if alert_id is not None:  # the query asks for alert deliveries only
                level.setdefault(alert_id, lvl)
        for alert_id, kind, key, concern_id, at in session.execute(
            select(
                AlertEvidence.alert_id,
                AlertEvidence.identifier_kind,
                AlertEvidence.key,
                AlertEvidence.concern_id,
                AlertEvidence.recorded_at,
            ).where(AlertEvidence.alert_id.in_(chunk))
        ):
            rows[alert_id].append((kind, key, concern_id, at))
    networks = [a.id for a in alerts if a.kind == "network"]
    concerns = {c for a in networks for _, _, c, _ in rows[a]}
    child: dict[uuid.UUID, uuid.UUID] = {}
    for chunk in chunks(sorted(concerns, key=str)):
        for concern_id, subject_id in session.execute(
            select(Concern.id, Concern.subject_id).where(
                Concern.id.in_(chunk), Concern.subject_id.is_not(None)
            )
        ):
            if subject_id is not None:
                child[concern_id] = subject_id
    heads = canonical_many(session, child.values())
    strengths = rules.patterns["network"]["strengths"]
    found = {}
    for alert in alerts:
        mine = rows[alert.id]
        times = [at for *_, at in mine]
        children = len(members[alert.id].subjects)
        if alert.kind != "network":
            n = len({c for _, _, c, _ in mine})
            why = f"{WORDS[alert.kind]}: {n} concern{'s' if n != 1 else ''} about one child"
            found[alert.id] = Said(f"{why} over {_span(times)}", "strong", level.get(alert.id))
            continue
        by_key: dict[tuple[str, str], set[uuid.UUID]] = {}
        for kind, key, c, _ in mine:
            by_key.setdefault((kind, key), set()).add(heads.get(child.get(c), c))  # type: ignore[arg-type]
        linking = [k for (k, _), who in by_key.items() if len(who) >= 2 and k != "name_year"]
        tiers = {strengths.get(k, "weak") for k in linking}
        if any(k == "name_year" for k, _ in by_key):
            adults = sorted({k for k, _ in by_key if k != "name_year"})
            why = f"{_things(adults)} named with {children} children who know each other"
            tiers.add("medium")
        elif linking:
            why = f"{_things(linking)} shared by {children} children"
        else:  # a split left no identifier shared by two of the children
            why = "nothing is shared by two different children any more (a record was split)"
        strength = next((t for t in STRENGTHS if t in tiers), "weak")
        found[alert.id] = Said(
            f"{why[0].upper()}{why[1:]} over {_span(times)}", strength, level.get(alert.id)
        )
    return found
