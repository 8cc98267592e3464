"""Apply a rule set to a concern's facts: which inboxes, with which deadlines, and why."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from backend.routing.ruleset import LEVELS, RuleSet, Target


@dataclass(frozen=True)
class Facts:
    """What routing may look at: codes and coarse facts, never an identifier."""

    categories: frozenset[str]
    indicators: frozenset[str]
    level: str
    setting: str
    age: int | None
    care_status: str | None
    recorder_agency: str
    recorder_agency_kind: str
    area: str | None


@dataclass
class Planned:
    """A delivery to make: one per target, however many rules asked for it."""

    target: Target
    ack_due: datetime
    decision_due: datetime
    rules: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _why(rule_conditions: dict[str, Any], facts: Facts) -> list[str] | None:
    """Return the reasons a rule matches (one per condition), or None if it does not."""
    reasons = []
    for key, wanted in rule_conditions.items():
        if key in ("categories", "indicators"):
            hit = sorted(getattr(facts, key) & wanted)
            if not hit:
                return None
            reasons.append(f"{key[:-1] if key == 'indicators' else 'category'} {', '.join(hit)}")
            continue
        if key == "min_level":
            if LEVELS.index(facts.level) < wanted:
                return None
            reasons.append(f"level {facts.level} is at least {LEVELS[wanted]}")
            continue
        if key in ("age_min", "age_max"):
            if facts.age is None or (
                facts.age < wanted if key == "age_min" else facts.age > wanted
            ):
                return None
            reasons.append(f"age {facts.age} {'>=' if key == 'age_min' else '<='} {wanted}")
            continue
        value = {
            "level": facts.level,
            "setting": facts.setting,
            "care_status": facts.care_status,
            "recorder_agency": facts.recorder_agency,
            "recorder_agency_kind": facts.recorder_agency_kind,
            "area": facts.area,
        }[key]
        if value not in wanted:
            return None
        reasons.append(f"{key.replace('_', ' ')} {value}")
    return reasons


def route(rules: RuleSet, facts: Facts, *, at: datetime) -> tuple[list[Planned], dict[str, Any]]:
    """Plan the deliveries for a concern received ``at``; return them and the routing trace.

    Every matching rule adds its deliveries; a target asked for twice is delivered once, with
    the earlier of the deadlines. A concern no rule matches goes to the fallback inbox, so
    nothing is ever unrouted.
    """
    default_ack, default_decide = rules.deadlines[facts.level]
    planned: dict[Target, Planned] = {}
    matched = []
    for rule in rules.rules:
        reasons = _why(rule.conditions, facts)
        if reasons is None:
            continue
        matched.append({"rule": rule.id, "why": rule.why, "because": reasons})
        for send in rule.sends:
            target = rules.target(send.to, agency=facts.recorder_agency)
            ack = rules.calendar.due(at, send.acknowledge or default_ack)
            decide = rules.calendar.due(at, send.decide or default_decide)
            entry = planned.get(target)
            if entry is None:
                entry = planned[target] = Planned(target, ack, decide)
            entry.ack_due = min(entry.ack_due, ack)
            entry.decision_due = min(entry.decision_due, decide)
            if rule.id not in entry.rules:
                entry.rules.append(rule.id)
            if send.note and send.note not in entry.notes:
                entry.notes.append(send.note)
    fallback = not planned
    if fallback:
        target = rules.target(rules.fallback, agency=facts.recorder_agency)
        planned[target] = Planned(
            target,
            rules.calendar.due(at, default_ack),
            rules.calendar.due(at, default_decide),
            rules=["fallback"],
        )
    trace = {
        "version": rules.version,
        "matched": matched,
        "fallback": fallback,
        "deliveries": [
            {"to": p.target.label, "rules": p.rules, "notes": p.notes} for p in planned.values()
        ],
    }
    return list(planned.values()), trace
