"""Joining the dots at scale: recall, precision and delay of pattern alerts, link cost,
and chronology latency, on a generated population with planted patterns.

The generator writes a background of realistic concerns from all five agency types
(common names weighted by frequency, misspellings, nicknames, registrations written
"AB12 CDE" and "ab12cde", phones as 07... and +447..., some concerns synced weeks late)
and plants patterns of every kind, including an Oxford-like ring: six children, three
adults known by nicknames, two cars and one flat, forty contacts from police, school
nurses, the emergency department and a children's home over ten months. Every concern
goes through the real store, route and link steps (the sealed envelope and proof steps
are measured by bench/ingest.py). The generator knows the truth, so it prints:
  recall    planted patterns alerted (goal 100 %)
  precision alerts that match a planted pattern or a true coincidence it knows of (>= 95 %)
  delay     concerns between a pattern's threshold and its alert (goal 0)
  link cost per concern, beside a bare index lookup of its own identifiers
  chronology p50/p99, beside the bare query of a child's concerns

Run: .venv/bin/python bench/dots.py [--children 15000] [--engines sqlite,postgresql]
"""

from __future__ import annotations

import argparse
import random
import sys
import time
import uuid
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
sys.path.insert(0, str(ROOT))

from sqlalchemy import and_, or_, select  # noqa: E402

import crypto  # noqa: E402
from backend.core import migrate
from backend.core.db import make_engine, make_sessionmaker  # noqa: E402
from backend.domain import language  # noqa: E402
from backend.models import (  # noqa: E402
    Agency,
    Alert,
    AlertEvidence,
    Concern,
    ConcernIdentifier,
    Inbox,
    Membership,
    Passkey,
    Receipt,
    ReceiptStatus,
    User,
    UserRole,
)
from backend.pipeline import link as link_step  # noqa: E402
from backend.pipeline import route as _route  # noqa: E402,F401
from backend.pipeline.ingest import CONCERN_SCHEMA  # noqa: E402
from backend.pipeline.proof import Proven  # noqa: E402
from backend.pipeline.store import STEPS, Author, db_store_concern  # noqa: E402
from backend.pipeline.validate import validate  # noqa: E402
from backend.services.concerns.purposes import Purpose, ReadPurpose  # noqa: E402
from backend.services.demo import db_seed_partnership  # noqa: E402
from backend.services.linking import chronology as chronologies  # noqa: E402
from backend.services.records.audit import Actor  # noqa: E402

BENCH_PURPOSE = Purpose(ReadPurpose.SAFEGUARDING_REVIEW)
from bench.inbox import pct, timed  # noqa: E402
from bench.ingest import each_engine  # noqa: E402
from bench.names import AGENCIES  # noqa: E402
from bench.population import Item, Scenario, truth  # noqa: E402

# -- the run ------------------------------------------------------------------------------


