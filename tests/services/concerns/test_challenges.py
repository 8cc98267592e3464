"""Challenging a decision: the referrer disagrees, the challenge climbs its stages at their
deadlines, a lead changes the decision, and the referrer hears back; nobody learns more
of the concern by it than they could read before, but the stages' owners."""

from __future__ import annotations

import hashlib
import json
import threading
import uuid
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from backend.models import AuditEvent, Challenge, Delivery, Notification, PushSubscription
from backend.services.concerns.escalation import sweep
from tests.factories import H, envelope, make_concern, person, sync
from tests.services.concerns.test_inbox import C, P, items, worker
from tests.services.concerns.test_push import browser_subscription, push_app

__all__ = ["push_app"]

PARTNERSHIP = "Riverside Safeguarding Children Partnership"
REASON = "The mother told me the boyfriend is back; the school nurse has not seen the child."
FEEDBACK = "No further action: the family has accepted support from the school nurse."
PURPOSE = "?purpose=escalation_review"


def _recorded(app: Any) -> dict[str, Any]:
    """A constable's concern of neglect (routed to the MASH alone), not yet decided."""
    recorder, device, _ = person(app, agency=P, roles=("recorder",), name="PC Okafor")
    sub, _, _ = browser_subscription("http://localhost:9/push/okafor")
    assert recorder.post("/api/v1/me/push", json=sub, headers=H).status_code == 204
    (result,) = sync(
        recorder,
        envelope(app, device, make_concern(categories=["neglect"], level="significant_harm")),
    )
    mash = worker(app, C, "MASH")
    (item,) = items(mash, "MASH")
    return {"recorder": recorder, "cid": result["concern_id"], "mash": mash, "did": item["id"]}


def _decide(desk: dict[str, Any]) -> None:
    r = desk["mash"].post(
        f"/api/v1/deliveries/{desk['did']}/decision",
        json={"outcome": "no_further_action", "reasons": "Known to school.", "feedback": FEEDBACK},
        headers=H,
    )
    assert r.status_code == 200, r.get_json()


def _challenge(client: Any, did: str, reason: str = REASON) -> Any:
    return client.post(f"/api/v1/deliveries/{did}/challenge", json={"reason": reason}, headers=H)


def _mine(desk: dict[str, Any]) -> list[dict[str, Any]]:
    (mine,) = desk["recorder"].get("/api/v1/concerns/mine").get_json()["items"]
    return mine["deliveries"]  # type: ignore[no-any-return]


def _listed(client: Any) -> list[dict[str, Any]]:
    r = client.get("/api/v1/challenges")
    assert r.status_code == 200, r.get_json()
    return r.get_json()["items"]  # type: ignore[no-any-return]


def _actions(app: Any) -> list[str]:
    with app.extensions["frontline"].sessions() as s:
        return list(
            s.scalars(
                select(AuditEvent.action)
                .where(
                    AuditEvent.action.like("challenge.%")
                    | (AuditEvent.action == "delivery.decision_changed")
                )
                .order_by(AuditEvent.seq)
            )
        )


