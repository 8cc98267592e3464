"""Inbox queries at scale: listing a page, counting new and overdue, one escalation sweep.

Builds a partnership with 200 inboxes and (by default) 1,000,000 deliveries, most of them
long decided, as a year of work looks. For each engine it prints p50/p99 of:
  - listing an inbox page through the service (need-to-know clause, categories, the audit
    entry the list writes, commit), beside the same page query run bare on a connection;
  - the counts of new and overdue for a member's inboxes, beside the bare count query;
  - escalation sweeps over 100 and then 1,000 overdue chains in the same table, to show a
    sweep costs in proportion to the overdue set, not the table.
Goal (issue 6): listing and counts p99 under 20 ms; sweeps proportional to the overdue set.

Run: .venv/bin/python bench/inbox.py [--deliveries 1000000] [--engines sqlite,postgresql]
     [--pg postgresql+psycopg://postgres@127.0.0.1:5432/postgres]
"""

from __future__ import annotations

import argparse
import random
import sys
import time
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
sys.path.insert(0, str(ROOT))

from sqlalchemy import func, insert, select  # noqa: E402

from backend.core import migrate  # noqa: E402
from backend.core.db import make_engine, make_sessionmaker  # noqa: E402
from backend.models import (  # noqa: E402
    NO_DEADLINE,
    Agency,
    AgencyKind,
    Concern,
    ConcernCategory,
    Delivery,
    Inbox,
    Membership,
    Passkey,
    Receipt,
    ReceiptStatus,
    User,
    UserRole,
    new_id,
    table_of,
    utcnow,
)
from backend.services.concerns import inbox as inbox_service  # noqa: E402
from backend.services.concerns.escalation import sweep  # noqa: E402
from backend.services.demo import db_seed_partnership  # noqa: E402
from backend.services.records.audit import Actor  # noqa: E402
from bench.ingest import each_engine  # noqa: E402

LEVELS = ["information", "early_help", "child_in_need", "significant_harm", "immediate_danger"]
LEVEL_WEIGHTS = [20, 30, 30, 15, 5]
CHUNK = 20_000


def stand_in_proof(s: Any, user: User) -> tuple[Passkey, Receipt]:
    """A passkey and an accepted receipt for ``user``: what stored concerns must point at,
    for benchmarks that store concerns without sealing or signing them."""
    passkey = Passkey(
        user_id=user.id,
        credential_id=uuid.uuid4().hex,
        public_key=b"-",
        aaguid="0" * 36,
        multi_device=False,
        backed_up=False,
        name="bench",
    )
    s.add(passkey)
    s.flush()
    receipt = Receipt(
        client_id=uuid.uuid4(),
        kind="concern",
        user_id=user.id,
        passkey_id=passkey.id,
        jwe_sha256="0" * 64,
        status=ReceiptStatus.ACCEPTED,
    )
    s.add(receipt)
    return passkey, receipt


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def build(sessions: Any, deliveries: int, rng: random.Random) -> dict[str, Any]:
    """Seed the partnership, 200 inboxes, concerns and deliveries; return what to query."""
    with sessions() as s:
        partnership = db_seed_partnership(s)
        agencies = [
            Agency(
                partnership_id=partnership.id, name=f"Bench agency {n:02}", kind=AgencyKind.HEALTH
            )
            for n in range(39)
        ]
        s.add_all(agencies)
        s.flush()
        for agency in agencies:
            s.add_all(Inbox(agency_id=agency.id, name=f"Inbox {k}") for k in range(5))
        s.flush()
        inboxes = list(s.scalars(select(Inbox)))[:200]
        user = User(agency_id=agencies[0].id, crypto_display_name=b"-")
        s.add(user)
        s.flush()
        passkey, receipt = stand_in_proof(s, user)
        s.commit()
        ids = {"user": user.id, "passkey": passkey.id, "receipt": receipt.id}
        boxes = [(i.id, i.agency_id) for i in inboxes]
    now = utcnow()
    concerns = deliveries // 4
    concern_ids: list[uuid.UUID] = []
    with sessions() as s:
        for start in range(0, concerns, CHUNK):
            rows, cats = [], []
            for _ in range(min(CHUNK, concerns - start)):
                cid = new_id()
                concern_ids.append(cid)
                at = now - timedelta(minutes=rng.randint(0, 525_600))
                rows.append(
                    {
                        "id": cid,
                        "client_id": uuid.uuid4(),
                        "content_sha256": "0" * 64,
                        "recorder_id": ids["user"],
                        "recorder_agency_id": boxes[0][1],
                        "passkey_id": ids["passkey"],
                        "proof_sign_count": 0,
                        "receipt_id": ids["receipt"],
                        "recorded_at": at,
                        "received_at": at,
                        "late": False,
                        "setting": "patrol",
                        "source": "observed",
                        "level": rng.choices(LEVELS, LEVEL_WEIGHTS)[0],
                        "consent": "not_sought",
                        "actions_taken": "[]",
                        "crypto_document": b"-",
                    }
                )
                cats.append({"concern_id": cid, "category": rng.choice(["missing", "neglect"])})
            s.execute(insert(table_of(Concern)), rows)
            s.execute(insert(table_of(ConcernCategory)), cats)
            s.commit()
        made = 0
        while made < deliveries:
            rows = []
            for _ in range(min(CHUNK, deliveries - made)):
                box, agency = rng.choice(boxes)
                audience = "members" if rng.random() < 0.95 else "supervisors"
                level = rng.choices(LEVELS, LEVEL_WEIGHTS)[0]
                created = now - timedelta(minutes=rng.randint(0, 525_600))
                fate = rng.random()
                is_open = fate >= 0.7  # 70% decided long ago
                ack_due = created + timedelta(hours=1)
                rows.append(
                    {
                        "id": new_id(),
                        "concern_id": concern_ids[made // 4],
                        "agency_id": agency,
                        "inbox_id": box,
                        "audience": audience,
                        "root_id": None,
                        "step": 0,
                        "cause": None,
                        "reason": "bench",
                        "notes": "[]",
                        "level": level,
                        "rank": LEVELS.index(level),
                        "status": (
                            "decided" if not is_open else "acknowledged" if fate < 0.9 else "new"
                        ),
                        "is_open": is_open,
                        "created_at": created,
                        "ack_due": ack_due,
                        "decision_due": created + timedelta(days=1),
                        "due_at": (created + timedelta(days=1)) if is_open else NO_DEADLINE,
                        "clock": None,
                        "chain_step": 0,
                        "next_deadline": None,
                    }
                )
                made += 1
            s.execute(insert(table_of(Delivery)), rows)
            s.commit()
    # Members of ten inboxes, to list and count as.
    actors = []
    with sessions() as s:
        for box, agency in boxes[:10]:
            person = User(agency_id=agency, crypto_display_name=b"-")
            s.add(person)
            s.flush()
            s.add(Membership(user_id=person.id, inbox_id=box))
            s.add(UserRole(user_id=person.id, role="inbox_member"))
            actors.append((Actor(user_id=person.id, agency_id=agency), box))
        s.commit()
    return {"actors": actors, "now": now}


def overdue(sessions: Any, n: int, at: Any) -> None:
    """Make ``n`` open routed deliveries fall due at ``at`` (their chains start climbing)."""
    with sessions() as s:
        ids = list(
            s.scalars(
                select(Delivery.id)
                .where(Delivery.is_open.is_(True), Delivery.next_deadline.is_(None))
                .limit(n)
            )
        )
        for chunk in range(0, len(ids), 500):
            s.execute(
                Delivery.__table__.update()  # type: ignore[attr-defined]
                .where(Delivery.id.in_(ids[chunk : chunk + 500]))
                .values(clock="acknowledge", next_deadline=at, status="new", acknowledged_at=None)
            )
        s.commit()


def timed(fn: Any, runs: int) -> list[float]:
    out = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t0) * 1000)
    return out


