"""``[suspicions]`` in the rules file: where a suspicion goes, who owns it, and how long the
owner has to answer it in writing.

    [suspicions]
    deliver = ["exploitation_team", "mash"]   # inboxes it goes to (the owner among them)
    owner = "exploitation_team"               # the one inbox that must answer
    answer = "5wd"                            # ... within this (working days skip holidays)
    climb = "1wd"                             # each escalation step's time before the next

An unanswered suspicion climbs the owner inbox's escalation chain (``[escalation]``), one
step per ``climb``, up to the partnership's leads. A file without the table gets the
defaults above, falling back to the rules' front door where an alias is not in the file.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from backend.routing.deadlines import Span

DELIVER = ("exploitation_team", "mash")
OWNER = "exploitation_team"
ANSWER = "5wd"  # a week of working days: long enough to look into, short enough to matter
CLIMB = "1wd"
_KEYS = {"deliver", "owner", "answer", "climb"}


@dataclass(frozen=True)
class SuspicionRules:
    deliver: tuple[str, ...]  # inbox aliases
    owner: str  # an inbox alias, one of deliver
    answer: Span
    climb: Span


class _Check(Protocol):
    aliases: dict[str, tuple[str, str]]

    def fail(self, where: str, message: str) -> None: ...

    def span(self, where: str, text: Any) -> Span | None: ...


def defaults(aliases: dict[str, tuple[str, str]], fallback: str) -> SuspicionRules:
    """The defaults, each alias the file lacks replaced by the front door."""
    deliver = tuple(dict.fromkeys(a if a in aliases else fallback for a in DELIVER))
    owner = OWNER if OWNER in aliases else fallback
    return SuspicionRules(deliver, owner, Span.parse(ANSWER), Span.parse(CLIMB))


def read(check: _Check, raw: Any, fallback: str) -> SuspicionRules:
    """Check ``[suspicions]``; every mistake is added to ``check``."""
    base = defaults(check.aliases, fallback)
    if raw is None:
        return base
    if not isinstance(raw, dict):
        check.fail("suspicions", "a table: [suspicions] with deliver, owner, answer, climb")
        return base
    for key in sorted(set(raw) - _KEYS):
        check.fail(f"suspicions.{key}", "unknown key")
    deliver = raw.get("deliver", list(base.deliver))
    if not isinstance(deliver, list) or not deliver or not all(isinstance(a, str) for a in deliver):
        check.fail("suspicions.deliver", "a list of inbox aliases")
        deliver = list(base.deliver)
    for n, alias in enumerate(deliver):
        if alias not in check.aliases:
            check.fail(f"suspicions.deliver[{n}]", f"unknown inbox {alias!r} (not in [inboxes])")
    owner = raw.get("owner", base.owner)
    if not isinstance(owner, str) or owner not in check.aliases:
        check.fail("suspicions.owner", f"unknown inbox {owner!r} (not in [inboxes])")
        owner = base.owner
    elif owner not in deliver:
        check.fail("suspicions.owner", "the owner must be one of the inboxes in deliver")
    answer = check.span("suspicions.answer", raw.get("answer", ANSWER)) or base.answer
    climb = check.span("suspicions.climb", raw.get("climb", CLIMB)) or base.climb
    return SuspicionRules(tuple(dict.fromkeys(deliver)), owner, answer, climb)
