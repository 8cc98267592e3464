"""A fast first pass of ``audit verify``: is anything wrong with the log, yes or no?

The walk in ``audit_chain`` replays the chain entry by entry in Python, which is what
names the first bad entry and what happened to it, but spends most of its time building
row objects. An intact log — the everyday case — needs no story, only proof, and most of
the proof is set work the database does in C:

- the canonical JSON of every entry is assembled in SQL (the same bytes ``db_audit``
  hashed; a test holds the two equal on both engines, odd text included);
- PostgreSQL hashes it too (``sha256``) and answers the first entry whose hash differs;
  on SQLite a tight loop over (previous hash, canonical bytes, hash) does one SHA-256 call
  per entry, which is the floor any verifier pays;
- sequence, links between entries, the head, the checkpoints and the record index are
  each one aggregate query (on PostgreSQL in a second server process while it hashes).

Everything is bounded by the head read first, so entries appended meanwhile are left for
the next run. Any doubt at all returns ``False``; the caller then walks the chain to name
what is wrong. The scan never decides that a log is bad, only that it is good.
"""

from __future__ import annotations

import hashlib
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from sqlalchemy import LargeBinary, cast, func, literal_column, select, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session

import crypto
from backend.models import AuditEvent, table_of

_EVENTS = table_of(AuditEvent)


def _uuid(dialect: str, column: str) -> str:
    if dialect == "postgresql":
        dashed = f"{column}::text"
    else:  # stored as 32 hex digits
        dashed = " || '-' || ".join(
            f"substr({column}, {start}, {length})"
            for start, length in ((1, 8), (9, 4), (13, 4), (17, 4), (21, 12))
        )
    return f"""coalesce('"' || {dashed} || '"', 'null')"""


def canonical_sql(dialect: str) -> str:
    """SQL for the canonical JSON of an ``audit_events`` row, as text.

    Keys in code-point order; ``records`` and ``detail`` are stored canonical; strings are
    quoted by the engine's JSON quoting, which escapes exactly what RFC 8785 does.
    """
    if dialect == "postgresql":
        quote = "coalesce(to_json({})::text, 'null')"
        at = (
            "replace(to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US'), "
            "'.000000', '') || '+00:00'"
        )
        seq = "seq::text"
    else:
        quote = "json_quote({})"
        at = "replace(replace(at, ' ', 'T'), '.000000', '') || '+00:00'"
        seq = "seq"
    parts = [
        """'{"action":' || """ + quote.format("action"),
        """',"actor_id":' || """ + _uuid(dialect, "actor_id"),
        """',"agency_id":' || """ + _uuid(dialect, "agency_id"),
        """',"at":"' || """ + at + """ || '"'""",
        """',"detail":' || detail""",
        """',"passkey_id":' || """ + _uuid(dialect, "passkey_id"),
        """',"purpose":' || """ + quote.format("purpose"),
        """',"records":' || records""",
        """',"seq":' || """ + seq + " || '}'",
    ]
    return "(" + " || ".join(parts) + ")"


def _hashes_hold(conn: Connection, head: int, batch: int) -> bool:
    """True when every entry up to ``head`` hashes to its stored hash."""
    if head == 0:
        return True
    canonical: Any = literal_column(canonical_sql(conn.dialect.name))
    upto = _EVENTS.c.seq <= head
    if conn.dialect.name == "postgresql":
        message = _EVENTS.c.prev_hash.op("||")(func.convert_to(canonical, "UTF8"))
        bad = conn.execute(
            select(_EVENTS.c.seq).where(upto, func.sha256(message) != _EVENTS.c.hash).limit(1)
        ).first()
        return bad is None
    query = (
        select(_EVENTS.c.prev_hash, cast(canonical, LargeBinary), _EVENTS.c.hash)
        .where(upto)
        .order_by(_EVENTS.c.seq)
        .compile(conn, compile_kwargs={"literal_binds": True})
    )
    # The driver's own cursor: one tuple per entry, nothing built around it.
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.execute(str(query))
        sha256 = hashlib.sha256
        while rows := cursor.fetchmany(batch):
            for previous, canonical_bytes, digest in rows:
                if sha256(previous + canonical_bytes).digest() != digest:
                    return False
        return True
    finally:
        cursor.close()


