"""The keys each child's record holds (``models/record_keys.py``), kept as concerns are
linked: linking a concern adds its identifiers to its subject's rows; a split or an
erasure rebuilds the rows it changed from the concerns. Lookups read one row per record
that holds a key, never the concerns behind it, except ``db_naming``: one bounded probe
for a record's concern naming a key inside a span, when its latest is outside it.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import and_, bindparam, delete, exists, insert, select, update
from sqlalchemy.orm import Session

from backend.models import Concern, ConcernIdentifier, SubjectKey, table_of

Held = tuple[str, str, str]  # (role, kind, blind index): one key as a record holds it
# What a record holds of a key: blind key, first and last event time, latest concern, count.
Row = tuple[str, datetime, datetime, uuid.UUID, int]

_K, _C, _CI = table_of(SubjectKey), table_of(Concern), table_of(ConcernIdentifier)
# Built once: this runs for every concern. Bounded by the record and this concern's keys
# (the primary key's prefix: subject, role, kind).
_MINE = select(
    _K.c.role,
    _K.c.kind,
    _K.c.blind_index,
    _K.c.first_at,
    _K.c.last_at,
    _K.c.last_concern_id,
    _K.c.concerns,
).where(
    _K.c.subject_id == bindparam("sid"),
    _K.c.role.in_(bindparam("roles", expanding=True)),
    _K.c.kind.in_(bindparam("kinds", expanding=True)),
    _K.c.blind_index.in_(bindparam("indexes", expanding=True)),
)
_ADD = insert(_K)
_GROW = (
    update(_K)
    .where(
        _K.c.subject_id == bindparam("sid"),
        _K.c.role == bindparam("r"),
        _K.c.kind == bindparam("k"),
        _K.c.blind_index == bindparam("b"),
    )
    .values(
        first_at=bindparam("first"),
        last_at=bindparam("last"),
        last_concern_id=bindparam("cid"),
        concerns=bindparam("n"),
    )
)


def _later(at: datetime, concern_id: uuid.UUID, than_at: datetime, than_id: uuid.UUID) -> bool:
    """Event time, then id, decides which concern is a key's latest (as a rebuild orders)."""
    return (at, concern_id.hex) > (than_at, than_id.hex)


def db_add_keys(
    session: Session,
    subject_id: uuid.UUID,
    concern_id: uuid.UUID,
    at: datetime,
    rows: Sequence[dict[str, Any]],
    *,
    first: bool = False,
) -> None:
    """Add one concern's identifier rows (``blind_keys.IdentifierRow``; an addendum's too)
    to the record it is linked to: one read of the rows it touches (none when ``first``:
    the record was made for this concern), then inserts and updates."""
    keys: dict[Held, str] = {}
    for r in rows:
        held = (r["role"], r["kind"], r["blind_index"])
        keys[held] = min(keys.get(held, r["key_id"]), r["key_id"])
    if not keys:
        return
    params = {
        "sid": subject_id,
        "roles": sorted({r for r, _, _ in keys}),
        "kinds": sorted({k for _, k, _ in keys}),
        "indexes": sorted({b for _, _, b in keys}),
    }
    found = {} if first else {(r, k, b): rest for r, k, b, *rest in session.execute(_MINE, params)}
    new, grown = [], []
    for (role, kind, index), key_id in keys.items():
        if (role, kind, index) not in found:
            new.append(
                {
                    "subject_id": subject_id,
                    "role": role,
                    "kind": kind,
                    "blind_index": index,
                    "key_id": key_id,
                    "first_at": at,
                    "last_at": at,
                    "last_concern_id": concern_id,
                    "concerns": 1,
                }
            )
            continue
        first, last, last_id, count = found[(role, kind, index)]
        if last_id == concern_id:
            continue  # this concern is counted already (an addendum naming it again)
        later = _later(at, concern_id, last, last_id)
        grown.append(
            {
                "sid": subject_id,
                "r": role,
                "k": kind,
                "b": index,
                "first": min(first, at),
                "last": at if later else last,
                "cid": concern_id if later else last_id,
                "n": count + 1,
            }
        )
    if new:
        session.execute(_ADD, new)
    if grown:
        session.execute(_GROW, grown)


def _named(subject_id: uuid.UUID, keys: list[Held] | None) -> Any:
    """The identifiers of a subject's concerns, restricted to ``keys`` (roles, kinds and
    indexes each among theirs) when given."""
    query = (
        select(_CI.c.role, _CI.c.kind, _CI.c.blind_index, _CI.c.key_id, _C.c.id, _C.c.recorded_at)
        .join(_C, _C.c.id == _CI.c.concern_id)
        .where(_C.c.subject_id == subject_id)
    )
    return query if keys is None else query.where(*_among(_CI, keys))


