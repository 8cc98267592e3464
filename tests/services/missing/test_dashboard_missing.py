"""The leadership page counts missing episodes, not reports, and return interviews from
the returns; small numbers withheld as everywhere on the page."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from tests.factories import H, envelope, make_concern, person, sync
from tests.services.linking.test_links import partnership_lead
from tests.services.missing.test_episodes import _at
from tests.services.missing.test_return_interviews import interview, record


def _child(n: int) -> dict[str, str]:
    return {
        "given_name": f"Child{n}",
        "family_name": "Away",
        "date_of_birth": f"2011-01-{n + 1:02d}",
    }


def _report(app: Any, recorder: Any, n: int, reported: int, found: int | None = None) -> str:
    """A report about child ``n``: missing since ``reported`` hours ago, found ``found``."""
    client, device = recorder
    missing = {"reported_at": _at(-timedelta(hours=reported)).isoformat()}
    if found is not None:
        missing["found_at"] = _at(-timedelta(hours=found)).isoformat()
    concern = make_concern(subject=_child(n), missing=missing, associated=[], level="early_help")
    (result,) = sync(client, envelope(app, device, concern))
    assert result["status"] == "accepted", result
    return str(result["concern_id"])


def test_episodes_open_returned_and_return_interviews_due_and_overdue(app) -> None:  # type: ignore[no-untyped-def]
    police = person(app, name="PC Sam Okafor")[:2]
    for n in range(5):  # missing now; the first reported twice: still one episode
        _report(app, police, n, reported=6)
    _report(app, police, 0, reported=8)
    for n in range(5, 10):  # back an hour ago, after 10 hours: the interview is due
        _report(app, police, n, reported=11, found=1)
    for n in range(10, 15):  # back four days ago, after 20 hours: overdue
        _report(app, police, n, reported=116, found=96)
    lead = partnership_lead(app)
    missing = lead.get("/api/v1/dashboard").get_json()["missing"]
    assert missing == {
        "episodes": 15,  # sixteen reports
        "open": 5,
        "returned": 10,
        "median_hours_missing": 15.0,
        "return_interviews_due": 5,
        "return_interviews_overdue": 5,
        "return_interviews_held": 0,
        "return_interviews_declined": 0,
    }
    # The coordinator decides one overdue task: four left, too few to show.
    coordinator, _, _ = person(
        app,
        roles=("inbox_member",),
        agency="Riverside Children's Social Care",
        inboxes=("Missing Coordinator",),
        name="Coordinator",
    )
    (inbox,) = coordinator.get("/api/v1/inboxes").get_json()["inboxes"]
    items = coordinator.get(f"/api/v1/inboxes/{inbox['id']}/deliveries?limit=200").get_json()
    overdue = next(
        d
        for d in items["items"]
        if d["decision_due"] and d["decision_due"] < _at(timedelta(0)).isoformat()
    )
    r = coordinator.post(
        f"/api/v1/deliveries/{overdue['id']}/decision",
        json={
            "outcome": "early_help",
            "reasons": "Return interview held; early help offered.",
            "feedback": "Early help is offered to the family.",
        },
        headers=H,
    )
    assert r.status_code == 200, r.get_json()
    missing = lead.get("/api/v1/dashboard").get_json()["missing"]
    assert missing["return_interviews_overdue"] is None
    assert missing["return_interviews_due"] == 5


def test_return_interviews_held_and_declined_are_counted_from_the_returns(app) -> None:  # type: ignore[no-untyped-def]
    police = person(app, name="PC Sam Okafor")[:2]
    coordinator = person(
        app,
        roles=("recorder", "inbox_member"),
        agency="Riverside Children's Social Care",
        inboxes=("Missing Coordinator",),
        name="Coordinator",
    )[:2]
    back = [_report(app, police, n, reported=11, found=1) for n in range(7)]
    for n, cid in enumerate(back):
        declined = n >= 5
        result = record(
            app,
            coordinator,
            interview(cid, outcome="declined", held_at=None) if declined else interview(cid),
        )
        assert result["status"] == "accepted", result
    missing = partnership_lead(app).get("/api/v1/dashboard").get_json()["missing"]
    assert missing["returned"] == 7
    assert missing["return_interviews_held"] == 5
    assert missing["return_interviews_declined"] is None  # two: too few to show
    assert missing["return_interviews_due"] == 0  # every task done
