"""``[challenge]``: the stages a challenge to a decision climbs, whose each is, and how long
each owner has (Working Together 2023: every partnership's escalation and resolution
protocol). ``rules.parse`` calls ``read_challenge`` with its problem collector.

A stage's ``to`` is read like an escalation step's target, relative to the decision
challenged: ``supervisors`` (of the inbox that decided), ``agency_leads`` (the people who
hold the safeguarding lead role in the agency that decided), ``supervisors:<alias>`` or an
inbox alias (``partnership_leads``). ``within`` is a deadline as ``[deadlines]`` writes them,
counted from the moment the stage begins.
"""

from __future__ import annotations

from typing import Any

from backend.routing.deadlines import Span
from backend.routing.patterns import Checker
from backend.routing.ruleset import ChallengeStep

# The default protocol: the deciding inbox's supervisor in 1 working day, the deciding
# agency's safeguarding lead in 2, the Partnership Leads in 3 (if the file names them).
DEFAULT_STAGES = (("supervisors", "1wd"), ("agency_leads", "2wd"), ("partnership_leads", "3wd"))
MAX_STAGES = 6


def read_challenge(check: Checker, raw: Any, aliases: set[str]) -> tuple[ChallengeStep, ...]:
    """The stages of ``[challenge] stages``, or the default protocol when the file is silent
    (its last stage only where ``partnership_leads`` is an inbox alias of the file)."""
    if raw is None:
        return tuple(
            ChallengeStep(to, Span.parse(within))
            for to, within in DEFAULT_STAGES
            if to in ("supervisors", "agency_leads") or to in aliases
        )
    example = 'stages = [{ to = "supervisors", within = "1wd" }, ...]'
    if not isinstance(raw, dict) or set(raw) != {"stages"}:
        check.fail("challenge", f"a table: [challenge] with {example}")
        return ()
    stages = raw["stages"]
    if not isinstance(stages, list) or not 1 <= len(stages) <= MAX_STAGES:
        check.fail("challenge.stages", f"a list of 1 to {MAX_STAGES} stages: {example}")
        return ()
    found: list[ChallengeStep] = []
    for n, stage in enumerate(stages):
        where = f"challenge.stages[{n}]"
        if not isinstance(stage, dict) or set(stage) != {"to", "within"}:
            check.fail(where, "a table with 'to' (who owns the stage) and 'within' (a deadline)")
            continue
        check.token(where, stage["to"], step=True)
        within = _span(check, f"{where}.within", stage["within"])
        if within is not None and isinstance(stage["to"], str):
            found.append(ChallengeStep(stage["to"], within))
    return tuple(found)


def _span(check: Checker, where: str, text: Any) -> Span | None:
    try:
        return Span.parse(text) if isinstance(text, str) else None
    except ValueError:
        pass
    check.fail(where, "a deadline such as '1wd' (working days), '2d' or '8h'")
    return None
