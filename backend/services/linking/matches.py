"""Possible matches: two records that may be one child, for a MASH member to decide
(docs/domain/linking.md). Raised by ``resolve.db_resolve`` when weak keys agree or strong
keys point at records that disagree; once per pair, grown while open.

Plain (Core) reads and writes: a child split over many records is a candidate of each of
them on every concern, and loading each match as an object cost more than the rest of
linking put together.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from sqlalchemy import and_, bindparam, insert, or_, select, update
from sqlalchemy.orm import Session

from backend.core.db import chunks
from backend.models import PossibleMatch, new_id, table_of, utcnow
from backend.services.records.audit import db_audit

Pair = tuple[uuid.UUID, uuid.UUID]  # (subject, candidate), ordered as stored
Known = dict[Pair, tuple[uuid.UUID, str, str, str | None]]  # id, status, kinds, conflict

_PM = table_of(PossibleMatch)
_COLUMNS = (_PM.c.subject_id, _PM.c.candidate_id, _PM.c.id, _PM.c.status, _PM.c.kinds)
_BETWEEN = select(*_COLUMNS, _PM.c.conflict).where(
    or_(
        and_(
            _PM.c.subject_id == bindparam("a"),
            _PM.c.candidate_id.in_(bindparam("others", expanding=True)),
        ),
        and_(
            _PM.c.subject_id.in_(bindparam("others", expanding=True)),
            _PM.c.candidate_id == bindparam("a"),
        ),
    )
)
_GROW = (
    update(_PM)
    .where(_PM.c.id == bindparam("mid"))
    .values(kinds=bindparam("kinds"), conflict=bindparam("conflict"))
)
_RAISE = insert(_PM)


def db_matches(session: Session, a: uuid.UUID, others: list[uuid.UUID]) -> Known:
    """The possible matches between ``a`` and any of ``others``, by their pair: one query
    per 500."""
    found: Known = {}
    for chunk in chunks(others):
        for first, second, *rest in session.execute(_BETWEEN, {"a": a, "others": chunk}):
            found[(first, second)] = tuple(rest)  # type: ignore[assignment]
    return found


def db_suggest(
    session: Session,
    partnership_id: uuid.UUID,
    a: uuid.UUID,
    b: uuid.UUID,
    kinds: set[str],
    *,
    conflict: str | None = None,
    known: Known | None = None,
) -> None:
    """Record that two subjects may be one child, once per pair; ``conflict`` (JSON,
    ``conflicts.conflict_of``) when strong keys disagree, kept on an open match already
    raised by weak keys. ``known``: the pair's match, if any, read already (``db_matches``)."""
    first, second = sorted((a, b), key=str)
    if known is None:
        known = db_matches(session, first, [second])
    existing = known.get((first, second))
    if existing is not None:
        mid, status, was, held = existing
        if status != "open":
            return
        had = set(json.loads(was))
        kept = held if held is not None else conflict
        if not kinds <= had or kept != held:
            grown = json.dumps(sorted(had | kinds))
            session.execute(_GROW, {"mid": mid, "kinds": grown, "conflict": kept})
            known[(first, second)] = (mid, status, grown, kept)
        return
    row: dict[str, Any] = {
        "id": new_id(),
        "partnership_id": partnership_id,
        "subject_id": first,
        "candidate_id": second,
        "kinds": json.dumps(sorted(kinds)),
        "conflict": conflict,
        "status": "open",
        "created_at": utcnow(),
    }
    session.execute(_RAISE, row)
    known[(first, second)] = (row["id"], "open", row["kinds"], conflict)
    db_audit(
        session,
        "subject.possible_match",
        records=[("subject", first), ("subject", second), ("match", row["id"])],
        detail={"kinds": sorted(kinds), "conflict": conflict is not None},
    )


def db_answer(session: Session, joined: list[uuid.UUID]) -> None:
    """A merge answers any open possible match between the records it joined (``joined``:
    the merged child's records): off the MASH's queue, as ``merged``."""
    session.execute(
        update(_PM)
        .where(
            _PM.c.status == "open",
            _PM.c.subject_id.in_(joined),
            _PM.c.candidate_id.in_(joined),
        )
        .values(status="merged", decided_at=utcnow())
    )
