"""The partnership's routing rules: a TOML file, parsed and checked into a ``RuleSet``
(``ruleset.py``).

The file format is documented in ``docs/routing-rules.md``; the demo partnership's file,
``backend/routing/default_rules.toml``, is the default matrix of docs/domain/routing.md.
Every mistake is reported at once, each with where it is, so a partnership fixes its file in one go.
"""

from __future__ import annotations

import tomllib
from datetime import date
from typing import Any

from backend.domain.vocab import CATEGORIES, INDICATORS, LEGAL_STATUS, Setting
from backend.routing.challenge_rules import read_challenge
from backend.routing.deadlines import Calendar, DeadlineError, Span
from backend.routing.patterns import read_patterns
from backend.routing.ruleset import (
    LEVELS,
    RE_REFERRAL_DAYS,
    RECORDER_LEAD,
    Rule,
    RulesError,
    RuleSet,
    Send,
)
from backend.routing.suspicions import read as read_suspicions

FORMAT = "frontline.rules/1"
AGENCY_KINDS = ("police", "social_care", "health", "education", "care_home", "partnership")

_LIST_CONDITIONS: dict[str, tuple[str, ...] | None] = {
    "categories": CATEGORIES,
    "indicators": INDICATORS,
    "level": LEVELS,
    "setting": tuple(s.value for s in Setting),
    "care_status": LEGAL_STATUS,
    "recorder_agency_kind": AGENCY_KINDS,
    "recorder_agency": None,  # checked against the partnership's agencies
    "area": None,  # postcode districts, e.g. "OX4"
}
_RULE_KEYS = {"id", "why", "deliver", "min_level", "age_min", "age_max", *_LIST_CONDITIONS}
_TOP_KEYS = {
    "format",
    "version",
    "partnership",
    "timezone",
    "holidays",
    "fallback",
    "inboxes",
    "agency_leads",
    "deadlines",
    "escalation",
    "rule",
    "patterns",
    "missing",
    "re_referral",
    "suspicions",
    "challenge",
}


