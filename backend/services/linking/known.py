"""Which inboxes hold each child's records (``models/known.py``), kept per delivery: each
routed delivery of a linked concern counts itself on the row of the concern's subject and
its inbox, and the known answer (``pipeline/link.py``) reads the rows of the child's few
subjects. Nothing here reads a child's whole history, except ``db_rebuild``, which
re-derives one subject's rows from the deliveries of its concerns (after a split, or to
check the rows)."""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Iterable
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import bindparam, delete, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from backend.core.db import db_insert_absent
from backend.models import Agency, Concern, Delivery, Inbox, SubjectInbox, table_of

_SI, _D = table_of(SubjectInbox), table_of(Delivery)
# Built once: linking runs on every concern. The root is checked by the caller, as in
# every read of routed deliveries by their concern (link.py's ``_contacts``).
_OF_CONCERN = select(_D.c.inbox_id, _D.c.root_id).where(_D.c.concern_id == bindparam("cid"))
# The inboxes holding some children's records, with their agencies, from the key of the
# children's rows. On the tables' columns, not the models': a plain statement, without
# the ORM's work of compiling and loading around it (linking reads it for every concern).
_IN, _AG = table_of(Inbox), table_of(Agency)
_HELD = (
    select(_IN.c.name, _AG.c.name, _AG.c.id, _SI.c.inbox_id, _SI.c.deliveries)
    .select_from(_SI)
    .join(_IN, _IN.c.id == _SI.c.inbox_id)
    .join(_AG, _AG.c.id == _IN.c.agency_id)
    .where(_SI.c.subject_id.in_(bindparam("ids", expanding=True)))
)

# An inbox as the known answer names it: (inbox name, agency name, agency id).
Place = tuple[str, str, uuid.UUID]


def routed_of(session: Session, concern_id: uuid.UUID) -> Counter[uuid.UUID]:
    """The inboxes of one concern's routed deliveries, each as often as it was sent to."""
    return Counter(
        inbox
        for inbox, root in session.execute(_OF_CONCERN, {"cid": concern_id})
        if root is None and inbox is not None
    )


def db_count(
    session: Session, subject_id: uuid.UUID, inboxes: Iterable[uuid.UUID | None], by: int = 1
) -> None:
    """Count deliveries to these inboxes (None: to no inbox, not counted) on the subject's
    rows: ``by`` each, or minus one to take one out. Rows are made if absent and updated in
    a fixed order, so two transactions counting on one child neither collide nor deadlock."""
    counts = Counter(i for i in inboxes if i is not None)
    if not counts:
        return
    rows = [
        {"subject_id": subject_id, "inbox_id": i, "deliveries": counts[i] * by}
        for i in sorted(counts, key=str)
    ]
    session.execute(_add(session.get_bind().dialect.name), rows)


@cache
def _add(dialect: str) -> Any:
    """Make a row with the count, or add the count to the row there: one statement, both
    engines (``ON CONFLICT DO UPDATE``), built once per engine."""
    module = postgresql if dialect == "postgresql" else sqlite
    insert = module.insert(_SI)
    return insert.on_conflict_do_update(
        index_elements=[_SI.c.subject_id, _SI.c.inbox_id],
        set_={"deliveries": _SI.c.deliveries + insert.excluded.deliveries},
    )


def db_move(session: Session, subject_id: uuid.UUID, before: uuid.UUID, after: uuid.UUID) -> None:
    """A routed delivery of the subject's concern moved from one inbox to another."""
    for inbox, by in sorted(((before, -1), (after, 1)), key=lambda x: str(x[0])):
        db_count(session, subject_id, [inbox], by)


def held(session: Session, ids: list[uuid.UUID], less: Counter[uuid.UUID]) -> list[Place]:
    """The inboxes holding these subjects' records, counted over all of them, less the
    deliveries in ``less`` (a concern's own): those still holding one or more."""
    found: Counter[uuid.UUID] = Counter()
    places: dict[uuid.UUID, Place] = {}
    for inbox, agency, agency_id, inbox_id, n in session.execute(_HELD, {"ids": ids}):
        found[inbox_id] += n
        places[inbox_id] = (inbox, agency, agency_id)
    return [places[i] for i, n in found.items() if n - less[i] > 0]


def counted_from_deliveries(session: Session, subject_id: uuid.UUID) -> dict[uuid.UUID, int]:
    """One subject's rows as its concerns' deliveries make them (reads its whole history)."""
    rows = session.execute(
        select(Delivery.inbox_id, func.count())
        .join(Concern, Concern.id == Delivery.concern_id)
        .where(
            Concern.subject_id == subject_id,
            Delivery.root_id.is_(None),
            Delivery.inbox_id.is_not(None),
        )
        .group_by(Delivery.inbox_id)
    )
    return {inbox: n for inbox, n in rows if inbox is not None}


def db_rebuild(session: Session, subject_id: uuid.UUID) -> None:
    """Re-derive one subject's rows from the deliveries of the concerns linked to it (not
    those of subjects merged into it: they keep their own rows), with each inbox's latest
    decision of no further action about them."""
    session.execute(delete(_SI).where(_SI.c.subject_id == subject_id))
    counted = counted_from_deliveries(session, subject_id)
    closed: dict[uuid.UUID, datetime] = {
        inbox: at
        for inbox, at in session.execute(
            select(Delivery.inbox_id, func.max(Delivery.decided_at))
            .join(Concern, Concern.id == Delivery.concern_id)
            .where(
                Concern.subject_id == subject_id,
                Delivery.outcome == "no_further_action",
                Delivery.inbox_id.is_not(None),
            )
            .group_by(Delivery.inbox_id)
        )
        if inbox is not None and at is not None
    }
    inboxes = sorted(set(counted) | set(closed), key=str)
    if inboxes:
        db_insert_absent(
            session,
            _SI,
            [
                {
                    "subject_id": subject_id,
                    "inbox_id": i,
                    "deliveries": counted.get(i, 0),
                    "no_further_action_at": closed.get(i),
                }
                for i in inboxes
            ],
        )


def stored(session: Session, subject_id: uuid.UUID) -> dict[uuid.UUID, int]:
    """One subject's rows as stored, those at nought left out (for checking them against a
    rebuild)."""
    rows = session.execute(
        select(_SI.c.inbox_id, _SI.c.deliveries).where(
            _SI.c.subject_id == subject_id, _SI.c.deliveries > 0
        )
    )
    return {inbox: n for inbox, n in rows}
