"""Ingest throughput: the whole pipeline against a raw baseline measured in the same run.

For each engine (SQLite; PostgreSQL when --pg URL of an admin database is given) and each
size, prints envelopes per second (overall, and over the first and the last tenth of the
run, as the database grows), p50/p99 per batch of 20, peak RSS and RSS as the database
grows, for: the pipeline in-process, the pipeline over HTTP against
``frontline serve`` with several workers, and the raw baseline (the same JWE opens plus
the same number of plain INSERTs in a tight loop, committed per batch of 20).
Beside them, the pipeline's compute floor: what it computes for each envelope with no
database at all (open, proof check, validation, a data key, the sealed document, blind
indexes, the language check, an audit hash). No way of storing, routing or linking can
make the pipeline faster than that floor, so its ratio to raw bounds the ratio any
implementation of these steps can reach.
Goals: in process on SQLite, >= 0.5 of the compute floor, and the floor >= 0.5 of raw;
over HTTP, 4 clients >= 0.9 of one on SQLite and 4 workers >= 2.5 of one on PostgreSQL;
with ``--one-child`` (every concern about one child; over HTTP, one child per phone), the
last tenth's rate >= 0.8 of the first tenth's; RSS flat as the database grows.

Run: .venv/bin/python bench/ingest.py [--sizes 10000,100000] [--large]
     [--pg postgresql+psycopg://postgres@127.0.0.1:5432/postgres] [--http-clients 4]
     [--one-child]
"""

from __future__ import annotations

import argparse
import random
import resource
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
sys.path.insert(0, str(ROOT))

from sqlalchemy import text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

import crypto  # noqa: E402
from backend import create_app
from backend.core import migrate
from backend.core.config import Config  # noqa: E402
from backend.core.db import make_engine  # noqa: E402
from backend.domain import language
from backend.models import Passkey, new_id  # noqa: E402
from backend.pipeline.ingest import CONCERN_SCHEMA, Context, ingest  # noqa: E402
from backend.pipeline.open import open_payload  # noqa: E402
from backend.pipeline.validate import validate  # noqa: E402
from backend.services.demo import seed_demo  # noqa: E402
from backend.services.identity.webauthn_rp import (  # noqa: E402
    RelyingParty,
    credential_id_of,
    verify_assertion,
)
from backend.services.linking.blind_keys import indexers  # noqa: E402
from backend.services.linking.identifiers import blind_identifiers  # noqa: E402
from bench.measure import BATCH, Measure, rss_mb, tree_rss_mb  # noqa: E402
from bench.workload import seal_all  # noqa: E402
from tests.authenticator import SoftAuthenticator  # noqa: E402
from tests.live import Server  # noqa: E402
from tests.load import enrol_phones  # noqa: E402


