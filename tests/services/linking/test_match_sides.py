"""A possible match says, for each record, enough for the MASH to decide without opening a
concern: how many concerns, from which agencies, first and last recorded. No content and
no names (docs/api.md)."""

from __future__ import annotations

import json
from datetime import datetime

from tests.scenario import AMIRA, ZOE, make
from tests.services.concerns.test_inbox import C, worker
from tests.services.linking import test_links
from tests.services.linking.test_conflicting_keys import ABUSE, matches_of, subject_of
from tests.services.linking.test_links import at, send

recorders = test_links.recorders  # the same recorders fixture


def _day(iso: str) -> str:
    return datetime.fromisoformat(iso).date().isoformat()


def test_each_side_of_a_match_is_summed_up_without_content(app, recorders) -> None:  # type: ignore[no-untyped-def]
    zoe = send(app, recorders, "police", make(subject=ZOE, recorded_at=at(9), associated=[]))
    send(app, recorders, "police", make(subject=ZOE, recorded_at=at(5), associated=[]))
    amira = send(app, recorders, "health", make(subject=AMIRA, recorded_at=at(8), **ABUSE))
    forged = dict(AMIRA, nhs_number=ZOE["nhs_number"])
    send(app, recorders, "care", make(subject=forged, recorded_at=at(1), setting="care_home"))
    mash = worker(app, C, "MASH")
    a, b = subject_of(mash, zoe["concern_id"]), subject_of(mash, amira["concern_id"])
    (match,) = matches_of(mash)
    sides = {
        match["subject_id"]: match["sides"]["subject"],
        match["candidate_id"]: match["sides"]["candidate"],
    }
    # Zoë: two police concerns. Amira: hers and the forged one, linked by name and birth date.
    assert sides[a]["concerns"] == 2
    assert sides[a]["agencies"] == ["Riverside Police"]
    assert (_day(sides[a]["first_recorded_at"]), _day(sides[a]["last_recorded_at"])) == (
        at(9)[:10],
        at(5)[:10],
    )
    assert sides[b]["concerns"] == 2
    assert sides[b]["agencies"] == ["Oakview Children's Home", "Riverside Health"]
    assert (_day(sides[b]["first_recorded_at"]), _day(sides[b]["last_recorded_at"])) == (
        at(8)[:10],
        at(1)[:10],
    )
    # The ids stay as they were, and the summary holds nothing of what the concerns say.
    assert len(match["concerns"]["subject"]) + len(match["concerns"]["candidate"]) == 4
    said = json.dumps(match["sides"])
    for word in ("Amira", "Khan", "abuse", ZOE["given_name"], ZOE["nhs_number"]):
        assert word not in said
