"""Joining the dots at scale, judged by identity: recall, precision and delay of pattern
alerts, alert volumes, wrong merges, link cost and chronology latency, on a generated
population whose truth is which records are the same real child, adult, car or phone.

The generator (bench/population.py, bench/writing.py) writes a background of concerns from
all five agency types about real children, naming real adults, vehicles and phones: names
at their real frequencies (bench/names.py: many different people are called "Jack Smith"),
street names shared by unrelated adults, misspellings, known-as names, registrations
written "AB12 CDE" and "ab12cde", phones as 07... and +447..., some concerns synced weeks
late, one mention in fifty an adult, car or phone already named about another child. Two
in a hundred background concerns carry one keying error (seeded): another real child's NHS
number, or a digit mistyped in a registration or phone number (another real one's only if
that one is in use); with --colliding-errors, the worst case: every mistyped registration
another real car's and every wrong number another real phone's, named about another child.
It plants patterns of every kind, including an Oxford-like ring: six children, three
adults known by street names, two cars and one flat, forty contacts over ten months. Every
concern goes through the real store, route and link steps (the sealed envelope and proof
steps are measured by bench/ingest.py). It prints, for each engine, how often names are
shared and which keying errors it planted, then:

  recall        planted patterns alerted (goal 100 %), and the delay: concerns between a
                pattern's threshold and its alert (goal 0)
  precision     alerts whose every link joins records of one real entity (bench/truth.py:
                a subject's concerns about one real child, a network's key naming one real
                adult, car or phone, and at least two real children; goal >= 95 %)
  alerts        per 1,000 concerns by kind and in total, on the background alone (alerts
                resting on no planted concern, per 1,000 background concerns) and overall
  wrong merges  subjects holding concerns about two or more real children (and the
                concerns in them); real children split over several subjects
  link cost     p50/p99 per concern and the mean of the first and last tenth of the run
                (ratio last/first), beside a bare index lookup of its own identifiers
  Oxford ring   whether one network alert names all six children, and whether it is correct
  chronology    p50/p99, beside the bare query of a child's concerns
  one child     a fresh database, 1,000 concerns about one real child over a year: link
                cost of the last tenth / the first tenth, beside the bare lookup's

Run: .venv/bin/python bench/dots.py [--children 15000] [--one-child 1000] [--colliding-errors]
     [--bare-every 1] [--engines sqlite,postgresql] [--pg postgresql+psycopg://postgres@127.0.0.1:5432/postgres]
"""

from __future__ import annotations

import argparse
import random
import sys
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
sys.path.insert(0, str(ROOT))

from sqlalchemy import select  # noqa: E402

from backend.models import Alert, AlertEvidence, Concern, Subject  # noqa: E402
from backend.routing.patterns import PATTERN_DEFAULTS  # noqa: E402
from backend.services.concerns.purposes import Purpose, ReadPurpose  # noqa: E402
from backend.services.linking.chronology import chronology as read_chronology  # noqa: E402
from bench.inbox import pct, timed  # noqa: E402
from bench.ingest import each_engine  # noqa: E402
from bench.linkrun import LinkRun, link_cost, mean, now  # noqa: E402
from bench.population import Item, Scenario  # noqa: E402
from bench.truth import heads, judge, merges, present  # noqa: E402

BENCH_PURPOSE = Purpose(ReadPurpose.SAFEGUARDING_REVIEW)
Pattern = tuple[str, frozenset[int]]


def population(
    engine_name: str, url: str, children: int, seed: int, colliding: bool, bare_every: int
) -> None:
    scenario = Scenario(children, seed, now(), colliding=colliding)
    run = LinkRun(url, scenario, bare_every)
    planted_items: list[Item] = []
    concerns_of: dict[int, list[uuid.UUID]] = {}
    pending: dict[Pattern, int] = {}  # planted pattern -> concerns since it came due
    delays: dict[Pattern, int] = {}
    for item in scenario.items:
        concern_id = run.sync(item)
        concerns_of.setdefault(item.child.id, []).append(concern_id)
        if item.child.id in scenario.planted_ids:
            planted_items.append(item)
            track(run, scenario, planted_items, item, concerns_of, pending, delays)
    elapsed = run.elapsed
    head(engine_name, scenario, elapsed)
    verdicts = report(run, scenario, delays)
    oxford(run, scenario, verdicts)
    print(link_cost("link cost ", run.link_ms, run.lookup_ms))
    chronology(run)
    run.close()


