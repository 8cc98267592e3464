"""Routing through the real pipeline, inbox work, and need to know between inboxes."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from sqlalchemy import select

from backend.models import AuditEvent, Delivery
from tests.factories import H, envelope, make_concern, person, sync

P, C = "Riverside Police", "Riverside Children's Social Care"


def worker(app: Any, agency: str, inbox: str, *roles: str) -> Any:
    client, _, _ = person(
        app, agency=agency, roles=("inbox_member", *roles), inboxes=(inbox,), name=f"{inbox} w"
    )
    return client


def inbox_id(client: Any, name: str) -> str:
    found = client.get("/api/v1/inboxes").get_json()["inboxes"]
    return next(i["id"] for i in found if i["name"] == name)


def items(client: Any, name: str, status: str = "open") -> list[dict[str, Any]]:
    r = client.get(f"/api/v1/inboxes/{inbox_id(client, name)}/deliveries?status={status}")
    assert r.status_code == 200, r.get_json()
    return r.get_json()["items"]  # type: ignore[no-any-return]


@pytest.fixture
def constable(app):  # type: ignore[no-untyped-def]
    client, device, _ = person(app, agency=P, roles=("recorder",), name="PC Okafor")
    return client, device


def record(app: Any, constable: Any, **overrides: Any) -> str:
    client, device = constable
    (result,) = sync(client, envelope(app, device, make_concern(**overrides)))
    assert result["status"] == "accepted", result
    return result["concern_id"]  # type: ignore[no-any-return]


ROWS = [
    (
        {"categories": ["sexual_exploitation"], "level": "immediate_danger"},
        {"Police Control Room", "MASH", "Home Manager"},
    ),
    (
        {
            "categories": ["neglect"],
            "level": "significant_harm",
            "subject": {"given_name": "Amy", "approx_age": 15, "legal_status": "none_known"},
        },
        {"MASH"},
    ),
    (
        {
            "categories": ["missing"],
            "level": "child_in_need",
            "subject": {"known_as": ["Jay"], "approx_age": 15},
        },
        {"Missing Coordinator"},
    ),
    (
        {
            "categories": ["criminal_exploitation"],
            "level": "early_help",
            "subject": {"known_as": ["Jay"], "approx_age": 15},
        },
        {"Riverside Police safeguarding lead", "MASH"},
    ),
]


@pytest.mark.parametrize(("overrides", "inboxes"), ROWS)
def test_a_synced_concern_lands_in_the_matrix_inboxes_and_the_recorder_sees_where(  # type: ignore[no-untyped-def]
    app, sessions, constable, overrides, inboxes
) -> None:
    client, device = constable
    concern = make_concern(**overrides)
    if "missing" not in concern["categories"]:
        concern.pop("missing")
    (result,) = sync(client, envelope(app, device, concern))
    cid = result["concern_id"]
    mine = client.get("/api/v1/concerns/mine").get_json()["items"]
    assert {d["inbox"] for d in mine[0]["deliveries"]} == inboxes
    assert {(d["status"], d["kind"]) for d in mine[0]["deliveries"]} == {("new", "routed")}
    with sessions() as s:
        rows = s.scalars(select(Delivery).where(Delivery.concern_id == uuid.UUID(cid))).all()
        assert len(rows) == len(inboxes)
        disclosed = s.scalar(select(AuditEvent).where(AuditEvent.action == "concern.disclosed"))
        assert cid in disclosed.records
        assert sorted(json.loads(disclosed.detail)["recipients"]) == sorted(inboxes)


def test_an_inbox_member_lists_opens_acknowledges_and_decides(app, sessions, constable) -> None:  # type: ignore[no-untyped-def]
    cid = record(app, constable, categories=["neglect"], level="significant_harm")
    mash = worker(app, C, "MASH")
    (inbox,) = mash.get("/api/v1/inboxes").get_json()["inboxes"]
    assert (inbox["name"], inbox["new"], inbox["overdue"]) == ("MASH", 1, 0)
    (item,) = items(mash, "MASH")
    assert (item["concern_id"], item["status"], item["level"]) == (cid, "new", "significant_harm")
    assert item["categories"] == ["neglect"]
    assert item["reason"].startswith("Routed by")

    opened = mash.get(f"/api/v1/concerns/{cid}?purpose=assess_new_concern")
    assert opened.status_code == 200
    body = opened.get_json()
    assert body["concern"]["narrative"].startswith("Found at 02:10")
    assert {m["rule"] for m in body["routing"]["matched"]} >= {"family-significant"}
    assert {d["inbox"] for d in body["deliveries"]} >= {"MASH"}

    r = mash.post(f"/api/v1/deliveries/{item['id']}/acknowledge", headers=H)
    assert r.status_code == 200
    assert r.get_json()["status"] == "acknowledged"
    again = mash.post(f"/api/v1/deliveries/{item['id']}/acknowledge", headers=H)
    assert again.get_json()["acknowledged_at"] == r.get_json()["acknowledged_at"]
    assert mash.get("/api/v1/inboxes").get_json()["inboxes"][0]["new"] == 0

    bad = mash.post(
        f"/api/v1/deliveries/{item['id']}/decision",
        json={"outcome": "shrug", "reasons": "x"},
        headers=H,
    )
    assert bad.status_code == 422
    assert set(bad.get_json()["errors"]) == {"outcome", "reasons", "feedback"}
    reasons = "Strategy discussion today: Zoë's carer agrees to attend."
    decided = mash.post(
        f"/api/v1/deliveries/{item['id']}/decision",
        json={
            "outcome": "strategy_discussion",
            "reasons": reasons,
            "feedback": "A strategy discussion is being held; thank you for telling us.",
        },
        headers=H,
    )
    assert decided.status_code == 200
    assert (decided.get_json()["status"], decided.get_json()["outcome"]) == (
        "decided",
        "strategy_discussion",
    )
    twice = mash.post(
        f"/api/v1/deliveries/{item['id']}/decision",
        json={"outcome": "no_further_action", "reasons": "changed my mind", "feedback": "None"},
        headers=H,
    )
    assert (twice.status_code, twice.get_json()["code"]) == (409, "delivery.already_decided")
    with sessions() as s:
        row = s.get(Delivery, uuid.UUID(item["id"]))
        assert row.crypto_reasons
        assert reasons.encode() not in row.crypto_reasons
        assert row.next_deadline is None
        assert not row.is_open
        actions = set(s.scalars(select(AuditEvent.action)))
    assert {"delivery.listed", "concern.consulted", "delivery.acknowledged"} <= actions
    assert "delivery.decided" in actions
    assert items(mash, "MASH") == []
    assert [i["id"] for i in items(mash, "MASH", "decided")] == [item["id"]]
    (mine,) = constable[0].get("/api/v1/concerns/mine").get_json()["items"]
    (told,) = mine["deliveries"]
    assert (told["status"], told["outcome"]) == ("decided", "strategy_discussion")
    assert told["acknowledged_at"]
    assert told["decided_at"]
    assert "reasons" not in told


def test_listing_is_most_urgent_first_then_earliest_deadline(app, constable) -> None:  # type: ignore[no-untyped-def]
    levels = ["child_in_need", "immediate_danger", "significant_harm", "immediate_danger"]
    ids = [record(app, constable, categories=["neglect"], level=lv) for lv in levels]
    mash = worker(app, C, "MASH")
    got = items(mash, "MASH")
    assert [i["level"] for i in got] == [
        "immediate_danger",
        "immediate_danger",
        "significant_harm",
        "child_in_need",
    ]
    assert got[0]["concern_id"] == ids[1]  # same level: the earlier deadline first
    page = mash.get(f"/api/v1/inboxes/{inbox_id(mash, 'MASH')}/deliveries?limit=3").get_json()
    rest = mash.get(
        f"/api/v1/inboxes/{inbox_id(mash, 'MASH')}/deliveries?limit=3&next={page['next']}"
    ).get_json()
    assert [i["id"] for i in page["items"] + rest["items"]] == [i["id"] for i in got]
    assert rest["next"] is None
    bad = mash.get(f"/api/v1/inboxes/{inbox_id(mash, 'MASH')}/deliveries?status=lost")
    assert (bad.status_code, bad.get_json()["code"]) == (400, "request.bad_query")


def test_need_to_know_between_inboxes(app, constable) -> None:  # type: ignore[no-untyped-def]
    cid = record(app, constable, categories=["neglect"], level="significant_harm")
    mash = worker(app, C, "MASH")
    (delivery,) = items(mash, "MASH")
    control = worker(app, P, "Police Control Room")
    mash_box = inbox_id(mash, "MASH")
    assert [i["name"] for i in control.get("/api/v1/inboxes").get_json()["inboxes"]] == [
        "Police Control Room"
    ]
    for method, path, body in [
        ("get", f"/api/v1/inboxes/{mash_box}/deliveries", None),
        ("get", f"/api/v1/concerns/{cid}?purpose=decide", None),
        ("post", f"/api/v1/deliveries/{delivery['id']}/acknowledge", None),
        (
            "post",
            f"/api/v1/deliveries/{delivery['id']}/decision",
            {"outcome": "no_further_action", "reasons": "not mine", "feedback": "Not mine."},
        ),
        ("post", f"/api/v1/deliveries/{delivery['id']}/reassign", {"inbox": mash_box}),
    ]:
        r = getattr(control, method)(path, json=body, headers=H)
        assert (r.status_code, r.get_json()["code"]) == (404, "not_found"), path
    # A recorder is not an inbox worker at all; the nurse who did not record it sees nothing.
    nurse, _, _ = person(app, agency="Riverside Health", roles=("recorder",), name="Nurse")
    assert nurse.get("/api/v1/inboxes").status_code == 403
    assert nurse.get(f"/api/v1/concerns/{cid}?purpose=decide").status_code == 404
    # The delivery is untouched by all of that.
    (same,) = items(mash, "MASH")
    assert same["status"] == "new"
    assert same["acknowledged_at"] is None


def test_reassigning_stays_within_the_agency_and_keeps_the_deadlines(app, constable) -> None:  # type: ignore[no-untyped-def]
    record(app, constable, categories=["missing"], level="significant_harm")
    police, _, _ = person(
        app,
        agency=P,
        roles=("inbox_member",),
        inboxes=("Missing Persons", "Child Exploitation Team"),
        name="Two inboxes",
    )
    (item,) = items(police, "Missing Persons")
    cet = inbox_id(police, "Child Exploitation Team")
    mash = worker(app, C, "MASH")
    away = police.post(
        f"/api/v1/deliveries/{item['id']}/reassign",
        json={"inbox": inbox_id(mash, "MASH")},
        headers=H,
    )
    assert (away.status_code, away.get_json()["code"]) == (
        422,
        "delivery.reassign_outside_agency",
    )
    moved = police.post(f"/api/v1/deliveries/{item['id']}/reassign", json={"inbox": cet}, headers=H)
    assert moved.status_code == 200
    assert moved.get_json()["ack_due"] == item["ack_due"]
    assert items(police, "Missing Persons") == []
    assert [i["id"] for i in items(police, "Child Exploitation Team")] == [item["id"]]


def test_a_recipient_adds_an_addendum_and_a_non_recipient_cannot(app, constable) -> None:  # type: ignore[no-untyped-def]
    from datetime import UTC, datetime

    from tests.factories import seal_payload

    cid = record(app, constable, categories=["neglect"], level="significant_harm")
    mash, mash_device, _ = person(
        app, agency=C, roles=("inbox_member",), inboxes=("MASH",), name="MASH worker"
    )
    addendum = {
        "schema": "frontline.addendum/1",
        "concern_id": cid,
        "client_id": str(uuid.uuid4()),
        "recorded_at": datetime.now(UTC).isoformat(),
        "text": "Checked with school: attendance 62% this term.",
    }
    item = {"client_id": addendum["client_id"], "jwe": seal_payload(app, mash_device, addendum)}
    r = mash.post(f"/api/v1/concerns/{cid}/addenda", json=item, headers=H).get_json()
    assert r["status"] == "accepted"
    shared = dict(
        addendum,
        client_id=str(uuid.uuid4()),
        text="Referred to early help.",
        recorded_at=datetime.now(UTC).isoformat(),
        for_referrer=True,
    )
    item = {"client_id": shared["client_id"], "jwe": seal_payload(app, mash_device, shared)}
    assert mash.post(f"/api/v1/concerns/{cid}/addenda", json=item, headers=H).status_code == 200
    # The MASH reads both; the constable (another agency) only the one shared with them.
    seen = mash.get(f"/api/v1/concerns/{cid}?purpose=add_addendum").get_json()
    assert [a["addendum"]["text"] for a in seen["addenda"]] == [addendum["text"], shared["text"]]
    seen = constable[0].get(f"/api/v1/concerns/{cid}?purpose=check_own_record").get_json()
    assert [a["addendum"]["text"] for a in seen["addenda"]] == [shared["text"]]
    control, control_device, _ = person(
        app, agency=P, roles=("inbox_member",), inboxes=("Police Control Room",), name="CR"
    )
    other = dict(addendum, client_id=str(uuid.uuid4()))
    item = {"client_id": other["client_id"], "jwe": seal_payload(app, control_device, other)}
    refused = control.post(f"/api/v1/concerns/{cid}/addenda", json=item, headers=H)
    assert refused.status_code == 404