def setup(sessions: Any) -> tuple[dict[str, Author], Proven, Any, Actor]:
    """The partnership, one recorder per agency kind, and a MASH member to read as."""
    with sessions() as s:
        partnership = db_seed_partnership(s)
        agencies = {
            a.name: a
            for a in s.scalars(select(Agency).where(Agency.partnership_id == partnership.id))
        }
        authors, passkey, receipt = {}, None, None
        for key, name in AGENCIES.items():
            user = User(agency_id=agencies[name].id, crypto_display_name=b"-")
            s.add(user)
            s.flush()
            authors[key] = Author(id=user.id, agency_id=user.agency_id)
            if passkey is None:
                passkey = Passkey(
                    user_id=user.id,
                    credential_id=uuid.uuid4().hex,
                    public_key=b"-",
                    aaguid="0" * 36,
                    multi_device=False,
                    backed_up=False,
                    name="b",
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
        mash = s.scalar(select(Inbox).where(Inbox.name == "MASH"))
        reader = User(agency_id=mash.agency_id, crypto_display_name=b"-")
        s.add(reader)
        s.flush()
        s.add(Membership(user_id=reader.id, inbox_id=mash.id))
        s.add(UserRole(user_id=reader.id, role="inbox_member"))
        s.commit()
        proven = Proven(passkey=passkey, sign_count=0, content_sha256="0" * 64)
        return authors, proven, receipt, Actor(user_id=reader.id, agency_id=mash.agency_id)


def run(engine_name: str, url: str, children: int, seed: int) -> None:
    engine = make_engine(url)
    migrate.upgrade(engine)
    sessions = make_sessionmaker(engine)
    ring = crypto.generate_keyring()
    now = datetime.now(UTC).replace(microsecond=0)
    t0 = time.perf_counter()
    scenario = Scenario(children, seed, now)
    authors, proven, receipt, reader = setup(sessions)
    link_ms: list[float] = []
    real_link = link_step.db_link

    def timed_link(session: Any, stored: Any) -> None:
        start = time.perf_counter()
        real_link(session, stored)
        link_ms.append((time.perf_counter() - start) * 1000)

    STEPS[STEPS.index(real_link)] = timed_link
    concern_child: dict[uuid.UUID, int] = {}
    processed: list[Item] = []
    planted_children = {c for _, cs in scenario.planted for c in cs}
    pending: dict[tuple[str, frozenset[int]], int] = {}  # planted pattern -> concerns since due
    delays: dict[tuple[str, frozenset[int]], int] = {}
    lookup_ms: list[float] = []
    try:
        for item in scenario.items:
            payload = scenario.payload(item)
            loaded = validate(CONCERN_SCHEMA, payload)
            with sessions() as s:
                stored = db_store_concern(
                    s,
                    ring,
                    payload=payload,
                    loaded=loaded,
                    proven=proven,
                    receipt=receipt,
                    recorder=authors[item.who],
                    language_flags=language.counts(payload["narrative"]),
                )
                s.commit()
                concern_child[stored.concern.id] = item.child.id
                if len(lookup_ms) < 2000:
                    own = s.execute(
                        select(ConcernIdentifier.kind, ConcernIdentifier.blind_index).where(
                            ConcernIdentifier.concern_id == stored.concern.id
                        )
                    ).all()
                    start = time.perf_counter()
                    if own:
                        s.execute(
                            select(ConcernIdentifier.concern_id).where(
                                or_(
                                    *(
                                        and_(
                                            ConcernIdentifier.kind == k,
                                            ConcernIdentifier.blind_index == b,
                                        )
                                        for k, b in own
                                    )
                                )
                            )
                        ).all()
                    lookup_ms.append((time.perf_counter() - start) * 1000)
            processed.append(item)
            if item.child.id in planted_children:
                track(sessions, scenario, processed, item, concern_child, pending, delays)
    finally:
        STEPS[STEPS.index(timed_link)] = real_link
    elapsed = time.perf_counter() - t0
    report(engine_name, sessions, scenario, concern_child, delays, link_ms, lookup_ms, elapsed)
    chronology(sessions, ring, reader, engine)
    engine.dispose()


def concerns_of(session: Any, alert_id: uuid.UUID) -> set[uuid.UUID]:
    return set(
        session.scalars(select(AlertEvidence.concern_id).where(AlertEvidence.alert_id == alert_id))
    )


def _alerted(
    sessions: Any, kind: str, concern_child: dict[uuid.UUID, int], children: frozenset[int]
) -> bool:
    with sessions() as s:
        for alert in s.scalars(
            select(Alert).where(Alert.kind == kind, Alert.merged_into_id.is_(None))
        ):
            true = {concern_child.get(c) for c in concerns_of(s, alert.id)}
            if (kind == "network" and len(true & children) >= 2) or (
                kind != "network" and true == set(children)
            ):
                return True
    return False


def track(
    sessions: Any,
    scenario: Scenario,
    processed: list[Item],
    item: Item,
    concern_child: dict[uuid.UUID, int],
    pending: dict[Any, int],
    delays: dict[Any, int],
) -> None:
    """After a planted child's concern: has a pattern come due, and is it alerted yet?"""
    mine = [i for i in processed if i.child.id in {c for _, cs in scenario.planted for c in cs}]
    present = truth(mine)
    for planted in scenario.planted:
        kind, children = planted
        if planted in delays or item.child.id not in children:
            continue
        due = any(
            k == kind and (len(cs & children) >= 2 if kind == "network" else cs == children)
            for k, cs in present
        )
        if not due:
            continue
        if _alerted(sessions, kind, concern_child, children):
            delays[planted] = pending.get(planted, 0)
        else:
            pending[planted] = pending.get(planted, 0) + 1


def report(
    engine_name: str,
    sessions: Any,
    scenario: Scenario,
    concern_child: dict[uuid.UUID, int],
    delays: dict[Any, int],
    link_ms: list[float],
    lookup_ms: list[float],
    elapsed: float,
) -> None:
    known = truth(scenario.items)
    with sessions() as s:
        alerts = list(s.scalars(select(Alert).where(Alert.merged_into_id.is_(None))))
        held = {a.id: concerns_of(s, a.id) for a in alerts}
    good = 0
    for alert in alerts:
        true = frozenset(c for c in (concern_child.get(x) for x in held[alert.id]) if c is not None)
        if alert.kind == "network":
            good += any(k == "network" and len(cs & true) >= 2 for k, cs in known)
        else:
            good += (alert.kind, true) in known
    found = sum(planted in delays for planted in scenario.planted)
    oxford = scenario.planted[-1][1]
    rings = 0
    for alert in alerts:
        if alert.kind == "network":
            true = {concern_child.get(x) for x in held[alert.id]}
            rings += bool(true & oxford)
    print(
        f"\n{engine_name}: {len(scenario.children):,} children, {len(scenario.items):,} concerns, "
        f"{len(scenario.planted)} planted patterns, {elapsed:.0f} s"
    )
    print(
        f"  recall     {found}/{len(scenario.planted)} = "
        f"{100 * found / len(scenario.planted):.0f} %"
    )
    print(
        f"  precision  {good}/{len(alerts)} = {100 * good / max(len(alerts), 1):.1f} %  "
        f"(alerts by kind: {dict(sorted(_kinds(alerts).items()))})"
    )
    print(
        f"  delay      max {max(delays.values(), default=0)} concerns, "
        f"{sum(1 for d in delays.values() if d == 0)}/{len(delays)} at zero"
    )
    print(f"  Oxford-like ring: {rings} network alert(s) name its children")
    for planted in scenario.planted:
        if planted not in delays:
            print(f"  missed: {planted[0]} about {len(planted[1])} child(ren)")
            if "--explain" in sys.argv:
                explain(sessions, concern_child, planted)
    print(
        f"  link cost  p50 {pct(link_ms, 0.5):.2f} ms, p99 {pct(link_ms, 0.99):.2f} ms "
        "per concern; "
        f"bare lookup of its identifiers p50 {pct(lookup_ms, 0.5):.2f} ms "
        f"(x{pct(link_ms, 0.5) / max(pct(lookup_ms, 0.5), 1e-6):.1f}); mean of the first and "
        f"last tenth: {_mean(link_ms[: len(link_ms) // 10])} / "
        f"{_mean(link_ms[-(len(link_ms) // 10) :])} ms"
    )


def explain(sessions: Any, concern_child: dict[uuid.UUID, int], planted: Any) -> None:
    """Say how a missed pattern's concerns were linked, and which alerts name them."""
    mine = [c for c, child in concern_child.items() if child in planted[1]]
    with sessions() as s:
        for concern in s.scalars(select(Concern).where(Concern.id.in_(mine))):
            print(
                f"    concern {concern.id} at {concern.recorded_at:%Y-%m-%d} subject "
                f"{concern.subject_id} by {concern.subject_link}"
            )
        for alert in s.scalars(select(Alert)):
            ids = concerns_of(s, alert.id)
            if ids & set(mine):
                true = sorted({concern_child.get(i) for i in ids}, key=str)
                print(f"    alert {alert.kind} {alert.status} over true children {true}")


def _mean(values: list[float]) -> str:
    return f"{sum(values) / len(values):.2f}" if values else "-"


def _kinds(alerts: list[Alert]) -> dict[str, int]:
    counts: dict[str, int] = defaultdict(int)
    for a in alerts:
        counts[a.kind] += 1
    return counts


def chronology(sessions: Any, ring: Any, reader: Actor, engine: Any) -> None:
    with sessions() as s:
        subjects = list(
            s.scalars(
                select(Concern.subject_id)
                .where(Concern.level == "significant_harm")
                .distinct()
                .limit(200)
            )
        )
    rng = random.Random(1)

    def service() -> None:
        with sessions() as s:
            chronologies.chronology(
                s, ring, actor=reader, subject_id=rng.choice(subjects), purpose=BENCH_PURPOSE
            )

    def bare() -> None:
        with engine.connect() as conn:
            conn.execute(
                select(Concern.id, Concern.recorded_at)
                .where(Concern.subject_id == rng.choice(subjects))
                .order_by(Concern.recorded_at)
            ).all()

    timed(service, 10)
    got, base = timed(service, 200), timed(bare, 200)
    print(
        f"  chronology p50 {pct(got, 0.5):.2f} ms, p99 {pct(got, 0.99):.2f} ms "
        f"(decrypting what the reader received); bare query p50 {pct(base, 0.5):.2f} ms, "
        f"p99 {pct(base, 0.99):.2f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--children", type=int, default=15_000)
    parser.add_argument("--seed", type=int, default=2005)
    parser.add_argument("--explain", action="store_true", help="Detail any missed pattern.")
    parser.add_argument("--engines", default="sqlite,postgresql")
    parser.add_argument("--pg", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    args = parser.parse_args()
    each_engine(args.engines, args.pg, lambda name, url: run(name, url, args.children, args.seed))


if __name__ == "__main__":
    main()
