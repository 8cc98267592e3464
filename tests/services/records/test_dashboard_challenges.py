"""The leadership page's challenges (counts by deciding agency and stage, small numbers
withheld) and each network alert's time to leadership (first sign to first seen by a lead)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from tests.factories import H, make_concern
from tests.services.concerns.test_inbox import C, items, worker
from tests.services.linking.test_links import partnership_lead, send
from tests.services.linking.test_links import recorders as recorders  # noqa: F401 (a fixture)

NOW = datetime.now(UTC).replace(microsecond=0)


def _ago(days: int) -> str:
    return (NOW - timedelta(days=days)).isoformat()


def _board(lead: Any) -> dict[str, Any]:
    r = lead.get("/api/v1/dashboard")
    assert r.status_code == 200, r.get_json()
    return r.get_json()  # type: ignore[no-any-return]


def _cell(board: dict[str, Any], agency: str, stage: int) -> dict[str, Any]:
    (row,) = [r for r in board["challenges"] if (r["agency"], r["stage"]) == (agency, stage)]
    return row


def test_challenges_counted_by_agency_and_stage_with_small_numbers_withheld(app, recorders) -> None:  # type: ignore[no-untyped-def]
    client, _ = recorders["police"]
    for n in range(5):
        send(
            app,
            recorders,
            "police",
            make_concern(
                subject={"given_name": f"Child{n}", "family_name": "Dash", "approx_age": 12},
                categories=["neglect"],
                level="significant_harm",
                associated=[],
                indicators=[],
            ),
        )
    mash = worker(app, C, "MASH")
    delivered = items(mash, "MASH")
    assert len(delivered) == 5
    for d in delivered:
        r = mash.post(
            f"/api/v1/deliveries/{d['id']}/decision",
            json={"outcome": "no_further_action", "reasons": "Known.", "feedback": "No action."},
            headers=H,
        )
        assert r.status_code == 200
        r = client.post(
            f"/api/v1/deliveries/{d['id']}/challenge", json={"reason": "I disagree."}, headers=H
        )
        assert r.status_code == 201, r.get_json()
    lead = partnership_lead(app)
    board = _board(lead)
    assert _cell(board, C, 1) == {"agency": C, "stage": 1, "open": 5, "resolved": 0}
    assert _cell(board, "Riverside Police", 1) == {
        "agency": "Riverside Police",
        "stage": 1,
        "open": 0,
        "resolved": 0,
    }
    assert {r["stage"] for r in board["challenges"]} == {1, 2, 3}  # every stage, every agency

    supervisor = worker(app, C, "MASH", "inbox_supervisor")
    first = supervisor.get("/api/v1/challenges").get_json()["items"][0]
    r = supervisor.post(
        f"/api/v1/challenges/{first['id']}/resolve",
        json={"outcome": "upheld", "note": "The decision stands."},
        headers=H,
    )
    assert r.status_code == 200, r.get_json()
    # Four open and one resolved: both withheld, so no one challenge can be picked out.
    assert _cell(_board(lead), C, 1) == {"agency": C, "stage": 1, "open": None, "resolved": None}


def test_time_to_leadership_runs_from_the_first_high_weight_sign_to_a_leads_first_read(
    app,
    recorders,  # noqa: F811 - the fixture
) -> None:  # type: ignore[no-untyped-def]
    first = make_concern(recorded_at=_ago(20))  # a car with unknown adults: high weight
    send(app, recorders, "police", first)
    other = {
        "given_name": "Ava",
        "family_name": "Kerr",
        "nhs_number": "401 023 2137",
        "date_of_birth": "2010-01-05",
    }
    # Another child seen with the same car ten days later: a network alert.
    send(app, recorders, "police", make_concern(subject=other, recorded_at=_ago(10)))
    mash = worker(app, C, "MASH")
    assert [a["kind"] for a in mash.get("/api/v1/alerts").get_json()["alerts"]] == ["network"]

    lead = partnership_lead(app)
    (unseen,) = _board(lead)["time_to_leadership"]
    # The MASH saw it; the leads have not yet: twenty days so far.
    assert unseen["seen_at"] is None
    assert unseen["first_sign_at"] == _ago(20)
    assert 20.0 <= unseen["days"] <= 20.1
    assert lead.get("/api/v1/alerts").status_code == 200
    (seen,) = _board(lead)["time_to_leadership"]
    assert seen["seen_at"] is not None
    assert datetime.fromisoformat(seen["seen_at"]) >= NOW
    assert 20.0 <= seen["days"] <= 20.1
    assert "Ava" not in str(_board(lead))  # aggregates only
