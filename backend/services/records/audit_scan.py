"""A fast first pass of ``audit verify``: is anything wrong with the log, yes or no?

The walk in ``audit_chain`` names the first bad entry and what happened to it, but builds a
row object per entry. An intact log — the everyday case — needs no story, only proof:

- every entry's ``body`` is the exact bytes its hash covers, so the chain is proved by one
  SHA-256 per entry over stored bytes, each checked against the hash before it. The log is
  cut into ranges by sequence, each proved on its own (the stored ``prev_hash`` ties each
  range to the last hash of the one before), so the ranges run side by side: in worker
  processes on SQLite, in server processes on PostgreSQL;
- the columns access reviews read are generated from ``body`` by the database, so proving
  the bodies proves them, once ``derived_columns_problem`` has checked their definitions;
- on SQLite, the record index access reviews use is checked by range beside the chain,
  and by its size; PostgreSQL indexes the records inside the hashed bodies (GIN), so it has
  no separate index to check;
- head and checkpoints are a few small queries.

Everything is bounded by the head read first, so entries appended meanwhile are left for
the next run. Any doubt at all returns ``False``; the caller then walks the chain to name
what is wrong. The scan never decides that a log is bad, only that it is good.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import sqlite3
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor

from sqlalchemy import Column, MetaData, Table, inspect, select, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session
from sqlalchemy.schema import CreateTable

import crypto
from backend.models import AuditEvent, table_of
from backend.models.audit import (
    DERIVED,
    derived_expression,
    keeps_record_index,
    sqlite_audit_events_sql,
)

_EVENTS = table_of(AuditEvent)
# Below this many entries one range in this process beats starting workers.
PARALLEL_FROM = 100_000


def derived_columns_problem(session: Session) -> str | None:
    """None while every derived column of the log is generated from ``body`` by exactly the
    expression the model names; otherwise what is not (its values could then lie)."""
    conn = session.connection()
    if conn.dialect.name == "sqlite":
        # SQLite keeps the statement that made the table: it must be ours, word for word.
        made = conn.execute(
            text("SELECT sql FROM sqlite_schema WHERE type = 'table' AND name = 'audit_events'")
        ).scalar()
        if made == sqlite_audit_events_sql('"audit_events"'):
            return None
        return (
            "audit_events is not the table the migrations made: its columns may no longer be "
            "derived from each entry's hashed body, and access reviews could be misled"
        )
    found = {
        c["name"]: c["computed"]["sqltext"] if c.get("computed") else None  # type: ignore[typeddict-item]
        for c in inspect(conn).get_columns("audit_events")
    }
    for column, expression in _deparsed_by_server(conn).items():
        if found.get(column) is None or str(found[column]) != expression:
            return (
                f"audit_events.{column} is no longer derived from each entry's hashed body: "
                "access reviews reading it could be misled"
            )
    return None


def _deparsed_by_server(conn: Connection) -> dict[str, str]:
    """The model's expressions as this server prints them back (versions print differently),
    read off a temporary table made with them."""
    reference = Table(
        "frontline_audit_reference",
        MetaData(),
        Column("body", _EVENTS.c.body.type),
        *(
            Column(name, _EVENTS.c[name].type, derived_expression(name, stored=True))
            for name in DERIVED["postgresql"]
        ),
        prefixes=["TEMPORARY"],
    )
    conn.execute(CreateTable(reference))
    try:
        return {
            c["name"]: str(c["computed"]["sqltext"])
            for c in inspect(conn).get_columns("frontline_audit_reference")
            if c.get("computed")
        }
    finally:
        conn.execute(text("DROP TABLE frontline_audit_reference"))


# --- a range of entries at a time: their chain and their record index -------------------

_RANGE_SQL = (
    "SELECT prev_hash, CAST(body AS BLOB), hash, n_records FROM audit_events"
    " WHERE seq > ? AND seq <= ? ORDER BY seq"
)
# An index row of the range whose entry is missing or does not name that record (an
# entry's records are stored verbatim, so each appears there as exactly this text).
_STRAY_SQL = (
    "SELECT 1 FROM audit_records r LEFT JOIN audit_events e ON e.seq = r.seq"
    " WHERE r.seq > :low AND r.seq <= :high AND (e.seq IS NULL OR instr(e.records,"
    " '{\"id\":' || json_quote(r.record_id) || ',\"kind\":' || json_quote(r.kind) || '}') = 0)"
    " LIMIT 1"
)


def _range_sqlite(
    conn: sqlite3.Connection, low: int, high: int, start: bytes, batch: int
) -> int | None:
    """How many records entries low+1..high name, when every one of them is there, names
    the hash before it (the first names ``start``) and hashes to its own, and every index
    row of theirs is a record they name; None when anything is off."""
    rows = conn.execute(_RANGE_SQL, (low, high))
    sha256, previous, seen, named = hashlib.sha256, start, 0, 0
    while batch_rows := rows.fetchmany(batch):
        for prev_hash, body, digest, records in batch_rows:
            if prev_hash != previous or sha256(prev_hash + body).digest() != digest:
                return None
            previous = digest
            named += records
        seen += len(batch_rows)
    if seen != high - low or conn.execute(_STRAY_SQL, {"low": low, "high": high}).fetchone():
        return None
    return named


def _range_in_file(path: str, low: int, high: int, start: bytes, batch: int) -> int | None:
    """``_range_sqlite`` in a worker process, on its own read-only connection."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return _range_sqlite(conn, low, high, start, batch)
    finally:
        conn.close()


