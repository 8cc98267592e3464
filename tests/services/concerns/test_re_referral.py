"""Re-referral: a concern about a child within the rules' 90 days after "no further
action" goes back to the inbox that decided, and the referrer is not told of it."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select, update

from backend.models import Delivery, SubjectInbox, utcnow
from backend.services.linking import known
from tests.factories import H, envelope, make_concern, sync
from tests.services.concerns.test_inbox import C, constable, items, worker

__all__ = ["constable"]

# A child in no one's care, so that the rules send a missing report to the coordinator alone.
AMY = {
    "given_name": "Amy",
    "family_name": "Carter",
    "date_of_birth": "2011-05-02",
    "nhs_number": "401 023 2137",
    "legal_status": "none_known",
}
NEGLECT = {"categories": ["neglect"], "level": "significant_harm", "subject": AMY}
MISSING = {"categories": ["missing"], "level": "child_in_need", "subject": AMY}


def record(app: Any, constable: Any, **overrides: Any) -> str:
    """A concern by the constable about the factories' child (a missing section only when
    the category is missing)."""
    client, device = constable
    concern = make_concern(**overrides)
    if "missing" not in concern["categories"]:
        concern.pop("missing")
    (result,) = sync(client, envelope(app, device, concern))
    assert result["status"] == "accepted", result
    return result["concern_id"]  # type: ignore[no-any-return]


def _decide(mash: Any, delivery: dict[str, Any], outcome: str) -> None:
    r = mash.post(
        f"/api/v1/deliveries/{delivery['id']}/decision",
        json={"outcome": outcome, "reasons": "Seen by school.", "feedback": "Thank you."},
        headers=H,
    )
    assert r.status_code == 200, r.get_json()


def test_a_concern_after_no_further_action_goes_back_to_the_inbox_that_decided(  # type: ignore[no-untyped-def]
    app, sessions, constable
) -> None:
    first = record(app, constable, **NEGLECT)
    mash = worker(app, C, "MASH")
    (delivery,) = items(mash, "MASH")
    assert delivery["concern_id"] == first
    _decide(mash, delivery, "no_further_action")
    decided = utcnow() - timedelta(days=30)
    with sessions() as s:  # the decision was 30 days ago
        s.execute(update(Delivery).values(decided_at=decided))
        s.execute(update(SubjectInbox).values(no_further_action_at=decided))
        s.commit()

    # A missing report routes to the Missing Coordinator alone; the MASH hears of it again.
    again = record(app, constable, **MISSING)
    (back,) = items(mash, "MASH")
    assert back["concern_id"] == again
    assert back["reason"] == (
        "Re-referral: this inbox decided no further action about this child on "
        f"{decided.day} {decided:%b %Y}"
    )
    # Its recorder sees where the rules sent it, not that the MASH closed the child before.
    client, _ = constable
    listed = client.get("/api/v1/concerns/mine")
    assert listed.status_code == 200, listed.get_json()
    (mine, _) = listed.get_json()["items"]
    assert {d["inbox"] for d in mine["deliveries"]} == {"Missing Coordinator"}

    # A rebuild of the child's rows (as a split makes) keeps the decision where it was.
    with sessions() as s:
        rows = lambda: sorted(  # noqa: E731
            s.execute(
                select(
                    SubjectInbox.subject_id,
                    SubjectInbox.inbox_id,
                    SubjectInbox.deliveries,
                    SubjectInbox.no_further_action_at,
                )
            ).all(),
            key=str,
        )
        before = rows()
        assert any(r.no_further_action_at is not None for r in before)
        for subject in {r.subject_id for r in before}:
            known.db_rebuild(s, subject)
        assert rows() == before


def test_no_re_referral_after_the_span_or_after_another_decision(  # type: ignore[no-untyped-def]
    app, sessions, constable
) -> None:
    record(app, constable, **NEGLECT)
    mash = worker(app, C, "MASH")
    (delivery,) = items(mash, "MASH")
    _decide(mash, delivery, "early_help")
    record(app, constable, **MISSING)
    assert items(mash, "MASH") == []  # early help is not a closing: nothing comes back

    record(app, constable, **NEGLECT)
    (second,) = items(mash, "MASH")
    _decide(mash, second, "no_further_action")
    with sessions() as s:  # the decision was 91 days ago
        s.execute(update(SubjectInbox).values(no_further_action_at=utcnow() - timedelta(days=91)))
        s.commit()
    record(app, constable, **MISSING)
    assert items(mash, "MASH") == []
