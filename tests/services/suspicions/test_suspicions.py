"""A suspicion through POST /api/v1/sync: recorded by any recorder, sealed and proven like
a concern, sent to the Child Exploitation Team (its owner) and the MASH; unanswered, it
climbs to the Partnership Leads; a later concern naming the same car reopens it and tells
its owner; only the owner answers; only those with need to know see it."""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy import func, select

from backend.models import (
    AuditEvent,
    Notification,
    PushSubscription,
    Suspicion,
    SuspicionIdentifier,
    SuspicionRecipient,
    utcnow,
)
from backend.services.concerns.escalation import sweep
from backend.services.suspicions.routing import db_reached_leads
from tests.factories import H, envelope, make_concern, person, sync
from tests.services.linking.test_links import partnership_lead
from tests.services.suspicions.helpers import (
    CAR,
    answer,
    constable,
    listed,
    owner,
    record,
    suspicion,
)

SUBSCRIPTION = {
    "endpoint": "https://fcm.googleapis.com/fcm/send/suspicion-owner",
    "expirationTime": None,
    "keys": {
        "p256dh": "BNcRdreALRFXTkOOUHK1EtK2wtaz5Ry4YfYCA_0QTpQtUbVlUls0VJXg7A8u-"
        "Ts1XbjhazAkj7I99e8QcYP7DkM",
        "auth": "tBHItJI5svbpez7KI4CCXg",
    },
}


def recipients(sessions, sid: str) -> list[tuple[int, str]]:  # type: ignore[no-untyped-def]
    with sessions() as s:
        rows = s.execute(
            select(SuspicionRecipient.step, SuspicionRecipient.audience)
            .where(SuspicionRecipient.suspicion_id == uuid.UUID(sid))
            .order_by(SuspicionRecipient.step)
        ).all()
    return [(step, audience) for step, audience in rows]


def test_unanswered_it_climbs_to_the_leads_and_a_nurses_concern_reopens_it(  # type: ignore[no-untyped-def]
    app, sessions
) -> None:
    pc = constable(app)
    result = record(app, pc, suspicion())
    assert result["status"] == "accepted", result
    assert result["kind"] == "suspicion"
    assert "concern_id" not in result
    sid = result["record_id"]
    with sessions() as s:
        stored = s.get(Suspicion, uuid.UUID(sid))
        assert stored is not None
        due = stored.due_at
        assert stored.status == "open"
        assert stored.owner_inbox_id is not None
        # Five working days: at least a week of calendar days away.
        assert due - utcnow() >= timedelta(days=5)
        kinds = set(
            s.scalars(
                select(SuspicionIdentifier.kind).where(
                    SuspicionIdentifier.suspicion_id == stored.id
                )
            )
        )
    assert {"vehicle", "person_name", "nickname"} <= kinds
    assert recipients(sessions, sid) == [(0, "members"), (0, "members")]  # CET and MASH

    cet = owner(app)
    lead = partnership_lead(app)
    (item,) = listed(cet)
    assert (item["status"], item["owner"]["inbox"], item["can_answer"]) == (
        "open",
        "Child Exploitation Team",
        True,
    )
    (mine,) = listed(pc[0])
    assert mine["yours"] is True
    assert mine["can_answer"] is False
    assert [i["id"] for i in listed(lead)] == [sid]

    # Nobody answers: each sweep past a deadline climbs one step, up to the leads.
    with sessions() as s:
        assert db_reached_leads(s, uuid.UUID(sid)) is None
    at = due + timedelta(seconds=1)
    for _ in range(3):
        sweep(sessions, now=at)
        at += timedelta(days=5)
    assert [step for step, _ in recipients(sessions, sid)] == [0, 0, 1, 1, 2, 3]
    with sessions() as s:
        reached = db_reached_leads(s, uuid.UUID(sid))
        stored = s.get(Suspicion, uuid.UUID(sid))
        assert stored is not None
        assert stored.chain_step == 3
        assert stored.next_deadline is None
    assert reached is not None
    assert reached > due
    assert sweep(sessions, now=at + timedelta(days=30)).escalations == 0  # the top has it
    (item,) = listed(lead)
    assert item["escalated"] == 3

    # The owner answers; the recorder sees it answered.
    assert cet.post("/api/v1/me/push", json=SUBSCRIPTION, headers=H).status_code == 204
    r = answer(
        cet,
        sid,
        answer="Car known to us; Darren Hale is under investigation.",
        outcome="investigating",
    )
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["status"] == "answered"
    assert r.get_json()["can_answer"] is False
    (mine,) = listed(pc[0])
    assert (mine["status"], mine["outcome"]) == ("answered", "investigating")
    assert mine["answered_at"] is not None

    # Months later a nurse's concern names the same car: the suspicion reopens and its
    # owner is told.
    nurse = person(app, agency="Riverside Health", name="School nurse")[:2]
    concern = make_concern(
        setting="health",
        associated=[{**CAR, "registration": "yx19klm"}],
    )
    (other,) = sync(nurse[0], envelope(app, nurse[1], concern))
    assert other["status"] == "accepted", other
    (item,) = listed(cet)
    assert (item["status"], item["matches"], item["can_answer"]) == ("reopened", 1, True)
    with sessions() as s:
        subscription = s.scalar(select(PushSubscription.id))
        told = s.scalars(
            select(Notification.title).where(Notification.subscription_id == subscription)
        ).all()
        audit = s.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.action == "suspicion.matched")
        )
    assert any("reopened" in t for t in told), told
    assert audit == 1
    # Answered again, it is closed again.
    r = answer(cet, sid, answer="Joined to our operation.", outcome="joined_to_alert")
    assert r.get_json()["status"] == "answered"


