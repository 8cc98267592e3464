"""Repeated missing counts episodes, not reports: another report of a child already missing
is the same episode told again (docs/domain/indicators.md, ``repeated_missing``)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from tests.services.concerns.test_inbox import C, worker
from tests.services.linking.test_links import alerts_of
from tests.services.missing.test_episodes import _at, add, episodes, recorder, report

__all__ = ["recorder"]  # the fixture, used here


def _repeated(app: Any) -> list[dict[str, Any]]:
    return [a for a in alerts_of(worker(app, C, "MASH")) if a["kind"] == "repeated_missing"]


def test_three_reports_of_one_episode_are_one_episode_and_three_episodes_raise_the_alert(  # type: ignore[no-untyped-def]
    app, sessions, recorder
) -> None:
    # Missing since yesterday; the home, the police and the home again report it: one episode.
    first = report(app, recorder, reported_at=_at(-timedelta(hours=30)))
    report(app, recorder, reported_at=_at(-timedelta(hours=29)))
    report(app, recorder, reported_at=_at(-timedelta(hours=28)))
    assert len(episodes(sessions)) == 1
    assert _repeated(app) == []
    # Found this morning: still one episode, and no alert.
    add(app, recorder, first, found_at=_at(-timedelta(hours=20)))
    assert _repeated(app) == []
    # Missing again and found (one report each), then again: three episodes in 30 days.
    second = report(
        app, recorder, reported_at=_at(-timedelta(hours=12)), found_at=_at(-timedelta(hours=9))
    )
    assert _repeated(app) == []
    third = report(app, recorder, reported_at=_at(-timedelta(hours=3)))
    (alert,) = _repeated(app)
    assert len(episodes(sessions)) == 3
    # The reports that began each episode are its evidence; the two that told it again not.
    assert set(alert["concerns"]) == {first, second, third}