# The records each entry names, less those the index holds; and the other way round.
_INDEX_DIFFERS = {
    "postgresql": (
        "SELECT 1 FROM (SELECT e.seq, r->>'kind', r->>'id' FROM audit_events e,"
        " jsonb_array_elements(e.records::jsonb) r WHERE e.seq <= :head"
        " EXCEPT SELECT seq, kind, record_id FROM audit_records WHERE seq <= :head) d LIMIT 1",
        "SELECT 1 FROM (SELECT seq, kind, record_id FROM audit_records WHERE seq <= :head"
        " EXCEPT SELECT e.seq, r->>'kind', r->>'id' FROM audit_events e,"
        " jsonb_array_elements(e.records::jsonb) r WHERE e.seq <= :head) d LIMIT 1",
    ),
    "sqlite": (
        "SELECT 1 FROM (SELECT e.seq, json_extract(r.value, '$.kind'),"
        " json_extract(r.value, '$.id') FROM audit_events e, json_each(e.records) r"
        " WHERE e.seq <= :head"
        " EXCEPT SELECT seq, kind, record_id FROM audit_records WHERE seq <= :head) LIMIT 1",
        "SELECT 1 FROM (SELECT seq, kind, record_id FROM audit_records WHERE seq <= :head"
        " EXCEPT SELECT e.seq, json_extract(r.value, '$.kind'),"
        " json_extract(r.value, '$.id') FROM audit_events e, json_each(e.records) r"
        " WHERE e.seq <= :head) LIMIT 1",
    ),
}


def _structure_holds(conn: Connection, head: int, head_hash: bytes) -> bool:
    """Sequence, links, head, checkpoints and record index, each as one query."""
    dialect = conn.dialect.name
    one = {"head": head}
    count, low, high = conn.execute(
        text("SELECT count(*), min(seq), max(seq) FROM audit_events WHERE seq <= :head"), one
    ).one()
    if count != head or (head and (low, high) != (1, head)):
        return False
    if head == 0:
        return _nothing_beyond(conn, head)
    last = conn.execute(text("SELECT hash FROM audit_events WHERE seq = :head"), one).one()
    if bytes(last.hash) != head_hash:
        return False
    broken_link = conn.execute(
        text(
            "SELECT 1 FROM (SELECT seq, prev_hash, lag(hash) OVER (ORDER BY seq) AS before"
            " FROM audit_events WHERE seq <= :head) t"
            " WHERE prev_hash <> coalesce(before, :genesis) LIMIT 1"
        ),
        {**one, "genesis": crypto.GENESIS},
    ).first()
    if broken_link is not None:
        return False
    checkpoint_off = conn.execute(
        text(
            "SELECT 1 FROM audit_checkpoints c LEFT JOIN audit_events e ON e.seq = c.seq"
            " WHERE c.seq > :head OR e.hash IS NULL OR e.hash <> c.hash LIMIT 1"
        ),
        one,
    ).first()
    if checkpoint_off is not None:
        return False
    for differs in _INDEX_DIFFERS[dialect]:
        if conn.execute(text(differs), one).first() is not None:
            return False
    return _nothing_beyond(conn, head)


def _nothing_beyond(conn: Connection, head: int) -> bool:
    """Entries past the head read first are appends made since, only if the head (read
    again, in the same statement) covers them; index rows past it belong to an entry."""
    beyond = conn.execute(
        text(
            "SELECT (SELECT max(seq) FROM audit_events), (SELECT seq FROM audit_head WHERE id = 1),"
            " (SELECT 1 FROM audit_records r WHERE r.seq > :head AND NOT EXISTS"
            " (SELECT 1 FROM audit_events e WHERE e.seq = r.seq) LIMIT 1)"
        ),
        {"head": head},
    ).one()
    last, now, orphan = beyond
    return (last is None or last <= now) and orphan is None


def log_is_intact(session: Session, *, batch: int = 10_000) -> tuple[bool, int]:
    """(True, entries) when the whole log up to its head is provably intact; (False, _)
    when anything at all is off, for the caller's walk to name."""
    row = session.execute(text("SELECT seq, hash FROM audit_head WHERE id = 1")).one()
    head, head_hash = int(row.seq), bytes(row.hash)
    conn = session.connection()
    if conn.dialect.name == "sqlite":
        # One connection: a second one in this process, reading while this one hashes,
        # made both twice as slow here (measured), and SQLite gives no second process.
        return _structure_holds(conn, head, head_hash) and _hashes_hold(conn, head, batch), head
    with ThreadPoolExecutor(max_workers=1) as pool:
        # PostgreSQL: the structure queries run in a second server process meanwhile.
        structure = pool.submit(_structure_on, conn.engine, head, head_hash)
        hashes = _hashes_hold(conn, head, batch)
        return hashes and structure.result(), head


def _structure_on(engine: Engine, head: int, head_hash: bytes) -> bool:
    with engine.connect() as conn:
        return _structure_holds(conn, head, head_hash)