def _alerted(run: LinkRun, planted: Pattern, concerns_of: dict[int, list[uuid.UUID]]) -> bool:
    """Whether an alert of the pattern's kind rests on concerns about its children (two of
    them, for a network)."""
    kind, children = planted
    mine = [c for child in children for c in concerns_of.get(child, [])]
    with run.sessions() as s:
        alerts = set(
            s.scalars(
                select(AlertEvidence.alert_id)
                .join(Alert, Alert.id == AlertEvidence.alert_id)
                .where(AlertEvidence.concern_id.in_(mine), Alert.kind == kind)
            )
        )
        if kind != "network":
            return bool(alerts)
        for alert_id in alerts:
            held = s.scalars(
                select(AlertEvidence.concern_id).where(AlertEvidence.alert_id == alert_id)
            )
            if len({run.identity.child(c) for c in held} & children) >= 2:
                return True
    return False


def track(
    run: LinkRun,
    scenario: Scenario,
    planted_items: list[Item],
    item: Item,
    concerns_of: dict[int, list[uuid.UUID]],
    pending: dict[Pattern, int],
    delays: dict[Pattern, int],
) -> None:
    """After a planted child's concern: has a pattern come due, and is it alerted yet?"""
    now_present = present(planted_items)
    for planted in scenario.planted:
        kind, children = planted
        if planted in delays or item.child.id not in children:
            continue
        due = any(
            k == kind and (len(cs & children) >= 2 if kind == "network" else cs == children)
            for k, cs in now_present
        )
        if not due:
            continue
        if _alerted(run, planted, concerns_of):
            delays[planted] = pending.get(planted, 0)
        else:
            pending[planted] = pending.get(planted, 0) + 1


def head(engine_name: str, scenario: Scenario, elapsed: float) -> None:
    items, children = scenario.items, scenario.children
    errors = Counter(i.error for i in items if i.error)
    background = sum(not i.planted for i in items)
    people = Counter(f"{c.given} {c.family}" for c in children)
    adults = [e for e in scenario.entities if e.kind == "adult"]
    named = Counter(e.value for e in adults)
    street = Counter(e.nick for e in adults if e.nick)
    kinds = Counter(e.kind for e in scenario.entities)
    print(
        f"\n{engine_name}: {len(children):,} children, {kinds['adult']:,} adults, "
        f"{kinds['vehicle']:,} vehicles, {kinds['phone']:,} phones; {len(items):,} concerns "
        f"({background:,} background), {len(scenario.planted)} planted patterns, {elapsed:.0f} s"
    )
    print(
        f"  names      sharing their full name with another: children {_shared(people)}, "
        f"adults {_shared(named)}; {sum(street.values()):,} adults go by "
        f"{len(street):,} street names{_most(street)}"
    )
    print(
        f"  keying errors {sum(errors.values())} concerns "
        f"({100 * sum(errors.values()) / max(background, 1):.1f} % of background): "
        f"{errors['nhs']} another child's NHS number, {errors['vehicle']} a registration "
        f"and {errors['phone']} a phone number mistyped, {scenario.collisions()} of them "
        "another real one's"
    )


def _shared(counts: Counter[str]) -> str:
    total = sum(counts.values())
    shared = sum(n for n in counts.values() if n > 1)
    return f"{100 * shared / max(total, 1):.1f} %" + _most(counts)


def _most(counts: Counter[Any]) -> str:
    top = [f'"{name}" x{n}' for name, n in counts.most_common(2) if n > 1]
    return f" (most: {', '.join(top)})" if top else ""


