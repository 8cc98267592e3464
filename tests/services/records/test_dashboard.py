"""The leadership view: aggregates only, counts from 1 to 4 withheld, every view audited,
for partnership leads alone."""

from __future__ import annotations

from sqlalchemy import select

from backend.models import AuditEvent
from tests.factories import H
from tests.services.concerns.test_inbox import C, worker
from tests.services.linking.test_links import at, make, partnership_lead, send
from tests.services.linking.test_links import recorders as recorders  # noqa: F401 (a fixture)


def _child(n: int) -> dict[str, object]:
    return {"given_name": f"Child{n}", "family_name": "Dash", "approx_age": 12 + n % 4}


def test_aggregates_with_small_numbers_suppressed(app, sessions, recorders) -> None:  # type: ignore[no-untyped-def]
    # Seven police concerns (neglect), two from health (self-harm), one flagged phrase.
    for n in range(7):
        narrative = "She keeps putting herself at risk." if n == 0 else "Found alone at night."
        send(
            app,
            recorders,
            "police",
            make(
                subject=_child(n),
                recorded_at=at(n + 1),
                categories=["neglect"],
                narrative=narrative,
                associated=[],
                level="early_help",
            ),
        )
    for n in range(7, 9):
        send(
            app,
            recorders,
            "health",
            make(
                subject=_child(n),
                recorded_at=at(2),
                categories=["self_harm"],
                associated=[],
                level="child_in_need",
            ),
        )
    mash = worker(app, C, "MASH")
    inbox = next(i for i in mash.get("/api/v1/inboxes").get_json()["inboxes"])
    for d in mash.get(f"/api/v1/inboxes/{inbox['id']}/deliveries").get_json()["items"][:5]:
        assert mash.post(f"/api/v1/deliveries/{d['id']}/acknowledge", headers=H).status_code == 200

    lead = partnership_lead(app)
    r = lead.get("/api/v1/dashboard")
    assert r.status_code == 200, r.get_json()
    board = r.get_json()
    assert board["suppressed_below"] == 5
    assert board["concerns"]["total"] == 9
    # 2 is withheld, and so is the 7 beside it: 9 - 7 would give the 2 back.
    assert board["concerns"]["by_category"] == {"neglect": None, "self_harm": None}
    assert board["concerns"]["by_level"] == {"child_in_need": None, "early_help": None}
    language = {row["agency"]: row for row in board["language"]}
    assert language["Riverside Police"]["concerns"] is None
    assert language["Riverside Police"]["flagged"] is None  # one flag: withheld
    assert board["deadlines"]["acknowledged"] == 5
    assert board["deadlines"]["acknowledge_median_minutes"] is not None
    assert all(w["total"] in (None, 0) or w["total"] >= 5 for w in board["weeks"])
    assert "Child0" not in r.get_data(as_text=True)  # aggregates only

    with sessions() as s:
        viewed = s.scalars(select(AuditEvent).where(AuditEvent.action == "dashboard.viewed")).all()
    assert len(viewed) == 1
    assert mash.get("/api/v1/dashboard").status_code == 403
