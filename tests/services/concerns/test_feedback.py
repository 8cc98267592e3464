"""The referrer hears back: a decision carries feedback written for them, sealed, shown in
their list of concerns and announced on their devices without its words."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select

from backend.models import Delivery, Notification
from tests.factories import H, envelope, make_concern, person, sync
from tests.services.concerns.test_inbox import C, P, items, worker
from tests.services.concerns.test_push import browser_subscription, push_app

__all__ = ["push_app"]

FEEDBACK = "No further action: the family has accepted support from the school nurse."


def _decided(app: Any) -> tuple[Any, str, dict[str, Any]]:
    """A constable's concern, and the MASH's delivery of it (undecided)."""
    recorder, device, _ = person(app, agency=P, roles=("recorder",), name="PC Okafor")
    sub, _, _ = browser_subscription("http://localhost:9/push/okafor")
    assert recorder.post("/api/v1/me/push", json=sub, headers=H).status_code == 204
    concern = make_concern(categories=["neglect"], level="significant_harm")
    (result,) = sync(recorder, envelope(app, device, concern))
    mash = worker(app, C, "MASH")
    (item,) = items(mash, "MASH")
    return recorder, result["concern_id"], {"mash": mash, "item": item}


def test_the_referrer_reads_the_decision_and_its_feedback(push_app) -> None:  # type: ignore[no-untyped-def]
    recorder, cid, desk = _decided(push_app)
    before = recorder.get("/api/v1/concerns/mine").get_json()["items"][0]["deliveries"]
    assert all(d["feedback"] is None and d["outcome"] is None for d in before)
    decided = desk["mash"].post(
        f"/api/v1/deliveries/{desk['item']['id']}/decision",
        json={"outcome": "no_further_action", "reasons": "Known to school.", "feedback": FEEDBACK},
        headers=H,
    )
    assert decided.status_code == 200, decided.get_json()

    (mine,) = recorder.get("/api/v1/concerns/mine").get_json()["items"]
    assert mine["concern_id"] == cid
    (mash,) = [d for d in mine["deliveries"] if d["inbox"] == "MASH"]
    assert (mash["outcome"], mash["feedback"]) == ("no_further_action", FEEDBACK)
    assert mash["decided_at"] is not None
    # The reasons are the record's, not the referrer's.
    assert "Known to school" not in str(mine)

    state = push_app.extensions["frontline"]
    with state.sessions() as s:
        delivery = s.get(Delivery, uuid.UUID(desk["item"]["id"]))
        assert delivery is not None
        assert delivery.crypto_feedback is not None
        assert FEEDBACK.encode() not in delivery.crypto_feedback
        told = s.scalars(select(Notification).where(Notification.delivery_id == delivery.id)).all()
    (note,) = [n for n in told if n.title.startswith("Decision")]
    assert (note.title, note.body) == ("Decision on a concern you recorded", "No further action")


def test_a_decision_without_feedback_is_refused_and_changes_nothing(push_app) -> None:  # type: ignore[no-untyped-def]
    recorder, _, desk = _decided(push_app)
    url = f"/api/v1/deliveries/{desk['item']['id']}/decision"
    for body, why in [
        ({"outcome": "early_help", "reasons": "Offered."}, "Missing data for required field."),
        (
            {"outcome": "early_help", "reasons": "Offered.", "feedback": "x" * 1_001},
            "Feedback for the referrer: 3 to 1,000 characters.",
        ),
    ]:
        refused = desk["mash"].post(url, json=body, headers=H)
        assert refused.status_code == 422
        assert refused.headers["Content-Type"].startswith("application/problem+json")
        assert refused.get_json()["errors"] == {"feedback": [why]}
    (mine,) = recorder.get("/api/v1/concerns/mine").get_json()["items"]
    assert all(d["decided_at"] is None for d in mine["deliveries"])
    (item,) = items(desk["mash"], "MASH")
    assert item["status"] == "new"