_PG_RANGE_SQL = text(
    # Hashed before the window (OFFSET 0 keeps it there), which then carries no bodies;
    # ORDER BY inside, or the planner sorts the range again after reading it in order.
    "SELECT count(*), count(*) FILTER (WHERE prev_hash <> before OR NOT holds),"
    " coalesce(sum(n_records), 0) FROM"
    " (SELECT prev_hash, holds, n_records, lag(hash, 1, :start) OVER (ORDER BY seq) AS before"
    " FROM (SELECT seq, prev_hash, hash, n_records,"
    " sha256(prev_hash || convert_to(body, 'UTF8')) = hash AS holds"
    " FROM audit_events WHERE seq > :low AND seq <= :high ORDER BY seq OFFSET 0) h) t"
)


def _range_pg(engine: Engine, low: int, high: int, start: bytes) -> int | None:
    """``_range_sqlite`` on PostgreSQL, the hashing done by the server. (No index rows to
    check: the server indexes the records inside the entries themselves.)"""
    with engine.connect() as conn:
        seen, bad, named = conn.execute(
            _PG_RANGE_SQL, {"low": low, "high": high, "start": start}
        ).one()
    return int(named) if seen == high - low and not bad else None


def _ranges(conn: Connection, head: int, parts: int) -> list[tuple[int, int, bytes]]:
    """Split 1..head into ``parts`` ranges, each with the stored hash it must start from."""
    bounds = [head * i // parts for i in range(parts + 1)]
    inner = sorted(set(bounds[1:-1]) - {0})
    starts = {0: crypto.GENESIS}
    if inner:
        found = conn.execute(select(_EVENTS.c.seq, _EVENTS.c.hash).where(_EVENTS.c.seq.in_(inner)))
        starts.update((seq, bytes(digest)) for seq, digest in found)
    if not set(inner) <= starts.keys():
        return []  # an entry where two ranges meet is missing: doubt
    return [(low, high, starts[low]) for low, high in zip(bounds, bounds[1:], strict=False)]


def _workers(requested: int | None, head: int) -> int:
    if requested is not None:
        return max(1, requested)
    if head < PARALLEL_FROM:
        return 1
    return max(1, min(len(os.sched_getaffinity(0)), 8))


# --- the rest of the log, as a few small queries ----------------------------------------


def _ends_hold(conn: Connection, head: int, head_hash: bytes, named: int) -> bool:
    """The head, the checkpoints, the size of the record index, and nothing past the head
    but appends made since."""
    one = {"head": head}
    if head:
        last = conn.execute(text("SELECT hash FROM audit_events WHERE seq = :head"), one).scalar()
        if last is None or bytes(last) != head_hash:
            return False
    if conn.execute(
        text(
            "SELECT 1 FROM audit_checkpoints c LEFT JOIN audit_events e ON e.seq = c.seq"
            " WHERE c.seq > :head OR e.hash IS NULL OR e.hash <> c.hash LIMIT 1"
        ),
        one,
    ).first():
        return False
    # Entries past the head read first are appends made since, only if the head (read
    # again, in the same statement) covers them.
    after, now = conn.execute(
        text(
            "SELECT (SELECT max(seq) FROM audit_events), (SELECT seq FROM audit_head WHERE id = 1)"
        )
    ).one()
    if after is not None and after > now:
        return False
    if not keeps_record_index(conn.dialect.name):
        return True
    # The record index: as many rows as the entries name records (each names each once),
    # every one a record its entry names (checked by range), so the two sets are equal;
    # and past the head, only rows of entries appended since.
    indexed, orphan = conn.execute(
        text(
            "SELECT (SELECT count(*) FROM audit_records WHERE seq <= :head),"
            " (SELECT 1 FROM audit_records r WHERE r.seq > :head AND NOT EXISTS"
            " (SELECT 1 FROM audit_events e WHERE e.seq = r.seq) LIMIT 1)"
        ),
        one,
    ).one()
    return indexed == named and orphan is None


def log_is_intact(
    session: Session, *, batch: int = 10_000, workers: int | None = None
) -> tuple[bool, int]:
    """(True, entries) when the whole log up to its head is provably intact; (False, _)
    when anything at all is off, for the caller's walk to name.

    ``workers``: ranges proved side by side (default: one per core for a long log)."""
    row = session.execute(text("SELECT seq, hash FROM audit_head WHERE id = 1")).one()
    head, head_hash = int(row.seq), bytes(row.hash)
    if derived_columns_problem(session) is not None:
        return False, head
    conn = session.connection()
    parts = _workers(workers, head)
    path = conn.engine.url.database
    if conn.dialect.name == "postgresql":
        ranges = _ranges(conn, head, parts)
        with ThreadPoolExecutor(max_workers=parts) as pool:
            named = list(pool.map(lambda r: _range_pg(conn.engine, *r), ranges))
    elif parts == 1 or not path or path == ":memory:" or _FORK is None:
        # All here, on this connection (its own transaction sees what it wrote).
        ranges = [(0, head, crypto.GENESIS)]
        driver = conn.connection.driver_connection
        named = [_range_sqlite(driver, 0, head, crypto.GENESIS, batch)]  # type: ignore[arg-type]
    else:
        # Worker processes read the file themselves (forked: they start in milliseconds
        # and need nothing but the standard library), one range each: cut finer, the
        # ranges were slower here, not faster (measured).
        ranges = _ranges(conn, head, parts)
        with ProcessPoolExecutor(max_workers=parts, mp_context=_FORK) as pool:
            futures = [pool.submit(_range_in_file, path, *r, batch) for r in ranges]
            named = [f.result() for f in futures]
    if not ranges or None in named:
        return False, head
    return _ends_hold(conn, head, head_hash, sum(n for n in named if n is not None)), head


_FORK = (
    multiprocessing.get_context("fork")
    if "fork" in multiprocessing.get_all_start_methods()
    else None
)