def test_challenge_climbs_to_the_partnership_and_the_lead_changes_the_decision(push_app) -> None:  # type: ignore[no-untyped-def]
    app = push_app
    desk = _recorded(app)
    supervisor = worker(app, C, "MASH", "inbox_supervisor")
    lead, _, _ = person(app, agency=C, roles=("agency_lead",), name="CSC lead")
    partnership, _, _ = person(
        app,
        agency=PARTNERSHIP,
        roles=("partnership_lead",),
        inboxes=("Partnership Leads",),
        name="Dr Marsh",
    )
    stranger = worker(app, "Oakview Children's Home", "Home Manager")
    devices = {}
    for who, client in (("supervisor", supervisor), ("lead", lead), ("marsh", partnership)):
        sub, _, _ = browser_subscription(f"http://localhost:9/push/{who}")
        assert client.post("/api/v1/me/push", json=sub, headers=H).status_code == 204
        devices[hashlib.sha256(sub["endpoint"].encode()).hexdigest()] = who

    # Nothing decided yet: nothing to disagree with.
    early = _challenge(desk["recorder"], desk["did"])
    assert (early.status_code, early.get_json()["code"]) == (409, "challenge.not_decided")
    _decide(desk)
    (mash,) = [d for d in _mine(desk) if d["inbox"] == "MASH"]
    assert (mash["id"], mash["outcome"], mash["feedback"]) == (
        desk["did"],
        "no_further_action",
        FEEDBACK,
    )

    raised = _challenge(desk["recorder"], mash["id"])
    assert raised.status_code == 201, raised.get_json()
    body = raised.get_json()
    assert (body["stage"], body["owner"]) == (1, {"inbox": "MASH (supervisors)", "agency": C})
    again = _challenge(desk["recorder"], mash["id"])
    assert (again.status_code, again.get_json()["code"]) == (409, "challenge.already_open")
    state = app.extensions["frontline"]
    with state.sessions() as s:
        row = s.get(Challenge, uuid.UUID(body["challenge_id"]))
        assert row is not None
        assert REASON.encode() not in row.crypto_reason  # sealed at rest
        assert REASON.split()[3].encode() not in row.crypto_reason
        due = row.due_at

    # The stage's owner lists it with the reason and may resolve it; others see nothing.
    (owned,) = _listed(supervisor)
    assert (owned["reason"], owned["can_resolve"], owned["status"]) == (REASON, True, "open")
    assert (owned["decided_in"], owned["decision"]) == ("MASH", "no_further_action")
    assert _listed(stranger) == []
    # The partnership lead is no reader of it yet.
    assert partnership.get(f"/api/v1/concerns/{desk['cid']}{PURPOSE}").status_code == 404

    # Its deadline passes: the sweep climbs it to the agency's safeguarding lead, then on.
    assert sweep(state.sessions, now=due - timedelta(minutes=1)).challenges == 0
    later = due + timedelta(minutes=1)
    assert sweep(state.sessions, now=later).challenges == 1
    assert sweep(state.sessions, now=later).challenges == 0  # the same moment: no more
    (mine,) = _listed(desk["recorder"])
    assert (mine["stage"], mine["owner"]) == (2, {"inbox": f"{C} safeguarding lead", "agency": C})
    (now_lead,) = _listed(lead)
    assert now_lead["can_resolve"] is True
    (past,) = _listed(supervisor)  # the first stage's owner still sees it, no longer owns it
    assert past["can_resolve"] is False
    refused = supervisor.post(
        f"/api/v1/challenges/{body['challenge_id']}/resolve",
        json={"outcome": "upheld", "note": "The decision stands."},
        headers=H,
    )
    assert (refused.status_code, refused.get_json()["code"]) == (403, "challenge.not_owner")

    with state.sessions() as s:
        row = s.get(Challenge, uuid.UUID(body["challenge_id"]))
        assert row is not None
        due = row.due_at
    assert sweep(state.sessions, now=due + timedelta(minutes=1)).challenges == 1
    (top,) = _listed(partnership)
    assert (top["stage"], top["owner"], top["can_resolve"]) == (
        3,
        {"inbox": "Partnership Leads", "agency": PARTNERSHIP},
        True,
    )
    # The stage's owner now reads the concern, for a purpose, audited.
    opened = partnership.get(f"/api/v1/concerns/{desk['cid']}{PURPOSE}")
    assert opened.status_code == 200, opened.get_json()
    with state.sessions() as s:
        consulted = s.scalars(
            select(AuditEvent)
            .where(AuditEvent.action == "concern.consulted")
            .order_by(AuditEvent.seq.desc())
        ).first()
        assert consulted is not None
        assert consulted.purpose == "escalation_review"
    # Each stage's owners were told, on their own devices, in words naming no one.
    with state.sessions() as s:
        told = {
            (devices.get(endpoint, "someone else"), n.title, n.body)
            for n, endpoint in s.execute(
                select(Notification, PushSubscription.endpoint_sha256)
                .join(PushSubscription, PushSubscription.id == Notification.subscription_id)
                .where(Notification.delivery_id == uuid.UUID(desk["did"]))
            )
        }
    assert {
        ("supervisor", "A decision is challenged", "Stage 1: MASH (supervisors)"),
        ("lead", "A challenge reached you", "Stage 2: not resolved in time below"),
        ("marsh", "A challenge reached you", "Stage 3: not resolved in time below"),
    } <= told
    assert {who for who, title, _ in told if "challenge" in title} == {
        "supervisor",
        "lead",
        "marsh",
    }
    # At the top there is nowhere higher to climb.
    assert sweep(state.sessions, now=due + timedelta(days=30)).challenges == 0

    changed = partnership.post(
        f"/api/v1/challenges/{body['challenge_id']}/resolve",
        json={
            "outcome": "changed",
            "decision": "child_in_need_assessment",
            "note": "The MASH will assess: the boyfriend's return changes the picture.",
        },
        headers=H,
    )
    assert changed.status_code == 200, changed.get_json()
    assert (changed.get_json()["status"], changed.get_json()["outcome"]) == ("resolved", "changed")
    twice = partnership.post(
        f"/api/v1/challenges/{body['challenge_id']}/resolve",
        json={"outcome": "upheld", "note": "Again."},
        headers=H,
    )
    assert (twice.status_code, twice.get_json()["code"]) == (409, "challenge.resolved")

    # The challenger sees the outcome: on the list, and the decision on their card.
    (answered,) = _listed(desk["recorder"])
    assert (answered["outcome"], answered["new_decision"], answered["status"]) == (
        "changed",
        "child_in_need_assessment",
        "resolved",
    )
    assert answered["note"].startswith("The MASH will assess")
    (mash,) = [d for d in _mine(desk) if d["inbox"] == "MASH"]
    assert mash["outcome"] == "child_in_need_assessment"
    with state.sessions() as s:
        told = s.scalars(
            select(Notification).where(Notification.delivery_id == uuid.UUID(desk["did"]))
        ).all()
        delivery = s.get(Delivery, uuid.UUID(desk["did"]))
        assert delivery is not None
        assert delivery.outcome == "child_in_need_assessment"
    assert ("Your challenge is answered", "Decision changed: child in need assessment") in {
        (n.title, n.body) for n in told
    }
    assert [a for a in _actions(app) if a != "challenge.listed"] == [
        "challenge.raised",
        "challenge.climbed",
        "challenge.climbed",
        "delivery.decision_changed",
        "challenge.resolved",
    ]


