"""Joining the dots: a small Oxford-like scenario through the real sync API."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.factories import H, envelope, person, sync
from tests.scenario import AMIRA, CHLOE, RICKY, ZOE, approx_age, make, oxford_like
from tests.services.concerns.test_inbox import C, P, items, worker

NOW = datetime.now(UTC).replace(microsecond=0)


def at(days_ago: int) -> str:
    return (NOW - timedelta(days=days_ago)).isoformat()


def missing(subject: dict[str, Any], days_ago: int, **more: Any) -> dict[str, Any]:
    return make(subject=subject, recorded_at=at(days_ago), categories=["missing"], **more)


@pytest.fixture
def recorders(app):  # type: ignore[no-untyped-def]
    made = {}
    for key, agency in (
        ("police", P),
        ("health", "Riverside Health"),
        ("care", "Oakview Children's Home"),
    ):
        client, device, _ = person(app, agency=agency, roles=("recorder",), name=f"{key} rec")
        made[key] = (client, device)
    return made


def partnership_lead(app: Any) -> Any:
    client, _, _ = person(
        app,
        agency="Riverside Safeguarding Children Partnership",
        roles=("partnership_lead",),
        inboxes=("Partnership Leads",),
        name="Lead",
    )
    return client


def send(app: Any, recorders: Any, who: str, concern: dict[str, Any]) -> dict[str, Any]:
    client, device = recorders[who]
    (result,) = sync(client, envelope(app, device, concern))
    assert result["status"] == "accepted", result
    return result


def alerts_of(client: Any) -> list[dict[str, Any]]:
    r = client.get("/api/v1/alerts")
    assert r.status_code == 200, r.get_json()
    return r.get_json()["alerts"]  # type: ignore[no-any-return]


def test_the_oxford_like_scenario_raises_its_patterns_once_with_evidence(app, recorders) -> None:  # type: ignore[no-untyped-def]
    first = send(
        app,
        recorders,
        "police",
        missing(
            ZOE,
            20,
            associated=[
                RICKY,
                {"kind": "vehicle", "registration": "AB12 CDE"},
                {"kind": "phone", "number": "07700 900123"},
            ],
        ),
    )
    # Looked after: known by care status from the very first concern.
    assert first["known"]["contact"] == [
        {"inbox": "MASH", "agency": "Riverside Children's Social Care"}
    ]
    amira = send(
        app,
        recorders,
        "health",
        make(
            subject=AMIRA,
            recorded_at=at(15),
            categories=["self_harm"],
            level="child_in_need",
            setting="health",
            indicators=[],
            missing=None,
            associated=[{"kind": "phone", "number": "+447700900123"}],
        ),
    )
    assert amira["known"]["contact"]  # this concern completed a network: the child is known
    send(
        app,
        recorders,
        "care",
        missing(
            ZOE,
            10,
            associated=[{"kind": "vehicle", "registration": "ab12cde"}],
            setting="care_home",
        ),
    )
    third = send(app, recorders, "police", missing(ZOE, 5, associated=[]))
    assert {c["inbox"] for c in third["known"]["contact"]} >= {"Missing Persons", "MASH"}
    send(
        app,
        recorders,
        "health",
        make(
            subject=CHLOE,
            recorded_at=at(2),
            categories=["sexual_exploitation"],
            level="significant_harm",
            setting="health",
            missing=None,
            associated=[RICKY, {"kind": "location", "address": "12 Mill Lane"}],
        ),
    )

    mash = worker(app, C, "MASH")
    found = {a["kind"]: a for a in alerts_of(mash)}
    assert set(found) == {"network", "repeated_missing", "multi_agency"}
    network = found["network"]
    assert len(network["subjects"]) == 3  # one ring: Zoë, Amira and Chloe, one alert
    assert {e["identifier_kind"] for e in network["evidence"]} == {"phone", "nickname"}
    assert len(found["repeated_missing"]["concerns"]) == 3
    assert {"MASH", "Child Exploitation Team"} <= set(found["network"]["inboxes"])
    text = json.dumps(found)
    for value in ("Ricky", "7700", "AB12", "Mill", "Zoë", "Khan"):
        assert value not in text
    # The alerts are deliveries with deadlines, like any other, in the MASH's own list.
    reasons = [i["reason"] for i in items(mash, "MASH") if i["reason"].startswith("Pattern")]
    assert len(reasons) == 3

    graph = mash.get(f"/api/v1/alerts/{network['id']}/network").get_json()
    kinds = [n["type"] for n in graph["nodes"]]
    assert kinds.count("child") == 3
    shared = {n["type"] for n in graph["nodes"] if n.get("children", 0) >= 2}
    assert shared == {"phone", "nickname"}
    assert "Ricky" not in json.dumps(graph)

    # A fourth episode adds to the same alert: no duplicate.
    send(app, recorders, "care", missing(ZOE, 1, associated=[], setting="care_home"))
    again = [a for a in alerts_of(mash) if a["kind"] == "repeated_missing"]
    assert len(again) == 1
    assert len(again[0]["concerns"]) == 4

    # Need to know: the control room received none of these alerts; the leads see all.
    assert alerts_of(worker(app, P, "Police Control Room")) == []
    lead = partnership_lead(app)
    assert {a["kind"] for a in alerts_of(lead)} == {"network", "repeated_missing", "multi_agency"}


def test_chronology_shows_other_agencies_concerns_as_summaries(app, recorders) -> None:  # type: ignore[no-untyped-def]
    first = send(app, recorders, "police", missing(ZOE, 9, associated=[]))
    send(
        app,
        recorders,
        "health",
        make(
            recorded_at=at(4),
            categories=["neglect"],
            level="child_in_need",
            setting="health",
            missing=None,
            associated=[],
            narrative="Nurse: bruising on both arms.",
        ),
    )
    persons = worker(app, P, "Missing Persons")
    (delivery,) = items(persons, "Missing Persons")
    opened = persons.get(f"/api/v1/concerns/{delivery['concern_id']}?purpose=decide").get_json()
    subject = opened["subject_id"]
    assert delivery["concern_id"] == first["concern_id"]
    no_purpose = persons.get(f"/api/v1/subjects/{subject}/chronology")
    assert no_purpose.status_code == 400
    body = persons.get(f"/api/v1/subjects/{subject}/chronology?purpose=assessment").get_json()
    full, summary = body["items"]
    assert full["full"]
    assert full["concern"]["narrative"].startswith("Found at 02:10")
    assert not summary["full"]
    assert "concern" not in summary
    assert summary["summary"] == (
        "concern recorded by Riverside Health, neglect, child in need, contact MASH"
    )
    assert "bruising" not in json.dumps(body)
    # Someone who received nothing about the child sees nothing of it.
    control = worker(app, P, "Police Control Room")
    assert control.get(f"/api/v1/subjects/{subject}/chronology?purpose=decide").status_code == 404


def test_a_misspelt_child_is_a_possible_match_until_the_mash_confirms(app, recorders) -> None:  # type: ignore[no-untyped-def]
    send(app, recorders, "police", missing(ZOE, 20, associated=[]))
    send(app, recorders, "police", missing(ZOE, 15, associated=[]))
    typo = {
        "given_name": "Zoe",
        "family_name": "OBrian",
        "approx_age": approx_age(2011, at(10)),  # born in Zoë's year
        "known_as": ["Zee"],
        "legal_status": "unknown",
    }
    send(app, recorders, "care", missing(typo, 10, associated=[], setting="care_home"))
    mash = worker(app, C, "MASH")
    assert [a["kind"] for a in alerts_of(mash)] == []  # not yet the same child
    (match,) = mash.get("/api/v1/matches").get_json()["matches"]
    assert set(match["kinds"]) >= {"phonetic_year", "known_as_year"}
    control = worker(app, P, "Police Control Room")
    assert control.get("/api/v1/matches").status_code == 403
    decided = mash.post(f"/api/v1/matches/{match['id']}/confirm", headers=H).get_json()
    assert decided["status"] == "confirmed"
    kinds = {a["kind"] for a in alerts_of(mash)}
    assert {"repeated_missing", "multi_agency"} <= kinds  # three episodes, two agencies, now
    again = mash.post(f"/api/v1/matches/{match['id']}/confirm", headers=H)
    assert again.status_code == 409
    # Reversible: the merged record splits off again (and only it was merged).
    statuses = sorted(
        mash.post(f"/api/v1/subjects/{s}/split", headers=H).status_code
        for s in (match["subject_id"], match["candidate_id"])
    )
    assert statuses == [200, 409]


def test_an_unrelated_population_raises_no_network_alert(app, recorders) -> None:  # type: ignore[no-untyped-def]
    rng = random.Random(7)
    first = ["Ava", "Ben", "Cara", "Dan", "Eve", "Finn", "Gia", "Hal", "Ivy", "Jon"]
    family = ["Smith", "Jones", "Patel", "Brown", "Taylor", "Wilson", "Evans", "Walker"]
    for n in range(24):
        subject = {
            "given_name": first[n % 10],
            "family_name": family[n % 8],
            "date_of_birth": f"20{rng.randint(8, 13):02d}-0{rng.randint(1, 9)}-1{n % 10}",
            "legal_status": "none_known",
        }
        associated = [
            {"kind": "adult_of_concern", "name": f"Adult {n} {family[(n + 3) % 8]}"},
            {"kind": "vehicle", "registration": f"XY{n:02d} ABC"},
            {"kind": "phone", "number": f"07700 90{n:04d}"},
        ]
        who = ("police", "health", "care")[n % 3]
        send(
            app,
            recorders,
            who,
            make(
                subject=subject,
                recorded_at=at(n),
                categories=["neglect"],
                level="early_help",
                indicators=[],
                missing=None,
                associated=associated,
            ),
        )
    lead = partnership_lead(app)
    assert [a for a in alerts_of(lead) if a["kind"] == "network"] == []


def test_event_time_windows_count_late_concerns_where_they_belong(app, recorders) -> None:  # type: ignore[no-untyped-def]
    # Episodes 40 and 5 days ago are 35 days apart: no pattern yet.
    send(app, recorders, "police", missing(ZOE, 40, associated=[]))
    send(app, recorders, "police", missing(ZOE, 5, associated=[]))
    mash = worker(app, C, "MASH")
    assert [a["kind"] for a in alerts_of(mash) if a["kind"] == "repeated_missing"] == []
    # A phone offline for weeks syncs an episode from 20 days ago: 40, 20 and 5 days ago do
    # not fit in 30 days either, so still none ...
    send(app, recorders, "care", missing(ZOE, 20, associated=[], setting="care_home"))
    assert [a for a in alerts_of(mash) if a["kind"] == "repeated_missing"] == []
    # ... until one from 12 days ago arrives: 20, 12 and 5 days ago are within 30 days.
    send(app, recorders, "care", missing(ZOE, 12, associated=[], setting="care_home"))
    (alert,) = [a for a in alerts_of(mash) if a["kind"] == "repeated_missing"]
    assert len(alert["concerns"]) == 3


def test_alerts_escalate_like_any_delivery(app, sessions, recorders) -> None:  # type: ignore[no-untyped-def]
    from backend.services.concerns.escalation import sweep

    for who, concern in oxford_like()[:2]:
        send(app, recorders, who, concern)
    mash = worker(app, C, "MASH")
    assert [a["kind"] for a in alerts_of(mash)] == ["network"]
    pattern = [i for i in items(mash, "MASH") if i["reason"].startswith("Pattern alert")]
    (delivery,) = pattern
    due = datetime.fromisoformat(delivery["ack_due"])
    made = sweep(sessions, now=due + timedelta(minutes=1))
    assert made.escalations >= 2  # MASH and the exploitation team: each its supervisors
    manager = worker(app, C, "MASH", "inbox_supervisor")
    escalated = [i for i in items(manager, "MASH") if i["step"] == 1]
    assert any(i["reason"].startswith("Acknowledgement overdue in MASH") for i in escalated)


def test_a_late_record_joins_two_partial_records_spelt_differently_for_the_mash_to_confirm(  # type: ignore[no-untyped-def]
    app, recorders
) -> None:
    # First: NHS number, misspelt surname. Then: right name and birth date, no NHS number —
    # two records, as far as anyone can tell. Last, synced late: both keys. Its NHS number
    # finds a record whose family name is spelt differently, with the same given name and
    # date of birth: one child, so the records are joined automatically, and the MASH is
    # asked to confirm the merge (a subject access export waits for it).
    typo = dict(ZOE, family_name="OBrein")
    no_nhs = {k: v for k, v in ZOE.items() if k != "nhs_number"}
    send(app, recorders, "police", missing(typo, 10, associated=[]))
    send(app, recorders, "care", missing(no_nhs, 2, associated=[], setting="care_home"))
    mash = worker(app, C, "MASH")
    assert [a for a in alerts_of(mash) if a["kind"] == "repeated_missing"] == []
    send(app, recorders, "police", missing(ZOE, 6, associated=[]))
    assert mash.get("/api/v1/matches").get_json()["matches"] == []
    (merge,) = mash.get("/api/v1/merges").get_json()["merges"]
    assert merge["how"] == "automatic"
    (alert,) = [a for a in alerts_of(mash) if a["kind"] == "repeated_missing"]
    assert len(alert["concerns"]) == 3