def test_refusals_change_nothing(app, sessions) -> None:  # type: ignore[no-untyped-def]
    pc = constable(app)
    for payload, code in [
        (suspicion(basis="hunch"), "suspicion.value_not_allowed"),
        (suspicion(children=[], associated=[]), "suspicion.names_no_one"),
        (suspicion(level="worried"), "suspicion.value_not_allowed"),
        (suspicion(narrative=""), "suspicion.narrative_length"),
        (suspicion(colour="red"), "suspicion.field_unknown"),
    ]:
        result = record(app, pc, payload)
        assert (result["status"], result["error"]["code"]) == ("rejected", code), result
    with sessions() as s:
        assert s.scalar(select(func.count()).select_from(Suspicion)) == 0
    # A suspicion naming only a child is taken.
    child = {"given_name": "Lily", "family_name": "Shaw", "approx_age": 14}
    ok = record(app, pc, suspicion(children=[child], associated=[]))
    assert ok["status"] == "accepted", ok
    sid = ok["record_id"]
    cet = owner(app)
    mash = person(
        app,
        agency="Riverside Children's Social Care",
        roles=("inbox_member",),
        inboxes=("MASH",),
        name="MASH member",
    )[0]
    # A recipient who is not the owner may read it, not answer it.
    assert [i["can_answer"] for i in listed(mash)] == [False]
    r = answer(mash, sid, answer="Seen", outcome="no_action")
    assert (r.status_code, r.get_json()["code"]) == (403, "suspicion.not_owner")
    for body in (
        {"answer": "x", "outcome": "shrug"},
        {"answer": "", "outcome": "no_action"},
        {"outcome": "no_action"},
        {"answer": "x", "outcome": "no_action", "extra": 1},
    ):
        r = answer(cet, sid, **body)
        assert (r.status_code, r.get_json()["code"]) == (422, "validation.failed"), body
    with sessions() as s:
        stored = s.get(Suspicion, uuid.UUID(sid))
        assert stored is not None
        assert stored.status == "open"
        assert stored.crypto_answer is None
    assert answer(cet, sid, answer="Nothing known.", outcome="no_action").status_code == 200
    r = answer(cet, sid, answer="Again", outcome="no_action")
    assert (r.status_code, r.get_json()["code"]) == (409, "suspicion.answered")
    # Unknown ids and other people's: 404 alike.
    r = answer(cet, str(uuid.uuid4()), answer="x", outcome="no_action")
    assert r.status_code == 404


def test_need_to_know_and_an_audited_read(app, sessions) -> None:  # type: ignore[no-untyped-def]
    pc = constable(app)
    sid = record(app, pc, suspicion())["record_id"]
    cet = owner(app)
    outsider = person(app, agency="Riverside Health", name="School nurse")[0]
    school = person(
        app,
        agency="Northfield Academy",
        roles=("inbox_member",),
        inboxes=("Designated Safeguarding Lead",),
        name="DSL",
    )[0]
    for who in (outsider, school):
        assert listed(who) == []
        r = who.get(f"/api/v1/suspicions/{sid}?purpose=assess_new_concern")
        assert r.status_code == 404, r.get_json()
    r = cet.get(f"/api/v1/suspicions/{sid}")
    assert r.status_code == 400  # a purpose is required
    r = cet.get(f"/api/v1/suspicions/{sid}?purpose=assess_new_concern")
    assert r.status_code == 200, r.get_json()
    body = r.get_json()
    assert body["suspicion"]["basis"] == "observed"
    assert "proof" not in body["suspicion"]
    assert body["suspicion"]["associated"][1]["registration"] == "YX19 KLM"
    assert "Child Exploitation Team" in body["recipients"]
    mine = pc[0].get(f"/api/v1/suspicions/{sid}?purpose=assess_new_concern")
    assert mine.status_code == 200
    lead = partnership_lead(app)
    assert lead.get(f"/api/v1/suspicions/{sid}?purpose=assess_new_concern").status_code == 200
    with sessions() as s:
        reads = s.scalars(
            select(AuditEvent.purpose).where(AuditEvent.action == "suspicion.consulted")
        ).all()
    assert reads == ["assess_new_concern"] * 3


def test_a_replay_is_a_duplicate_and_a_later_suspicion_matches_an_earlier_one(  # type: ignore[no-untyped-def]
    app, sessions
) -> None:
    client, device = constable(app)
    sealed = envelope(app, device, suspicion())
    (first,) = sync(client, sealed)
    (again,) = sync(client, sealed)
    assert again["status"] == "duplicate"
    assert again["record_id"] == first["record_id"]
    assert again["kind"] == "suspicion"
    # Another officer suspects the same car: the first suspicion has a match; the second
    # does not match itself.
    other = person(app, name="PC Lee Marsh")[:2]
    second = record(app, other, suspicion(associated=[{**CAR, "registration": "yx19klm"}]))
    cet = owner(app)
    by_id = {i["id"]: i for i in listed(cet)}
    assert by_id[first["record_id"]]["matches"] == 1
    assert by_id[first["record_id"]]["status"] == "open"  # not answered: nothing to reopen
    assert by_id[second["record_id"]]["matches"] == 0
