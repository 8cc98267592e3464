"""Looking up the records that hold a concern's keys finds exactly what a plain count
finds: every record holding at least so many kinds of them, whichever kinds drive the
lookup (``subjects.holders``, ``_agreeing``), with a nickname shared by many records."""

from __future__ import annotations

import random
import uuid
from datetime import UTC, datetime
from itertools import combinations
from typing import Any

from sqlalchemy import insert, select

from backend.models import Concern, Subject, SubjectKey, table_of
from backend.services.linking.subjects import COMMONEST, _drivers, holders
from tests.scenario import make
from tests.services.linking import test_links
from tests.services.linking.test_links import at, send

recorders = test_links.recorders  # the same recorders fixture

# A few values of each kind, so that records share them; the nickname the most.
VALUES = {
    "known_as_year": ["jay-2011", "jay-2012"],
    "phonetic_year": ["o165-2011", "o165-2012", "k500-2011"],
    "postcode": ["ox4-1aa", "ox4-1ab", "ox1-2bb", "ox3-9zz"],
    "name_year": ["zoe-obrien-2011", "amy-kerr-2012", "lee-khan-2011"],
    "given_dob": ["zoe-2011-03-09", "amy-2012-01-05"],
}


def _records(
    session: Any, concern_id: uuid.UUID, rng: random.Random
) -> dict[uuid.UUID, set[tuple[str, str]]]:
    """Forty records of one partnership, each holding a random few of ``VALUES``; also
    an ``associated`` key on one of them, which a lookup of subject keys never counts."""
    partnership_id = session.scalar(
        select(Subject.partnership_id).join(Concern, Concern.subject_id == Subject.id)
    )
    now = datetime.now(UTC)
    held: dict[uuid.UUID, set[tuple[str, str]]] = {}
    for n in range(40):
        sid = uuid.uuid4()
        session.add(Subject(id=sid, partnership_id=partnership_id, created_at=now))
        keys = {
            (kind, rng.choice(values))
            for kind, values in VALUES.items()
            if rng.random() < (0.9 if kind == "known_as_year" else 0.5)
        }
        if n % 7 == 0:  # a second home, a second name
            keys |= {("postcode", rng.choice(VALUES["postcode"])), ("known_as_year", "jay-2012")}
        held[sid] = keys
    session.flush()
    row = {
        "key_id": "k",
        "first_at": now,
        "last_at": now,
        "last_concern_id": concern_id,
        "concerns": 1,
    }
    rows = [
        {"subject_id": sid, "role": "subject", "kind": kind, "blind_index": index, **row}
        for sid, keys in held.items()
        for kind, index in keys
    ]
    sid = next(iter(held))
    rows.append(
        {
            "subject_id": sid,
            "role": "associated",
            "kind": "postcode",
            "blind_index": "ox3-9zz",
            **row,
        }
    )
    session.execute(insert(table_of(SubjectKey)), rows)
    return held


def _counted(
    held: dict[uuid.UUID, set[tuple[str, str]]], pairs: list[tuple[str, str]], at_least: int
) -> dict[uuid.UUID, set[str]]:
    found = {sid: {k for k, b in keys if (k, b) in pairs} for sid, keys in held.items()}
    return {sid: kinds for sid, kinds in found.items() if kinds and len(kinds) >= at_least}


def test_every_record_with_enough_kinds_is_found_whichever_kinds_drive(  # type: ignore[no-untyped-def]
    app, sessions, recorders
) -> None:
    sent = send(app, recorders, "police", make(recorded_at=at(1)))
    rng = random.Random(7)
    all_pairs = [(kind, value) for kind, values in VALUES.items() for value in values]
    with sessions() as s:
        concern_id = uuid.UUID(sent["concern_id"])
        partnership_id = s.scalar(
            select(Subject.partnership_id).join(Concern, Concern.subject_id == Subject.id)
        )
        held = _records(s, concern_id, rng)
        # Each record the concern was linked to holds its real keys: not ours to count.
        ours = set(held)
        asked = 0
        for _ in range(60):
            pairs = rng.sample(all_pairs, rng.randint(1, 6))
            for at_least in (1, 2, 3):
                got = holders(s, pairs, partnership_id=partnership_id, at_least=at_least)
                mine = {sid: kinds for sid, kinds in got.items() if sid in ours}
                assert mine == _counted(held, pairs, at_least), (pairs, at_least)
                asked += 1
        assert asked == 180
        s.rollback()


def test_the_commonest_kinds_never_drive_an_agreement() -> None:
    weak = [
        ("phonetic_year", "a"),
        ("known_as_year", "b"),
        ("postcode", "c"),
        ("known_as_year", "d"),
    ]
    # Two kinds of three must agree: the nickname is left out, both of its values.
    assert [weak[n][0] for n in _drivers(weak, 2)] == ["phonetic_year", "postcode"]
    # Three of three: only the rarest drives.
    assert [weak[n][0] for n in _drivers(weak, 3)] == ["postcode"]
    assert _drivers(weak, 1) == (0, 1, 2, 3)
    # At home: a name with a birth year is rarer than a postcode; it drives.
    assert _drivers([("name_year", "a"), ("postcode", "b")], 2) == (0,)
    # Every ranked kind is ranked once, commonest first, and a kind not ranked drives.
    assert len(set(COMMONEST)) == len(COMMONEST)
    assert _drivers([("nhs_number", "a"), ("known_as_year", "b")], 2) == (0,)
    for a, b in combinations(COMMONEST, 2):
        assert _drivers([(a, "x"), (b, "y")], 2) == (1,)
