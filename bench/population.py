"""The generated population of bench/dots.py: real children, adults, vehicles, phones and
places, the concerns agencies write about them, the planted patterns and the keying errors.

Every child, adult, vehicle, phone and place is a real entity with a stable id. A concern
names a child (``Item.child``) and its associated entities through mentions that keep the
real id however the record writes them (bench/writing.py: capitals, misspellings, known-as
names, "AB12 CDE" or "ab12cde", 07... or +447...). The truth is identity (bench/truth.py):
which records are about the same real child or entity.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from bench.names import AGENCIES, BOYS, FAMILY, GIRLS, HIGH, LOWER, MEN, NICKS, STREET, WOMEN
from bench.writing import write

ERROR_RATE = 0.02  # background concerns carrying one wrong strong key
REUSE = 0.02  # background mentions of an adult, car or phone already named about a child
LETTERS = "ABCDEFGHJKLMNOPRSTUVWXYZ"
BACKGROUND_CATEGORIES = (
    "neglect",
    "emotional_abuse",
    "self_harm",
    "substance_harm",
    "domestic_abuse",
    "other",
)


def nhs_number(rng: random.Random) -> str:
    while True:
        digits = [rng.randint(0, 9) for _ in range(9)]
        check = 11 - sum(d * (10 - i) for i, d in enumerate(digits)) % 11
        if check == 11:
            check = 0
        if check != 10:
            return "".join(map(str, digits)) + str(check)


@dataclass(eq=False)
class Child:
    id: int
    given: str
    family: str
    dob: date
    nhs: str
    postcode: str
    care: str = "none_known"
    nick: str | None = None


@dataclass(eq=False)
class Entity:
    """A real adult, vehicle, phone or place: ``value`` is the adult's name, the
    registration, the number or the address; ``nick`` an adult's street name."""

    id: int
    kind: str
    value: str
    nick: str | None = None


@dataclass
class Mention:
    """One associated entry of a concern: the real entity it is about, and how it is
    written. ``written`` replaces the entity's own value (a misspelt name, or a keying
    error: a digit mistyped in a registration or phone number)."""

    entity: Entity
    form: str = "name"  # an adult: name, nickname or both
    written: str | None = None
    exact: bool = False  # planted: never misspelt


@dataclass
class Item:
    child: Child
    who: str
    at: datetime
    categories: list[str]
    level: str
    indicators: list[str] = field(default_factory=list)
    mentions: list[Mention] = field(default_factory=list)
    planted: bool = False
    error: str | None = None  # the wrong strong key it carries: nhs, vehicle or phone
    nhs_of: Child | None = None  # whose NHS number it gives: another child's, by error
    sync_order: float = 0.0


