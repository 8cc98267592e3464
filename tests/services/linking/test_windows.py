"""The fullest window of event time that holds a concern, counted by bisection, agrees with
counting every candidate window in full."""

from __future__ import annotations

import random
import uuid
from datetime import UTC, datetime, timedelta

from backend.services.linking.findings import Event, best_window

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def counted_in_full(events: list[Event], at: datetime, days: int) -> list[Event]:
    """The definition, one candidate span at a time: the earliest fullest span wins."""
    span = timedelta(days=days)
    best: list[Event] = []
    for start in sorted({e.at for e in events if at - span <= e.at <= at} | {at}):
        inside = [e for e in events if start <= e.at <= start + span]
        if len(inside) > len(best):
            best = inside
    return best


def event(day: int) -> Event:
    return Event(uuid.uuid4(), T0 + timedelta(days=day), uuid.uuid4(), "early_help", "new")


def test_bisection_finds_the_same_window_as_counting_each_in_full() -> None:
    rng = random.Random(11)
    differing_windows = 0
    for _ in range(400):
        # Few distinct days, so ties and shared times are common.
        events = [event(rng.randint(0, 120)) for _ in range(rng.randint(0, 40))]
        at = T0 + timedelta(days=rng.randint(0, 120))
        days = rng.choice([1, 7, 30, 90])
        expected = counted_in_full(events, at, days)
        assert best_window(events, at, days) == expected
        differing_windows += expected != [e for e in events if abs(e.at - at).days <= days]
    assert differing_windows > 50  # the cases are not all trivially "everything near at"


def test_a_span_holding_nothing_but_the_concern_itself_is_empty() -> None:
    lone = event(0)
    assert best_window([lone], T0 + timedelta(days=200), 30) == []
    assert best_window([lone], lone.at, 30) == [lone]
