"""Step 6, route: deliver the concern to every inbox the partnership's rules name.

Runs inside the store transaction, so a concern is never stored without its deliveries.
Routing is a disclosure (DPA 2018 s.62): the audit entry names every recipient.
"""

from __future__ import annotations

import json
from collections import Counter

from sqlalchemy.orm import Session

from backend.core.later import db_at_commit
from backend.models import ConcernRoute, insert_into, utcnow
from backend.pipeline.store import Stored
from backend.routing.match import Facts, route
from backend.services.concerns.deliveries import delivery_row
from backend.services.concerns.disclose import db_disclose
from backend.services.concerns.rules import db_active


def db_route(session: Session, stored: Stored) -> None:
    """Plan, insert and audit the concern's deliveries and its routing trace."""
    concern, loaded, agency = stored.the_concern, stored.loaded, stored.agency
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
    stored.told.routed = Counter(r["inbox_id"] for r in rows if r["inbox_id"] is not None)
    db_disclose(
        session,
        active,
        concern.id,
        rows,
        [p.target for p in planned],
        fallback=trace["fallback"],
        # Nothing in the envelope's transaction reads its routed deliveries (linking takes
        # their inboxes from ``told.routed``), nor points a row at one but a push message,
        # itself written at the commit, after them.
        at_commit=True,
    )
    # Read only by later requests (why a concern went where it did): written at the commit,
    # with the other envelopes' traces.
    db_at_commit(
        session,
        insert_into(ConcernRoute),
        [
            {
                "concern_id": concern.id,
                "ruleset_id": active.record_id,
                "routed_at": now,
                "trace": json.dumps(trace),
            }
        ],
    )