def measure(engine_name: str, url: str, deliveries: int, runs: int) -> None:
    engine = make_engine(url)
    migrate.upgrade(engine)
    sessions = make_sessionmaker(engine)
    rng = random.Random(6)
    t0 = time.perf_counter()
    built = build(sessions, deliveries, rng)
    print(
        f"\n{engine_name}: {deliveries:,} deliveries across 200 inboxes built in "
        f"{time.perf_counter() - t0:.0f} s"
    )
    actors = built["actors"]
    with engine.begin() as conn:  # a live database has statistics; a fresh bulk load not yet
        conn.exec_driver_sql("ANALYZE")

    def service_page() -> None:
        actor, box = rng.choice(actors)
        with sessions() as s:
            inbox_service.deliveries(
                s, actor=actor, queue_id=box, status="open", cursor=None, limit=50
            )

    def bare_page() -> None:
        _, box = rng.choice(actors)
        with engine.connect() as conn:
            conn.execute(
                select(Delivery)
                .where(
                    Delivery.inbox_id == box,
                    Delivery.audience.in_(["members"]),
                    Delivery.is_open.is_(True),
                )
                .order_by(Delivery.rank.desc(), Delivery.due_at, Delivery.id)
                .limit(51)
            ).all()

    def service_counts() -> None:
        actor, _ = rng.choice(actors)
        with sessions() as s:
            inbox_service.inboxes(s, actor=actor)

    def bare_counts() -> None:
        _, box = rng.choice(actors)
        now = utcnow()
        with engine.connect() as conn:
            conn.execute(
                select(
                    func.count().filter(Delivery.status.in_(["new", "escalated"])),
                    func.count().filter(Delivery.due_at < now),
                ).where(
                    Delivery.inbox_id == box,
                    Delivery.audience.in_(["members"]),
                    Delivery.is_open.is_(True),
                )
            ).one()

    print(f"{'operation':34} {'p50 ms':>8} {'p99 ms':>8} {'x bare p50':>11}")
    for name, fn, bare in (
        ("list an inbox page (50)", service_page, bare_page),
        ("count new and overdue", service_counts, bare_counts),
    ):
        timed(fn, 10)
        timed(bare, 10)
        got, base = timed(fn, runs), timed(bare, runs)
        print(
            f"{name:34} {pct(got, 0.5):8.2f} {pct(got, 0.99):8.2f} "
            f"{pct(got, 0.5) / pct(base, 0.5):11.1f}"
        )
        print(f"{'  bare query':34} {pct(base, 0.5):8.2f} {pct(base, 0.99):8.2f}")
    start = built["now"] + timedelta(days=2)
    for n, at in ((100, start), (1000, start + timedelta(minutes=1))):
        overdue(sessions, n, at)
        t0 = time.perf_counter()
        result = sweep(sessions, now=at)
        ms = (time.perf_counter() - t0) * 1000
        print(
            f"sweep: {result.chains:>5} overdue chains, {result.escalations:>5} escalations: "
            f"{ms:8.0f} ms ({ms / max(result.chains, 1):.2f} ms per chain)"
        )
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--deliveries", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=300)
    parser.add_argument("--engines", default="sqlite,postgresql")
    parser.add_argument("--pg", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    args = parser.parse_args()
    each_engine(
        args.engines, args.pg, lambda name, url: measure(name, url, args.deliveries, args.runs)
    )


if __name__ == "__main__":
    main()
