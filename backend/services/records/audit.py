"""Append entries to the audit chain inside the caller's transaction."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, event, insert, update
from sqlalchemy.orm import Session, SessionTransaction

import crypto
from backend.core.later import db_write_waiting
from backend.models import AuditEvent, AuditHead, AuditRecord, table_of, utcnow
from backend.models.audit import keeps_record_index

# The id of the HTTP request being served, set and cleared by backend/http/logs.py, so an
# entry names the application log's line for the same request. A context variable rather
# than Flask's ``g``: services stay free of Flask (the layering import-linter holds).
REQUEST_ID: ContextVar[str | None] = ContextVar("frontline_request_id", default=None)

_HEAD = table_of(AuditHead)
_EVENTS = table_of(AuditEvent)
_RECORDS = table_of(AuditRecord)
# Built once: an append runs on every commit that records anything, and building a
# statement costs several times what SQLite takes to run it.
_ADVANCE = (
    update(_HEAD)
    .where(_HEAD.c.id == 1)
    .values(seq=_HEAD.c.seq + bindparam("n"))
    .returning(_HEAD.c.seq, _HEAD.c.hash)
)
_SET_HASH = update(_HEAD).where(_HEAD.c.id == 1).values(hash=bindparam("to"))
_INSERT_EVENTS, _INSERT_RECORDS = insert(_EVENTS), insert(_RECORDS)


@dataclass(frozen=True)
class Actor:
    """Who did something: a person with the passkey they used, or the system (all None)."""

    user_id: uuid.UUID | None = None
    agency_id: uuid.UUID | None = None
    passkey_id: uuid.UUID | None = None


SYSTEM = Actor()


def _str(value: uuid.UUID | None) -> str | None:
    return str(value) if value is not None else None


_PENDING = "audit_pending"


@dataclass(frozen=True)
class _Entry:
    action: str
    actor: Actor
    records: list[dict[str, str]]
    purpose: str | None
    detail: dict[str, Any]


def db_audit(
    session: Session,
    action: str,
    *,
    actor: Actor = SYSTEM,
    records: Iterable[tuple[str, uuid.UUID]] = (),
    purpose: str | None = None,
    detail: Mapping[str, Any] | None = None,
) -> None:
    """Record one entry for the chain; it is appended when the caller's transaction commits
    and vanishes if it rolls back, so it commits or rolls back with the change it records.

    Appending at commit keeps the chain head's lock (every writer queues on it) for the
    moment of the commit only, not for the whole transaction: under load the routing and
    linking of one concern no longer holds up every other request. A savepoint that rolls
    back takes its entries with it (``db_audit_mark``/``db_audit_drop``).

    WARNING: ``detail`` must hold codes and identifiers only, never personal data.
    """
    detail = dict(detail or {})
    request_id = REQUEST_ID.get()
    if request_id:
        # The application log's line for the same request (route, status, timing).
        detail.setdefault("request_id", request_id)
    entry = _Entry(
        action=action,
        actor=actor,
        # Each record once: the index holds one row per record and entry.
        records=[{"kind": k, "id": i} for k, i in dict.fromkeys((k, str(r)) for k, r in records)],
        purpose=purpose,
        detail=detail,
    )
    session.info.setdefault(_PENDING, []).append(entry)


def db_audit_mark(session: Session) -> int:
    """How many entries wait now: give it back to ``db_audit_drop`` on a savepoint rollback."""
    return len(session.info.get(_PENDING, ()))


def db_audit_drop(session: Session, mark: int) -> None:
    """Forget the entries recorded since ``mark`` (their savepoint rolled back)."""
    del session.info.get(_PENDING, [])[mark:]


def _append(session: Session, pending: list[_Entry]) -> None:
    # Moving the head takes its row lock (PostgreSQL) or the write lock (SQLite), so
    # concurrent commits queue here instead of forking the chain. Core statements on the
    # tables: the chain is append-only rows, not objects to track.
    last, previous = session.execute(_ADVANCE, {"n": len(pending)}).one()
    at = utcnow()
    rows, touched = [], []
    for seq, item in enumerate(pending, start=last - len(pending) + 1):
        entry = {
            "seq": seq,
            "at": at.isoformat(),
            "action": item.action,
            "actor_id": _str(item.actor.user_id),
            "agency_id": _str(item.actor.agency_id),
            "passkey_id": _str(item.actor.passkey_id),
            "records": item.records,
            "purpose": item.purpose,
            "detail": item.detail,
        }
        body = crypto.canonical_json(entry)
        digest = crypto.chain_digest(previous, body)
        rows.append({"seq": seq, "body": body.decode(), "prev_hash": previous, "hash": digest})
        touched += [{"seq": seq, "kind": r["kind"], "record_id": r["id"]} for r in item.records]
        previous = digest
    session.execute(_SET_HASH, {"to": previous})
    session.execute(_INSERT_EVENTS, rows)
    if touched and keeps_record_index(session.get_bind().dialect.name):
        session.execute(_INSERT_RECORDS, touched)


def db_audit_flush(session: Session) -> None:
    """Append the entries waiting in this transaction now (the head's lock is then held
    until it ends); for readers of the head in the same transaction, like a checkpoint."""
    pending = session.info.pop(_PENDING, None)
    if pending:
        _append(session, pending)


@event.listens_for(Session, "before_commit")
def _append_pending(session: Session) -> None:
    if not session.in_nested_transaction():  # a savepoint's entries wait for the whole
        # The other writes waiting for the commit go first: one may wait for a row lock
        # (a queued push message for a device being revoked), and must not wait holding
        # the head, which every audited writer, that revocation's too, queues on.
        db_write_waiting(session)
        db_audit_flush(session)


@event.listens_for(Session, "after_transaction_end")
def _forget_pending(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:
        session.info.pop(_PENDING, None)  # rolled back (a commit took them already)
