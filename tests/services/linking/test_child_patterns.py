"""A child's own patterns: weighed, not counted; one open alert per child that grows; the
weights and thresholds from the rules file; the child's day rows the same however late
its concerns arrive."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from backend.models import Concern, Partnership
from backend.services.concerns.rules import db_load
from tests.scenario import AMIRA, ZOE, make
from tests.services.concerns.test_inbox import C, worker
from tests.services.linking import test_links
from tests.services.linking.test_links import alerts_of, at, send

recorders = test_links.recorders  # the same three recorders, as a fixture here
DEFAULT_RULES = Path(__file__).parents[3] / "backend" / "routing" / "default_rules.toml"


def lower(subject: dict[str, Any], days_ago: int, level: str = "child_in_need", **more: Any) -> Any:
    """A lower-level concern with no high-weight sign and no missing episode."""
    return make(
        subject=subject,
        recorded_at=at(days_ago),
        categories=["neglect"],
        level=level,
        indicators=[],
        missing=None,
        associated=[],
        **more,
    )


def test_a_new_pattern_grows_the_childs_open_alert_instead_of_raising_another(
    app, recorders
) -> None:  # type: ignore[no-untyped-def]
    # Three lower-level concerns from the police within 90 days: "three greens".
    for days_ago in (30, 20, 10):
        send(app, recorders, "police", lower(AMIRA, days_ago))
    mash = worker(app, C, "MASH")
    (alert,) = alerts_of(mash)
    assert alert["kind"] == "cumulative"
    # Health now records too: two agencies, weighing 8. The child's open alert (of a level
    # no lower) takes the concern; no second alert, no second delivery.
    send(app, recorders, "health", lower(AMIRA, 5, setting="health"))
    (grown,) = alerts_of(mash)
    assert grown["id"] == alert["id"]
    assert len(grown["concerns"]) == 4


def test_two_lower_level_concerns_from_two_services_are_the_childs_picture_not_an_alert(
    app, recorders
) -> None:  # type: ignore[no-untyped-def]
    send(app, recorders, "police", lower(AMIRA, 20))
    send(app, recorders, "health", lower(AMIRA, 10, setting="health"))
    assert alerts_of(worker(app, C, "MASH")) == []


HEAVIER = ("child_in_need = 2\nsignificant_harm", "child_in_need = 3\nsignificant_harm")


def rules_text(*changes: tuple[str, str]) -> str:
    text = DEFAULT_RULES.read_text()
    for old, new in changes:
        assert old in text
        text = text.replace(old, new)
    return text


def _load(sessions: Any, *changes: tuple[str, str]) -> None:
    text = rules_text(*changes)
    with sessions() as s:
        partnership = s.scalar(select(Partnership).where(Partnership.name.like("Riverside%")))
        db_load(s, partnership, text)
        s.commit()


def test_the_weights_and_the_threshold_come_from_the_rules_file(app, sessions, recorders) -> None:  # type: ignore[no-untyped-def]
    # Child in need weighs 3 here: two such concerns from two services reach the score of 6.
    _load(sessions, HEAVIER)
    send(app, recorders, "police", lower(AMIRA, 20))
    send(app, recorders, "health", lower(AMIRA, 10, setting="health"))
    (alert,) = alerts_of(worker(app, C, "MASH"))
    assert alert["kind"] == "multi_agency"
    # And the threshold itself: a score of 99 is out of reach of two such concerns.
    _load(sessions, HEAVIER, ("score = 6", "score = 99"))
    send(app, recorders, "police", lower(ZOE, 20))
    send(app, recorders, "health", lower(ZOE, 10, setting="health"))
    assert len(alerts_of(worker(app, C, "MASH"))) == 1


def test_the_childs_day_rows_after_late_concerns_equal_a_rebuild(app, sessions, recorders) -> None:  # type: ignore[no-untyped-def]
    from backend.services.linking.windows import db_rebuild, stored_days

    rng = random.Random(5)
    days_ago = [rng.randint(1, 120) for _ in range(14)] + [7, 7, 7]  # one day thrice
    rng.shuffle(days_ago)  # synced in no order of event time
    for n, when in enumerate(days_ago):
        who = ("police", "health", "care")[n % 3]
        if n % 4 == 0:
            concern = make(subject=ZOE, recorded_at=at(when), categories=["missing"])
        else:
            concern = lower(ZOE, when, level=rng.choice(("information", "early_help")))
        send(app, recorders, who, concern)
    with sessions() as s:
        (subject_id,) = set(s.scalars(select(Concern.subject_id)))
        kept = stored_days(s, subject_id)
        db_rebuild(s, subject_id)
        rebuilt = stored_days(s, subject_id)
        s.rollback()
    assert kept == rebuilt
    assert sum(d.concerns for d in kept.values()) == len(days_ago)
    assert sum(d.missing for d in kept.values()) == len(range(0, len(days_ago), 4))
    assert len(kept) < len(days_ago)  # some days hold more than one concern


def test_weights_in_the_rules_file_are_checked() -> None:
    from backend.routing.rules import parse
    from backend.routing.ruleset import RulesError
    from tests.routing.test_rules import AGENCIES, INBOXES

    text = rules_text(("missing_episode = 1", "missing_episode = -1\nhunch = 3"))
    with pytest.raises(RulesError) as raised:
        parse(text, agencies=AGENCIES, inboxes=INBOXES)
    problems = "\n".join(raised.value.problems)
    assert "patterns.weights.missing_episode: a whole number, zero or above" in problems
    assert "patterns.weights.hunch: unknown weight" in problems