def report(run: LinkRun, scenario: Scenario, delays: dict[Pattern, int]) -> dict[uuid.UUID, Any]:
    identity = run.identity
    with run.sessions() as s:
        pointers = dict(s.execute(select(Subject.id, Subject.merged_into_id)).all())
        concern_subject = dict(s.execute(select(Concern.id, Concern.subject_id)).all())
        alerts = {
            a.id: a.kind for a in s.scalars(select(Alert).where(Alert.merged_into_id.is_(None)))
        }
        evidence: dict[uuid.UUID, list[tuple[uuid.UUID, str, str]]] = {a: [] for a in alerts}
        for alert_id, concern_id, kind, key in s.execute(
            select(
                AlertEvidence.alert_id,
                AlertEvidence.concern_id,
                AlertEvidence.identifier_kind,
                AlertEvidence.key,
            )
        ):
            if alert_id in evidence:
                evidence[alert_id].append((concern_id, kind, key))
    head_of = heads(pointers)
    subject_of = {c: head_of[s] for c, s in concern_subject.items() if s is not None}
    verdicts = {a: judge(alerts[a], evidence[a], identity, subject_of) for a in alerts}
    background = {
        a for a in alerts if not any(identity.item_of[c].planted for c, _, _ in evidence[a])
    }
    found = sum(planted in delays for planted in scenario.planted)
    print(
        f"  recall     {found}/{len(scenario.planted)} = "
        f"{100 * found / len(scenario.planted):.0f} %; delay max "
        f"{max(delays.values(), default=0)} concerns, "
        f"{sum(1 for d in delays.values() if d == 0)}/{len(delays)} at zero"
    )
    for planted in scenario.planted:
        if planted not in delays:
            print(f"    missed: {planted[0]} about {len(planted[1])} child(ren)")
            if "--explain" in sys.argv:
                explain(run, planted, subject_of, evidence, alerts)
    good = sum(v is None for v in verdicts.values())
    why = Counter(v for v in verdicts.values() if v is not None)
    print(
        f"  precision  {good}/{len(alerts)} = {100 * good / max(len(alerts), 1):.1f} % by "
        f"identity" + "".join(f"; {n} {reason}" for reason, n in why.most_common())
    )
    items = scenario.items
    n_bg = sum(not i.planted for i in items)
    print("  alerts per 1,000 concerns  background   overall   correct (all alerts)")
    for kind in [*PATTERN_DEFAULTS, None]:
        mine = [a for a in alerts if kind is None or alerts[a] == kind]
        ok = sum(verdicts[a] is None for a in mine)
        bg = sum(a in background for a in mine)
        print(
            f"    {kind or 'total':24} {1000 * bg / max(n_bg, 1):10.2f} "
            f"{1000 * len(mine) / max(len(items), 1):9.2f}   {ok}/{len(mine)}"
        )
    m = merges(subject_of, identity)
    print(
        f"  wrong merges {m.wrong} of {m.subjects:,} subjects hold concerns about 2+ real "
        f"children ({m.concerns_in_wrong} concerns in them, {m.misplaced} not about the "
        f"subject's main child); {m.split} of {m.children:,} real children split over 2+ "
        "subjects"
    )
    return {"verdicts": verdicts, "evidence": evidence, "alerts": alerts}


def explain(
    run: LinkRun,
    planted: Pattern,
    subject_of: dict[uuid.UUID, uuid.UUID],
    evidence: dict[uuid.UUID, list[tuple[uuid.UUID, str, str]]],
    alerts: dict[uuid.UUID, str],
) -> None:
    """How a missed pattern's concerns were linked, and which alerts rest on them."""
    mine = {c for c, item in run.identity.item_of.items() if item.child.id in planted[1]}
    with run.sessions() as s:
        for concern in s.scalars(select(Concern).where(Concern.id.in_(mine))):
            print(
                f"      concern at {concern.recorded_at:%Y-%m-%d}: subject "
                f"{subject_of.get(concern.id)} by {concern.subject_link}"
            )
    for alert_id, held in evidence.items():
        if mine & {c for c, _, _ in held}:
            true = sorted({run.identity.child(c) for c, _, _ in held}, key=str)
            print(f"      alert {alerts[alert_id]} over real children {true}")