class Scenario:
    """The truth: children, entities, their concerns, the planted patterns."""

    def __init__(self, children: int, seed: int, now: datetime, *, colliding: bool = False) -> None:
        self.rng = random.Random(seed)
        self.now = now
        self.children: list[Child] = []
        self.entities: list[Entity] = []
        self.pool: dict[str, list[Entity]] = {"adult": [], "vehicle": [], "phone": []}
        self.taken: dict[tuple[str, str], Entity] = {}  # registrations and numbers in use
        self.items: list[Item] = []
        self.planted: list[tuple[str, frozenset[int]]] = []
        for _ in range(children):
            self.child()
        for c in list(self.children):
            for _ in range(self.rng.choice((1, 1, 1, 2))):
                self.background(c)
        if children:
            for _ in range(5):
                self.plant_subject_patterns()
                self.plant_pair_network()
            self.plant_oxford()
            self.plant_errors(random.Random(f"{seed}:errors"), colliding=colliding)
        self.planted_ids = {c for _, cs in self.planted for c in cs}
        self.schedule()

    @classmethod
    def one_child(cls, concerns: int, seed: int, now: datetime) -> Scenario:
        """One real child with ``concerns`` concerns over a year, from every agency, naming
        the same few adults, cars and phones, written as agencies write them."""
        self = cls(0, seed, now)
        c = self.child(age=14, care="child_in_need")
        known = [self.entity(k) for k in ("adult", "adult", "vehicle", "phone")]
        for n in range(concerns):
            missing = n % 5 == 0
            item = Item(
                c,
                self.rng.choice(list(AGENCIES)),
                self.days_ago(0, 364),
                ["missing"] if missing else [self.rng.choice(BACKGROUND_CATEGORIES)],
                "significant_harm" if missing else self.rng.choice(LOWER),
                mentions=[Mention(self.rng.choice(known)) for _ in range(self.rng.randint(0, 2))],
            )
            self.items.append(item)
        self.schedule()
        return self

    def schedule(self) -> None:
        """Sync order: event time, and one concern in ten synced weeks after the event."""
        for item in self.items:
            late = self.rng.random() < 0.1
            item.sync_order = item.at.timestamp() + (86400 * self.rng.randint(7, 40) if late else 0)
        self.items.sort(key=lambda i: i.sync_order)

    def child(self, age: int | None = None, care: str = "none_known") -> Child:
        rng = self.rng
        age = age if age is not None else rng.randint(8, 17)
        dob = date(self.now.year - age, rng.randint(1, 12), rng.randint(1, 28))
        c = Child(
            len(self.children),
            (GIRLS if rng.random() < 0.6 else BOYS).draw(rng),
            FAMILY.draw(rng),
            dob,
            nhs_number(rng),
            f"OX{rng.randint(1, 44)} {rng.randint(1, 9)}{rng.choice('ABDEF')}{rng.choice('HJLN')}",
            care,
            NICKS.draw(rng) if rng.random() < 0.2 else None,
        )
        self.children.append(c)
        return c

    def entity(self, kind: str, value: str | None = None, nick: str | None = None) -> Entity:
        """A new real adult, vehicle, phone or place. Registrations and numbers are each
        one real car's or phone's; names and street names are shared by chance, as they
        are in life."""
        rng = self.rng
        while value is None:
            if kind == "adult":
                man = rng.random() < 0.8
                value = f"{(MEN if man else WOMEN).draw(rng)} {FAMILY.draw(rng)}"
                if nick is None and rng.random() < (0.15 if man else 0.05):
                    nick = STREET.draw(rng)
            elif kind == "vehicle":
                value = (
                    f"{rng.choice(LETTERS)}{rng.choice(LETTERS)}{rng.randint(10, 99)} "
                    f"{''.join(rng.choice(LETTERS) for _ in range(3))}"
                )
            else:
                value = f"07{rng.randint(100, 999)} {rng.randint(100000, 999999)}"
            if (kind, _plain(value)) in self.taken:
                value = None
        e = Entity(len(self.entities), kind, value, nick)
        self.entities.append(e)
        if kind in ("vehicle", "phone"):
            self.taken[(kind, _plain(value))] = e
        return e

    def days_ago(self, lo: int, hi: int) -> datetime:
        return self.now - timedelta(
            days=self.rng.randint(lo, hi), minutes=self.rng.randint(0, 1439)
        )

    def mention(self) -> Mention:
        """A background adult, car or phone: new, or one in fifty already named elsewhere."""
        rng = self.rng
        kind = rng.choices(("adult", "vehicle", "phone"), weights=(2, 1, 1))[0]
        pool = self.pool[kind]
        if pool and rng.random() < REUSE:
            e = rng.choice(pool)
        else:
            e = self.entity(kind)
            pool.append(e)
        form = "name"
        if e.nick:
            form = rng.choices(("name", "nickname", "both"), weights=(50, 35, 15))[0]
        written = None
        if kind == "adult" and form != "nickname" and rng.random() < 0.05:
            given, family = e.value.split(" ", 1)
            cut = rng.randrange(1, max(2, len(family) - 1))
            written = f"{given} {family[:cut] + family[cut + 1 :] or family}"
        return Mention(e, form, written)

    def background(self, c: Child) -> None:
        rng = self.rng
        self.items.append(
            Item(
                c,
                rng.choice(list(AGENCIES)),
                self.days_ago(0, 360),
                [rng.choice(BACKGROUND_CATEGORIES)],
                rng.choice(LOWER),
                mentions=[self.mention() for _ in range(rng.randint(0, 2))],
            )
        )

    def plant_errors(self, rng: random.Random, *, colliding: bool) -> None:
        """One background concern in fifty carries one wrong strong key: another real
        child's NHS number (a typed one fails its check digit; a wrong one that passes is
        copied from someone else's letter), or a registration or phone number with one
        digit mistyped, which names another real car or phone only if that one is in use.
        ``colliding``: the worst case instead, every mistyped registration another real
        car's and every wrong number another real phone's, each named about another child
        (no rule that lets one shared car link two children can tell those from a real
        shared car)."""
        background = [i for i in self.items if not i.planted]
        for item in rng.sample(background, round(ERROR_RATE * len(background))):
            kinds = ["nhs"] + [m.entity.kind for m in item.mentions if m.written is None]
            item.error = rng.choice([k for k in dict.fromkeys(kinds) if k != "adult"])
            if item.error == "nhs":
                item.nhs_of = self._another_child(rng, item.child)
                continue
            m = next(m for m in item.mentions if m.entity.kind == item.error and not m.written)
            if not colliding:
                m.written = _mistyped(rng, m.entity.value)
            elif item.error == "vehicle":
                m.written = self._neighbour_car(rng, m.entity, item, background)
            else:
                phones = [e for e in self.entities if e.kind == "phone" and e is not m.entity]
                m.written = rng.choice(phones).value

    def _another_child(self, rng: random.Random, child: Child) -> Child:
        """Any real child but this one, drawn as ``rng.choice`` would draw from the list of
        the others (the same populations for a seed), without building that list: at
        800,000 children, building it for each planted error took hours. A child's id is its
        place in ``children``."""
        drawn = rng.randrange(len(self.children) - 1)
        return self.children[drawn + (drawn >= child.id)]

    def collisions(self) -> int:
        """Mistyped registrations and numbers that are another real car's or phone's."""
        return sum(
            (m.entity.kind, _plain(m.written)) in self.taken
            for i in self.items
            for m in i.mentions
            if i.error and m.written and m.entity.kind in ("vehicle", "phone")
        )

    def _neighbour_car(
        self, rng: random.Random, car: Entity, item: Item, background: list[Item]
    ) -> str:
        """A registration one digit off ``car``'s: another real car's, named about another
        child (in a concern of its own, when the car was not named yet)."""
        pos = rng.choice((2, 3))
        digits = [d for d in "0123456789" if d != car.value[pos] and (pos == 3 or d != "0")]
        wrong = car.value[:pos] + rng.choice(digits) + car.value[pos + 1 :]
        if ("vehicle", _plain(wrong)) not in self.taken:
            other = self.entity("vehicle", wrong)
            host = rng.choice(background)
            while host.child is item.child:
                host = rng.choice(background)
            host.mentions.append(Mention(other))
        return wrong

    def plant_subject_patterns(self) -> None:
        c = self.child(care="looked_after")
        start = self.days_ago(40, 300)
        for n in range(3):
            self.items.append(
                Item(
                    c,
                    "police" if n != 1 else "care",
                    start + timedelta(days=4 * n),
                    ["missing"],
                    "significant_harm",
                    planted=True,
                )
            )
        self.planted += [
            ("repeated_missing", frozenset({c.id})),
            ("multi_agency", frozenset({c.id})),
        ]
        c = self.child()
        start = self.days_ago(100, 300)
        for n in range(3):
            self.items.append(
                Item(
                    c,
                    "education",
                    start + timedelta(days=20 * n),
                    ["neglect"],
                    "early_help",
                    planted=True,
                )
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
                planted=True,
            )
        )
        self.planted.append(("young_child_high_risk", frozenset({c.id})))

    def plant_pair_network(self) -> None:
        shared = Mention(self.entity(self.rng.choice(("adult", "vehicle", "phone"))), exact=True)
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
                    mentions=[shared],
                    planted=True,
                )
            )
        self.planted.append(("network", frozenset(c.id for c in pair)))

    def plant_oxford(self) -> None:
        """Six girls, three adults known by street names, two cars and one flat, forty
        contacts from police, health and a children's home over ten months."""
        girls = [
            self.child(
                age=self.rng.randint(12, 15), care=self.rng.choice(["looked_after", "none_known"])
            )
            for _ in range(6)
        ]
        adults = [
            Mention(self.entity("adult", nick=n), form="nickname", exact=True)
            for n in ("Ricky", "Bash", "Mo T")
        ]
        cars = [Mention(self.entity("vehicle", r), exact=True) for r in ("KX61 ABC", "LR09 XYZ")]
        flat = Mention(self.entity("place", "Flat 4, 12 Mill Lane"), exact=True)
        start = self.now - timedelta(days=300)
        for n in range(40):
            shared = (
                [adults[n % 3]]
                + ([cars[n // 2 % 2]] if n % 2 else [])
                + ([flat] if n % 7 == 0 else [])
            )
            self.items.append(
                Item(
                    girls[n % 6],
                    ("police", "health", "care", "police", "health")[n % 5],
                    start + timedelta(days=7 * n + self.rng.randint(0, 3)),
                    ["sexual_exploitation"] + (["missing"] if n % 3 == 0 else []),
                    "significant_harm",
                    mentions=shared,
                    planted=True,
                )
            )
        self.planted.append(("network", frozenset(g.id for g in girls)))

    def payload(self, item: Item) -> dict[str, Any]:
        """The concern as the phone writes it (bench/writing.py)."""
        return write(self.rng, item, always_dob=item.child.id in self.planted_ids)


def _mistyped(rng: random.Random, value: str) -> str:
    """``value`` with one of its digits (not the first) typed as another digit."""
    places = [n for n, ch in enumerate(value) if ch.isdigit() and n > 1]
    at = rng.choice(places)
    digit = rng.choice([d for d in "0123456789" if d != value[at]])
    return value[:at] + digit + value[at + 1 :]


def _plain(value: str) -> str:
    return value.upper().replace(" ", "")
