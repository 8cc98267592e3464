"""Engines, sessions and the few SQL helpers every layer shares (locks, chunked IN lists,
insert-if-absent). No Flask here: the per-request session is ``backend.http.db_session``."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Engine, Select, create_engine, event, func, select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

SQLITE_BUSY_SECONDS = 10  # how long a write waits for SQLite's lock, unless told otherwise
BUSY_PRAGMA = f"PRAGMA busy_timeout={SQLITE_BUSY_SECONDS * 1000}"
# Between two tries at SQLite's write lock: short, because another process's writers hand it
# on to each other within microseconds, and a try that sleeps long misses every gap.
LOCK_RETRY_SECONDS = 0.001

# When the waits for SQLite's write lock in this context must end (``time.monotonic()``);
# None: SQLITE_BUSY_SECONDS from each wait's start. A request sets it (backend/http).
_write_deadline: ContextVar[float | None] = ContextVar("write_deadline", default=None)


@contextmanager
def write_deadline(at: float | None) -> Iterator[None]:
    """Wait for SQLite's write lock no later than ``at`` (``time.monotonic()``) in this block.

    A request that waited longer would outlive its client's patience and the server's
    timeout; past the deadline a write fails at once with SQLITE_BUSY (``is_busy``), and
    the caller answers "try again". PostgreSQL ignores it.
    """
    token = _write_deadline.set(at)
    try:
        yield
    finally:
        _write_deadline.reset(token)


def is_busy(exc: BaseException) -> bool:
    """Whether ``exc`` is SQLite's write lock not coming free before the wait's deadline:
    nothing was written, and the very same work may be tried again."""
    cause = getattr(exc, "orig", exc)
    code = getattr(cause, "sqlite_errorcode", None)
    return isinstance(cause, sqlite3.OperationalError) and code is not None and code & 0xFF == 5


# PostgreSQL's deadlock_detected and serialization_failure: the transaction lost to another
# and nothing of the failed statement was written; the same work may run again.
_CONTENDED = frozenset({"40P01", "40001"})


def is_contended(exc: BaseException) -> bool:
    """Whether ``exc`` is PostgreSQL rolling back a statement that deadlocked with another
    transaction (``_CONTENDED``)."""
    cause = getattr(exc, "orig", exc)
    return getattr(cause, "sqlstate", None) in _CONTENDED


def make_engine(url: str, **kwargs: Any) -> Engine:
    """Create an engine; SQLite gets WAL, foreign keys and a busy timeout on every connection.

    A failed statement's error never lists its values (``hide_parameters``): they are blind
    indexes, sealed fields and the words of the records, and an error's text reaches
    tracebacks that no one reviews as they review the records. (PostgreSQL's own message
    may still quote a key it refused, so no log writes an error's text either:
    ``backend/http/logs.py``.)"""
    kwargs.setdefault("hide_parameters", True)
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

        # Every transaction takes SQLite's one write lock at its start (BEGIN IMMEDIATE: a
        # transaction that reads and then writes would otherwise fail with SQLITE_BUSY when
        # another writer committed in between; PostgreSQL is the engine for concurrency).
        # Threads of this process queue for it in turn; the lock itself is then tried often
        # until the wait's deadline (``_begin_immediate``).
        writer = _WriterQueue()

        @event.listens_for(engine, "begin")
        def _begin(conn: Any) -> None:
            deadline = _write_deadline.get()
            if deadline is None:
                deadline = time.monotonic() + SQLITE_BUSY_SECONDS
            conn.info["writer"] = writer.acquire(timeout=deadline - time.monotonic())
            try:
                _begin_immediate(conn, deadline)
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


class _WriterQueue:
    """This process's threads take SQLite's write lock in the order they asked for it.

    A plain lock lets the thread that just released it take it straight back (it holds the
    interpreter; the woken waiter does not yet), so a thread running a batch of short
    transactions kept it from the others for seconds. Re-entrant for the thread that holds
    it, as a second connection of that thread would otherwise wait on itself.
    """

    def __init__(self) -> None:
        self._turns = threading.Condition()
        self._waiting: deque[object] = deque()
        self._owner: int | None = None
        self._depth = 0

    def acquire(self, timeout: float) -> bool:
        """Wait for this thread's turn, at most ``timeout`` seconds; False if it never came."""
        me, ticket = threading.get_ident(), object()
        deadline = time.monotonic() + timeout
        with self._turns:
            if self._owner == me:
                self._depth += 1
                return True
            self._waiting.append(ticket)
            while self._owner is not None or self._waiting[0] is not ticket:
                left = deadline - time.monotonic()
                if left <= 0:
                    self._waiting.remove(ticket)
                    self._turns.notify_all()  # whoever was behind may now be first
                    return False
                self._turns.wait(left)
            self._waiting.popleft()
            self._owner, self._depth = me, 1
            return True

    def release(self) -> None:
        with self._turns:
            self._depth -= 1
            if self._depth <= 0:
                self._owner, self._depth = None, 0
                self._turns.notify_all()


