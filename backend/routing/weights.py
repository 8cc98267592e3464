"""How much each concern counts towards a child's score ([patterns.weights] in the rules
file, docs/domain/indicators.md): by its level, its high-weight signs and a missing episode.
The multi-agency rule raises an alert only when the child's score within its span reaches
its ``score``: two lower-level concerns from two services are the child's picture, not an
alert."""

from __future__ import annotations

from typing import Any, Protocol

from backend.domain.vocab import Level


class Checker(Protocol):
    def fail(self, where: str, message: str) -> None: ...


WEIGHT_DEFAULTS: dict[str, int] = {
    Level.INFORMATION.value: 1,
    Level.EARLY_HELP.value: 1,
    Level.CHILD_IN_NEED.value: 2,
    Level.SIGNIFICANT_HARM.value: 4,
    Level.IMMEDIATE_DANGER.value: 6,
    "high_weight_sign": 2,  # each high-weight sign ticked (yes or possible)
    "missing_episode": 1,  # a concern in category missing
}


def read_weights(check: Checker, raw: Any) -> dict[str, int]:
    """The weights over their defaults; each a whole number, zero allowed."""
    found = dict(WEIGHT_DEFAULTS)
    if not isinstance(raw, dict):
        check.fail("patterns.weights", "a table of weights")
        return found
    for key, value in raw.items():
        where = f"patterns.weights.{key}"
        if key not in WEIGHT_DEFAULTS:
            check.fail(where, f"unknown weight (known: {', '.join(WEIGHT_DEFAULTS)})")
        elif not isinstance(value, int) or isinstance(value, bool) or value < 0:
            check.fail(where, "a whole number, zero or above")
        else:
            found[key] = value
    return found
