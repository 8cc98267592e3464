"""The retention schedule: when a record falls due for review, by the recording agency's
kind and the concern's categories (docs/retention.md gives the sources and the defaults).

A record is never erased by the schedule alone: the sweep lists records due for review,
a person decides (keep, until when and why; or erase), and a legal hold stops it all.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class Rule:
    """Review ``after_years`` from the record, and not before the child is ``until_age``."""

    name: str
    after_years: int
    until_age: int | None = None


# By the recording agency's kind.
BY_AGENCY = {
    "police": Rule("police: review at 6 years", 6),
    "social_care": Rule("children's social care: to the 25th birthday", 6, 25),
    "health": Rule("health: 8 years, and to the 25th birthday", 8, 25),
    "education": Rule("education: to the 25th birthday", 6, 25),
    "care_home": Rule("care home: to the 25th birthday", 6, 25),
    "partnership": Rule("partnership: review at 6 years", 6),
}
# Categories whose records are kept at least to the child's 25th birthday whoever made them:
# abuse a survivor may need evidence of as an adult.
LONG_CATEGORIES = frozenset(
    {"sexual_exploitation", "sexual_abuse_in_family", "trafficking", "online_sexual_abuse"}
)
LOOKED_AFTER = Rule("looked after: 75 years from birth", 6, 75)
FALLBACK = Rule("default: review at 6 years", 6)
# A suspicion is about no one child: its clock runs from the last thing that happened to it
# (recorded, answered, or matched by a later record), whoever recorded it; one a network
# alert counts as evidence is not reviewed while a record that alert rests on is kept.
SUSPICION = Rule("suspicion: 6 years after it was last recorded, answered or matched", 6)
# A children's home keeps a child's profile ready for a missing episode while the child lives
# there, and updates it at each review. A year with no new version means the home has
# stopped keeping it (most often, the child has left): its purpose is spent, and a person
# decides whether to erase it. Never while the child is missing.
PROFILE = Rule("profile: a year after its latest version", 1)


def _years(when: datetime, years: int) -> datetime:
    try:
        return when.replace(year=when.year + years)
    except ValueError:  # 29 February
        return when.replace(year=when.year + years, day=28)


def rule_for(agency_kind: str, categories: list[str], legal_status: str | None) -> Rule:
    """The rule that applies: the agency's, lengthened by category and care status."""
    rule = BY_AGENCY.get(agency_kind, FALLBACK)
    if legal_status in ("looked_after", "care_leaver"):
        return LOOKED_AFTER
    if LONG_CATEGORIES & set(categories) and (rule.until_age or 0) < 25:
        return Rule(f"{rule.name}; abuse category: to the 25th birthday", rule.after_years, 25)
    return rule


def due_at(rule: Rule, *, recorded_at: datetime, age_then: int | None) -> datetime:
    """When a record falls due for review under ``rule``.

    Without a known age the age-based part cannot be placed, so the record is reviewed at
    ``after_years`` and a person decides with the whole record in front of them.
    """
    due = _years(recorded_at, rule.after_years)
    if rule.until_age is not None and age_then is not None:
        birthday = _years(recorded_at, rule.until_age - age_then) + timedelta(days=366)
        due = max(due, birthday)
    return due
