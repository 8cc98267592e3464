"""A suspicion's blind indexes through a blind-key rotation.

At ingest a suspicion is indexed under every blind key of the ring, as a concern is
(``services/linking/blind_keys.py``). After ``frontline keys rotate --kind blind``,
``frontline keys reindex`` gives each earlier suspicion its indexes under the new key from
its sealed document (``reindex``); retiring the old key is refused while any is missing
(``pending``) and then deletes the old key's rows (``db_forget``). Without this a suspicion
recorded before a rotation would never match a later record again.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable
from datetime import date, datetime
from typing import Any, cast

from marshmallow import fields
from sqlalchemy import delete, exists, func, select
from sqlalchemy.orm import Session, aliased, sessionmaker

import crypto
from backend.models import Subject, SubjectKey, Suspicion, SuspicionIdentifier, insert_into, new_id
from backend.services.linking.conflicts import STRONG
from backend.services.linking.identifiers import blind_identifiers
from backend.services.linking.subjects import canonical
from backend.services.records.sealed import db_data_key, unseal

_DATE, _WHEN = fields.Date(), fields.AwareDateTime()


def named(
    indexer: crypto.BlindIndexer,
    *,
    children: Iterable[dict[str, Any]],
    associated: list[dict[str, Any]],
    recorded_at: datetime,
) -> list[tuple[str, str, str]]:
    """Every child's keys (role ``subject``) and every associated entry's, each once."""
    found: list[tuple[str, str, str]] = []
    for child in children:
        found += blind_identifiers(indexer, subject=child, associated=[], recorded_at=recorded_at)
    found += blind_identifiers(
        indexer, subject=None, associated=associated, recorded_at=recorded_at
    )
    return list(dict.fromkeys(found))


def _missing(current: str) -> Any:
    own = aliased(SuspicionIdentifier)
    return ~exists().where(own.suspicion_id == Suspicion.id, own.key_id == current)


def _any_index() -> Any:
    return exists().where(SuspicionIdentifier.suspicion_id == Suspicion.id)


def _rows(
    session: Session, ring: crypto.KeyRing, indexer: crypto.BlindIndexer, s: Suspicion
) -> list[dict[str, Any]]:
    try:
        key = db_data_key(session, ring, s.data_key_id)
    except crypto.DataKeyUnavailable:
        return []  # erased: nothing to index
    document = json.loads(
        unseal(key, s.crypto_document, table="suspicions", row_id=s.id, field="document")
    )
    children = []
    for child in document.get("children") or []:
        child = dict(child)
        if child.get("date_of_birth"):
            child["date_of_birth"] = cast(date, _DATE.deserialize(child["date_of_birth"]))
        children.append(child)
    recorded_at = cast(datetime, _WHEN.deserialize(document["recorded_at"]))
    return [
        {
            "id": new_id(),
            "suspicion_id": s.id,
            "partnership_id": s.partnership_id,
            "role": role,
            "kind": kind,
            "blind_index": index,
            "key_id": indexer.key_id,
            "recorded_at": s.recorded_at,
        }
        for role, kind, index in named(
            indexer,
            children=children,
            associated=document.get("associated") or [],
            recorded_at=recorded_at,
        )
    ]


def reindex(sessions: sessionmaker[Session], ring: crypto.KeyRing, *, batch: int = 200) -> int:
    """Index every suspicion with none under the current blind key; commits each batch, so
    an interrupted run resumes. Returns how many were indexed."""
    indexer = crypto.BlindIndexer(ring)
    done = 0
    after: uuid.UUID | None = None
    while True:
        with sessions() as session:
            query = select(Suspicion).where(
                Suspicion.data_key_id.is_not(None), _missing(indexer.key_id)
            )
            if after is not None:
                query = query.where(Suspicion.id > after)
            found = session.scalars(query.order_by(Suspicion.id).limit(batch)).all()
            if not found:
                break
            rows = [r for s in found for r in _rows(session, ring, indexer, s)]
            if rows:
                session.execute(insert_into(SuspicionIdentifier), rows)
            session.commit()
            after = found[-1].id
            done += len(found)
    return done


def pending(session: Session, ring: crypto.KeyRing) -> int:
    """Suspicions naming anything, not indexed under the current blind key yet."""
    current = ring.current(crypto.KeyKind.BLIND).id
    count = session.scalar(
        select(func.count())
        .select_from(Suspicion)
        .where(Suspicion.data_key_id.is_not(None), _missing(current), _any_index())
    )
    return int(count or 0)


def db_forget(session: Session, key_id: str) -> int:
    """Delete every suspicion index made with a retired blind key; return how many."""
    result = session.execute(
        delete(SuspicionIdentifier).where(SuspicionIdentifier.key_id == key_id)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def db_children_named(session: Session, suspicion: Suspicion) -> list[uuid.UUID]:
    """The children's records of the suspicion's partnership holding a strong key it names
    (for the audit entry of a read: an access review of a child lists it)."""
    found = session.scalars(
        select(SubjectKey.subject_id)
        .distinct()
        .join(
            SuspicionIdentifier,
            (SuspicionIdentifier.kind == SubjectKey.kind)
            & (SuspicionIdentifier.blind_index == SubjectKey.blind_index),
        )
        .join(Subject, Subject.id == SubjectKey.subject_id)
        .where(
            SuspicionIdentifier.suspicion_id == suspicion.id,
            SuspicionIdentifier.role == "subject",
            SuspicionIdentifier.kind.in_(STRONG),
            SubjectKey.role == "subject",
            Subject.partnership_id == suspicion.partnership_id,
        )
    )
    return sorted({canonical(session, s) for s in found}, key=str)
