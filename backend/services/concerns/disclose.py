"""Delivering a concern is disclosing it (DPA 2018 s.62): the rows inserted, one audit
entry naming every recipient, and the devices of those who see them told. Shared by
routing (``backend/pipeline/route.py``), the return interview task
(``services/missing/episodes.py``) and re-referral (``re_referral.py``)."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.orm import Session

from backend.core.later import db_at_commit
from backend.models import Delivery, insert_into
from backend.routing.ruleset import Target
from backend.services.concerns.deliveries import DeliveryRow
from backend.services.concerns.push import db_queue_push
from backend.services.concerns.rules import Active
from backend.services.records.audit import db_audit


def db_disclose(
    session: Session,
    active: Active,
    concern_id: uuid.UUID,
    rows: list[DeliveryRow],
    targets: list[Target],
    *,
    fallback: bool = False,
    at_commit: bool = False,
    **detail: Any,
) -> None:
    """Insert ``rows`` (one per target, in order), audit them as one disclosure of the
    concern under the live rules, and queue their push messages. ``at_commit``: the rows
    are written at the commit, with other envelopes' (``core/later.py``), for a caller
    whose transaction reads none of them, nor writes a row pointing at one, before then."""
    if at_commit:
        db_at_commit(session, insert_into(Delivery), rows)
    else:
        session.execute(insert_into(Delivery), rows)
    db_audit(
        session,
        "concern.disclosed",
        records=[("concern", concern_id), *(("delivery", r["id"]) for r in rows)],
        detail={
            "ruleset": active.number,
            "recipients": [t.label for t in targets],
            "fallback": fallback,
            **detail,
        },
    )
    db_queue_push(
        session, rows, labels={r["id"]: t.label for r, t in zip(rows, targets, strict=True)}
    )
