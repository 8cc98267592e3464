"""The audit chain: append-only entries, each hashing the one before (crypto/digest.py)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Computed, ForeignKey, Index, Integer, LargeBinary, String, Text
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.visitors import InternalTraversal

from backend.models.base import Base, new_id, table_of, utcnow

# Every column an entry is queried by is computed by the database from ``body``, the exact
# bytes the chain hashed: proving the bodies proves the columns, and ``audit verify`` checks
# once that these definitions still stand (a column no longer derived could lie).
# SQLite stores timestamps as text and UUIDs as 32 hex digits, as SQLAlchemy reads them.
_AT = "json_extract(body, '$.at')"
DERIVED: dict[str, dict[str, str]] = {
    "sqlite": {
        "at": f"substr({_AT}, 1, 10) || ' ' || substr({_AT}, 12, 8) || CASE WHEN"
        f" substr({_AT}, 20, 1) = '.' THEN substr({_AT}, 20, 7) ELSE '.000000' END",
        "action": "json_extract(body, '$.action')",
        "actor_id": "replace(json_extract(body, '$.actor_id'), '-', '')",
        "agency_id": "replace(json_extract(body, '$.agency_id'), '-', '')",
        "passkey_id": "replace(json_extract(body, '$.passkey_id'), '-', '')",
        "purpose": "json_extract(body, '$.purpose')",
        "records": "json_extract(body, '$.records')",
        "detail": "json_extract(body, '$.detail')",
        "n_records": "json_array_length(body, '$.records')",
    },
    "postgresql": {
        "at": "frontline_audit_time(body::json ->> 'at')",
        "action": "body::json ->> 'action'",
        "actor_id": "(body::json ->> 'actor_id')::uuid",
        "agency_id": "(body::json ->> 'agency_id')::uuid",
        "passkey_id": "(body::json ->> 'passkey_id')::uuid",
        "purpose": "body::json ->> 'purpose'",
        "records": "(body::json -> 'records')::text",
        "detail": "(body::json -> 'detail')::text",
        "n_records": "json_array_length(body::json -> 'records')",
    },
}
# Read by ``audit verify`` on every run, so kept on disk on SQLite; the rest computed on read.
STORED_ON_SQLITE = frozenset({"records", "n_records"})
_SQLITE_TYPES = {
    "at": "DATETIME NOT NULL",
    "action": "VARCHAR(64) NOT NULL",
    "actor_id": "CHAR(32)",
    "agency_id": "CHAR(32)",
    "passkey_id": "CHAR(32)",
    "purpose": "TEXT",
    "records": "TEXT NOT NULL",
    "detail": "TEXT NOT NULL",
    "n_records": "INTEGER NOT NULL",
}


def sqlite_audit_events_sql(name: str) -> str:
    """The statement that makes the log's table on SQLite, as the migration wrote it (and as
    SQLite keeps it, under the table's name), which ``audit verify`` compares whole."""
    derived = ", ".join(
        f"{column} {kind} GENERATED ALWAYS AS ({DERIVED['sqlite'][column]})"
        f" {'STORED' if column in STORED_ON_SQLITE else 'VIRTUAL'}"
        for column, kind in _SQLITE_TYPES.items()
    )
    return (
        f"CREATE TABLE {name} (seq INTEGER NOT NULL, body TEXT NOT NULL,"
        f" prev_hash BLOB NOT NULL, hash BLOB NOT NULL, {derived},"
        " CONSTRAINT pk_audit_events PRIMARY KEY (seq))"
    )


class _Derived(ColumnElement[Any]):
    """A derived column's expression, in the dialect's own SQL."""

    inherit_cache = True
    _traverse_internals = [("derived", InternalTraversal.dp_string)]

    def __init__(self, derived: str) -> None:
        self.derived = derived


@compiles(_Derived)
def _derived_sql(element: _Derived, compiler: SQLCompiler, **kw: Any) -> str:
    return DERIVED[compiler.dialect.name][element.derived]


