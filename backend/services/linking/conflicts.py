"""When strong keys point at different children (docs/domain/linking.md).

A strong kind is the NHS number or the full name with date of birth. The kinds *compared*
are those and the family name's sound with the year of birth: a record whose concerns gave
only an NHS number and an age still says whose family it is. What a record (a subject and
every subject merged into it) *holds* of a kind is the blind indexes of that kind in the
concerns linked to it.

- A concern **disagrees** with a record when the record holds values of a compared kind
  the concern also carries, and none of them is the concern's: an NHS number found on a
  child whose concerns all carry another name and date of birth, or another family name.
- Two records are **in conflict** when, for some compared kind, each holds values of it
  and they share none: both have NHS numbers, different ones; or different family names.

One difference is no disagreement: a family name spelt (or changed) differently, when the
given name and date of birth are the same (``given_dob``). A name with date of birth that
differs only there does not count, nor does the family name's sound. Twins share a family
name and a birthday, not a given name.

A name with date of birth is not always one child: a record that it alone found (no NHS
number agreeing) is not linked when the record and the concern name different home
postcodes (``uncorroborated``).

Neither is ever merged or linked automatically: the MASH is asked (a possible match with
a ``conflict``). Values are compared under one blind key (``read_one_key``) and never leave
the server; the conflict names kinds only.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable
from typing import Any, TypedDict

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from backend.models import SubjectKey, table_of
from backend.services.linking.blind_keys import read_one_key

STRONG = ("nhs_number", "name_dob")
COMPARED = (*STRONG, "phonetic_year")
FAMILY = ("name_dob", "phonetic_year")  # the kinds a family name spelt differently changes
WORDS = {
    "nhs_number": "NHS number",
    "name_dob": "name with date of birth",
    "phonetic_year": "family name with year of birth",
    "given_dob": "given name with date of birth",
    "postcode": "home postcode",
    "known_as_year": "known-as name with year of birth",
}

_K = table_of(SubjectKey)
# The values of some kinds a child's records hold: one row per record and value, on the
# keys' primary key (subject, role, kind), however many concerns name them.
_HELD = select(_K.c.kind, _K.c.blind_index, _K.c.key_id).where(
    _K.c.subject_id.in_(bindparam("ids", expanding=True)),
    _K.c.role == "subject",
    _K.c.kind.in_(bindparam("kinds", expanding=True)),
)


class Conflict(TypedDict):
    """What a possible match raised by disagreeing strong keys records (JSON in
    ``possible_matches.conflict``): the concern, which of its kinds matched each record,
    and the kinds the records (or the concern and a record) hold differently."""

    concern_id: str
    matched: dict[str, list[str]]
    differs: list[str]


def db_held(session: Session, ids: list[uuid.UUID]) -> list[tuple[str, str, str]]:
    """(kind, blind index, key id) of every compared value a child's concerns carry, their
    given names with dates of birth and their home postcodes."""
    kinds = [*COMPARED, "given_dob", "postcode"]
    return [tuple(r) for r in session.execute(_HELD, {"ids": ids, "kinds": kinds})]  # type: ignore[misc]


def by_kind(rows: list[tuple[str, str, str]]) -> dict[str, set[str]]:
    """Held values (``db_held``) by kind, under the oldest blind key among them."""
    found: dict[str, set[str]] = {}
    for kind, index, _ in read_one_key(rows, lambda r: r[2]):
        found.setdefault(kind, set()).add(index)
    return found


def disagrees(mine: dict[str, set[str]], theirs: dict[str, set[str]]) -> list[str]:
    """The compared kinds a record holds values of (``theirs``) where none is the
    concern's (``mine``, its own values by kind), but for the family name alone."""
    found = [k for k in COMPARED if k in mine and theirs.get(k) and not theirs[k] & mine[k]]
    if mine.get("given_dob", set()) & theirs.get("given_dob", set()):
        found = [k for k in found if k not in FAMILY]
    return sorted(found)


def uncorroborated(mine: dict[str, set[str]], theirs: dict[str, set[str]]) -> list[str]:
    """For a record that the name with date of birth alone found: ``["postcode"]`` when the
    record and the concern each hold home postcodes and share none, else nothing.

    More than one child has the same name and birthday (at 100,000 generated children, two
    pairs did). With no NHS number to tell them apart, a concern from another home is as
    likely to be about the other child as about one who moved: the MASH is asked.
    """
    if (
        mine.get("postcode")
        and theirs.get("postcode")
        and not mine["postcode"] & theirs["postcode"]
    ):
        return ["postcode"]
    return []


def differing(one: list[tuple[str, str, str]], other: list[tuple[str, str, str]]) -> list[str]:
    """The compared kinds two records both hold values of without sharing any (empty: no
    conflict). Read under the oldest blind key among them, which every record has."""
    rows = read_one_key([*(("a", *r) for r in one), *(("b", *r) for r in other)], lambda r: r[3])
    held: dict[str, dict[str, set[str]]] = {"a": {}, "b": {}}
    for side, kind, index, _ in rows:
        held[side].setdefault(kind, set()).add(index)
    return disagrees(held["a"], held["b"])


def conflict_of(
    concern_id: uuid.UUID, matched: dict[uuid.UUID, set[str]], differs: list[str]
) -> str:
    """The JSON stored on the possible match."""
    body: Conflict = {
        "concern_id": str(concern_id),
        "matched": {str(s): sorted(k) for s, k in matched.items()},
        "differs": sorted(differs),
    }
    return json.dumps(body, sort_keys=True)


def in_words(kinds: Iterable[str]) -> str:
    """Key kinds as a person reads them, strongest first: "NHS number and name with date
    of birth"."""
    order = list(WORDS)
    ranked = sorted(set(kinds), key=lambda k: (order.index(k) if k in order else len(order), k))
    said = [WORDS.get(k, k.replace("_", " ")) for k in ranked]
    return " and ".join(said) if len(said) < 3 else f"{', '.join(said[:-1])} and {said[-1]}"


def words(conflict: Conflict) -> str:
    """The conflict as the MASH reads it, in the words of the phone's buttons."""
    named = {k for kinds in conflict["matched"].values() for k in kinds} | set(conflict["differs"])
    differs = in_words(conflict["differs"])
    if {"nhs_number", "name_dob"} <= named:
        head = "NHS number and name with date of birth point at different children"
    elif conflict["differs"] == ["postcode"]:
        head = (
            "The same name and date of birth at a different home postcode, with no NHS "
            "number to tell: another child of that name, or one who has moved"
        )
    elif differs:
        head = f"The two records hold a different {differs}: they may be different children"
    else:
        head = "One concern's keys point at both records"
    return (
        f"{head}. Nothing was merged, and the concern was not linked through a key that "
        "disagrees. Join the records only if they are one child; keep them apart if they "
        "are two (a key may have been mistyped)."
    )


def shown(stored: str | None) -> dict[str, Any] | None:
    """The stored conflict with its words, for the MASH's view (None: no conflict)."""
    if stored is None:
        return None
    conflict: Conflict = json.loads(stored)
    return {**conflict, "words": words(conflict)}
