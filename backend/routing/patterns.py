"""Pattern rules (docs/domain/indicators.md) in the rules file: defaults, and the [patterns] table
checked over them. ``rules.parse`` calls ``read_patterns`` with its problem collector."""

from __future__ import annotations

from typing import Any, Protocol

from backend.domain.vocab import CATEGORIES, INDICATORS, Level
from backend.routing.weights import WEIGHT_DEFAULTS, read_weights

LEVELS = tuple(level.value for level in Level)


class Checker(Protocol):
    """What reading the patterns needs of the rules file's problem collector."""

    def fail(self, where: str, message: str) -> None: ...

    def token(self, where: str, token: Any, *, step: bool = False) -> None: ...


def _texts(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


HIGH_WEIGHT = (
    "injuries",
    "sexual_health",
    "pregnancy",
    "harmful_sexual_behaviour",
    "cars_with_unknown_adults",
    "exploitation_hotspot",
    "phone_use",
    "adult_of_concern",
    "links_to_exploited_children",
    "taken_to_other_towns",
)
NETWORK_KINDS = ("person_name", "nickname", "vehicle", "phone", "address", "online_account")
# How much one shared identifier says that two records name one real adult, car or phone
# (docs/domain/indicators.md, "How strong a link is").
STRENGTHS = ("strong", "medium", "weak")
STRENGTH_OF = {
    "vehicle": "strong",
    "phone": "strong",
    "online_account": "strong",
    "address": "strong",
    "person_name": "weak",
    "nickname": "weak",
    "name_year": "medium",  # a peer found by full name and year of birth
}
# Exploitation recorded about a child: one sign beside a weaker identifier.
CONTEXT_CATEGORIES = (
    "sexual_exploitation",
    "criminal_exploitation",
    "trafficking",
    "online_sexual_abuse",
)
CONTEXT_INDICATORS = (
    "cars_with_unknown_adults",
    "exploitation_hotspot",
    "phone_use",
    "adult_of_concern",
    "links_to_exploited_children",
    "taken_to_other_towns",
)
# Pattern rules of docs/domain/indicators.md, each threshold configurable in [patterns.<kind>].
PATTERN_DEFAULTS: dict[str, dict[str, Any]] = {
    "repeated_missing": {"count": 3, "days": 30, "level": "significant_harm"},
    # ``score``: the child's weighted score within the span ([patterns.weights]).
    "multi_agency": {"agencies": 2, "days": 90, "score": 6, "level": "child_in_need"},
    "cumulative": {
        "count": 3,
        "days": 90,
        "level": "significant_harm",
        "levels": ["information", "early_help", "child_in_need"],
    },
    "young_child_high_risk": {
        "max_age": 13,
        "level": "significant_harm",
        # One high-weight sign raises an alert in a concern at ``min_level`` or above;
        # below it, only ``signs`` of them in one concern do.
        "min_level": "child_in_need",
        "signs": 2,
        "indicators": list(HIGH_WEIGHT),
    },
    "network": {
        "children": 2,
        "days": 365,
        "level": "significant_harm",
        "kinds": list(NETWORK_KINDS),
        "strong": 1,  # strong identifiers shared that are enough on their own
        "weaker": 2,  # or this many independent signs: medium and weak identifiers, context
        "strengths": dict(STRENGTH_OF),
        "context_categories": list(CONTEXT_CATEGORIES),
        "context_indicators": list(CONTEXT_INDICATORS),
    },
}


def read_patterns(
    check: Checker, raw: Any, *, recorder_lead: str
) -> tuple[dict[str, dict[str, Any]], tuple[str, ...]]:
    """Pattern thresholds over the defaults, and where alerts go (default: the fallback)."""
    found = {kind: dict(values) for kind, values in PATTERN_DEFAULTS.items()}
    found["weights"] = dict(WEIGHT_DEFAULTS)
    if not isinstance(raw, dict):
        check.fail("patterns", "a table: [patterns] deliver, and [patterns.<kind>] thresholds")
        return found, ()
    deliver = raw.get("deliver", ["fallback"])
    if not _texts(deliver) or not deliver:
        check.fail("patterns.deliver", "a list of inbox aliases")
        deliver = []
    for alias in deliver:
        if alias == recorder_lead:
            # An alert is about a child, not one recorder's concern: no recorder to follow.
            check.fail("patterns.deliver", f"{recorder_lead} has no meaning for an alert")
        elif alias != "fallback":
            check.token("patterns.deliver", alias)
    for kind, values in raw.items():
        if kind == "deliver":
            continue
        if kind == "weights":
            found[kind] = read_weights(check, values)
            continue
        if kind not in PATTERN_DEFAULTS or not isinstance(values, dict):
            check.fail(
                f"patterns.{kind}", f"unknown pattern (known: {', '.join(PATTERN_DEFAULTS)})"
            )
            continue
        for key, value in values.items():
            default = PATTERN_DEFAULTS[kind].get(key)
            where = f"patterns.{kind}.{key}"
            if key == "enabled" and isinstance(value, bool):
                found[kind][key] = value
            elif default is None:
                check.fail(where, "unknown setting")
            elif isinstance(default, int) and not isinstance(default, bool):
                if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                    check.fail(where, "a whole number above zero")
                else:
                    found[kind][key] = value
            elif key == "strengths":
                found[kind][key] = _strengths(check, where, value, found[kind][key])
            elif key in ("level", "min_level"):
                if value not in LEVELS:
                    check.fail(where, f"unknown level {value!r}")
                else:
                    found[kind][key] = value
            else:
                allowed = {
                    "levels": LEVELS,
                    "indicators": INDICATORS,
                    "kinds": NETWORK_KINDS,
                    "context_categories": CATEGORIES,
                    "context_indicators": INDICATORS,
                }[key]
                if not _texts(value) or not value or set(value) - set(allowed):
                    check.fail(where, f"a list drawn from {', '.join(allowed)}")
                else:
                    found[kind][key] = list(value)
    return found, tuple(deliver)


def _strengths(check: Checker, where: str, value: Any, default: dict[str, str]) -> dict[str, str]:
    """[patterns.network.strengths]: identifier kind = "strong" | "medium" | "weak", over the
    defaults."""
    if not isinstance(value, dict):
        check.fail(where, 'a table: identifier kind = "strong", "medium" or "weak"')
        return default
    found = dict(default)
    for kind, strength in value.items():
        if kind not in STRENGTH_OF:
            check.fail(
                f"{where}.{kind}", f"unknown identifier kind (known: {', '.join(STRENGTH_OF)})"
            )
        elif strength not in STRENGTHS:
            check.fail(f"{where}.{kind}", f"{strength!r} is not one of {', '.join(STRENGTHS)}")
        else:
            found[kind] = strength
    return found