def _strings(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


class _Checker:
    """Collects every problem in a rules file rather than stopping at the first."""

    def __init__(self, agencies: dict[str, str], inboxes: set[tuple[str, str]]) -> None:
        self.agencies = agencies  # name -> kind
        self.known_inboxes = inboxes
        self.problems: list[str] = []
        self.aliases: dict[str, tuple[str, str]] = {}
        self.leads: dict[str, str] = {}

    def fail(self, where: str, message: str) -> None:
        self.problems.append(f"{where}: {message}")

    def span(self, where: str, text: Any) -> Span | None:
        if not isinstance(text, str):
            self.fail(where, "a deadline is text such as '1h' or '1wd'")
            return None
        try:
            return Span.parse(text)
        except DeadlineError as exc:
            self.fail(where, str(exc))
            return None

    def read_inboxes(self, table: Any) -> None:
        if not isinstance(table, dict) or not table:
            self.fail("inboxes", 'name each inbox: alias = "Agency / Inbox"')
            return
        for alias, ref in table.items():
            parts = [p.strip() for p in ref.split("/", 1)] if isinstance(ref, str) else []
            if len(parts) != 2 or tuple(parts) not in self.known_inboxes:
                self.fail(f"inboxes.{alias}", f"unknown inbox {ref!r} in this partnership")
            else:
                self.aliases[alias] = (parts[0], parts[1])

    def token(self, where: str, token: Any, *, step: bool = False) -> None:
        if not isinstance(token, str):
            self.fail(where, "a target is text: an inbox alias or a keyword")
            return
        relative = {"supervisors", "agency_leads"} if step else {RECORDER_LEAD}
        if token in relative:
            return
        alias = token.split(":", 1)[1] if token.startswith("supervisors:") else token
        if alias not in self.aliases:
            self.fail(where, f"unknown inbox {token!r} (not in [inboxes])")

    def read_rule(self, index: int, raw: Any, seen: set[str]) -> Rule | None:
        where = f"rule[{index}]"
        if not isinstance(raw, dict):
            self.fail(where, "each [[rule]] is a table")
            return None
        rule_id = raw.get("id")
        if not isinstance(rule_id, str) or not rule_id:
            self.fail(where, "every rule needs an id")
            rule_id = f"#{index}"
        elif rule_id in seen:
            self.fail(where, f"rule id {rule_id!r} is used twice")
        seen.add(rule_id)
        where = f"rule {rule_id!r}"
        for key in sorted(set(raw) - _RULE_KEYS):
            self.fail(where, f"unknown key {key!r}")
        if not isinstance(raw.get("why"), str) or not raw["why"].strip():
            self.fail(where, "say why the rule exists ('why')")
        conditions = self._conditions(where, raw)
        sends = self.sends(where, raw.get("deliver"))
        if not sends:
            return None
        return Rule(rule_id, str(raw.get("why", "")), conditions, tuple(sends))

    def _conditions(self, where: str, raw: dict[str, Any]) -> dict[str, Any]:
        conditions: dict[str, Any] = {}
        for key, allowed in _LIST_CONDITIONS.items():
            if key not in raw:
                continue
            values = raw[key]
            if not _strings(values):
                self.fail(where, f"{key} is a list of text")
                continue
            if not values:
                self.fail(where, f"unreachable: {key} is empty, so nothing can match")
                continue
            known = allowed if allowed is not None else None
            if key == "recorder_agency":
                known = tuple(self.agencies)
            for value in values:
                if known is not None and value not in known:
                    noun = {"categories": "category", "indicators": "indicator"}.get(key, key)
                    self.fail(where, f"unknown {noun} {value!r}")
            conditions[key] = frozenset(v.upper() if key == "area" else v for v in values)
        if "min_level" in raw:
            if raw["min_level"] not in LEVELS:
                self.fail(where, f"unknown min_level {raw['min_level']!r}")
            else:
                conditions["min_level"] = LEVELS.index(raw["min_level"])
                chosen = conditions.get("level")
                if chosen and all(LEVELS.index(v) < conditions["min_level"] for v in chosen):
                    self.fail(where, "unreachable: every listed level is below min_level")
        for key in ("age_min", "age_max"):
            if key in raw:
                if not isinstance(raw[key], int) or isinstance(raw[key], bool) or raw[key] < 0:
                    self.fail(where, f"{key} is a whole number of years")
                else:
                    conditions[key] = raw[key]
        if conditions.get("age_min", 0) > conditions.get("age_max", 200):
            self.fail(where, "unreachable: age_min is above age_max")
        kinds = conditions.get("recorder_agency_kind")
        names = conditions.get("recorder_agency")
        if kinds and names and not any(self.agencies.get(n) in kinds for n in names):
            self.fail(where, "unreachable: no listed recorder_agency is of a listed kind")
        return conditions

    def sends(self, where: str, raw: Any) -> list[Send]:
        if not isinstance(raw, list) or not raw:
            self.fail(where, "'deliver' lists at least one inbox")
            return []
        sends = []
        for n, item in enumerate(raw):
            spot = f"{where} deliver[{n}]"
            if isinstance(item, str):
                self.token(spot, item)
                sends.append(Send(item))
                continue
            if not isinstance(item, dict) or "to" not in item:
                self.fail(spot, "write an alias, or a table with 'to' and optional deadlines")
                continue
            for key in sorted(set(item) - {"to", "acknowledge", "decide", "note"}):
                self.fail(spot, f"unknown key {key!r}")
            self.token(spot, item["to"])
            sends.append(
                Send(
                    str(item["to"]),
                    self.span(f"{spot}.acknowledge", item["acknowledge"])
                    if "acknowledge" in item
                    else None,
                    self.span(f"{spot}.decide", item["decide"]) if "decide" in item else None,
                    str(item["note"]) if "note" in item else None,
                )
            )
        return sends

    def steps(self, where: str, raw: Any) -> tuple[tuple[str, ...], ...]:
        if not isinstance(raw, list) or not raw or not all(_strings(s) and s for s in raw):
            self.fail(where, 'steps is a list of lists of targets, e.g. [["supervisors"]]')
            return ()
        for n, step in enumerate(raw):
            for token in step:
                self.token(f"{where}[{n}]", token, step=True)
        return tuple(tuple(step) for step in raw)


def parse(
    text: str, *, agencies: dict[str, str], inboxes: set[tuple[str, str]]
) -> tuple[RuleSet, dict[str, Any]]:
    """Check a rules file against the partnership's agencies and inboxes.

    Returns the rule set and the parsed document; raises ``RulesError`` listing every problem.
    """
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise RulesError([f"not valid TOML: {exc}"]) from None
    check = _Checker(agencies, inboxes)
    if doc.get("format") != FORMAT:
        check.fail("format", f"write format = {FORMAT!r}")
    for key in sorted(set(doc) - _TOP_KEYS):
        check.fail(key, "unknown key")
    version = doc.get("version")
    if not isinstance(version, str) or not version.strip():
        check.fail("version", 'label this version of the rules, e.g. version = "2026-11-26"')
    check.read_inboxes(doc.get("inboxes"))
    leads = doc.get("agency_leads", {})
    for agency, alias in leads.items() if isinstance(leads, dict) else []:
        if agency not in agencies:
            check.fail(f"agency_leads.{agency}", "unknown agency")
        if alias not in check.aliases:
            check.fail(f"agency_leads.{agency}", f"unknown inbox {alias!r} (not in [inboxes])")
    calendar = _calendar(check, doc)
    fallback = doc.get("fallback")
    check.token("fallback", fallback)
    deadlines = _deadlines(check, doc.get("deadlines"))
    raw_escalation = doc.get("escalation")
    escalation: dict[str, Any] = raw_escalation if isinstance(raw_escalation, dict) else {}
    chain = check.steps("escalation.steps", escalation.get("steps"))
    chains = {}
    for alias, steps in (escalation.get("inboxes") or {}).items():
        if alias not in check.aliases:
            check.fail(f"escalation.inboxes.{alias}", "unknown inbox (not in [inboxes])")
        else:
            chains[alias] = check.steps(f"escalation.inboxes.{alias}", steps)
    patterns, alert_to = read_patterns(check, doc.get("patterns", {}), recorder_lead=RECORDER_LEAD)
    return_interview, missing_readers = _missing(check, doc.get("missing"))
    re_referral_days = _re_referral(check, doc.get("re_referral"))
    suspicions = read_suspicions(check, doc.get("suspicions"), str(fallback))
    challenge_stages = read_challenge(check, doc.get("challenge"), set(check.aliases))
    seen: set[str] = set()
    raw_rules = doc.get("rule", [])
    rules = [check.read_rule(n, r, seen) for n, r in enumerate(raw_rules)]
    if check.problems or calendar is None:
        raise RulesError(check.problems)
    return (
        RuleSet(
            version=str(version),
            partnership=str(doc.get("partnership", "")),
            calendar=calendar,
            fallback=str(fallback),
            inboxes=check.aliases,
            agency_leads={a: str(alias) for a, alias in leads.items()},
            deadlines=deadlines,
            chain=chain,
            chains=chains,
            rules=tuple(r for r in rules if r is not None),
            patterns=patterns,
            alert_to=alert_to,
            return_interview=return_interview,
            missing_readers=missing_readers,
            re_referral_days=re_referral_days,
            suspicions=suspicions,
            challenge_stages=challenge_stages,
        ),
        doc,
    )


def _re_referral(check: _Checker, raw: Any) -> int:
    """``[re_referral] days``: how long after "no further action" a new concern about the
    child goes back to the inbox that decided (0: never)."""
    if raw is None:
        return RE_REFERRAL_DAYS
    if not isinstance(raw, dict) or set(raw) != {"days"}:
        check.fail("re_referral", "a table: [re_referral] with days = 90")
        return RE_REFERRAL_DAYS
    days = raw["days"]
    if not isinstance(days, int) or isinstance(days, bool) or not 0 <= days <= 730:
        check.fail("re_referral.days", "a whole number of days from 0 (never) to 730")
        return RE_REFERRAL_DAYS
    return days


def _missing(check: _Checker, raw: Any) -> tuple[Send | None, tuple[str, ...]]:
    """``[missing]``: where the return interview task goes when an episode closes (its
    ``decide`` is required: the deadline is the point of the task), and which inboxes read
    the partnership's episodes."""
    if raw is None:
        return None, ()
    if not isinstance(raw, dict):
        check.fail("missing", "a table: [missing] with return_interview = { to, decide }")
        return None, ()
    for key in sorted(set(raw) - {"return_interview", "readers"}):
        check.fail(f"missing.{key}", "unknown key")
    readers = raw.get("readers", [])
    if not _strings(readers):
        check.fail("missing.readers", "a list of inbox aliases")
        readers = []
    for n, alias in enumerate(readers):
        if alias not in check.aliases:
            check.fail(f"missing.readers[{n}]", f"unknown inbox {alias!r} (not in [inboxes])")
    if "return_interview" not in raw:
        return None, tuple(readers)
    entry = raw["return_interview"]
    where = "missing.return_interview"
    if not isinstance(entry, dict) or "decide" not in entry:
        check.fail(where, "a table with 'to' and 'decide' (counted from the child's return)")
        return None, tuple(readers)
    if entry.get("to") == RECORDER_LEAD:
        check.fail(where, "name an inbox: the task is the partnership's, not the recorder's")
        return None, tuple(readers)
    sends = check.sends(where, [entry])
    return (sends[0] if sends else None), tuple(readers)


def _calendar(check: _Checker, doc: dict[str, Any]) -> Calendar | None:
    holidays = doc.get("holidays", [])
    days: list[date] = []
    if not isinstance(holidays, list) or not all(isinstance(d, date) for d in holidays):
        check.fail("holidays", "a list of dates, e.g. [2026-12-25, 2026-12-28]")
    else:
        days = holidays
    try:
        return Calendar.of(str(doc.get("timezone", "Europe/London")), days)
    except (ValueError, KeyError, OSError):
        check.fail("timezone", f"unknown time zone {doc.get('timezone')!r}")
        return None


def _deadlines(check: _Checker, raw: Any) -> dict[str, tuple[Span, Span]]:
    found: dict[str, tuple[Span, Span]] = {}
    if not isinstance(raw, dict):
        check.fail("deadlines", "give [deadlines.<level>] acknowledge and decide for each level")
        return found
    for level in LEVELS:
        entry = raw.get(level)
        if not isinstance(entry, dict):
            check.fail(f"deadlines.{level}", "missing: every level needs its deadlines")
            continue
        ack = check.span(f"deadlines.{level}.acknowledge", entry.get("acknowledge"))
        decide = check.span(f"deadlines.{level}.decide", entry.get("decide"))
        if ack and decide:
            found[level] = (ack, decide)
    for level in sorted(set(raw) - set(LEVELS)):
        check.fail(f"deadlines.{level}", "unknown level")
    return found