def oxford(run: LinkRun, scenario: Scenario, found: dict[str, Any]) -> None:
    ring = scenario.planted[-1][1]
    naming = [
        a
        for a, kind in found["alerts"].items()
        if kind == "network" and {run.identity.child(c) for c, _, _ in found["evidence"][a]} & ring
    ]
    whole = [
        a for a in naming if ring <= {run.identity.child(c) for c, _, _ in found["evidence"][a]}
    ]
    why = Counter(found["verdicts"][a] or "correct by identity" for a in whole)
    print(
        f"  Oxford-like ring: {len(naming)} network alert(s) name its children; "
        f"{len(whole)} name all six: {', '.join(f'{n} {w}' for w, n in why.items()) or '-'}"
    )


def chronology(run: LinkRun) -> None:
    with run.sessions() as s:
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
        with run.sessions() as s:
            read_chronology(
                s,
                run.ring,
                actor=run.reader,
                subject_id=rng.choice(subjects),
                purpose=BENCH_PURPOSE,
            )

    def bare() -> None:
        with run.engine.connect() as conn:
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


def one_child(engine_name: str, url: str, concerns: int, seed: int) -> None:
    """A fresh database and one real child with ``concerns`` concerns: does linking a
    child's next concern cost more as the child's history grows?"""
    scenario = Scenario.one_child(concerns, seed, now())
    run = LinkRun(url, scenario)
    for item in scenario.items:
        run.sync(item)
    with run.sessions() as s:
        pointers = dict(s.execute(select(Subject.id, Subject.merged_into_id)).all())
        subjects = {heads(pointers)[sid] for sid in s.scalars(select(Concern.subject_id))}
        kinds = Counter(s.scalars(select(Alert.kind).where(Alert.merged_into_id.is_(None))))
    print(
        f"\n{engine_name}: one child, {concerns:,} concerns, {run.elapsed:.0f} s; the child "
        f"sits in {len(subjects)} subject(s); alerts {dict(sorted(kinds.items()))}"
    )
    print(link_cost("link cost ", run.link_ms, run.lookup_ms))
    tenth = max(1, len(run.link_ms) // 10)
    tenths = [run.link_ms[i : i + tenth] for i in range(0, tenth * 10, tenth)]
    ratio = mean(tenths[-1]) / max(mean(tenths[0]), 1e-6)
    print(f"  last tenth / first tenth of the child's concerns: x{ratio:.2f}")
    # The pattern windows (90 days) fill over the first quarter of the year: after that,
    # a cost that grew with history would go on growing.
    print("  mean per tenth (ms): " + " ".join(f"{mean(t):.2f}" for t in tenths))
    print("  median per tenth (ms): " + " ".join(f"{pct(t, 0.5):.2f}" for t in tenths))
    run.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--children", type=int, default=15_000, help="0: skip the population")
    parser.add_argument("--one-child", type=int, default=1_000, help="0: skip this section")
    parser.add_argument("--seed", type=int, default=2005)
    parser.add_argument("--explain", action="store_true", help="Detail any missed pattern.")
    parser.add_argument(
        "--colliding-errors",
        action="store_true",
        help="Every mistyped registration or number is another real one's (the worst case).",
    )
    parser.add_argument(
        "--bare-every", type=int, default=1, help="Time the bare lookup for one concern in N."
    )
    parser.add_argument("--engines", default="sqlite,postgresql")
    parser.add_argument("--pg", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    args = parser.parse_args()
    if args.children:
        each_engine(
            args.engines,
            args.pg,
            lambda name, url: population(
                name, url, args.children, args.seed, args.colliding_errors, args.bare_every
            ),
        )
    if args.one_child:
        each_engine(
            args.engines,
            args.pg,
            lambda name, url: one_child(name, url, args.one_child, args.seed),
        )


if __name__ == "__main__":
    main()
