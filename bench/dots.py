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
import json
import random
import sys
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
sys.path.insert(0, str(ROOT))

from sqlalchemy import and_, or_, select  # noqa: E402

import crypto  # noqa: E402
from backend import migrate  # noqa: E402
from backend.db import make_engine, make_sessionmaker  # noqa: E402
from backend.models import (  # noqa: E402
    Agency,
    Alert,
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
from backend.services import links  # noqa: E402
from backend.services.audit import Actor  # noqa: E402
from backend.services.demo import db_seed_partnership  # noqa: E402
from bench.inbox import pct, timed  # noqa: E402
from bench.ingest import each_engine  # noqa: E402

GIRLS = [
    "Olivia",
    "Amelia",
    "Isla",
    "Ava",
    "Mia",
    "Ivy",
    "Lily",
    "Isabella",
    "Rosie",
    "Sophia",
    "Grace",
    "Freya",
    "Ella",
    "Chloe",
    "Zoe",
    "Amira",
    "Aisha",
    "Maya",
    "Ruby",
    "Evie",
]
BOYS = [
    "Noah",
    "Oliver",
    "George",
    "Leo",
    "Arthur",
    "Muhammad",
    "Harry",
    "Oscar",
    "Jack",
    "Charlie",
    "Jacob",
    "Alfie",
    "Theo",
    "Finley",
    "Archie",
    "Joshua",
    "Ethan",
    "Kai",
]
FAMILY = [
    "Smith",
    "Jones",
    "Williams",
    "Taylor",
    "Brown",
    "Davies",
    "Evans",
    "Wilson",
    "Thomas",
    "Johnson",
    "Roberts",
    "Robinson",
    "Thompson",
    "Wright",
    "Walker",
    "White",
    "Edwards",
    "Hughes",
    "Green",
    "Hall",
    "Lewis",
    "Harris",
    "Clarke",
    "Patel",
    "Khan",
    "Jackson",
    "Wood",
    "Turner",
    "Martin",
    "Cooper",
    "Hill",
    "Ward",
    "Morris",
    "Moore",
    "Clark",
    "Lee",
    "King",
    "Baker",
    "Harrison",
    "Morgan",
    "Allen",
    "James",
    "Scott",
    "Ali",
    "Hussain",
    "Begum",
    "O'Brien",
    "Murphy",
    "Kowalski",
    "Nowak",
]
NICKS = ["Jay", "Bex", "Lil", "Tee", "Kiki", "Mo", "Dee", "Sunny", "Bubbles", "Tink"]
AGENCIES = {
    "police": "Riverside Police",
    "health": "Riverside Health",
    "education": "Northfield Academy",
    "care": "Oakview Children's Home",
    "social": "Riverside Children's Social Care",
}
SETTING = {
    "police": "patrol",
    "health": "health",
    "education": "school",
    "care": "care_home",
    "social": "social_care",
}
LOWER = ("information", "early_help", "child_in_need")
HIGH = ("cars_with_unknown_adults", "adult_of_concern", "taken_to_other_towns", "injuries")


def zipf(rng: random.Random, items: list[str]) -> str:
    return rng.choices(items, weights=[1 / (i + 1) for i in range(len(items))])[0]


def nhs_number(rng: random.Random) -> str:
    while True:
        digits = [rng.randint(0, 9) for _ in range(9)]
        check = 11 - sum(d * (10 - i) for i, d in enumerate(digits)) % 11
        if check == 11:
            check = 0
        if check != 10:
            return "".join(map(str, digits)) + str(check)


@dataclass
class Child:
    id: int
    given: str
    family: str
    dob: date
    nhs: str
    postcode: str
    care: str = "none_known"
    nick: str | None = None


@dataclass
class Item:
    child: Child
    who: str
    at: datetime
    categories: list[str]
    level: str
    indicators: list[str] = field(default_factory=list)
    entities: list[tuple[str, str]] = field(default_factory=list)  # (kind, true value)
    plant: tuple[str, str] | None = None  # (pattern kind, label) this completes
    sync_order: float = 0.0


class Scenario:
    """The truth: children, their concerns, the entities, and the planted patterns."""

    def __init__(self, children: int, seed: int, now: datetime) -> None:
        self.rng = random.Random(seed)
        self.now = now
        self.children: list[Child] = []
        self.items: list[Item] = []
        self.planted: list[tuple[str, frozenset[int]]] = []
        for _ in range(children):
            self.child()
        for c in list(self.children):
            for _ in range(self.rng.choice((1, 1, 1, 2))):
                self.background(c)
        for _ in range(5):
            self.plant_subject_patterns()
            self.plant_pair_network()
        self.plant_oxford()
        self.planted_ids = {c for _, cs in self.planted for c in cs}
        for item in self.items:
            late = self.rng.random() < 0.1  # synced weeks after the event
            item.sync_order = item.at.timestamp() + (86400 * self.rng.randint(7, 40) if late else 0)
        self.items.sort(key=lambda i: i.sync_order)

    def child(self, age: int | None = None, care: str = "none_known") -> Child:
        rng = self.rng
        age = age if age is not None else rng.randint(8, 17)
        dob = date(self.now.year - age, rng.randint(1, 12), rng.randint(1, 28))
        given = zipf(rng, GIRLS if rng.random() < 0.6 else BOYS)
        c = Child(
            len(self.children),
            given,
            zipf(rng, FAMILY),
            dob,
            nhs_number(rng),
            f"OX{rng.randint(1, 44)} {rng.randint(1, 9)}{rng.choice('ABDEF')}{rng.choice('HJLN')}",
            care,
            rng.choice(NICKS) if rng.random() < 0.2 else None,
        )
        self.children.append(c)
        return c

    def days_ago(self, lo: int, hi: int) -> datetime:
        return self.now - timedelta(
            days=self.rng.randint(lo, hi), minutes=self.rng.randint(0, 1439)
        )

    def unique_entity(self) -> tuple[str, str]:
        """A real-looking adult, car or phone; chance collisions are rare but counted."""
        rng = self.rng
        kind = rng.choice(("vehicle", "phone", "person_name"))
        letters = "ABCDEFGHJKLMNOPRSTUVWXYZ"
        if kind == "vehicle":
            value = (
                f"{rng.choice(letters)}{rng.choice(letters)}{rng.randint(10, 99)} "
                f"{''.join(rng.choice(letters) for _ in range(3))}"
            )
        elif kind == "phone":
            value = f"07{rng.randint(100, 999)} {rng.randint(100000, 999999)}"
        else:
            value = f"{zipf(rng, BOYS)} {rng.choice(letters)}. {zipf(rng, FAMILY)}"
        return kind, value

    def background(self, c: Child) -> None:
        rng = self.rng
        who = rng.choice(list(AGENCIES))
        cats = [
            rng.choice(
                [
                    "neglect",
                    "emotional_abuse",
                    "self_harm",
                    "substance_harm",
                    "domestic_abuse",
                    "other",
                ]
            )
        ]
        self.items.append(
            Item(
                c,
                who,
                self.days_ago(0, 360),
                cats,
                rng.choice(LOWER),
                entities=[self.unique_entity() for _ in range(rng.randint(0, 2))],
            )
        )

    def plant_subject_patterns(self) -> None:
        c = self.child(care="looked_after")
        start = self.days_ago(40, 300)
        for n in range(3):
            item = Item(
                c,
                "police" if n != 1 else "care",
                start + timedelta(days=4 * n),
                ["missing"],
                "significant_harm",
            )
            self.items.append(item)
        self.planted += [
            ("repeated_missing", frozenset({c.id})),
            ("multi_agency", frozenset({c.id})),
        ]
        c = self.child()
        start = self.days_ago(100, 300)
        for n in range(3):
            self.items.append(
                Item(c, "education", start + timedelta(days=20 * n), ["neglect"], "early_help")
            )
        self.planted.append(("cumulative", frozenset({c.id})))
        c = self.child(age=self.rng.randint(9, 12))
        self.items.append(
            Item(
                c,
                "health",
                self.days_ago(0, 300),
                ["sexual_exploitation"],
                "significant_harm",
                indicators=[self.rng.choice(HIGH)],
            )
        )
        self.planted.append(("young_child_high_risk", frozenset({c.id})))

    def plant_pair_network(self) -> None:
        kind, value = self.unique_entity()
        pair = [self.child(), self.child()]
        start = self.days_ago(60, 300)
        for n, c in enumerate(pair):
            self.items.append(
                Item(
                    c,
                    self.rng.choice(list(AGENCIES)),
                    start + timedelta(days=30 * n),
                    ["criminal_exploitation"],
                    "child_in_need",
                    entities=[(kind, value)],
                )
            )
        self.planted.append(("network", frozenset(c.id for c in pair)))

    def plant_oxford(self) -> None:
        girls = [
            self.child(
                age=self.rng.randint(12, 15), care=self.rng.choice(["looked_after", "none_known"])
            )
            for _ in range(6)
        ]
        adults = [("nickname", n) for n in ("Ricky", "Bash", "Mo T")]
        cars = [("vehicle", "KX61 ABC"), ("vehicle", "LR09 XYZ")]
        flat = ("address", "Flat 4, 12 Mill Lane")
        start = self.now - timedelta(days=300)
        for n in range(40):
            c = girls[n % 6]
            who = ("police", "health", "care", "police", "health")[n % 5]
            shared = (
                [adults[n % 3]] + ([cars[n % 2]] if n % 2 else []) + ([flat] if n % 7 == 0 else [])
            )
            self.items.append(
                Item(
                    c,
                    who,
                    start + timedelta(days=7 * n + self.rng.randint(0, 3)),
                    ["sexual_exploitation"] + (["missing"] if n % 3 == 0 else []),
                    "significant_harm",
                    entities=shared,
                )
            )
        self.planted.append(("network", frozenset(g.id for g in girls)))

    # -- how the phone writes it ---------------------------------------------------------

    def payload(self, item: Item) -> dict[str, Any]:
        rng, c = self.rng, item.child
        given = c.given if rng.random() < 0.7 else c.given.upper()
        family = c.family
        subject: dict[str, Any] = {
            "given_name": given,
            "family_name": family,
            "legal_status": c.care,
            "address_postcode": c.postcode,
        }
        planted = c.id in self.planted_ids
        with_nhs = rng.random() < (0.5 if item.who in ("police", "education") else 0.9)
        if with_nhs:
            subject["nhs_number"] = (
                c.nhs if rng.random() < 0.5 else f"{c.nhs[:3]} {c.nhs[3:6]} {c.nhs[6:]}"
            )
        if with_nhs and rng.random() < 0.1:
            # A misspelt family name: the NHS number still carries the link.
            cut = rng.randrange(1, max(2, len(family) - 1))
            subject["family_name"] = family[:cut] + family[cut + 1 :] or family
        # Planted children are reported with a date of birth (a missing-person report
        # always has one); in the background one record in ten has only an age.
        if planted or rng.random() < 0.9:
            subject["date_of_birth"] = c.dob.isoformat()
        else:
            subject["approx_age"] = item.at.year - c.dob.year
        if c.nick:
            subject["known_as"] = [c.nick]
        associated = [self.render(kind, value) for kind, value in item.entities]
        at = item.at.replace(microsecond=0).astimezone(UTC)
        concern: dict[str, Any] = {
            "schema": "frontline.concern/1",
            "client_id": str(uuid.uuid4()),
            "recorded_at": at.isoformat(),
            "setting": SETTING[item.who],
            "subject": subject,
            "categories": item.categories,
            "source": "observed",
            "narrative": "Generated.",
            "indicators": [
                {"code": i, "present": "yes", "basis": "observed"} for i in item.indicators
            ],
            "level": item.level,
            "rationale": "Generated.",
            "associated": associated,
            "sharing": {"consent": "not_sought", "not_sought_reason": "risk_to_child"},
            # The proof step is measured by bench/ingest.py; here the store needs its shape.
            "proof": {"type": "webauthn", "credential": {}},
        }
        return concern

    def render(self, kind: str, value: str) -> dict[str, Any]:
        """Write an entity as one of the ways people write it."""
        plain = self.rng.random() < 0.5
        if kind == "vehicle":
            return {
                "kind": "vehicle",
                "registration": value if plain else value.lower().replace(" ", ""),
            }
        if kind == "phone":
            return {
                "kind": "phone",
                "number": value if plain else "+44" + value[1:].replace(" ", ""),
            }
        if kind == "nickname":
            return {"kind": "adult_of_concern", "nickname": value if plain else value.lower()}
        if kind == "address":
            return {"kind": "location", "address": value}
        return {"kind": "adult_of_concern", "name": value if plain else value.upper()}


# -- the truth ---------------------------------------------------------------------------


def spans(times: list[datetime], days: int, need: int) -> bool:
    """Whether ``need`` of these times fall within some span of ``days``."""
    times = sorted(times)
    return any(len([t for t in times if s <= t <= s + timedelta(days=days)]) >= need for s in times)


def truth(items: list[Item]) -> set[tuple[str, frozenset[int]]]:
    """Every pattern present in these items, as the rules define them."""
    found: set[tuple[str, frozenset[int]]] = set()
    by_child: dict[int, list[Item]] = defaultdict(list)
    for item in items:
        by_child[item.child.id].append(item)
    for cid, mine in by_child.items():
        key = frozenset({cid})
        if spans([i.at for i in mine if "missing" in i.categories], 30, 3):
            found.add(("repeated_missing", key))
        if any(
            len({i.who for i in mine if s.at <= i.at <= s.at + timedelta(days=90)}) >= 2
            for s in mine
        ):
            found.add(("multi_agency", key))
        if spans([i.at for i in mine if i.level in LOWER], 90, 3):
            found.add(("cumulative", key))
        if any(i.indicators and (i.at.date() - i.child.dob).days // 365 <= 13 for i in mine):
            found.add(("young_child_high_risk", key))
    by_entity: dict[tuple[str, str], list[Item]] = defaultdict(list)
    for item in items:
        for kind, value in item.entities:
            by_entity[(kind, value.lower().replace(" ", ""))].append(item)
    for shared in by_entity.values():
        for s in shared:
            window = [i for i in shared if s.at <= i.at <= s.at + timedelta(days=365)]
            children = frozenset(i.child.id for i in window)
            if len(children) >= 2:
                found.add(("network", children))
    return found


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


def _alerted(
    sessions: Any, kind: str, concern_child: dict[uuid.UUID, int], children: frozenset[int]
) -> bool:
    with sessions() as s:
        for alert in s.scalars(
            select(Alert).where(Alert.kind == kind, Alert.merged_into_id.is_(None))
        ):
            true = {concern_child.get(uuid.UUID(c)) for c in json.loads(alert.concerns)}
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
    good = 0
    for alert in alerts:
        true = frozenset(
            c
            for c in (concern_child.get(uuid.UUID(x)) for x in json.loads(alert.concerns))
            if c is not None
        )
        if alert.kind == "network":
            good += any(k == "network" and len(cs & true) >= 2 for k, cs in known)
        else:
            good += (alert.kind, true) in known
    found = sum(planted in delays for planted in scenario.planted)
    oxford = scenario.planted[-1][1]
    rings = 0
    for alert in alerts:
        if alert.kind == "network":
            true = {concern_child.get(uuid.UUID(x)) for x in json.loads(alert.concerns)}
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
            ids = {uuid.UUID(x) for x in json.loads(alert.concerns)}
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
            links.chronology(
                s, ring, actor=reader, subject_id=rng.choice(subjects), purpose="bench"
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
