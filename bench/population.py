"""The generated population of bench/dots.py: children, their concerns as agencies write
them, the planted patterns, and the truth the generator knows."""

from __future__ import annotations

import random
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from bench.names import AGENCIES, BOYS, FAMILY, GIRLS, HIGH, LOWER, NICKS, SETTING


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
