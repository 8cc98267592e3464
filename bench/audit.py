"""The audit log's costs (not a test): writing an entry beside the change it records, and
``audit verify`` over a long log, each beside a raw baseline from the same run.

    .venv/bin/python bench/audit.py [--entries 1000000] [--engines sqlite,postgresql]

- verify: entries per second and MB/s of hashed bytes, beside raw SHA-256 over exactly the
  same bytes (previous hash + canonical entry, one call per entry). Goal: >= 0.5 of raw.
- append: p50/p99 of db_audit (head update + entry + record index) in its own
  transaction, beside the same transaction with a plain one-row INSERT.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import statistics
import sys
import time
import uuid
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
sys.path.insert(0, str(ROOT))

from sqlalchemy import Column, Integer, MetaData, String, Table, insert, text, update  # noqa: E402

import crypto  # noqa: E402
from backend.core import migrate  # noqa: E402
from backend.core.db import make_engine, make_sessionmaker  # noqa: E402
from backend.models import AuditEvent, AuditHead, AuditRecord, table_of, utcnow  # noqa: E402
from backend.models.audit import keeps_record_index  # noqa: E402
from backend.services.records.audit import Actor, db_audit  # noqa: E402
from backend.services.records.audit_chain import db_checkpoint, verify  # noqa: E402
from backend.services.records.audit_scan import _workers  # noqa: E402
from bench.ingest import each_engine  # noqa: E402

EVENTS, RECORDS, HEAD = table_of(AuditEvent), table_of(AuditRecord), table_of(AuditHead)
# The baseline's table: three columns like an index row, in a table of its own.
PLAIN = Table(
    "bench_plain",
    MetaData(),
    Column("seq", Integer),
    Column("kind", String(16)),
    Column("record_id", String(64)),
)
ACTIONS = ("concern.consulted", "delivery.listed", "concern.disclosed", "alert.listed")


def generate(sessions, ring, entries: int) -> tuple[bytes, list[int]]:  # type: ignore[no-untyped-def]
    """Write a realistic chain in bulk (the hashes exactly as db_audit makes them); return
    the bytes a verifier hashes, for the raw baseline."""
    actors = [Actor(uuid.uuid4(), uuid.uuid4(), uuid.uuid4()) for _ in range(200)]
    start = utcnow() - timedelta(days=365)
    previous = crypto.GENESIS
    hashed = bytearray()
    sizes: list[int] = []
    batch, index = [], []
    with sessions() as s:
        for seq in range(1, entries + 1):
            actor = actors[seq % len(actors)]
            records = [{"kind": "concern", "id": str(uuid.uuid4())}]
            detail = {"inbox": "mash", "n": seq % 7}
            at = start + timedelta(seconds=seq * 3)
            entry = {
                "seq": seq,
                "at": at.isoformat(),
                "action": ACTIONS[seq % len(ACTIONS)],
                "actor_id": str(actor.user_id),
                "agency_id": str(actor.agency_id),
                "passkey_id": str(actor.passkey_id),
                "records": records,
                "purpose": "MASH screening" if seq % 2 else None,
                "detail": detail,
            }
            canonical = crypto.canonical_json(entry)
            digest = hashlib.sha256(previous + canonical).digest()
            if seq <= 2_000_000:  # the raw baseline needs a large sample, not all of it
                hashed += previous + canonical
                sizes.append(32 + len(canonical))
            batch.append(
                {"seq": seq, "body": canonical.decode(), "prev_hash": previous, "hash": digest}
            )
            index.append({"seq": seq, "kind": "concern", "record_id": records[0]["id"]})
            previous = digest
            if len(batch) == 20_000 or seq == entries:
                s.execute(insert(EVENTS), batch)
                if keeps_record_index(s.get_bind().dialect.name):
                    s.execute(insert(RECORDS), index)
                batch, index = [], []
            if seq == entries // 2:
                s.execute(update(HEAD).where(HEAD.c.id == 1).values(seq=seq, hash=digest))
                db_checkpoint(s, ring)
        s.execute(update(HEAD).where(HEAD.c.id == 1).values(seq=entries, hash=previous))
        db_checkpoint(s, ring)
        s.commit()
    if sessions.kw["bind"].dialect.name == "postgresql":
        # What autovacuum does soon after a bulk load, before the planner sees the rows.
        with sessions.kw["bind"].connect().execution_options(isolation_level="AUTOCOMMIT") as c:
            c.execute(text("ANALYZE audit_events"))
    return bytes(hashed), sizes


def raw_sha256(hashed: bytes, entry_bytes: list[int]) -> float:
    """Seconds to SHA-256 the same bytes, one call per entry (what a verifier must do)."""
    view = memoryview(hashed)
    t = time.perf_counter()
    at = 0
    for n in entry_bytes:
        hashlib.sha256(view[at : at + n]).digest()
        at += n
    return time.perf_counter() - t


def run(entries: int, engine_name: str, url: str) -> None:
    engine = make_engine(url)
    migrate.upgrade(engine)
    sessions = make_sessionmaker(engine)
    ring = crypto.generate_keyring()
    t = time.perf_counter()
    hashed, sizes = generate(sessions, ring, entries)
    print(f"[{engine_name}] generated {entries:,} entries in {time.perf_counter() - t:.0f} s")
    raw = raw_sha256(hashed, sizes)
    raw_rate = len(sizes) / raw
    for workers in (None, 1):
        with sessions() as s:
            t = time.perf_counter()
            verdict = verify(s, ring, batch=10_000, workers=workers)
            took = time.perf_counter() - t
        assert verdict.ok, verdict
        rate = entries / took
        mb = len(hashed) / len(sizes) * entries / took / 1e6
        how = f"{_workers(None, entries)} ranges side by side" if workers is None else "one range"
        print(
            f"[{engine_name}] verify ({how}): {rate:,.0f} entries/s ({mb:.1f} MB/s),"
            f" {verdict.checkpoints} checkpoints; raw SHA-256 over the same bytes in one"
            f" thread: {raw_rate:,.0f} entries/s; ratio {rate / raw_rate:.2f} (goal 0.5)"
        )
    PLAIN.create(engine)
    appends, plain = [], []
    for n in range(500):
        with sessions() as s:
            t = time.perf_counter()
            db_audit(
                s,
                "concern.consulted",
                actor=Actor(uuid.uuid4(), uuid.uuid4(), uuid.uuid4()),
                records=[("concern", uuid.uuid4())],
                purpose="bench",
            )
            s.commit()
            appends.append((time.perf_counter() - t) * 1000)
        with engine.begin() as conn:
            t = time.perf_counter()
            conn.execute(text("SELECT 1"))
            conn.execute(insert(PLAIN), {"seq": n, "kind": "bench", "record_id": str(n)})
            plain.append((time.perf_counter() - t) * 1000)

    def q(values: list[float], p: float) -> float:
        return sorted(values)[int(p * (len(values) - 1))]

    print(
        f"[{engine_name}] audit append per read: p50 {statistics.median(appends):.2f} ms,"
        f" p99 {q(appends, 0.99):.2f} ms; a plain one-row insert transaction: p50"
        f" {statistics.median(plain):.2f} ms, p99 {q(plain, 0.99):.2f} ms"
    )
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--engines", default="sqlite,postgresql")
    parser.add_argument("--pg", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    args = parser.parse_args()
    each_engine(args.engines, args.pg, lambda name, url: run(args.entries, name, url))
    print(json.dumps({"entries": args.entries}))


if __name__ == "__main__":
    main()
