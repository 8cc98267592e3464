"""Append entries to the audit chain inside the caller's transaction."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert, update
from sqlalchemy.orm import Session

import crypto
from backend.models import AuditEvent, AuditHead, AuditRecord, table_of, utcnow

_HEAD = table_of(AuditHead)
_EVENTS = table_of(AuditEvent)
_RECORDS = table_of(AuditRecord)


@dataclass(frozen=True)
class Actor:
    """Who did something: a person with the passkey they used, or the system (all None)."""

    user_id: uuid.UUID | None = None
    agency_id: uuid.UUID | None = None
    passkey_id: uuid.UUID | None = None


SYSTEM = Actor()


def _str(value: uuid.UUID | None) -> str | None:
    return str(value) if value is not None else None


def db_audit(
    session: Session,
    action: str,
    *,
    actor: Actor = SYSTEM,
    records: Iterable[tuple[str, uuid.UUID]] = (),
    purpose: str | None = None,
    detail: Mapping[str, Any] | None = None,
) -> int:
    """Append one entry and return its sequence number; it commits or rolls back with the
    change it records.

    WARNING: ``detail`` must hold codes and identifiers only, never personal data.
    """
    # Moving the head first takes its row lock (PostgreSQL) or the write lock (SQLite), so
    # concurrent appends queue here instead of forking the chain.
    # Core statements on the tables: the chain is append-only rows, not objects to track.
    seq, previous = session.execute(
        update(_HEAD)
        .where(_HEAD.c.id == 1)
        .values(seq=_HEAD.c.seq + 1)
        .returning(_HEAD.c.seq, _HEAD.c.hash)
    ).one()
    record_list = [{"kind": kind, "id": str(rid)} for kind, rid in records]
    at = utcnow()
    entry = {
        "seq": seq,
        "at": at.isoformat(),
        "action": action,
        "actor_id": _str(actor.user_id),
        "agency_id": _str(actor.agency_id),
        "passkey_id": _str(actor.passkey_id),
        "records": record_list,
        "purpose": purpose,
        "detail": dict(detail or {}),
    }
    digest = crypto.chain_hash(previous, entry)
    session.execute(update(_HEAD).where(_HEAD.c.id == 1).values(hash=digest))
    row = {
        "seq": seq,
        "at": at,
        "action": action,
        "actor_id": actor.user_id,
        "agency_id": actor.agency_id,
        "passkey_id": actor.passkey_id,
        "records": crypto.canonical_json(record_list).decode(),
        "purpose": purpose,
        "detail": crypto.canonical_json(entry["detail"]).decode(),
        "prev_hash": previous,
        "hash": digest,
    }
    session.execute(insert(_EVENTS), row)
    touched = {(kind, rid) for kind, rid in ((r["kind"], r["id"]) for r in record_list)}
    if touched:
        session.execute(
            insert(_RECORDS),
            [{"seq": seq, "kind": kind, "record_id": rid} for kind, rid in touched],
        )
    return seq
