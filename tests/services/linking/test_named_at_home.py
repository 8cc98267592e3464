"""A child known only by name, an approximate age and a home: the concerns about them
are one record, not one record each with the MASH asked about every pair
(docs/domain/linking.md, "Keys")."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from tests.scenario import approx_age, make
from tests.services.concerns.test_inbox import C, worker
from tests.services.linking.test_conflicting_keys import ABUSE, matches_of, recorders, subject_of
from tests.services.linking.test_links import at, send

__all__ = ["recorders"]

# About 14: born in one year, whichever side of New Year each record falls (``_about``).
BORN = datetime.fromisoformat(at(9)).year - 14
LEAH = {
    "given_name": "Leah",
    "family_name": "Marsh",
    "approx_age": 14,
    "address_postcode": "OX4 1AB",
}


def _about(app: Any, recorders: Any, who: str, subject: dict[str, Any], days_ago: int) -> str:
    if "approx_age" in subject:
        subject = dict(subject, approx_age=approx_age(BORN, at(days_ago)))
    sent = send(app, recorders, who, make(subject=subject, recorded_at=at(days_ago), **ABUSE))
    return sent["concern_id"]  # type: ignore[no-any-return]


def test_a_name_an_age_and_a_home_link_the_concerns_to_one_record(  # type: ignore[no-untyped-def]
    app, recorders
) -> None:
    first = _about(app, recorders, "police", LEAH, 9)
    second = _about(app, recorders, "care", LEAH, 5)
    third = _about(app, recorders, "health", LEAH, 2)
    mash = worker(app, C, "MASH")
    one = subject_of(mash, first)
    assert subject_of(mash, second) == one
    assert subject_of(mash, third) == one
    assert matches_of(mash) == []
    # The same name and age at another home is another child, until a person says so.
    elsewhere = _about(app, recorders, "care", dict(LEAH, address_postcode="OX1 4RT"), 1)
    assert subject_of(mash, elsewhere) != one


def test_the_record_with_a_date_of_birth_is_chosen_and_nothing_is_merged(  # type: ignore[no-untyped-def]
    app, recorders
) -> None:
    # Known first by name and age, then by a school with her date of birth (the same year).
    approx = _about(app, recorders, "police", LEAH, 9)
    dated = dict(LEAH, approx_age=None, date_of_birth=f"{BORN}-01-05")
    school = _about(app, recorders, "health", {k: v for k, v in dated.items() if v}, 8)
    mash = worker(app, C, "MASH")
    named, aged = subject_of(mash, school), subject_of(mash, approx)
    assert named != aged
    # The next concern with a name, an age and that home goes to the record that has a
    # date of birth; the two records stay apart, for the MASH to decide.
    later = _about(app, recorders, "care", LEAH, 1)
    assert subject_of(mash, later) == named
    assert subject_of(mash, approx) == aged
    (match,) = matches_of(mash)
    assert {match["subject_id"], match["candidate_id"]} == {named, aged}


def test_a_concern_with_an_nhs_number_is_not_linked_by_name_and_age(  # type: ignore[no-untyped-def]
    app, recorders
) -> None:
    first = _about(app, recorders, "police", LEAH, 9)
    numbered = _about(app, recorders, "health", dict(LEAH, nhs_number="401 023 2137"), 3)
    mash = worker(app, C, "MASH")
    assert subject_of(mash, numbered) != subject_of(mash, first)
