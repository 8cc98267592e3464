"""Step 6, route: deliver the concern to every inbox the partnership's rules name.

Runs inside the store transaction, so a concern is never stored without its deliveries.
Routing is a disclosure (DPA 2018 s.62): the audit entry names every recipient.
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from backend.models import (
    ConcernRoute,
    Delivery,
    DeliveryStatus,
    insert_into,
    utcnow,
)
from backend.pipeline.store import STEPS, Stored
from backend.routing.match import Facts, route
from backend.routing.rules import LEVELS, Target
from backend.services.audit import db_audit
from backend.services.push import db_queue_push
from backend.services.rules import Active, db_active


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
) -> dict[str, Any]:
    """Return the row of a new delivery to ``target``; a routed one carries its chain clock."""
    routed = root_id is None
    return {
        "id": uuid.uuid4(),
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


def db_route(session: Session, stored: Stored) -> None:
    """Plan, insert and audit the concern's deliveries and its routing trace."""
    concern, loaded, agency = stored.concern, stored.loaded, stored.agency
    active = db_active(session, agency.partnership_id)
    facts = Facts(
        categories=frozenset(loaded["categories"]),
        indicators=frozenset(i["code"] for i in loaded.get("indicators") or []),
        level=concern.level,
        setting=concern.setting,
        age=concern.subject_age,
        care_status=concern.subject_legal_status,
        recorder_agency=agency.name,
        recorder_agency_kind=agency.kind,
        area=concern.location_district,
    )
    now = utcnow()
    planned, trace = route(active.rules, facts, at=now)
    trace["ruleset"] = {"id": str(active.record_id), "number": active.number}
    rows = [
        delivery_row(
            active,
            p.target,
            concern_id=concern.id,
            level=concern.level,
            ack_due=p.ack_due,
            decision_due=p.decision_due,
            reason="Routed by " + ", ".join(p.rules),
            notes=p.notes,
            now=now,
        )
        for p in planned
    ]
    session.execute(insert_into(Delivery), rows)
    session.execute(
        insert_into(ConcernRoute),
        {
            "concern_id": concern.id,
            "ruleset_id": active.record_id,
            "routed_at": now,
            "trace": json.dumps(trace),
        },
    )
    db_audit(
        session,
        "concern.disclosed",
        records=[("concern", concern.id), *(("delivery", r["id"]) for r in rows)],
        detail={
            "ruleset": active.number,
            "recipients": [p.target.label for p in planned],
            "fallback": trace["fallback"],
        },
    )
    db_queue_push(
        session, rows, labels={r["id"]: p.target.label for r, p in zip(rows, planned, strict=True)}
    )


# First, whatever the order of imports: linking holds the partnership's link lock until the
# transaction commits, so it goes last, and routing (which needs nothing linking finds) is
# not done while every other concern of the partnership waits.
STEPS.insert(0, db_route)
