"""Blind-index key rotation: while two blind keys are in the ring, every identifier is
indexed under both, and every comparison reads one key only.

``frontline keys rotate --kind blind`` adds a key; from then on ingest writes each
identifier under every blind key of the ring, and ``frontline keys reindex`` adds the new
key's indexes to every earlier concern, addendum and return interview (from their sealed
documents). Until the old key is retired, comparisons read the oldest key, which every
record has; retiring it (refused until the re-index is complete) deletes its indexes, and
the new key is read. Reading one key keeps each vehicle, phone or name one identifier, not
two.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, TypeAlias, TypeVar, cast

from marshmallow import fields
from sqlalchemy import delete, exists, func, select
from sqlalchemy.orm import Session, aliased, sessionmaker

import crypto
from backend.core.db import chunks
from backend.core.jsontext import Document
from backend.models import (
    Addendum,
    Concern,
    ConcernIdentifier,
    ReturnInterview,
    insert_into,
    new_id,
)
from backend.services.linking.identifiers import blind_identifiers
from backend.services.linking.record_keys import db_forget_keys, db_rebuild_keys
from backend.services.records.sealed import db_data_key, unseal

R = TypeVar("R")

# One row of concern_identifiers, column by column: the parameters of a bulk insert, as the
# store step and the re-index write them. Not a view (nothing outside the server sees it):
# later steps of the same transaction read the rows just written (``own_of``) rather than
# query them back.
IdentifierRow: TypeAlias = dict[str, Any]


def version(key_id: str) -> int:
    """A key id is ``<kind>-<version>-<suffix>``; versions grow with each rotation."""
    return int(key_id.split("-")[1])


def read_one_key(rows: Sequence[R], key_of: Callable[[R], str] = lambda r: r.key_id) -> list[R]:  # type: ignore[attr-defined]
    """Keep the rows of the oldest blind key among them: the key every record has."""
    if not rows:
        return []
    oldest = min(version(key_of(r)) for r in rows)
    return [r for r in rows if version(key_of(r)) == oldest]


class BlindKeyMissing(Exception):
    """Stored indexes were made under a blind key this key ring does not have."""


_CHECKED: set[tuple[str, ...]] = set()


def db_check_ring(session: Session, ring: crypto.KeyRing) -> None:
    """Refuse to index with a ring that lacks a blind key the stored indexes were made
    with: every comparison would then miss every earlier record, silently. Checked once
    per process and ring (a scan of one index), before the first concern is linked."""
    ids = tuple(sorted(e.id for e in ring.of_kind(crypto.KeyKind.BLIND)))
    if ids in _CHECKED:
        return
    foreign = session.scalar(
        select(ConcernIdentifier.key_id).where(ConcernIdentifier.key_id.not_in(ids)).limit(1)
    )
    if foreign is not None:
        raise BlindKeyMissing(
            f"stored indexes use blind key {foreign}, which this key ring lacks; "
            "restore the key ring that has it"
        )
    _CHECKED.add(ids)


def own_of(
    rows: Sequence[IdentifierRow], keep: Callable[[IdentifierRow], bool]
) -> list[tuple[str, str]]:
    """(kind, blind index) of a concern's identifier rows that ``keep`` selects, under the
    one key comparisons read; the rows are the store step's, never read back."""
    chosen = [r for r in rows if keep(r)]
    return [(r["kind"], r["blind_index"]) for r in read_one_key(chosen, lambda r: r["key_id"])]


def indexers(ring: crypto.KeyRing) -> list[crypto.BlindIndexer]:
    """One indexer per blind key of the ring: ingest writes under each."""
    return [crypto.BlindIndexer(ring, e.id) for e in ring.of_kind(crypto.KeyKind.BLIND)]


_DATE, _WHEN = fields.Date(), fields.AwareDateTime()


def _blind_of(
    indexer: crypto.BlindIndexer, document: Document, *, concern: bool
) -> list[tuple[str, str, str]]:
    """The identifiers of a sealed document, its parts typed as at ingest. (Not
    re-validated: a rule about today, such as the age limit, must not lose old records.)"""
    subject = None
    if concern:
        subject = dict(document["subject"])
        if subject.get("date_of_birth"):
            subject["date_of_birth"] = _DATE.deserialize(subject["date_of_birth"])
    # Never None: the field refuses null (and every stored concern has its time).
    recorded_at = cast(datetime, _WHEN.deserialize(document["recorded_at"]))
    return blind_identifiers(
        indexer,
        subject=subject,
        associated=document.get("associated") or [],
        recorded_at=recorded_at,
    )


def _missing(table: Any, current: str) -> Any:
    """Records (concerns, addenda, return interviews) with no index under the current key yet."""
    own = aliased(ConcernIdentifier)
    match: Any
    if table is ReturnInterview:
        match = own.return_interview_id == ReturnInterview.id
    elif table is Concern:
        match = (
            (own.concern_id == Concern.id)
            & own.addendum_id.is_(None)
            & own.return_interview_id.is_(None)
        )
    else:
        match = own.addendum_id == Addendum.id
    return ~exists().where(match, own.key_id == current)


