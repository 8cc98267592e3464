"""When strong keys point at different children (docs/domain/linking.md).

A strong kind is the NHS number or the full name with date of birth. What a record (a
subject and every subject merged into it) *holds* of a kind is the blind indexes of that
kind in the concerns linked to it.

- A concern **disagrees** with a record when the record holds values of a strong kind the
  concern also carries, and none of them is the concern's: an NHS number found on a child
  whose concerns all carry another name and date of birth.
- Two records are **in conflict** when, for some strong kind, each holds values of it and
  they share none: both have NHS numbers, different ones.

Neither is ever merged or linked automatically: the MASH is asked (a possible match with
a ``conflict``). Values are compared under one blind key (``read_one_key``) and never leave
the server; the conflict names kinds only.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from typing import Any, TypedDict

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from backend.models import SubjectKey, table_of
from backend.services.linking.blind_keys import read_one_key

STRONG = ("nhs_number", "name_dob")
WORDS = {"nhs_number": "NHS number", "name_dob": "name with date of birth"}

_K = table_of(SubjectKey)
# The values of some kinds a child's records hold: one row per record and value, on the
# keys' primary key (subject, role, kind), however many concerns name them.
_HELD = select(_K.c.kind, _K.c.blind_index, _K.c.key_id).where(
    _K.c.subject_id.in_(bindparam("ids", expanding=True)),
    _K.c.role == "subject",
    _K.c.kind.in_(bindparam("kinds", expanding=True)),
)
_HOLDS = _HELD.limit(1)


class Conflict(TypedDict):
    """What a possible match raised by disagreeing strong keys records (JSON in
    ``possible_matches.conflict``): the concern, which of its kinds matched each record,
    and the kinds the records (or the concern and a record) hold differently."""

    concern_id: str
    matched: dict[str, list[str]]
    differs: list[str]


def db_holds(session: Session, ids: list[uuid.UUID], kind: str) -> bool:
    """Whether a child's concerns (``ids``: the record and those merged into it) carry any
    value of ``kind``: one probe, not a read of them all."""
    return session.execute(_HOLDS, {"ids": ids, "kinds": [kind]}).first() is not None


def db_held(
    session: Session, ids: list[uuid.UUID], kinds: Sequence[str] = STRONG
) -> list[tuple[str, str, str]]:
    """(kind, blind index, key id) of every value of ``kinds`` (the strong ones unless
    told) a child's concerns carry, each once per record."""
    return [tuple(r) for r in session.execute(_HELD, {"ids": ids, "kinds": list(kinds)})]  # type: ignore[misc]


def differing(one: list[tuple[str, str, str]], other: list[tuple[str, str, str]]) -> list[str]:
    """The strong kinds two records both hold values of without sharing any (empty: no
    conflict). Read under the oldest blind key among them, which every record has."""
    rows = read_one_key([*(("a", *r) for r in one), *(("b", *r) for r in other)], lambda r: r[3])
    held: dict[tuple[str, str], set[str]] = {}
    for side, kind, index, _ in rows:
        held.setdefault((side, kind), set()).add(index)
    return [
        kind
        for kind in sorted(STRONG)
        if held.get(("a", kind))
        and held.get(("b", kind))
        and not held[("a", kind)] & held[("b", kind)]
    ]


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


def words(conflict: Conflict) -> str:
    """The conflict as the MASH reads it."""
    named = {k for kinds in conflict["matched"].values() for k in kinds} | set(conflict["differs"])
    both = ", ".join(WORDS[k] for k in sorted(conflict["differs"]))
    if {"nhs_number", "name_dob"} <= named:
        head = "NHS number and name with date of birth point at different children"
    else:
        head = f"The two records hold a different {both}: they may be different children"
    return (
        f"{head}. One concern's keys matched both records, but they disagree on the {both}, "
        "so nothing was merged and the concern was not linked through the key that "
        "disagrees. Confirm only if they are one child; reject if they are two (a key "
        "may have been mistyped)."
    )


def shown(stored: str | None) -> dict[str, Any] | None:
    """The stored conflict with its words, for the MASH's view (None: no conflict)."""
    if stored is None:
        return None
    conflict: Conflict = json.loads(stored)
    return {**conflict, "words": words(conflict)}
