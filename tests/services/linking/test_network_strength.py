"""How strong a network's links are: a common name alone links no one, a car does; children
named as peers are a group, not a network, until an adult of concern is named with them;
each alert says why in one line and lists order by strength."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select

from backend.models import Agency, Concern
from backend.services.concerns.rules import db_active
from backend.services.linking.networks import in_context, recorded_in_context
from tests.scenario import approx_age, make
from tests.services.linking.test_links import alerts_of, at, partnership_lead, recorders, send

__all__ = ["recorders"]  # the fixture, used by name


def child(given: str, family: str, dob: str) -> dict[str, Any]:
    return {
        "given_name": given,
        "family_name": family,
        "date_of_birth": dob,
        "legal_status": "none_known",
    }


ANNA = child("Anna", "Hill", "2011-02-03")
BELLA = child("Bella", "Ward", "2010-05-06")
CARA = child("Cara", "Cook", "2012-07-08")
DANA = child("Dana", "Bell", "2011-09-10")


def low(subject: dict[str, Any], days_ago: int, associated: list[dict[str, Any]]) -> dict[str, Any]:
    """A neglect concern with no sign of exploitation."""
    return make(
        subject=subject,
        recorded_at=at(days_ago),
        categories=["neglect"],
        level="early_help",
        indicators=[],
        missing=None,
        associated=associated,
    )


def exploited(
    subject: dict[str, Any], days_ago: int, associated: list[dict[str, Any]]
) -> dict[str, Any]:
    return make(
        subject=subject,
        recorded_at=at(days_ago),
        categories=["sexual_exploitation"],
        level="significant_harm",
        missing=None,
        associated=associated,
    )


def networks(app: Any) -> list[dict[str, Any]]:
    return [a for a in alerts_of(partnership_lead(app)) if a["kind"] == "network"]


DAVID = {"kind": "adult_of_concern", "name": "David Smith"}
CAR = {"kind": "vehicle", "registration": "KX61 ABC"}


def test_a_common_name_alone_links_no_one_but_a_shared_car_does(app, recorders) -> None:  # type: ignore[no-untyped-def]
    send(app, recorders, "police", low(ANNA, 40, [DAVID]))
    send(app, recorders, "health", low(BELLA, 30, [DAVID]))
    assert networks(app) == []
    send(app, recorders, "police", low(CARA, 20, [CAR]))
    send(app, recorders, "care", low(DANA, 10, [{"kind": "vehicle", "registration": "kx61abc"}]))
    (alert,) = networks(app)
    assert len(alert["subjects"]) == 2
    assert {e["identifier_kind"] for e in alert["evidence"]} == {"vehicle"}
    assert alert["strength"] == "strong"


def test_children_named_as_peers_are_a_group_not_a_network(app, recorders) -> None:  # type: ignore[no-untyped-def]
    send(app, recorders, "police", exploited(ANNA, 40, []))
    peer = {"kind": "peer", "name": "Anna Hill", "approx_age": approx_age(2011, at(30))}
    send(app, recorders, "health", exploited(BELLA, 30, [peer]))
    send(app, recorders, "care", exploited(CARA, 20, [peer]))
    assert networks(app) == []


def test_an_adult_of_concern_named_with_a_peer_group_is_a_network(app, recorders) -> None:  # type: ignore[no-untyped-def]
    send(app, recorders, "police", exploited(ANNA, 40, []))
    ricky = {"kind": "adult_of_concern", "nickname": "Ricky"}
    peer = {"kind": "peer", "name": "Anna Hill", "approx_age": approx_age(2011, at(30))}
    send(app, recorders, "health", exploited(BELLA, 30, [peer, ricky]))
    (alert,) = networks(app)
    assert len(alert["subjects"]) == 2  # Bella, and Anna found in her own record
    assert alert["why"].startswith("A nickname named with 2 children who know each other")
    assert alert["strength"] == "medium"


def test_the_why_line_says_what_links_whom_over_how_long(app, recorders) -> None:  # type: ignore[no-untyped-def]
    ricky = {"kind": "adult_of_concern", "nickname": "Ricky"}
    send(app, recorders, "police", exploited(ANNA, 200, [ricky, CAR]))
    send(app, recorders, "health", exploited(BELLA, 120, [ricky, CAR]))
    send(app, recorders, "care", exploited(CARA, 1, [ricky, CAR]))
    (alert,) = networks(app)
    assert alert["why"] == (
        "A car (registration) and a nickname shared by 3 children over 7 months"
    )
    assert alert["strength"] == "strong"
    assert alert["level"] == "significant_harm"


def test_alerts_are_listed_strongest_first(app, recorders) -> None:  # type: ignore[no-untyped-def]
    send(app, recorders, "police", low(CARA, 60, [CAR]))
    send(app, recorders, "care", low(DANA, 50, [CAR]))
    ricky = {"kind": "adult_of_concern", "nickname": "Ricky"}
    send(app, recorders, "police", exploited(ANNA, 40, [ricky]))
    send(app, recorders, "health", exploited(BELLA, 30, [ricky]))
    found = networks(app)
    assert [a["strength"] for a in found] == ["strong", "weak"]
    assert found[1]["why"] == "A nickname shared by 2 children over 10 days"


def test_whether_a_new_concern_records_exploitation_is_read_as_stored(  # type: ignore[no-untyped-def]
    app, sessions, recorders
) -> None:
    """Linking a new concern takes its exploitation context from what it records, not
    from its stored rows: both say the same, for a category, a sign or neither."""
    sign = {"code": "cars_with_unknown_adults", "present": "possible", "basis": "reported"}
    other = {"code": "unexplained_gifts_money", "present": "yes", "basis": "observed"}
    made = [
        make(subject=ANNA, recorded_at=at(3), categories=["criminal_exploitation"], indicators=[]),
        make(subject=BELLA, recorded_at=at(3), categories=["neglect"], indicators=[sign]),
        make(subject=CARA, recorded_at=at(3), categories=["neglect"], indicators=[other]),
        low(DANA, 3, []),
    ]
    ids = [uuid.UUID(send(app, recorders, "police", concern)["concern_id"]) for concern in made]
    with sessions() as s:
        agency = select(Agency.partnership_id).join(
            Concern, Concern.recorder_agency_id == Agency.id
        )
        active = db_active(s, s.scalars(agency).first())
        rule = active.rules.patterns["network"]
        stored = [bool(in_context(s, rule, [i])) for i in ids]
        assert stored == [True, True, False, False]
        assert [recorded_in_context(rule, c) for c in made] == stored