def reindex(
    sessions: sessionmaker[Session],
    ring: crypto.KeyRing,
    *,
    batch: int = 200,
    progress: Callable[[int], None] | None = None,
    complete: bool = False,
) -> int:
    """Index every concern, addendum and return interview under the current blind key from
    its sealed document; commits each batch, so an interrupted run resumes. Shredded records
    (no data key) have no identifiers left and are passed over. Returns how many were
    indexed.

    ``complete``: every record, not only those with no index under the current key, each
    given the indexes it lacks. After an upgrade that adds a kind of identifier (the given
    name with date of birth, say), the records stored before it have none of that kind
    until this runs: the new kind links new concerns to them only from then on. Idempotent;
    an interrupted run starts again from the beginning."""
    indexer = crypto.BlindIndexer(ring)
    done = 0
    model: Any
    for model in (Concern, Addendum, ReturnInterview):
        after = None
        while True:
            with sessions() as session:
                query = select(model)
                if not complete:
                    query = query.where(_missing(model, indexer.key_id))
                if model is Concern:
                    query = query.where(Concern.data_key_id.is_not(None))
                if after is not None:
                    query = query.where(model.id > after)
                records = session.scalars(query.order_by(model.id).limit(batch)).all()
                if not records:
                    break
                rows = []
                for record in records:
                    rows += _rows_for(session, ring, indexer, record)
                if complete:
                    rows = _absent(session, rows, indexer.key_id)
                if rows:
                    session.execute(insert_into(ConcernIdentifier), rows)
                    _db_rekey(session, rows)
                session.commit()
                after = records[-1].id
            indexed = (
                len({(r["concern_id"], r["addendum_id"], r["return_interview_id"]) for r in rows})
                if complete
                else len(records)
            )
            done += indexed
            if progress is not None:
                progress(len(records))
    return done


def _absent(session: Session, rows: list[IdentifierRow], key_id: str) -> list[IdentifierRow]:
    """The rows whose record has no such index under ``key_id`` yet."""
    concerns = list({r["concern_id"] for r in rows})
    there = {
        (cid, aid, rid, role, kind, index)
        for chunk in chunks(concerns)
        for cid, aid, rid, role, kind, index in session.execute(
            select(
                ConcernIdentifier.concern_id,
                ConcernIdentifier.addendum_id,
                ConcernIdentifier.return_interview_id,
                ConcernIdentifier.role,
                ConcernIdentifier.kind,
                ConcernIdentifier.blind_index,
            ).where(ConcernIdentifier.concern_id.in_(chunk), ConcernIdentifier.key_id == key_id)
        )
    }
    return [
        r
        for r in rows
        if (
            r["concern_id"],
            r["addendum_id"],
            r["return_interview_id"],
            r["role"],
            r["kind"],
            r["blind_index"],
        )
        not in there
    ]


def _db_rekey(session: Session, rows: list[IdentifierRow]) -> None:
    """Give each record the keys the new indexes name (``record_keys``), rebuilt from its
    concerns for those keys only."""
    concerns = list({r["concern_id"] for r in rows})
    subject_of = {
        cid: sid
        for cid, sid in session.execute(
            select(Concern.id, Concern.subject_id).where(Concern.id.in_(concerns))
        )
        if sid is not None
    }
    named: dict[uuid.UUID, set[tuple[str, str, str]]] = {}
    for r in rows:
        if r["concern_id"] in subject_of:
            held = (r["role"], r["kind"], r["blind_index"])
            named.setdefault(subject_of[r["concern_id"]], set()).add(held)
    for subject_id, keys in named.items():
        db_rebuild_keys(session, subject_id, keys)


def _rows_for(
    session: Session, ring: crypto.KeyRing, indexer: crypto.BlindIndexer, record: Any
) -> list[IdentifierRow]:
    is_concern = isinstance(record, Concern)
    table = record.__tablename__
    owner = record if is_concern else session.get(Concern, record.concern_id)
    assert owner is not None  # noqa: S101 - what adds to a concern is never left alone
    try:
        key = db_data_key(session, ring, owner.data_key_id)
    except crypto.DataKeyUnavailable:
        return []  # erased: nothing to index
    document = unseal(key, record.crypto_document, table=table, row_id=record.id, field="document")
    found = _blind_of(indexer, json.loads(document), concern=is_concern)
    return [
        {
            "id": new_id(),
            "concern_id": owner.id,
            "addendum_id": record.id if isinstance(record, Addendum) else None,
            "return_interview_id": record.id if isinstance(record, ReturnInterview) else None,
            "role": role,
            "kind": kind,
            "blind_index": index,
            "key_id": indexer.key_id,
        }
        for role, kind, index in found
    ]


def records(session: Session) -> int:
    """Concerns (not erased), addenda and return interviews: what a complete re-index reads."""
    concerns = session.scalar(
        select(func.count()).select_from(Concern).where(Concern.data_key_id.is_not(None))
    )
    added = sum(
        session.scalar(select(func.count()).select_from(model)) or 0
        for model in (Addendum, ReturnInterview)
    )
    return int(concerns or 0) + int(added)


def pending(session: Session, ring: crypto.KeyRing) -> int:
    """Concerns, addenda and return interviews not indexed under the current blind key yet."""
    current = ring.current(crypto.KeyKind.BLIND).id
    concerns = session.scalar(
        select(func.count())
        .select_from(Concern)
        .where(Concern.data_key_id.is_not(None), _missing(Concern, current))
        .where(
            # A record with no identifiers at all has nothing to index under any key.
            exists().where(ConcernIdentifier.concern_id == Concern.id)
        )
    )
    added = sum(
        session.scalar(
            select(func.count())
            .select_from(model)
            .where(_missing(model, current), exists().where(column == model.id))
        )
        or 0
        for model, column in (
            (Addendum, ConcernIdentifier.addendum_id),
            (ReturnInterview, ConcernIdentifier.return_interview_id),
        )
    )
    return int(concerns or 0) + int(added)


def db_forget(session: Session, key_id: str) -> int:
    """Delete every index made with a retired blind key, and the records' keys made with
    it; return how many indexes."""
    result = session.execute(delete(ConcernIdentifier).where(ConcernIdentifier.key_id == key_id))
    db_forget_keys(session, key_id)
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
