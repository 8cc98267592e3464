"""Need to know (8.1.2, 8.2.2, 8.4.1): what Frontline tells anyone about a child never exceeds
their need to know, and no one gains need to know by recording.

Each test plays the attack over HTTP with real passkeys: a recorder who routes a concern to
their own inbox, gives only a name and date of birth, completes a pattern, or reads the
addenda other agencies wrote on their concern.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from tests.factories import H, envelope, make_concern, person, sync

P, C, HEALTH = "Riverside Police", "Riverside Children's Social Care", "Riverside Health"
SCHOOL = "Northfield Academy"
NAME_AND_DOB = {"given_name": "Zoë", "family_name": "O'Brien", "date_of_birth": "2011-03-09"}
FRONT_DOOR = {"inbox": "MASH", "agency": C}


def _concern(**given: Any) -> dict[str, Any]:
    """A concern about Zoë (by name and date of birth unless given), linked by nothing else."""
    concern = make_concern(subject=dict(NAME_AND_DOB), associated=[], indicators=[], **given)
    if "missing" not in concern["categories"]:
        concern.pop("missing")
    return concern


def _missing(days_ago: int) -> dict[str, Any]:
    at = datetime.now(UTC).replace(microsecond=0) - timedelta(days=days_ago)
    return _concern(categories=["missing"], recorded_at=at.isoformat())


def _school_dsl(app: Any) -> tuple[Any, Any]:
    """The school's DSL, who records and works the school's inbox."""
    return _someone(app, SCHOOL, "recorder", "inbox_member", inbox="Designated Safeguarding Lead")


EARLY_HELP_AT_SCHOOL = {
    "categories": ["criminal_exploitation"],
    "level": "early_help",
    "setting": "school",
}


def _send(app: Any, who: tuple[Any, Any], concern: dict[str, Any]) -> dict[str, Any]:
    (result,) = sync(who[0], envelope(app, who[1], concern))
    assert result["status"] == "accepted", result
    return result


def _someone(app: Any, agency: str, *roles: str, inbox: str | None = None) -> tuple[Any, Any]:
    client, device, _ = person(
        app, agency=agency, roles=roles, inboxes=(inbox,) if inbox else (), name=f"{agency} {roles}"
    )
    return client, device


def _queue(client: Any, name: str) -> list[dict[str, Any]]:
    boxes = client.get("/api/v1/inboxes").get_json()["inboxes"]
    box = next(i["id"] for i in boxes if i["name"] == name)
    return client.get(f"/api/v1/inboxes/{box}/deliveries?status=all").get_json()["items"]  # type: ignore[no-any-return]


def _chronology(client: Any, subject: str) -> Any:
    return client.get(f"/api/v1/subjects/{subject}/chronology?purpose=strategy_discussion")


def _subject_of(client: Any, concern_id: str) -> str:
    r = client.get(f"/api/v1/concerns/{concern_id}?purpose=check_own_record")
    assert r.status_code == 200, r.get_json()
    return r.get_json()["subject_id"]  # type: ignore[no-any-return]


def _answer(r: Any) -> tuple[int, str, str]:
    body = r.get_json()
    return r.status_code, body.get("code", ""), body.get("detail", "")


def test_8_2_2_routing_a_concern_to_ones_own_inbox_grants_nothing_beyond_it(app) -> None:  # type: ignore[no-untyped-def]
    police = _send(app, _someone(app, P, "recorder"), make_concern())  # Zoë, exploitation
    # The school's DSL records and works the school's inbox; the rules send an early-help
    # exploitation concern to the recorder's agency lead: their own inbox.
    dsl = _school_dsl(app)
    own = _send(app, dsl, _concern(**EARLY_HELP_AT_SCHOOL))
    assert [d["concern_id"] for d in _queue(dsl[0], "Designated Safeguarding Lead")] == [
        own["concern_id"]
    ]
    subject = _subject_of(dsl[0], own["concern_id"])
    assert subject == _subject_of(
        _someone(app, C, "inbox_member", inbox="MASH")[0], police["concern_id"]
    )  # the same child

    # The child's cross-agency chronology answers as for a child that does not exist.
    got, nothing = _chronology(dsl[0], subject), _chronology(dsl[0], str(uuid.uuid4()))
    assert _answer(got) == _answer(nothing)
    assert got.status_code == 404
    # Nor the other concerns, nor alerts about the child.
    other = dsl[0].get(f"/api/v1/concerns/{police['concern_id']}?purpose=check_own_record")
    assert other.status_code == 404
    assert dsl[0].get("/api/v1/alerts?status=all").get_json()["alerts"] == []


def test_8_2_2_a_member_who_received_anothers_concern_keeps_the_chronology(app) -> None:  # type: ignore[no-untyped-def]
    police = _send(
        app,
        _someone(app, P, "recorder"),
        make_concern(narrative="Police: seen at the railway arches."),
    )
    dsl = _school_dsl(app)
    own = _send(app, dsl, _concern(**EARLY_HELP_AT_SCHOOL))
    # A school nurse's concern goes to the school's DSL by the rules: that is need to know.
    nurse = _send(
        app,
        _someone(app, HEALTH, "recorder"),
        _concern(
            categories=["neglect"],
            level="early_help",
            setting="school",
            narrative="Nurse: no lunch again.",
        ),
    )
    r = _chronology(dsl[0], _subject_of(dsl[0], own["concern_id"]))
    assert r.status_code == 200, r.get_json()
    by_id = {i["concern_id"]: i for i in r.get_json()["items"] if i["type"] == "concern"}
    assert by_id[nurse["concern_id"]]["full"]
    assert by_id[own["concern_id"]]["full"]
    assert not by_id[police["concern_id"]]["full"]
    assert "railway arches" not in json.dumps(r.get_json())
    # On their own concern they read the MASH's addenda as its referrer: shared ones only.
    mash = _someone(app, C, "inbox_member", inbox="MASH")
    _addendum(app, mash, own["concern_id"], "MASH: sibling open to social care.")
    _addendum(app, mash, own["concern_id"], "MASH: thank you, passed on.", for_referrer=True)
    items = _chronology(dsl[0], _subject_of(dsl[0], own["concern_id"])).get_json()["items"]
    addenda = [i for i in items if i["type"] == "addendum"]
    assert [a.get("addendum", {}).get("text") for a in addenda] == [
        None,
        "MASH: thank you, passed on.",
    ]
    assert "sibling" not in json.dumps(items)


def test_8_2_2_a_pattern_ones_own_concern_completes_grants_no_alert(app) -> None:  # type: ignore[no-untyped-def]
    # An officer of the exploitation team, which receives every alert, records three
    # missing episodes: the third completes "repeated missing" and the alert's deliveries
    # are of the officer's own concern.
    officer = _someone(app, P, "recorder", "inbox_member", inbox="Child Exploitation Team")
    for days in (9, 5, 1):
        last = _send(app, officer, _missing(days))
    colleague = _someone(app, P, "inbox_member", inbox="Child Exploitation Team")[0]
    (alert,) = colleague.get("/api/v1/alerts").get_json()["alerts"]
    assert alert["kind"] == "repeated_missing"
    assert officer[0].get("/api/v1/alerts?status=all").get_json()["alerts"] == []
    assert officer[0].get(f"/api/v1/alerts/{alert['id']}/network").status_code == 404
    subject = _subject_of(officer[0], last["concern_id"])
    assert _chronology(officer[0], subject).status_code == 404
    assert _chronology(colleague, subject).status_code == 200


def test_8_4_1_known_names_the_front_door_and_ones_own_agency_never_specialist_teams(app) -> None:  # type: ignore[no-untyped-def]
    # Police concerns about Zoë sit with the exploitation team and Missing Persons.
    _send(app, _someone(app, P, "recorder"), make_concern())
    # A nurse gives only the child's name and date of birth.
    told = _concern(categories=["self_harm"], level="child_in_need", setting="health")
    nurse = _send(app, _someone(app, HEALTH, "recorder"), told)
    assert nurse["known"] == {"contact": [FRONT_DOOR]}
    # Another constable is told of the front door and their own agency's inboxes.
    constable = _send(
        app, _someone(app, P, "recorder"), _concern(categories=["self_harm"], level="child_in_need")
    )
    assert constable["known"]["contact"] == [
        FRONT_DOOR,
        {"inbox": "Child Exploitation Team", "agency": P},
        {"inbox": "Missing Persons", "agency": P},
    ]
    # Never an alert kind, whatever alerts name the child.
    assert "alert" not in json.dumps(nurse) + json.dumps(constable)


def test_8_1_2_the_recorders_list_shows_routes_and_escalations_not_alerts(app) -> None:  # type: ignore[no-untyped-def]
    constable = _someone(app, P, "recorder")
    for days in (9, 5, 1):
        last = _send(app, constable, _missing(days))
    mash = _someone(app, C, "inbox_member", inbox="MASH")[0]
    assert mash.get("/api/v1/alerts").get_json()["alerts"]  # the pattern was raised
    (item, *_) = constable[0].get("/api/v1/concerns/mine").get_json()["items"]
    assert item["concern_id"] == last["concern_id"]
    assert {d["kind"] for d in item["deliveries"]} == {"routed"}
    assert {d["inbox"] for d in item["deliveries"]} == {
        "Missing Persons",
        "Missing Coordinator",
        "MASH",
    }
    opened = constable[0].get(f"/api/v1/concerns/{last['concern_id']}?purpose=check_own_record")
    assert {d["kind"] for d in opened.get_json()["deliveries"]} == {"routed"}
    # The MASH, which received the alert, sees it on the concern.
    seen = mash.get(f"/api/v1/concerns/{last['concern_id']}?purpose=assess_new_concern").get_json()
    assert "alert" in {d["kind"] for d in seen["deliveries"]}


def _addendum(app: Any, who: tuple[Any, Any], concern_id: str, text: str, **more: Any) -> None:
    from tests.factories import seal_payload

    body = {
        "schema": "frontline.addendum/1",
        "concern_id": concern_id,
        "client_id": str(uuid.uuid4()),
        "recorded_at": datetime.now(UTC).isoformat(),
        "text": text,
        **more,
    }
    item = {"client_id": body["client_id"], "jwe": seal_payload(app, who[1], body)}
    r = who[0].post(f"/api/v1/concerns/{concern_id}/addenda", json=item, headers=H)
    assert r.get_json()["status"] == "accepted", r.get_json()


def test_8_1_2_recorders_read_their_agencys_addenda_and_those_shared_with_them(app) -> None:  # type: ignore[no-untyped-def]
    constable = _someone(app, P, "recorder")
    cid = _send(app, constable, _concern(categories=["missing"]))["concern_id"]
    persons = _someone(app, P, "inbox_member", inbox="Missing Persons")
    mash = _someone(app, C, "inbox_member", inbox="MASH")
    coordinator = _someone(app, C, "inbox_member", inbox="Missing Coordinator")
    _addendum(app, persons, cid, "Police: found at the bus station.")
    _addendum(app, mash, cid, "MASH: strategy discussion with the family's social worker.")
    _addendum(app, coordinator, cid, "Return interview held; thank you.", for_referrer=True)
    _addendum(app, mash, cid, "MASH: sibling also known.", for_referrer=False)

    def texts(client: Any) -> set[str]:
        body = client.get(f"/api/v1/concerns/{cid}?purpose=check_own_record").get_json()
        return {a["addendum"]["text"] for a in body["addenda"]}

    assert texts(constable[0]) == {
        "Police: found at the bus station.",
        "Return interview held; thank you.",
    }
    assert len(texts(mash[0])) == 4  # recipients read every addendum
    # The mark is proven inside the sealed addendum, and is a boolean.
    from tests.factories import seal_payload

    bad = {
        "schema": "frontline.addendum/1",
        "concern_id": cid,
        "client_id": str(uuid.uuid4()),
        "recorded_at": datetime.now(UTC).isoformat(),
        "text": "x",
        "for_referrer": "yes",
    }
    item = {"client_id": bad["client_id"], "jwe": seal_payload(app, mash[1], bad)}
    r = mash[0].post(f"/api/v1/concerns/{cid}/addenda", json=item, headers=H).get_json()
    assert (r["status"], r["error"]["code"]) == ("rejected", "concern.invalid_type")
