"""What bench/dots.py holds true: identity. The generator knows which real child every
concern is about and which real adult, car, phone or place every associated entry names
(bench/population.py), so it can say of any link the server made whether it joins records
of one real entity.

- An alert is correct only if every link in its evidence holds: the concerns it rests on
  that sit in one subject are about one real child; the concerns a network ties together
  through one key (a name, street name, registration, phone or address) name one real
  entity through it; and a network joins at least two real children. Nothing else counts:
  two real adults who share a name are two adults.
- A wrong merge is a subject whose concerns are about two or more real children; a split
  is a real child whose concerns sit in two or more subjects.
- The patterns present (for recall and delay) are the rules' patterns over real identity.
"""

from __future__ import annotations

import uuid
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import crypto
from backend.services.linking.identifiers import blind_identifiers
from bench.names import LOWER
from bench.population import Item

# Why an alert is wrong, in the words the report prints.
MIXED_CHILD = "two real children in one subject"
MIXED_KEY = "two real entities behind one {}"  # the identifier kind
ONE_CHILD = "a network of one real child"
UNKNOWN_KEY = "a key the generator did not write (a bench fault)"


@dataclass
class Identity:
    """Which real child each stored concern is about, and which real entity each of its
    associated identifiers (kind, blind index) names."""

    indexer: crypto.BlindIndexer
    item_of: dict[uuid.UUID, Item] = field(default_factory=dict)
    named: dict[tuple[uuid.UUID, str, str], set[int]] = field(default_factory=dict)

    def add(self, concern_id: uuid.UUID, item: Item, payload: dict[str, Any]) -> None:
        self.item_of[concern_id] = item
        at = datetime.fromisoformat(payload["recorded_at"])
        for mention, entry in zip(item.mentions, payload["associated"], strict=True):
            for _, kind, index in blind_identifiers(
                self.indexer, subject=None, associated=[entry], recorded_at=at
            ):
                self.named.setdefault((concern_id, kind, index), set()).add(mention.entity.id)

    def child(self, concern_id: uuid.UUID) -> int | None:
        item = self.item_of.get(concern_id)
        return None if item is None else item.child.id


def judge(
    kind: str,
    evidence: Iterable[tuple[uuid.UUID, str, str]],
    identity: Identity,
    subject_of: dict[uuid.UUID, uuid.UUID],
) -> str | None:
    """None when every link of an alert's evidence (concern, identifier kind, key) joins
    records of one real entity; otherwise what is wrong."""
    evidence = list(evidence)
    concerns = {c for c, _, _ in evidence}
    children = {identity.child(c) for c in concerns}
    in_subject: dict[uuid.UUID, set[int | None]] = defaultdict(set)
    for c in concerns:
        in_subject[subject_of.get(c, c)].add(identity.child(c))
    if any(len(v) > 1 for v in in_subject.values()):
        return MIXED_CHILD
    if kind != "network":
        return MIXED_CHILD if len(children) > 1 else None
    behind: dict[tuple[str, str], set[int]] = defaultdict(set)
    for c, ident, key in evidence:
        named = identity.named.get((c, ident, key))
        if not named:
            return UNKNOWN_KEY
        behind[(ident, key)] |= named
    for (ident, _), named in sorted(behind.items()):
        if len(named) > 1:
            return MIXED_KEY.format(ident.replace("_", " "))
    return ONE_CHILD if len(children) < 2 else None


@dataclass
class Merges:
    subjects: int  # subjects that hold concerns
    wrong: int  # of them, holding concerns about two or more real children
    concerns_in_wrong: int  # concerns in those subjects
    misplaced: int  # of those, concerns not about the subject's main child
    children: int  # real children with concerns
    split: int  # of them, with concerns in two or more subjects


def merges(subject_of: dict[uuid.UUID, uuid.UUID], identity: Identity) -> Merges:
    held: dict[uuid.UUID, Counter[int | None]] = defaultdict(Counter)
    homes: dict[int | None, set[uuid.UUID]] = defaultdict(set)
    for concern_id, subject in subject_of.items():
        child = identity.child(concern_id)
        held[subject][child] += 1
        homes[child].add(subject)
    wrong = [c for c in held.values() if len(c) > 1]
    return Merges(
        subjects=len(held),
        wrong=len(wrong),
        concerns_in_wrong=sum(c.total() for c in wrong),
        misplaced=sum(c.total() - max(c.values()) for c in wrong),
        children=len(homes),
        split=sum(len(s) > 1 for s in homes.values()),
    )


def heads(pointers: dict[uuid.UUID, uuid.UUID | None]) -> dict[uuid.UUID, uuid.UUID]:
    """Each subject's head: the subject its merges lead to."""
    found: dict[uuid.UUID, uuid.UUID] = {}
    for start in pointers:
        sid, seen = start, set()
        while pointers.get(sid) is not None and sid not in seen:
            seen.add(sid)
            sid = pointers[sid]  # type: ignore[assignment]
        found[start] = sid
    return found


# -- the patterns present, over real identity -------------------------------------------


def spans(times: list[datetime], days: int, need: int) -> bool:
    """Whether ``need`` of these times fall within some span of ``days``."""
    times = sorted(times)
    return any(len([t for t in times if s <= t <= s + timedelta(days=days)]) >= need for s in times)


def present(items: list[Item]) -> set[tuple[str, frozenset[int]]]:
    """Every pattern present in these items, as the rules define them, over real children
    and real entities (however each record wrote them)."""
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
    by_entity: dict[int, list[Item]] = defaultdict(list)
    for item in items:
        for m in item.mentions:
            by_entity[m.entity.id].append(item)
    for shared in by_entity.values():
        for s in shared:
            window = [i for i in shared if s.at <= i.at <= s.at + timedelta(days=365)]
            children = frozenset(i.child.id for i in window)
            if len(children) >= 2:
                found.add(("network", children))
    return found