def fresh_database(
    engine_name: str, pg_admin: str | None, work: Path
) -> tuple[str, Callable[[], None]]:
    if engine_name == "sqlite":
        return f"sqlite:///{work / 'bench.db'}", lambda: None
    assert pg_admin
    name = f"frontline_bench_{uuid.uuid4().hex[:10]}"
    admin = make_engine(pg_admin, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        admin.dispose()

    return make_url(pg_admin).set(database=name).render_as_string(hide_password=False), drop


def each_engine(engines: str, pg_admin: str, run: Callable[[str, str], None]) -> None:
    """Run ``run(engine name, database url)`` on a fresh database of each engine."""
    for engine_name in engines.split(","):
        with tempfile.TemporaryDirectory() as work:
            url, drop = fresh_database(engine_name, pg_admin, Path(work))
            try:
                run(engine_name, url)
            finally:
                drop()


def autoanalyze(url: str) -> Callable[[], None]:
    """What stands in for autovacuum's analyze when the server runs without it.

    PostgreSQL's default (``autovacuum = on``) analyzes a table once a tenth of it has
    changed; with it off, the planner plans a growing database from the statistics of an
    empty one (a hash join over every alert where an index lookup was right). Where it is
    off, the benchmark runs ANALYZE at each tenth of the run and says so; otherwise this
    does nothing."""
    if make_url(url).get_backend_name() != "postgresql":
        return lambda: None
    engine = make_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        on = conn.execute(text("SHOW autovacuum")).scalar() == "on"
    if on:
        engine.dispose()
        return lambda: None
    print("(this PostgreSQL runs with autovacuum off: ANALYZE at each tenth stands in for it)")

    def run() -> None:
        with engine.connect() as conn:
            conn.execute(text("ANALYZE"))

    return run


def setup(url: str, work: Path) -> tuple[Any, Any, SoftAuthenticator, dict[str, Any]]:
    instance = work / "instance"
    ring = crypto.generate_keyring()
    crypto.save_keyring_file(ring, instance / "keyring")
    env = {
        "FRONTLINE_ENV": "development",
        "FRONTLINE_INSTANCE": str(instance),
        "DATABASE_URL": url,
        "FRONTLINE_LOG_LEVEL": "WARNING",
    }
    engine = make_engine(url)
    migrate.upgrade(engine)
    engine.dispose()
    app = create_app(Config.from_env(env))
    state = app.extensions["frontline"]
    with state.sessions() as session:
        invites = seed_demo(session, state.keyring, origin=state.config.origins[0])
    token = next(i.token for i in invites if i.name == "PC Sam Okafor")
    client = app.test_client()
    device = SoftAuthenticator()
    h = {"X-Requested-With": "frontline"}
    options = client.post("/api/v1/auth/enrol/begin", json={"invite": token}, headers=h).get_json()
    me = client.post(
        "/api/v1/auth/enrol/finish",
        headers=h,
        json={"invite": token, "credential": device.create(options)},
    ).get_json()
    return app, state, device, {**env, "me": me}


def raw_baseline(
    url: str, ring: crypto.KeyRing, items: list[dict[str, str]]
) -> tuple[float, Measure]:
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE bench_raw (id VARCHAR(36) PRIMARY KEY, body TEXT)"))
    m = Measure(rss_mb)
    start = m.start = time.perf_counter()
    for i in range(0, len(items), BATCH):
        t0 = time.perf_counter()
        with engine.begin() as conn:
            for item in items[i : i + BATCH]:
                body = crypto.open_envelope(item["jwe"], ring).plaintext
                conn.execute(
                    text("INSERT INTO bench_raw (id, body) VALUES (:i, :b)"),
                    {"i": item["client_id"], "b": body.decode()},
                )
        m.done.append(time.perf_counter())
        m.batches.append(m.done[-1] - t0)
        m.peak = max(m.peak, rss_mb())
    elapsed = time.perf_counter() - start
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE bench_raw"))
    engine.dispose()
    return elapsed, m


def compute_floor(state: Any, items: list[dict[str, str]]) -> tuple[float, Measure]:
    """The pipeline's own computation for each envelope, with no database: the same calls
    the pipeline makes, timed per batch of 20 like the other runs."""
    ring = state.keyring
    rp = RelyingParty(id="localhost", origins=list(state.config.origins))
    with state.sessions() as session:
        keys = {p.credential_id: p.public_key for p in session.query(Passkey)}
    blind = indexers(ring)
    previous = bytes(32)
    m = Measure(rss_mb)
    start = m.start = time.perf_counter()
    for i in range(0, len(items), BATCH):
        t0 = time.perf_counter()
        for item in items[i : i + BATCH]:
            payload = open_payload(ring, item["jwe"])
            challenge = crypto.proof_challenge(payload)
            credential = payload["proof"]["credential"]
            verify_assertion(
                rp,
                challenge=challenge,
                credential=credential,
                public_key=keys[credential_id_of(credential)],
            )
            loaded = validate(CONCERN_SCHEMA, payload)
            row_id = str(new_id())
            key, _ = crypto.new_data_key(ring, row_id)
            document = crypto.canonical_json(payload).decode()
            crypto.seal_field(key, document, table="concerns", row_id=row_id, field="document")
            for indexer in blind:
                blind_identifiers(
                    indexer,
                    subject=loaded["subject"],
                    associated=loaded.get("associated") or [],
                    recorded_at=loaded["recorded_at"],
                )
            language.counts(loaded["narrative"])
            entry = {"action": "concern.collected", "records": [row_id, item["client_id"]]}
            previous = crypto.chain_digest(previous, crypto.canonical_json(entry))
        m.done.append(time.perf_counter())
        m.batches.append(m.done[-1] - t0)
        m.peak = max(m.peak, rss_mb())
    return time.perf_counter() - start, m


def in_process(
    state: Any, me: dict[str, Any], items: list[dict[str, str]], analyze: Callable[[], None]
) -> tuple[float, Measure]:
    ctx = Context(
        sessions=state.sessions,
        ring=state.keyring,
        rp=RelyingParty(id="localhost", origins=list(state.config.origins)),
    )
    user_id, passkey_id = uuid.UUID(me["user"]["id"]), uuid.UUID(me["passkeys"][0]["id"])
    m = Measure(rss_mb)
    marks = {len(items) // 10, len(items) // 2, len(items) - BATCH}
    start = m.start = time.perf_counter()
    for i in range(0, len(items), BATCH):
        t0 = time.perf_counter()
        results = ingest(ctx, items[i : i + BATCH], user_id=user_id, passkey_id=passkey_id)
        m.done.append(time.perf_counter())
        m.batches.append(m.done[-1] - t0)
        assert all(r.status == "accepted" for r in results), results[0]
        m.peak = max(m.peak, rss_mb())
        if i in marks or (i // BATCH) in {len(items) // BATCH // 10} and not m.samples:
            m.samples.append(rss_mb())
        if (i // BATCH + 1) % max(1, len(items) // BATCH // 10) == 0:
            analyze()
    return time.perf_counter() - start, m


def over_http(
    env: dict[str, Any],
    work: Path,
    items: list[dict[str, str]],
    clients: int,
    workers: int,
    analyze: Callable[[], None],
    one_child: bool = False,
) -> tuple[float, Measure]:
    server = Server(
        Path(env["FRONTLINE_INSTANCE"]), env["DATABASE_URL"], FRONTLINE_LOG_LEVEL="WARNING"
    )
    server.start(workers=workers, threads=4)
    # Two phones per client thread, each its own recorder: a person may sync 60 times a
    # minute (backend/http/limits.py), a limit for one phone, not for a whole partnership.
    phones = enrol_phones(server, clients * 2)
    ring = crypto.load_keyring_file(Path(env["FRONTLINE_INSTANCE"]) / "keyring")
    rng, per_phone = random.Random(7), len(items) // len(phones)
    sealed = [
        (phone, seal_all(per_phone, ring, phone.device, rng, one_child=one_child))
        for phone in phones
    ]
    queues = [
        [(phone, mine[i : i + BATCH]) for i in range(0, len(mine), BATCH)] for phone, mine in sealed
    ]
    assert server.proc is not None
    m = Measure(lambda: tree_rss_mb(server.proc.pid))  # type: ignore[union-attr]
    total = sum(map(len, queues))
    marks = {total // 10, total // 2, total}
    lock = threading.Lock()

    def work_loop(mine: list[list[tuple[Any, list[dict[str, str]]]]]) -> None:
        # The thread's two phones take turns, so each stays within its own limit.
        for phone, batch in (b for pair in zip(*mine, strict=False) for b in pair):
            t0 = time.perf_counter()
            status, body = phone.client.call("POST", "/sync", {"envelopes": batch})
            took = time.perf_counter() - t0
            assert status == 200, body
            assert all(r["status"] == "accepted" for r in body["results"]), body["results"][0]
            with lock:
                m.done.append(t0 + took)
                m.batches.append(took)
                if len(m.done) in marks:
                    m.samples.append(m.rss())
                    m.peak = max(m.peak, m.samples[-1])
                if len(m.done) % max(1, total // 10) == 0:
                    analyze()

    start = m.start = time.perf_counter()
    threads = [
        threading.Thread(target=work_loop, args=([queues[2 * t], queues[2 * t + 1]],))
        for t in range(clients)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - start
    m.peak = max(m.peak, m.rss())
    server.stop()
    return elapsed, m


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--large", action="store_true", help="also 1,000,000")
    parser.add_argument("--pg", help="admin URL of a PostgreSQL server (creates its own db)")
    parser.add_argument("--engines", default="sqlite,postgresql")
    parser.add_argument("--modes", default="in-process,http")
    parser.add_argument("--http-clients", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--one-child", action="store_true", help="every concern about the same child"
    )
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")] + ([1_000_000] if args.large else [])
    engines = [e for e in args.engines.split(",") if e == "sqlite" or args.pg]
    modes = args.modes.split(",")
    print(
        f"{'run':30} {'n':>8} {'env/s':>9} {'first->last':>13} {'p50 ms':>8} {'p99 ms':>8} "
        f"{'peak MB':>9} "
        f"{'RSS 10/50/100%':>17}  ratio to raw"
    )
    for engine_name in engines:
        for n in sizes:
            for mode in modes:
                with tempfile.TemporaryDirectory() as tmp:
                    work = Path(tmp)
                    url, drop = fresh_database(engine_name, args.pg, work)
                    try:
                        app, state, device, env = setup(url, work)
                        items = seal_all(n, state.keyring, device, one_child=args.one_child)
                        raw_s, raw_m = raw_baseline(url, state.keyring, items)
                        floor_s, floor_m = compute_floor(state, items)
                        analyze = autoanalyze(url)
                        if mode == "in-process":
                            took, m = in_process(state, env["me"], items, analyze)
                        else:
                            state.engine.dispose()
                            took, m = over_http(
                                env,
                                work,
                                items,
                                args.http_clients,
                                args.workers,
                                analyze,
                                args.one_child,
                            )
                        state.engine.dispose()
                    finally:
                        drop()
                print(raw_m.row(f"{engine_name} raw open+INSERT", n, raw_s))
                print(
                    floor_m.row("compute floor (no database)", n, floor_s)
                    + f"  {raw_s / floor_s:.2f}"
                )
                print(m.row(f"{engine_name} {mode}", n, took) + f"  {raw_s / took:.2f}")
                sys.stdout.flush()
    print(
        f"bench process peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB"
    )


if __name__ == "__main__":
    main()
