"""Engines, sessions and the few SQL helpers every layer shares (locks, chunked IN lists,
insert-if-absent). No Flask here: the per-request session is ``backend.http.db_session``."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Engine, create_engine, event, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

SQLITE_BUSY_SECONDS = 10
BUSY_PRAGMA = f"PRAGMA busy_timeout={SQLITE_BUSY_SECONDS * 1000}"


def make_engine(url: str, **kwargs: Any) -> Engine:
    """Create an engine; SQLite gets WAL, foreign keys and a busy timeout on every connection."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False}, **kwargs)

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_connection: Any, _record: Any) -> None:
            # We issue BEGIN ourselves (below), so the driver must not.
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute(BUSY_PRAGMA)
            cursor.execute("PRAGMA synchronous=NORMAL")
            # Deleted rows (an erased record, an ended session) are overwritten, not left in
            # free pages.
            cursor.execute("PRAGMA secure_delete=ON")
            # The audit log's columns are generated from each entry's hashed body with
            # SQLite's JSON functions, which the schema may call only when it is trusted.
            # What trusting it could expose is functions the application registers, and it
            # registers none (a test holds that), so the schema can reach nothing that a
            # statement of ours could not.
            cursor.execute("PRAGMA trusted_schema=ON")
            cursor.close()

        # SQLite's busy handler retries with growing sleeps, so under contention one thread
        # can lose for seconds. Threads of this process queue on a lock instead and are
        # woken as soon as the writer finishes; the timeout keeps the lock from ever
        # turning a mistake into a deadlock (SQLite's own busy timeout then applies).
        writer = threading.RLock()

        @event.listens_for(engine, "begin")
        def _begin(conn: Any) -> None:
            conn.info["writer"] = writer.acquire(timeout=SQLITE_BUSY_SECONDS)
            # Take the write lock at the start: a transaction that reads and then writes
            # would otherwise fail with SQLITE_BUSY when another writer committed in between.
            # SQLite serialises writers anyway; PostgreSQL is the engine for concurrency.
            try:
                conn.exec_driver_sql("BEGIN IMMEDIATE")
            except BaseException:
                _release(conn)
                raise

        def _release(conn: Any) -> None:
            if conn.info.pop("writer", False):
                writer.release()

        event.listen(engine, "commit", _release)
        event.listen(engine, "rollback", _release)
        return engine
    return create_engine(url, pool_pre_ping=True, **kwargs)


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


# Caches a service keeps in ``session.info`` (live rules, merged subjects) hold for one
# transaction: whatever ends it, commit or rollback, savepoint or not, drops them.
_TRANSACTION_CACHES = ("rules", "canonical", "members")


@event.listens_for(Session, "after_transaction_end")
def _drop_caches(session: Session, _transaction: Any) -> None:
    for name in _TRANSACTION_CACHES:
        session.info.pop(name, None)


def db_lock(session: Session, *names: str, shared: bool = False) -> bool:
    """Hold named locks until this transaction ends, taken in a fixed order (no deadlock
    between two callers). PostgreSQL: transaction-scoped advisory locks, ``shared`` ones
    held by many at once but not beside an exclusive one. SQLite already lets one writer
    at a time in (BEGIN IMMEDIATE), so there is nothing to take. Returns whether anything
    was taken (whether a caller must look again at what it read before it waited).

    For a read-then-write that a unique constraint cannot guard: "is this child known?"
    then "make the child", or "is this pattern raised?" then "raise it".
    """
    if session.get_bind().dialect.name != "postgresql" or not names:
        return False
    take = func.pg_advisory_xact_lock_shared if shared else func.pg_advisory_xact_lock
    for name in sorted(set(names)):
        session.execute(select(take(func.hashtextextended(name, 0))))
    return True


T = TypeVar("T")
IN_LIST_SIZE = 500  # ids bound into one IN (...): well under SQLite's variable limit


def chunks(items: list[T], size: int = IN_LIST_SIZE) -> Iterator[list[T]]:
    """``items`` in slices of ``size``, for binding long id lists into ``IN`` queries."""
    return (items[i : i + size] for i in range(0, len(items), size))


def db_insert_absent(session: Session, table: Any, rows: list[dict[str, Any]]) -> None:
    """Insert the rows whose primary key is not there yet, in one statement, without
    reading first (both engines: ``ON CONFLICT DO NOTHING``)."""
    if rows:
        session.execute(_insert_absent(session.get_bind().dialect.name, table), rows)


@cache
def _insert_absent(dialect: str, table: Any) -> Any:
    module = postgresql if dialect == "postgresql" else sqlite
    return module.insert(table).on_conflict_do_nothing()  # built once per table
