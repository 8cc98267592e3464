"""The rules file: the default matrix of docs/domain/routing.md, checking, and deadlines."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest

from backend.domain import demo
from backend.routing.deadlines import Calendar, DeadlineError, Span
from backend.routing.match import Facts, route
from backend.routing.rules import parse
from backend.routing.ruleset import RulesError
from backend.services.concerns.rules import default_rules_text

AGENCIES = {name: kind.value for name, kind, _ in demo.AGENCIES}
INBOXES = {(name, inbox) for name, _, inboxes in demo.AGENCIES for inbox in inboxes}
# Tuesday 17 November 2026, 10:00 in London (GMT, so the same in UTC).
TUESDAY = datetime(2026, 11, 17, 10, 0, tzinfo=UTC)


def default():  # type: ignore[no-untyped-def]
    rules, _ = parse(default_rules_text(), agencies=AGENCIES, inboxes=INBOXES)
    return rules


def facts(**given: object) -> Facts:
    values: dict[str, object] = {
        "categories": frozenset(),
        "indicators": frozenset(),
        "level": "child_in_need",
        "setting": "patrol",
        "age": 14,
        "care_status": "none_known",
        "recorder_agency": "Riverside Police",
        "recorder_agency_kind": "police",
        "area": "OX4",
    }
    values.update(given)
    values["categories"] = frozenset(values["categories"])  # type: ignore[arg-type]
    return Facts(**values)  # type: ignore[arg-type]


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=UTC)


MIDNIGHT = at(18, 0)  # end of Tuesday in London
NEXT_WD = at(18, 10)  # one working day after Tuesday 10:00
P = "Riverside Police"
C = "Riverside Children's Social Care"
# (recorder agency, setting, categories, level, care status) ->
#   {target label: (acknowledge by, decide by)}: the default matrix, row by row.
MATRIX = [
    (
        (P, "patrol", ["sexual_exploitation"], "immediate_danger", "none_known"),
        {"Police Control Room": (at(17, 10, 15), MIDNIGHT), "MASH": (at(17, 10, 15), MIDNIGHT)},
    ),
    (
        (P, "patrol", ["criminal_exploitation"], "significant_harm", "none_known"),
        {"MASH": (at(17, 11), MIDNIGHT), "Child Exploitation Team": (at(17, 11), MIDNIGHT)},
    ),
    ((P, "patrol", ["trafficking"], "child_in_need", "none_known"), {"MASH": (NEXT_WD, NEXT_WD)}),
    (
        (P, "patrol", ["online_sexual_abuse"], "early_help", "none_known"),
        {"Riverside Police safeguarding lead": (NEXT_WD, NEXT_WD), "MASH": (NEXT_WD, NEXT_WD)},
    ),
    (
        ("Northfield Academy", "school", ["sexual_exploitation"], "information", "none_known"),
        {"Designated Safeguarding Lead": (NEXT_WD, NEXT_WD), "MASH": (NEXT_WD, NEXT_WD)},
    ),
    (
        (P, "patrol", ["missing"], "immediate_danger", "none_known"),
        {"Police Control Room": (at(17, 10, 15), MIDNIGHT)},
    ),
    (
        (P, "patrol", ["missing"], "immediate_danger", "looked_after"),
        {
            "Police Control Room": (at(17, 10, 15), MIDNIGHT),
            "MASH": (at(17, 10, 15), MIDNIGHT),
            "Home Manager": (at(17, 10, 15), MIDNIGHT),
        },
    ),
    (
        (P, "patrol", ["missing"], "significant_harm", "none_known"),
        {
            "Missing Persons": (at(17, 11), MIDNIGHT),
            "Missing Coordinator": (at(17, 11), MIDNIGHT),
            "MASH": (at(17, 11), MIDNIGHT),
        },
    ),
    # The report tells the coordinator, to the level's deadlines: the return interview is
    # due from the child's return, when the episode closes ([missing], tested below).
    (
        (P, "patrol", ["missing"], "child_in_need", "none_known"),
        {"Missing Coordinator": (NEXT_WD, NEXT_WD)},
    ),
    (
        (P, "patrol", ["missing"], "information", "none_known"),
        {"Missing Coordinator": (NEXT_WD, NEXT_WD)},
    ),
    (
        (P, "patrol", ["neglect"], "immediate_danger", "none_known"),
        {"Police Control Room": (at(17, 10, 15), MIDNIGHT), "MASH": (at(17, 10, 15), MIDNIGHT)},
    ),
    (
        (P, "patrol", ["domestic_abuse"], "significant_harm", "none_known"),
        {"MASH": (at(17, 11), MIDNIGHT)},
    ),
    (
        (P, "patrol", ["physical_abuse"], "child_in_need", "none_known"),
        {"MASH": (NEXT_WD, NEXT_WD)},
    ),
    ((P, "patrol", ["emotional_abuse"], "early_help", "none_known"), {"MASH": (NEXT_WD, NEXT_WD)}),
    (
        (
            "Riverside Health",
            "health",
            ["sexual_abuse_in_family"],
            "significant_harm",
            "none_known",
        ),
        {"MASH": (at(17, 11), MIDNIGHT), "Safeguarding Nurses": (at(17, 11), MIDNIGHT)},
    ),
    (
        ("Riverside Health", "health", ["self_harm"], "child_in_need", "none_known"),
        {"MASH": (NEXT_WD, NEXT_WD), "Safeguarding Nurses": (NEXT_WD, NEXT_WD)},
    ),
    (
        ("Riverside Health", "school", ["neglect"], "early_help", "none_known"),
        {
            "MASH": (NEXT_WD, NEXT_WD),
            "Safeguarding Nurses": (NEXT_WD, NEXT_WD),
            "Designated Safeguarding Lead": (NEXT_WD, NEXT_WD),
        },
    ),
    (
        (
            "Oakview Children's Home",
            "care_home",
            ["sexual_exploitation"],
            "immediate_danger",
            "looked_after",
        ),
        {
            "Police Control Room": (at(17, 10, 15), MIDNIGHT),
            "MASH": (at(17, 10, 15), MIDNIGHT),
            "Home Manager": (at(17, 10, 15), MIDNIGHT),
        },
    ),
    (
        ("Oakview Children's Home", "care_home", ["neglect"], "significant_harm", "looked_after"),
        {"MASH": (at(17, 11), MIDNIGHT)},
    ),
    (
        ("Oakview Children's Home", "care_home", ["missing"], "early_help", "looked_after"),
        {"Missing Coordinator": (NEXT_WD, NEXT_WD), "Home Manager": (NEXT_WD, NEXT_WD)},
    ),
    (
        (C, "social_care", ["radicalisation"], "child_in_need", "none_known"),
        {"MASH": (NEXT_WD, NEXT_WD)},
    ),
]
KINDS = {name: kind.value for name, kind, _ in demo.AGENCIES}


@pytest.mark.parametrize(("given", "expected"), MATRIX)
def test_default_matrix_delivers_to_exactly_the_expected_inboxes_and_deadlines(
    given: tuple[str, str, list[str], str, str], expected: dict[str, tuple[datetime, datetime]]
) -> None:
    agency, setting, categories, level, care = given
    planned, trace = route(
        default(),
        facts(
            categories=categories,
            level=level,
            setting=setting,
            care_status=care,
            recorder_agency=agency,
            recorder_agency_kind=KINDS[agency],
        ),
        at=TUESDAY,
    )
    assert {p.target.label: (p.ack_due, p.decision_due) for p in planned} == expected
    assert trace["matched"], "every matrix row is a rule, not the fallback"
    assert all(m["because"] for m in trace["matched"])


def test_a_concern_no_rule_matches_goes_to_the_fallback_inbox() -> None:
    text = default_rules_text().split("# --- sexual or criminal")[0] + (
        '[[rule]]\nid = "only-fgm"\nwhy = "narrow"\ncategories = ["fgm_honour_forced_marriage"]\n'
        'deliver = ["control_room"]\n'
    )
    rules, _ = parse(text, agencies=AGENCIES, inboxes=INBOXES)
    planned, trace = route(rules, facts(categories=["neglect"]), at=TUESDAY)
    assert [p.target.label for p in planned] == ["MASH"]
    assert trace["fallback"] is True
    assert planned[0].rules == ["fallback"]


def test_the_return_interview_goes_where_the_missing_section_says_due_from_the_return() -> None:
    assert default().missing_readers == ("missing_persons", "control_room", "missing_coordinator")
    send = default().return_interview_send()
    assert (send.to, send.decide, send.acknowledge) == (
        "missing_coordinator",
        Span.parse("72h"),
        None,
    )
    assert send.note == "Return interview within 72 hours of the child's return"
    # A file that says nothing still gives the task: to the front door, within 72 hours.
    text = re.sub(r"\[missing\]\n(?:\w+ = .*\n)+", "", default_rules_text())
    assert "[missing]" not in text
    rules, _ = parse(text, agencies=AGENCIES, inboxes=INBOXES)
    assert rules.return_interview is None
    assert rules.missing_readers == ()
    fallback = rules.return_interview_send()
    assert (fallback.to, fallback.decide) == ("mash", Span.parse("72h"))


@pytest.mark.parametrize(
    ("entry", "problem"),
    [
        ('{ to = "nowhere", decide = "72h" }', "unknown inbox 'nowhere'"),
        ('{ to = "missing_coordinator" }', "a table with 'to' and 'decide'"),
        ('{ to = "missing_coordinator", decide = "soon" }', "'soon' is not a deadline"),
        ('{ to = "recorder_agency_lead", decide = "72h" }', "name an inbox"),
        ('{ to = "missing_coordinator", decide = "72h", when = "x" }', "unknown key 'when'"),
        (
            '{ to = "missing_coordinator", decide = "72h" }\nreaders = ["nowhere"]',
            "missing.readers[0]: unknown inbox 'nowhere'",
        ),
    ],
)
def test_a_mistake_in_the_missing_section_is_reported(entry: str, problem: str) -> None:
    section = f"[missing]\nreturn_interview = {entry}\n"
    text = re.sub(r"\[missing\]\n(?:\w+ = .*\n)+", section, default_rules_text())
    assert section in text
    with pytest.raises(RulesError) as raised:
        parse(text, agencies=AGENCIES, inboxes=INBOXES)
    assert problem in "\n".join(raised.value.problems)


def test_every_mistake_in_a_rules_file_is_reported_at_once() -> None:
    text = default_rules_text().replace(
        'fallback = "mash"', 'fallback = "mash"\nsurprise = 1'
    ).replace(
        'nurse = "Riverside Health / Safeguarding Nurses"',
        'nurse = "Riverside Health / Safeguarding Nurses"\nghost = "Riverside Police / Ghosts"',
    ) + (
        '[[rule]]\nid = "bad"\nwhy = "broken on purpose"\ncategories = ["grooming"]\n'
        'age_min = 16\nage_max = 12\nsetting = []\ndeliver = ["nowhere", '
        '{ to = "mash", decide = "soon" }]\n'
        '[[rule]]\nid = "bad"\nwhy = "twice"\nlevel = ["information"]\nmin_level = '
        '"significant_harm"\ndeliver = ["mash"]\n'
    )
    with pytest.raises(RulesError) as raised:
        parse(text, agencies=AGENCIES, inboxes=INBOXES)
    problems = "\n".join(raised.value.problems)
    for expected in (
        "surprise: unknown key",
        "inboxes.ghost: unknown inbox 'Riverside Police / Ghosts'",
        "unknown category 'grooming'",
        "unreachable: age_min is above age_max",
        "unreachable: setting is empty",
        "unknown inbox 'nowhere'",
        "'soon' is not a deadline",
        "rule id 'bad' is used twice",
        "unreachable: every listed level is below min_level",
    ):
        assert expected in problems


def test_a_rules_file_must_name_its_format_version_and_deadlines() -> None:
    with pytest.raises(RulesError) as raised:
        parse(
            '[inboxes]\nmash = "Riverside Children\'s Social Care / MASH"\n',
            agencies=AGENCIES,
            inboxes=INBOXES,
        )
    problems = "\n".join(raised.value.problems)
    assert "format: write format = 'frontline.rules/1'" in problems
    assert "version:" in problems
    assert "deadlines: give [deadlines.<level>]" in problems
    assert "escalation.steps" in problems
    with pytest.raises(RulesError, match="not valid TOML"):
        parse("format = ", agencies=AGENCIES, inboxes=INBOXES)


LONDON = Calendar.of("Europe/London", [date(2026, 12, 25), date(2026, 12, 28)])


@pytest.mark.parametrize(
    ("start", "span", "due"),
    [
        (at(17, 10), "15m", at(17, 10, 15)),
        (at(17, 10), "72h", at(20, 10)),
        (at(20, 15), "1wd", at(23, 15)),  # Friday afternoon: due Monday afternoon
        (at(21, 10), "1wd", at(24, 0)),  # Saturday: Monday counts, due at its end
        (datetime(2026, 12, 24, 9, tzinfo=UTC), "1wd", datetime(2026, 12, 29, 9, tzinfo=UTC)),
        (at(17, 10), "same_day", at(18, 0)),
        (at(17, 22, 30), "same_day", at(18, 2, 30)),  # late evening: at least four hours
        # British Summer Time: 10:00 in London is 09:00 UTC, and midnight is 23:00 UTC.
        (datetime(2026, 7, 14, 9, tzinfo=UTC), "same_day", datetime(2026, 7, 14, 23, tzinfo=UTC)),
        # The clocks go back on Sunday 25 October 2026: the time of day is kept in London.
        (datetime(2026, 10, 23, 9, tzinfo=UTC), "1wd", datetime(2026, 10, 26, 10, tzinfo=UTC)),
    ],
)
def test_deadlines_honour_working_days_holidays_and_the_local_clock(
    start: datetime, span: str, due: datetime
) -> None:
    assert LONDON.due(start, Span.parse(span)) == due


@pytest.mark.parametrize("text", ["", "0h", "1y", "1.5h", "-1h", "soon"])
def test_a_deadline_in_an_unknown_form_is_refused(text: str) -> None:
    with pytest.raises(DeadlineError):
        Span.parse(text)


def test_a_target_asked_for_by_two_rules_is_delivered_once_with_the_earlier_deadline() -> None:
    planned, trace = route(
        default(),
        facts(categories=["missing"], level="significant_harm", care_status="looked_after"),
        at=TUESDAY,
    )
    mash = [p for p in planned if p.target.label == "MASH"]
    assert len(mash) == 1
    assert mash[0].rules == ["missing-significant", "care-significant-looked-after"]
    assert {m["rule"] for m in trace["matched"]} == {
        "missing-significant",
        "care-significant-looked-after",
    }
    assert timedelta(0) < mash[0].ack_due - TUESDAY <= timedelta(hours=1)


def test_pattern_settings_are_checked_too() -> None:
    text = default_rules_text().replace(
        'deliver = ["mash", "exploitation_team"]',
        'deliver = ["mash", "recorder_agency_lead"]',
    ).replace("count = 3  # missing", "count = 0  # missing") + (
        '[patterns.hunch]\nlevel = "information"\n'
    )
    with pytest.raises(RulesError) as raised:
        parse(text, agencies=AGENCIES, inboxes=INBOXES)
    problems = "\n".join(raised.value.problems)
    assert "recorder_agency_lead has no meaning for an alert" in problems
    assert "patterns.repeated_missing.count: a whole number above zero" in problems
    assert "patterns.hunch: unknown pattern" in problems
    rules = default()
    assert rules.patterns["repeated_missing"] == {
        "count": 3,
        "days": 30,
        "level": "significant_harm",
    }
    assert rules.alert_to == ("mash", "exploitation_team")


def test_network_strengths_name_known_kinds_and_strengths() -> None:
    text = default_rules_text().replace(
        'nickname = "weak"', 'shoe_size = "strong"\nnickname = "very"'
    )
    with pytest.raises(RulesError) as raised:
        parse(text, agencies=AGENCIES, inboxes=INBOXES)
    problems = "\n".join(raised.value.problems)
    assert "patterns.network.strengths.shoe_size: unknown identifier kind" in problems
    assert "patterns.network.strengths.nickname: 'very' is not one of strong" in problems
    strengths = default().patterns["network"]["strengths"]
    assert strengths["vehicle"] == "strong"
    assert strengths["person_name"] == "weak"


def test_re_referral_days_are_read_and_a_mistake_is_reported() -> None:
    rules, _ = parse(default_rules_text(), agencies=AGENCIES, inboxes=INBOXES)
    assert rules.re_referral_days == 90
    text = default_rules_text().replace("[re_referral]\ndays = 90", "[re_referral]\ndays = 30")
    assert parse(text, agencies=AGENCIES, inboxes=INBOXES)[0].re_referral_days == 30
    for wrong, problem in [
        ("days = -1", "re_referral.days: a whole number of days from 0 (never) to 730"),
        ('days = "90"', "re_referral.days: a whole number of days from 0 (never) to 730"),
        ("weeks = 12", "re_referral: a table: [re_referral] with days = 90"),
    ]:
        text = default_rules_text().replace("[re_referral]\ndays = 90", f"[re_referral]\n{wrong}")
        with pytest.raises(RulesError) as raised:
            parse(text, agencies=AGENCIES, inboxes=INBOXES)
        assert problem in "\n".join(raised.value.problems)
