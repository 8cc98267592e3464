"""Re-referral: a new concern about a child soon after an inbox decided "no further
action" about them goes back to that inbox as well, whatever the rules route it to
(Working Together 2023: whoever closed the case looks again). How soon is the rules'
``[re_referral] days`` (90 by default; docs/routing-rules.md).

The decision is kept on the child's row of the deciding inbox (``models/known.py``), so
finding it reads the child's few rows, never its history. The delivery is a routed one, on
its own clocks, escalating like any other; it names the decision it follows.
"""

from __future__ import annotations

import uuid
from collections import Counter
from datetime import datetime, timedelta

from sqlalchemy import bindparam, or_, select, update
from sqlalchemy.orm import Session

from backend.core.db import db_insert_absent
from backend.models import Concern, SubjectInbox, table_of, utcnow
from backend.routing.ruleset import Target
from backend.services.concerns.deliveries import DeliveryRow, delivery_row
from backend.services.concerns.disclose import db_disclose
from backend.services.concerns.referrer import RE_REFERRAL_CAUSE
from backend.services.concerns.rules import Active
from backend.services.linking import known

# The delivery's cause: a routed delivery made by this rule, hidden from the referrer.
RE_REFERRAL = RE_REFERRAL_CAUSE

_SI = table_of(SubjectInbox)
# Built once: this runs for every linked concern.
_DECIDED = select(_SI.c.inbox_id, _SI.c.no_further_action_at).where(
    _SI.c.subject_id.in_(bindparam("ids", expanding=True)),
    _SI.c.no_further_action_at.is_not(None),
)
_LATER = (
    update(_SI)
    .where(
        _SI.c.subject_id == bindparam("sid"),
        _SI.c.inbox_id == bindparam("iid"),
        or_(_SI.c.no_further_action_at.is_(None), _SI.c.no_further_action_at < bindparam("at")),
    )
    .values(no_further_action_at=bindparam("at"))
)


def db_note_no_further_action(
    session: Session, subject_id: uuid.UUID, inbox_id: uuid.UUID, at: datetime
) -> None:
    """Keep an inbox's decision of no further action on the child's row of that inbox."""
    db_insert_absent(
        session, _SI, [{"subject_id": subject_id, "inbox_id": inbox_id, "deliveries": 0}]
    )
    session.execute(_LATER, {"sid": subject_id, "iid": inbox_id, "at": at})


def _day(at: datetime) -> str:
    return f"{at.day} {at:%b %Y}"


def db_re_refer(
    session: Session,
    active: Active,
    concern: Concern,
    subjects: list[uuid.UUID],
    routed: Counter[uuid.UUID],
) -> list[DeliveryRow]:
    """Deliver the concern to each inbox that decided "no further action" about the child
    (``subjects``: the child's records) within the rules' span before it arrived, unless
    the rules routed it there already (``routed``: its routed deliveries' inboxes, counted
    on the child's rows by the caller); audited as a disclosure, pushed like routing."""
    days = active.rules.re_referral_days
    if not days:
        return []
    since = concern.received_at - timedelta(days=days)
    decided: dict[uuid.UUID, datetime] = {}
    for inbox_id, at in session.execute(_DECIDED, {"ids": subjects}):
        if since <= at <= concern.received_at and at > decided.get(inbox_id, since):
            decided[inbox_id] = at
    now = utcnow()
    ack, decide = active.rules.deadlines[concern.level]
    rows, targets = [], []
    for inbox_id, at in sorted(decided.items(), key=lambda d: str(d[0])):
        if inbox_id in routed or inbox_id not in active.inbox_names:
            continue
        target = Target("members", *active.inbox_names[inbox_id])
        targets.append(target)
        rows.append(
            delivery_row(
                active,
                target,
                concern_id=concern.id,
                level=concern.level,
                ack_due=active.rules.calendar.due(now, ack),
                decision_due=active.rules.calendar.due(now, decide),
                reason=(
                    f"Re-referral: this inbox decided no further action about this child on "
                    f"{_day(at)}"
                ),
                notes=[],
                now=now,
                cause=RE_REFERRAL,
            )
        )
    if not rows:
        return []
    db_disclose(session, active, concern.id, rows, targets, re_referral=True)
    if concern.subject_id is not None:
        known.db_count(session, concern.subject_id, [r["inbox_id"] for r in rows])
    return rows