def derived_expression(column: str, *, stored: bool | None = None) -> Computed:
    """The generated-column clause of a derived column (stored as on SQLite unless told)."""
    if stored is None:
        stored = column in STORED_ON_SQLITE or None
    return Computed(_Derived(column), persisted=stored)


class AuditEvent(Base):
    """One audited operation: who, with which passkey, when, what, on which records, why.

    ``body`` is the entry itself, the canonical JSON its hash covers; the other columns are
    read from it by the database. Holds identifiers and codes only, never personal data
    (erasure logs keep metadata).
    """

    __tablename__ = "audit_events"

    seq: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=False
    )
    body: Mapped[str] = mapped_column(Text)
    prev_hash: Mapped[bytes] = mapped_column(LargeBinary(32))
    hash: Mapped[bytes] = mapped_column(LargeBinary(32))
    at: Mapped[datetime] = mapped_column(derived_expression("at"))
    action: Mapped[str] = mapped_column(String(64), derived_expression("action"), index=True)
    actor_id: Mapped[uuid.UUID | None] = mapped_column(derived_expression("actor_id"), index=True)
    agency_id: Mapped[uuid.UUID | None] = mapped_column(derived_expression("agency_id"))
    passkey_id: Mapped[uuid.UUID | None] = mapped_column(derived_expression("passkey_id"))
    purpose: Mapped[str | None] = mapped_column(Text, derived_expression("purpose"))
    records: Mapped[str] = mapped_column(
        Text, derived_expression("records")
    )  # JSON list of {"kind", "id"}
    detail: Mapped[str] = mapped_column(Text, derived_expression("detail"))  # JSON object
    n_records: Mapped[int] = mapped_column(Integer, derived_expression("n_records"))


class AuditHead(Base):
    """The single row naming the chain's last entry; updating it first serialises appends."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"))
    hash: Mapped[bytes] = mapped_column(LargeBinary(32))


class AuditCheckpoint(Base):
    """A signed statement that entry ``seq`` of the chain had ``hash`` at ``at``.

    Signed with the key ring's audit key (Ed25519), which the database never holds: an
    insider who rewrites the log and recomputes every hash still cannot forge these.
    """

    __tablename__ = "audit_checkpoints"

    seq: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=False
    )
    hash: Mapped[bytes] = mapped_column(LargeBinary(32))
    at: Mapped[str] = mapped_column(String(40))  # ISO 8601, exactly as signed
    key_id: Mapped[str] = mapped_column(String(64))
    signature: Mapped[bytes] = mapped_column(LargeBinary(64))


class AuditRecord(Base):
    """Which records an entry touched, one row each: the index behind "who looked at this
    child's records" (the entry's own ``records`` column is what its hash covers)."""

    __tablename__ = "audit_records"

    # No foreign key: the index is checked against the entries by ``audit verify``, and a
    # key would only stand in the way of reading a damaged log.
    seq: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=False
    )
    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    record_id: Mapped[str] = mapped_column(String(64), primary_key=True)  # a UUID or token id

    # PostgreSQL indexes the records inside the entries themselves (GIN over ``records``).
    __table_args__ = (
        Index("ix_audit_records_record", "record_id", "kind"),
        {"info": {"only_on": "sqlite"}},
    )


def keeps_record_index(dialect: str) -> bool:
    """Whether this engine keeps ``audit_records`` (SQLite), or indexes the records inside
    the entries themselves (PostgreSQL, GIN over ``records``)."""
    return bool(table_of(AuditRecord).info.get("only_on", dialect) == dialect)


class ReadNote(Base):
    """What a reader wrote about why they opened a record, sealed under that record's data
    key (AAD: ``read_notes``, the row, ``note``).

    The audit entry of the read keeps the purpose as a code and names this row in its
    detail (``notes``); the words stay here, so erasing the record (destroying its key)
    erases them too. The log itself cannot be edited and outlives every record.
    """

    __tablename__ = "read_notes"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    concern_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("concerns.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    crypto_note: Mapped[bytes] = mapped_column(LargeBinary)