def _begin_immediate(conn: Any, deadline: float) -> None:
    """BEGIN IMMEDIATE, tried again every millisecond until ``deadline``.

    SQLite's own busy handler sleeps longer and longer between tries (up to 100 ms), and
    the writers of another process hand the lock on to each other within microseconds: a
    waiter that sleeps that long finds it taken again and again, for as long as the other
    process has work (with four clients syncing at once, waits of seconds, and batches
    answered 503). Short tries find the gaps. The last try goes through SQLAlchemy, so a
    wait that ran out raises its OperationalError (``is_busy``).
    """
    raw = conn.connection.dbapi_connection
    raw.execute("PRAGMA busy_timeout=0")  # our tries, not SQLite's sleeps
    try:
        while time.monotonic() < deadline:
            try:
                raw.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as exc:
                if not is_busy(exc):
                    break  # not a wait: the try below raises it as SQLAlchemy's error
            time.sleep(LOCK_RETRY_SECONDS)
        conn.exec_driver_sql("BEGIN IMMEDIATE")
    finally:
        raw.execute(BUSY_PRAGMA)  # statements inside the transaction keep the usual wait


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


# Caches a service keeps in ``session.info`` (live rules, merged subjects, the passkeys
# proofs were made with, whose devices are told of a delivery) hold for one transaction:
# its end, commit or rollback, drops them, and so does a savepoint rolled back (what it
# cached may have been undone). A savepoint released keeps them: its work stands, and the
# pipeline's envelopes, a savepoint each, share one transaction's lookups.
_TRANSACTION_CACHES = ("rules", "canonical", "members", "passkeys", "subscribers")


def _drop(session: Session) -> None:
    for name in _TRANSACTION_CACHES:
        session.info.pop(name, None)


@event.listens_for(Session, "after_transaction_end")
def _drop_caches(session: Session, transaction: Any) -> None:
    if transaction.parent is None:
        _drop(session)


@event.listens_for(Session, "after_soft_rollback")
def _drop_rolled_back(session: Session, _previous: Any) -> None:
    _drop(session)


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
    if len(set(names)) == 1:
        take = func.pg_advisory_xact_lock_shared if shared else func.pg_advisory_xact_lock
        session.execute(select(take(func.hashtextextended(names[0], 0))))
    else:
        session.execute(_TAKE_SHARED if shared else _TAKE, {"names": sorted(set(names))})
    return True


# Many locks in one round trip, in the order of their 64-bit keys: the subquery's sort is
# the order the outer query takes them in (a linked concern takes a dozen or more).
_SORTED = (
    "FROM (SELECT DISTINCT hashtextextended(n, 0) AS k"
    " FROM unnest(CAST(:names AS text[])) AS n ORDER BY k) AS sorted"
)
_TAKE = text(f"SELECT pg_advisory_xact_lock(k) {_SORTED}")  # noqa: S608 - constant text
_TAKE_SHARED = text(f"SELECT pg_advisory_xact_lock_shared(k) {_SORTED}")  # noqa: S608


T = TypeVar("T")
IN_LIST_SIZE = 500  # ids bound into one IN (...): well under SQLite's variable limit


def db_locked_row(session: Session, query: Select[T]) -> T | None:
    """The row, locked for update and read as it stands once any other writer of it has
    committed: ``FOR UPDATE`` on PostgreSQL; on SQLite the write lock is taken at BEGIN."""
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update()
    return session.scalar(query.execution_options(populate_existing=True))


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
