"""The leadership page's alerts per 1,000 concerns, by kind: a rate rests on a count, so a
kind raised 1 to 4 times is withheld, and so is the total that would give it back."""

from __future__ import annotations

from tests.scenario import AMIRA
from tests.services.linking.test_links import at, make, partnership_lead, send
from tests.services.linking.test_links import recorders as recorders  # noqa: F401 (a fixture)


def test_alerts_per_thousand_concerns_by_kind(app, recorders) -> None:  # type: ignore[no-untyped-def]
    # Seven young children, each with a high-weight sign at significant harm: seven alerts.
    for n in range(7):
        send(
            app,
            recorders,
            "health",
            make(
                subject={"given_name": f"Young{n}", "family_name": "Dash", "approx_age": 10},
                recorded_at=at(n + 1),
                categories=["sexual_exploitation"],
                level="significant_harm",
                setting="health",
                missing=None,
                associated=[],
            ),
        )
    lead = partnership_lead(app)
    rates = lead.get("/api/v1/dashboard").get_json()["alerts_per_1000"]
    assert rates["concerns"] == 7
    assert rates["total"] == rates["by_kind"]["young_child_high_risk"] == 1000.0
    assert rates["by_kind"]["network"] == rates["by_kind"]["multi_agency"] == 0.0
    # Three lower-level concerns about one child: one cumulative alert.
    for days_ago in (30, 20, 10):
        send(
            app,
            recorders,
            "police",
            make(
                subject=AMIRA,
                recorded_at=at(days_ago),
                categories=["neglect"],
                level="early_help",
                indicators=[],
                missing=None,
                associated=[],
            ),
        )
    rates = lead.get("/api/v1/dashboard").get_json()["alerts_per_1000"]
    assert rates["concerns"] == 10
    assert rates["by_kind"]["network"] == 0.0
    assert rates["by_kind"]["cumulative"] is None  # one alert: withheld
    # ... and one more figure, so that it cannot be had from the total less the others.
    withheld = [kind for kind, rate in rates["by_kind"].items() if rate is None]
    assert rates["total"] is None or len(withheld) >= 2