def test_refusals_leave_nothing_behind(push_app) -> None:  # type: ignore[no-untyped-def]
    app = push_app
    desk = _recorded(app)
    _decide(desk)
    nurse, _, _ = person(app, agency="Riverside Health", roles=("recorder",), name="Nurse Adeyemi")
    home = worker(app, "Oakview Children's Home", "Home Manager")
    for client in (nurse, home):  # not readers of the concern: no such delivery for them
        r = _challenge(client, desk["did"])
        assert (r.status_code, r.get_json()["code"]) == (404, "not_found")
    for reason, why in [
        ("   ", "Say why you disagree: 3 to 2,000 characters."),
        ("", "Say why you disagree: 3 to 2,000 characters."),
        ("x" * 2_001, "Say why you disagree: 3 to 2,000 characters."),
    ]:
        r = _challenge(desk["recorder"], desk["did"], reason)
        assert r.status_code == 422
        assert r.get_json()["code"] == "validation.failed"
        assert why in r.get_json()["errors"]["reason"]
    missing = desk["recorder"].post(
        f"/api/v1/deliveries/{desk['did']}/challenge", json={}, headers=H
    )
    assert missing.status_code == 422
    with app.extensions["frontline"].sessions() as s:
        assert s.scalars(select(Challenge)).all() == []
    assert _listed(desk["recorder"]) == []

    # A resolution without a new decision, or with one when upheld, is refused.
    raised = _challenge(desk["recorder"], desk["did"]).get_json()
    supervisor = worker(app, C, "MASH", "inbox_supervisor")
    url = f"/api/v1/challenges/{raised['challenge_id']}/resolve"
    for body, field in [
        ({"outcome": "changed", "note": "Changed."}, "decision"),
        ({"outcome": "upheld", "note": "Stands.", "decision": "early_help"}, "decision"),
        ({"outcome": "upheld", "note": " "}, "note"),
        ({"outcome": "overruled", "note": "Stands."}, "outcome"),
    ]:
        r = supervisor.post(url, json=body, headers=H)
        assert r.status_code == 422, r.get_json()
        assert field in r.get_json()["errors"]
    same = supervisor.post(
        url,
        json={"outcome": "changed", "note": "Same.", "decision": "no_further_action"},
        headers=H,
    )
    assert (same.status_code, same.get_json()["code"]) == (422, "challenge.decision_unchanged")
    # Someone who cannot see it at all: as if it did not exist.
    stranger = home.post(url, json={"outcome": "upheld", "note": "Stands."}, headers=H)
    assert stranger.status_code == 404
    (still,) = _listed(desk["recorder"])
    assert (still["status"], still["outcome"], still["note"]) == ("open", None, None)


