"""Load and faults: 200 phones sync at once to ``frontline serve`` (gunicorn, several
workers) on PostgreSQL over loopback; mid-run a worker is SIGKILLed and PostgreSQL is
restarted. Prints throughput, request latency beside a raw baseline measured in the same
run (the same phones fetching GET /api/v1/keys, which touches no database), what the phones
saw, how long the server took to answer again after each fault, and the exactly-once check.

    .venv/bin/python bench/load.py [--phones 200] [--per-phone 5] [--workers 4]
        [--pg postgresql+psycopg://postgres@127.0.0.1:5432/postgres] [--no-faults]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from tests.live import Server  # noqa: E402
from tests.load import (  # noqa: E402
    Phone,
    enrol_phones,
    outcome,
    percentile,
    prepare,
    run_load,
    seal,
)


def keys_baseline(phones: list[Phone], rounds: int) -> list[float]:
    """Each phone fetches the sealing keys ``rounds`` times, all phones at once."""
    latencies: list[float] = []
    lock = threading.Lock()

    def loop(phone: Phone) -> None:
        for _ in range(rounds):
            t0 = time.monotonic()
            status, _ = phone.client.call("GET", "/keys")
            took = time.monotonic() - t0
            assert status == 200
            with lock:
                latencies.append(took)

    threads = [threading.Thread(target=loop, args=(p,)) for p in phones]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return latencies


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--phones", type=int, default=200)
    parser.add_argument("--per-phone", type=int, default=5)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--pg", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--no-faults", action="store_true")
    parser.add_argument("--lease", type=int, default=30, help="receipt lease, seconds")
    args = parser.parse_args()

    admin = create_engine(args.pg, isolation_level="AUTOCOMMIT", pool_pre_ping=True)
    name = f"frontline_load_{uuid.uuid4().hex[:8]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(args.pg).set(database=name).render_as_string(hide_password=False)
    work = Path(tempfile.mkdtemp(prefix="frontline-load-"))
    server = Server(
        work / "instance",
        url,
        FRONTLINE_TRUSTED_PROXIES="1",
        FRONTLINE_LOG_LEVEL="WARNING",
        FRONTLINE_RECEIPT_LEASE_SECONDS=str(args.lease),
    )
    try:
        prepare(server)
        server.start(workers=args.workers, threads=args.threads)
        t0 = time.monotonic()
        phones = enrol_phones(server, args.phones)
        print(f"enrolled {len(phones)} phones in {time.monotonic() - t0:.1f} s")
        seal(phones, args.per_phone)
        baseline = keys_baseline(phones, 5)
        faults = {} if args.no_faults else {"kill_worker": 3.0, "restart_postgres": 8.0}
        run = run_load(phones, server, faults=faults)
    finally:
        server.stop()
    found = outcome(url, phones)
    elapsed = run.finished - run.started
    accepted = sum(len(p.settled) for p in phones)
    p50, p99 = percentile(run.latencies, 0.5), percentile(run.latencies, 0.99)
    b50, b99 = percentile(baseline, 0.5), percentile(baseline, 0.99)
    print(f"phones {len(phones)}, envelopes {found['sent']}, server workers {args.workers}")
    print(
        f"throughput {accepted / elapsed:.1f} envelopes/s ({accepted} in {elapsed:.1f} s), "
        f"{len(run.latencies)} sync requests answered 200"
    )
    print(
        f"sync request p50 {p50 * 1000:.0f} ms, p99 {p99 * 1000:.0f} ms; "
        f"raw GET /keys p50 {b50 * 1000:.0f} ms, p99 {b99 * 1000:.0f} ms "
        f"(ratio p50 {p50 / b50:.1f}x, p99 {p99 / b99:.1f}x); "
        f"mean {statistics.fmean(run.latencies) * 1000:.0f} ms"
    )
    print("errors seen by phones:", dict(run.errors) or "none")
    for fault, (began, ended) in run.faults.items():
        took = run.recovery(fault)
        print(
            f"{fault}: took {ended - began:.2f} s; a request sent after it was answered "
            + (f"{took:.2f} s later" if took is not None else "never")
        )
    if run.faults:
        first = min(b for b, _ in run.faults.values())
        print(
            f"every envelope settled {run.last_settled - first:.1f} s after the first fault "
            f"(an envelope a dying worker held waits out its {args.lease} s receipt lease)"
        )
    print(
        f"exactly once: concerns {found['concerns']} of {found['sent']} sent, "
        f"lost {len(found['lost'])}, doubled {len(found['doubled'])}, kept {len(found['kept'])}, "
        f"unsettled {found['unsettled']}, phones agree {found['phones_agree']}"
    )
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
    admin.dispose()
    ok = not (found["lost"] or found["doubled"] or found["unsettled"]) and found["phones_agree"]
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
