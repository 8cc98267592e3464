"""Why a delivery came, in the words of the rules that sent it.

A routed delivery keeps "Routed by <rule ids>" (the ids the routing trace and the audit
name). A person reads the rules' own descriptions instead (their ``why`` in the rules file,
docs/routing-rules.md), as the concern's routing trace kept them when it was routed: a rule
set loaded since then does not change why it came. Other reasons (escalations, pattern
alerts, re-referrals, returns) are written in words already.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.models import ConcernRoute, Delivery

ROUTED = "Routed by "
# The rules' fallback: no rule matched, so the concern went to the partnership's front door.
FALLBACK = "No routing rule matched this concern, so it went to the partnership's front door."
UNNAMED = "The partnership's routing rules sent it here."


def in_words(reason: str, whys: dict[str, str]) -> str:
    if not reason.startswith(ROUTED):
        return reason
    said = []
    for rule in reason[len(ROUTED) :].split(", "):
        words = FALLBACK if rule == "fallback" else whys.get(rule, UNNAMED)
        if words not in said:
            said.append(words)
    return " ".join(w if w.endswith(".") else f"{w}." for w in said)


def db_why(session: Session, deliveries: Iterable[Delivery]) -> dict[uuid.UUID, str]:
    """Each delivery's reason in words, reading each routed concern's trace once."""
    rows = list(deliveries)
    routed = {d.concern_id for d in rows if d.reason.startswith(ROUTED)}
    whys: dict[uuid.UUID, dict[str, str]] = {}
    if routed:
        query = select(ConcernRoute.concern_id, ConcernRoute.trace).where(
            ConcernRoute.concern_id.in_(routed)
        )
        for concern_id, trace in session.execute(query):
            matched = json.loads(trace).get("matched") or []
            whys[concern_id] = {m["rule"]: m["why"] for m in matched if m.get("why")}
    return {d.id: in_words(d.reason, whys.get(d.concern_id, {})) for d in rows}