def test_a_recipient_challenges_and_learns_nothing_new(push_app) -> None:  # type: ignore[no-untyped-def]
    """A member of another inbox that received the concern challenges the MASH's decision:
    they read what they read before (no feedback, no reasons); an inbox that never received
    it reads nothing, before or after."""
    app = push_app
    recorder, device, _ = person(app, agency=P, roles=("recorder",), name="PC Okafor")
    concern = make_concern(categories=["sexual_exploitation"], level="immediate_danger")
    (result,) = sync(recorder, envelope(app, device, concern))
    cid = result["concern_id"]
    mash = worker(app, C, "MASH")
    control = worker(app, P, "Police Control Room")
    nurses = worker(app, "Riverside Health", "Safeguarding Nurses")
    (item,) = items(mash, "MASH")
    decided = mash.post(
        f"/api/v1/deliveries/{item['id']}/decision",
        json={"outcome": "no_further_action", "reasons": "Sealed reasons.", "feedback": FEEDBACK},
        headers=H,
    )
    assert decided.status_code == 200
    before = control.get(f"/api/v1/concerns/{cid}?purpose=assess_new_concern").get_json()
    assert nurses.get(f"/api/v1/concerns/{cid}?purpose=assess_new_concern").status_code == 404

    raised = _challenge(control, item["id"])
    assert raised.status_code == 201, raised.get_json()
    after = control.get(f"/api/v1/concerns/{cid}?purpose=assess_new_concern").get_json()
    assert json.dumps(after["deliveries"], sort_keys=True) == json.dumps(
        before["deliveries"], sort_keys=True
    )
    assert FEEDBACK not in json.dumps(after)
    assert "Sealed reasons" not in json.dumps(after)
    (mine,) = _listed(control)
    assert (mine["raised_by_me"], mine["can_resolve"]) == (True, False)
    assert FEEDBACK not in json.dumps(mine)
    # No new reader: the nurses still read nothing, and list nothing.
    assert nurses.get(f"/api/v1/concerns/{cid}?purpose=assess_new_concern").status_code == 404
    assert _listed(nurses) == []
    assert _challenge(nurses, item["id"]).status_code == 404


def test_two_sweeps_at_once_climb_a_challenge_once(push_app) -> None:  # type: ignore[no-untyped-def]
    app = push_app
    state = app.extensions["frontline"]
    desk = _recorded(app)
    _decide(desk)
    raised = _challenge(desk["recorder"], desk["did"]).get_json()
    with state.sessions() as s:
        row = s.get(Challenge, uuid.UUID(raised["challenge_id"]))
        assert row is not None
        later = row.due_at + timedelta(minutes=1)
    results: list[Any] = []
    errors: list[BaseException] = []
    gate = threading.Barrier(2)

    def run() -> None:
        try:
            gate.wait()
            results.append(sweep(state.sessions, now=later))
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sorted(r.challenges for r in results) == [0, 1]
    (mine,) = _listed(desk["recorder"])
    assert mine["stage"] == 2
    assert [a for a in _actions(app) if a == "challenge.climbed"] == ["challenge.climbed"]
