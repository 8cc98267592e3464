"""The row of a new delivery, shared by routing (``backend/pipeline/route.py``), escalation
and alerts, so each writes deliveries the same way without the services importing the
pipeline."""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from typing import Any, TypeAlias

from backend.models import DeliveryStatus, new_id
from backend.routing.ruleset import LEVELS, Target
from backend.services.concerns.rules import Active

# One new row of the deliveries table, column by column: not a view but the parameters of
# a bulk insert (``insert_into(Delivery)``, many rows in one statement, no objects built on
# the ingest path). Escalation sets two of its columns before inserting; push notification
# reads it back for the rows just inserted.
DeliveryRow: TypeAlias = dict[str, Any]


def rank(level: str) -> int:
    """Return a level as a number: higher is more urgent."""
    return LEVELS.index(level)


def delivery_row(
    active: Active,
    target: Target,
    *,
    concern_id: uuid.UUID,
    level: str,
    ack_due: datetime,
    decision_due: datetime | None,
    reason: str,
    notes: list[str],
    now: datetime,
    root_id: uuid.UUID | None = None,
    step: int = 0,
    cause: str | None = None,
    alert_id: uuid.UUID | None = None,
) -> DeliveryRow:
    """Return the row of a new delivery to ``target``; a routed one carries its chain clock."""
    routed = root_id is None
    return {
        "id": new_id(),
        "concern_id": concern_id,
        "agency_id": active.agencies[target.agency],
        "alert_id": alert_id,
        "inbox_id": active.inboxes[(target.agency, target.inbox)] if target.inbox else None,
        "audience": target.audience,
        "root_id": root_id,
        "step": step,
        "cause": cause,
        "reason": reason,
        "notes": json.dumps(notes),
        "level": level,
        "rank": rank(level),
        "status": DeliveryStatus.NEW.value,
        "is_open": True,
        "created_at": now,
        "ack_due": ack_due,
        "decision_due": decision_due,
        "due_at": ack_due,
        "clock": "acknowledge" if routed else None,
        "chain_step": 0,
        "next_deadline": ack_due,
    }
