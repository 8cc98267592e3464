"""A small Oxford-like scenario: three children, one ring, three agencies recording.

Zoë, looked after, goes missing again and again, seen getting into a car and calling a
phone; a school nurse sees Amira, whose phone calls the same number; a nurse sees Chloe,
who names the same "Ricky". Spelling and formats differ as they do in real records.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from tests.factories import make_concern

ZOE = make_concern()["subject"]
AMIRA = {
    "given_name": "Amira",
    "family_name": "Khan",
    "date_of_birth": "2010-07-01",
    "sex": "female",
    "legal_status": "none_known",
}
CHLOE = {
    "given_name": "Chloe",
    "family_name": "Davis",
    "date_of_birth": "2011-11-11",
    "sex": "female",
    "legal_status": "none_known",
}
RICKY = {"kind": "adult_of_concern", "nickname": "Ricky", "approx_age": 30}


def approx_age(born: int, recorded_at: str) -> int:
    """The age that linking reads as born in ``born`` on a record made at ``recorded_at``
    (the record's year less the age): a fixed age names another year once the calendar
    turns, and the records stop agreeing."""
    return datetime.fromisoformat(recorded_at).year - born


def make(**given: Any) -> dict[str, Any]:
    """A concern; a field given as None is left out."""
    concern = make_concern(**{k: v for k, v in given.items() if v is not None})
    for key in [k for k, v in given.items() if v is None]:
        concern.pop(key)
    return concern


def oxford_like(now: datetime | None = None) -> list[tuple[str, dict[str, Any]]]:
    """(recorder: police | health | care, concern) in the order they are synced."""
    now = now or datetime.now(UTC).replace(microsecond=0)

    def at(days_ago: int) -> str:
        return (now - timedelta(days=days_ago)).isoformat()

    def missing(subject: dict[str, Any], days_ago: int, **more: Any) -> dict[str, Any]:
        return make(subject=subject, recorded_at=at(days_ago), categories=["missing"], **more)

    return [
        (
            "police",
            missing(
                ZOE,
                20,
                associated=[
                    RICKY,
                    {"kind": "vehicle", "registration": "AB12 CDE"},
                    {"kind": "phone", "number": "07700 900123"},
                ],
            ),
        ),
        (
            "health",
            make(
                subject=AMIRA,
                recorded_at=at(15),
                categories=["self_harm"],
                level="child_in_need",
                setting="school",
                indicators=[],
                missing=None,
                associated=[{"kind": "phone", "number": "+447700900123"}],
            ),
        ),
        (
            "care",
            missing(
                ZOE,
                10,
                setting="care_home",
                associated=[{"kind": "vehicle", "registration": "ab12cde"}],
            ),
        ),
        ("police", missing(ZOE, 5, associated=[])),
        (
            "health",
            make(
                subject=CHLOE,
                recorded_at=at(2),
                categories=["sexual_exploitation"],
                level="significant_harm",
                setting="health",
                missing=None,
                associated=[RICKY, {"kind": "location", "address": "12 Mill Lane"}],
            ),
        ),
    ]
