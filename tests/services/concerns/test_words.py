"""What the phone is given to say: a routed delivery's reason in the rules' own words (never
their ids), and whether the signed-in person works the front door (so the phone asks for
possible matches only then)."""

from __future__ import annotations

import tomllib
from pathlib import Path

from backend.services.concerns.why import FALLBACK, UNNAMED, in_words
from tests.factories import H, person
from tests.services.concerns.test_inbox import C, P, constable, items, record, worker

__all__ = ["constable"]  # the fixture, used by name

RULES = tomllib.loads(
    (Path(__file__).resolve().parents[3] / "backend/routing/default_rules.toml").read_text()
)
RULE_IDS = {r["id"] for r in RULES["rule"]}
WHY = {r["id"]: r["why"] for r in RULES["rule"]}


def test_a_routed_delivery_says_why_in_the_rules_words(app, constable) -> None:  # type: ignore[no-untyped-def]
    record(app, constable, categories=["neglect"], level="significant_harm")
    mash = worker(app, C, "MASH")
    (item,) = items(mash, "MASH")
    assert item["reason"].startswith("Routed by ")  # the ids stay for the record
    rules = item["reason"].removeprefix("Routed by ").split(", ")
    assert rules
    assert set(rules) <= RULE_IDS
    for rule in rules:
        assert WHY[rule] in item["why"]
    assert not [r for r in RULE_IDS if r in item["why"]]
    # The answer to an action says the same.
    acknowledged = mash.post(f"/api/v1/deliveries/{item['id']}/acknowledge", headers=H)
    assert acknowledged.get_json()["why"] == item["why"]


def test_the_fallback_and_an_unknown_rule_are_said_in_words_too() -> None:
    assert in_words("Routed by fallback", {}) == FALLBACK
    # A rule the trace does not describe is never named by its id.
    assert in_words("Routed by gone-rule, kept", {"kept": "Kept: the MASH"}) == (
        f"{UNNAMED} Kept: the MASH."
    )
    escalated = "Acknowledgement overdue in MASH since 2026-12-03T04:04:00+00:00"
    assert in_words(escalated, {}) == escalated


def test_the_profile_says_who_works_the_front_door(app) -> None:  # type: ignore[no-untyped-def]
    mash = worker(app, C, "MASH")
    coordinator = worker(app, C, "Missing Coordinator")
    recorder, _, _ = person(app, agency=P, roles=("recorder",), name="PC Words")
    assert mash.get("/api/v1/me").get_json()["front_door"] is True
    assert coordinator.get("/api/v1/me").get_json()["front_door"] is False
    assert recorder.get("/api/v1/me").get_json()["front_door"] is False
    # It agrees with the API that decides: only the front door may list possible matches.
    assert mash.get("/api/v1/matches").status_code == 200
    assert coordinator.get("/api/v1/matches").status_code == 403
