"""A checked rule set, as the rest of the code reads it: targets, sends, rules and the
partnership's choices (``parse`` in ``rules.py`` makes one from the TOML file)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from backend.domain.vocab import Level
from backend.routing.deadlines import Calendar, Span
from backend.routing.suspicions import SuspicionRules
from backend.routing.suspicions import defaults as suspicion_defaults

LEVELS = tuple(level.value for level in Level)
RECORDER_LEAD = "recorder_agency_lead"
# Where the return interview task goes when a missing episode closes, if a file says
# nothing: the front door, due within 72 hours of the return (nothing is ever unrouted).
RETURN_INTERVIEW_NOTE = "Return interview within 72 hours of the child's return"
RETURN_INTERVIEW_DUE = "72h"
RE_REFERRAL_DAYS = 90  # Working Together: a new concern soon after "no further action"


def target_label(agency: str, inbox: str | None, audience: str) -> str:
    """Name a target as people read it: "MASH", "MASH (supervisors)", "X safeguarding lead"."""
    if inbox is None:
        return f"{agency} safeguarding lead"
    return inbox if audience == "members" else f"{inbox} ({audience})"


class RulesError(ValueError):
    """The rules file is not usable; ``problems`` lists every mistake found."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class Target:
    """Where a delivery goes: an inbox's members or supervisors, or an agency's leads."""

    audience: str
    agency: str
    inbox: str | None = None  # None only for an agency's leads without a lead inbox

    @property
    def label(self) -> str:
        return target_label(self.agency, self.inbox, self.audience)


@dataclass(frozen=True)
class Send:
    """One delivery a rule asks for: a target token and, optionally, its own deadlines."""

    to: str
    acknowledge: Span | None = None
    decide: Span | None = None
    note: str | None = None


@dataclass(frozen=True)
class ChallengeStep:
    """One stage of a challenge to a decision: who owns it (a target word, read relative to
    the decision: ``supervisors``, ``agency_leads``, an alias) and how long they have."""

    to: str
    within: Span


@dataclass(frozen=True)
class Rule:
    id: str
    why: str
    conditions: dict[str, Any]
    sends: tuple[Send, ...]


@dataclass(frozen=True)
class RuleSet:
    """A checked rules file: aliases resolved, deadlines parsed, conditions typed."""

    version: str
    partnership: str
    calendar: Calendar
    fallback: str
    inboxes: dict[str, tuple[str, str]]  # alias -> (agency, inbox)
    agency_leads: dict[str, str]  # agency -> alias of its lead inbox
    deadlines: dict[str, tuple[Span, Span]]  # level -> (acknowledge, decide)
    chain: tuple[tuple[str, ...], ...]
    chains: dict[str, tuple[tuple[str, ...], ...]] = field(default_factory=dict)
    rules: tuple[Rule, ...] = ()
    patterns: dict[str, dict[str, Any]] = field(default_factory=dict)
    alert_to: tuple[str, ...] = ("mash",)
    # ``[missing] return_interview``: given when a missing episode closes, its ``decide``
    # counted from the child's return (``found_at``), never from the report. None: the
    # fallback inbox, within 72 hours (``return_interview_send``).
    return_interview: Send | None = None
    # ``[missing] readers``: inboxes whose members read every episode of the partnership
    # (besides partnership leads and the reporting home's inboxes).
    missing_readers: tuple[str, ...] = ()
    # ``[re_referral] days``: a concern within this many days after an inbox decided "no
    # further action" about the child goes back to that inbox too (0: never).
    re_referral_days: int = RE_REFERRAL_DAYS
    # ``[suspicions]``: where a suspicion goes, its owner and deadlines (``suspicions.py``);
    # None: the defaults, resolved against the inboxes (``suspicion_rules``).
    suspicions: SuspicionRules | None = None
    # ``[challenge] stages``: who owns each stage of a challenge to a decision, and how
    # long they have before it climbs (``challenge_rules.py``).
    challenge_stages: tuple[ChallengeStep, ...] = ()

    def suspicion_rules(self) -> SuspicionRules:
        """Where a suspicion goes, who owns it and how long they have to answer."""
        return self.suspicions or suspicion_defaults(self.inboxes, self.fallback)

    def return_interview_send(self) -> Send:
        """Where the return interview task goes and when it is due, counted from found_at."""
        if self.return_interview is not None:
            return self.return_interview
        return Send(
            self.fallback, decide=Span.parse(RETURN_INTERVIEW_DUE), note=RETURN_INTERVIEW_NOTE
        )

    def target(self, word: str, *, agency: str | None = None, inbox: str | None = None) -> Target:
        """Resolve a word; ``agency``/``inbox`` say whose "supervisors" or "agency_leads"."""
        if word == RECORDER_LEAD or word == "agency_leads":
            assert agency is not None  # noqa: S101 - callers pass the agency in question
            alias = self.agency_leads.get(agency) if word == RECORDER_LEAD else None
            if alias is not None:
                return Target("members", *self.inboxes[alias])
            return Target("agency_leads", agency)
        if word == "supervisors":
            assert agency is not None  # noqa: S101
            assert inbox is not None  # noqa: S101
            return Target("supervisors", agency, inbox)
        if word.startswith("supervisors:"):
            return Target("supervisors", *self.inboxes[word.split(":", 1)[1]])
        return Target("members", *self.inboxes[word])

    def chain_for(self, agency: str, inbox: str | None) -> tuple[tuple[str, ...], ...]:
        for alias, steps in self.chains.items():
            if self.inboxes[alias] == (agency, inbox):
                return steps
        return self.chain