def _among(table: Any, keys: list[Held]) -> list[Any]:
    return [
        table.c.role.in_({r for r, _, _ in keys}),
        table.c.kind.in_({k for _, k, _ in keys}),
        table.c.blind_index.in_({b for _, _, b in keys}),
    ]


def built_keys(
    session: Session, subject_id: uuid.UUID, keys: list[Held] | None = None
) -> dict[Held, Row]:
    """One subject's rows as its concerns make them (all, or those among ``keys``)."""
    named: dict[Held, dict[uuid.UUID, tuple[datetime, str]]] = {}
    for role, kind, index, key_id, cid, at in session.execute(_named(subject_id, keys)):
        by_concern = named.setdefault((role, kind, index), {})
        was = by_concern.get(cid)
        by_concern[cid] = (at, key_id if was is None else min(was[1], key_id))
    built: dict[Held, Row] = {}
    for held, by_concern in named.items():
        last = max(by_concern, key=lambda c: (by_concern[c][0], c.hex))
        built[held] = (
            min(k for _, k in by_concern.values()),
            min(at for at, _ in by_concern.values()),
            by_concern[last][0],
            last,
            len(by_concern),
        )
    return built


def stored_keys(session: Session, subject_id: uuid.UUID) -> dict[Held, Row]:
    """One subject's rows as stored (for checking them against a rebuild)."""
    rows = session.execute(
        select(
            _K.c.role,
            _K.c.kind,
            _K.c.blind_index,
            _K.c.key_id,
            _K.c.first_at,
            _K.c.last_at,
            _K.c.last_concern_id,
            _K.c.concerns,
        ).where(_K.c.subject_id == subject_id)
    )
    return {(r, k, b): (key, first, last, cid, n) for r, k, b, key, first, last, cid, n in rows}


def db_rebuild_keys(
    session: Session, subject_id: uuid.UUID, keys: Iterable[Held] | None = None
) -> None:
    """Re-derive one subject's rows from the concerns linked to it (not those of subjects
    merged into it: they keep their own rows): all of them (after a split), or those among
    ``keys`` (after an erasure or a re-index, which change only the keys they name)."""
    only = None if keys is None else list(keys)
    if only == []:
        return
    gone = delete(_K).where(_K.c.subject_id == subject_id)
    session.execute(gone if only is None else gone.where(*_among(_K, only)))
    built = built_keys(session, subject_id, only)
    if built:
        session.execute(
            _ADD,
            [
                {
                    "subject_id": subject_id,
                    "role": role,
                    "kind": kind,
                    "blind_index": index,
                    "key_id": key_id,
                    "first_at": first,
                    "last_at": last,
                    "last_concern_id": cid,
                    "concerns": n,
                }
                for (role, kind, index), (key_id, first, last, cid, n) in built.items()
            ],
        )


def db_forget_keys(session: Session, key_id: str) -> None:
    """Delete every row made with a retired blind key (its identifiers are deleted too)."""
    session.execute(delete(_K).where(_K.c.key_id == key_id))


# A record's concern naming a key inside a span, the latest (or, ``_FIRST_NAMING``, the
# earliest): from the record's concerns in the span, each checked on the identifiers'
# concern index. Only asked when the record's latest concern naming it is outside the span.
_NAMES = exists().where(
    _CI.c.concern_id == _C.c.id,
    _CI.c.role == bindparam("role"),
    # Not on the (kind, blind index) index: that walks every concern naming the key, of
    # every child, for each of this record's concerns; the concern's own rows are few.
    (_CI.c.kind + "") == bindparam("kind"),
    _CI.c.blind_index == bindparam("index"),
)
_IN_SPAN = and_(
    _C.c.subject_id == bindparam("sid"),
    _C.c.recorded_at.between(bindparam("lo"), bindparam("hi")),
    _NAMES,
)
_LAST_NAMING = (
    select(_C.c.id, _C.c.recorded_at)
    .where(_IN_SPAN)
    .order_by(_C.c.recorded_at.desc(), _C.c.id.desc())
    .limit(1)
)
_FIRST_NAMING = (
    select(_C.c.id, _C.c.recorded_at).where(_IN_SPAN).order_by(_C.c.recorded_at, _C.c.id).limit(1)
)


def db_naming(
    session: Session,
    subject_id: uuid.UUID,
    held: Held,
    lo: datetime,
    hi: datetime,
    *,
    latest: bool = True,
) -> tuple[uuid.UUID, datetime] | None:
    """The subject's latest (or earliest) concern naming ``held`` between ``lo`` and ``hi``."""
    role, kind, index = held
    row = session.execute(
        _LAST_NAMING if latest else _FIRST_NAMING,
        {"sid": subject_id, "role": role, "kind": kind, "index": index, "lo": lo, "hi": hi},
    ).first()
    return None if row is None else (row[0], row[1])
