"""A child's missing episodes say who the child is, and where and with whom they were found,
from the sealed reports (``services/missing/found.py``); the reports read are audited with
the episodes, and nothing of it is kept in clear."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select

from backend.models import AuditEvent, MissingEpisode
from tests.factories import H, envelope, make_concern, person, seal_payload, sync
from tests.http.test_missing_episodes import reader, subject_of
from tests.services.missing.test_episodes import _at


def _report(app: Any, who: Any, **missing: Any) -> str:
    client, device = who
    facts = {"missing_from": "Oakview Children's Home", "police_risk": "high"} | missing
    (result,) = sync(client, envelope(app, device, make_concern(missing=facts)))
    assert result["status"] == "accepted", result
    return str(result["concern_id"])


def _found(app: Any, who: Any, concern_id: str, **missing: Any) -> str:
    client, device = who
    addendum = {
        "schema": "frontline.addendum/1",
        "concern_id": concern_id,
        "client_id": str(uuid.uuid4()),
        "recorded_at": datetime.now(UTC).isoformat(),
        "text": "Back at the home.",
        "missing": missing,
    }
    item = {"client_id": addendum["client_id"], "jwe": seal_payload(app, device, addendum)}
    r = client.post(f"/api/v1/concerns/{concern_id}/addenda", json=item, headers=H)
    assert r.get_json()["status"] == "accepted", r.get_json()
    return str(r.get_json()["addendum_id"])


def test_the_childs_screen_says_where_and_with_whom_each_return_was(app, sessions) -> None:  # type: ignore[no-untyped-def]
    police = person(app, name="PC Sam Okafor")[:2]
    iso = lambda hours: _at(-timedelta(hours=hours)).isoformat()  # noqa: E731
    # Found by an addendum: its words are the return's.
    first = _report(app, police, reported_at=iso(100))
    aid = _found(
        app, police, first, found_at=iso(90), found_where="Leeds bus station", found_with="Ricky"
    )
    # Reported and found in one report; then missing now.
    second = _report(
        app, police, reported_at=iso(30), found_at=iso(20), found_where="A flat on Mill Lane"
    )
    third = _report(app, police, reported_at=iso(2))
    missing_persons = reader(app, "Riverside Police", "Missing Persons")
    sid = subject_of(sessions, first)
    r = missing_persons.get(f"/api/v1/subjects/{sid}/missing")
    assert r.status_code == 200, r.get_json()
    items = r.get_json()["items"]
    assert [e["concern_id"] for e in items] == [third, second, first]
    assert {e["child"] for e in items} == {"Zoë O'Brien"}
    assert [(e["found_where"], e["found_with"]) for e in items] == [
        (None, None),
        ("A flat on Mill Lane", None),
        ("Leeds bus station", "Ricky"),
    ]
    assert [e["return_interview"]["status"] for e in items] == ["not_due", "due", "overdue"]
    # The read names the child, each episode and each report read to say it.
    with sessions() as s:
        event = s.scalars(
            select(AuditEvent)
            .where(AuditEvent.action == "missing.episodes_listed")
            .order_by(AuditEvent.seq.desc())
            .limit(1)
        ).one()
        text = event.body
        for cid in (first, second, third, aid):
            assert cid in text
        # The words are nowhere in clear in the episodes.
        kept = " ".join(str(vars(e)) for e in s.scalars(select(MissingEpisode)))
        assert "Leeds" not in kept
        assert "Ricky" not in kept
    # The list of returns says the same, for the same readers.
    closed = missing_persons.get("/api/v1/episodes?status=closed").get_json()["items"]
    assert [(e["child"], e["found_where"]) for e in closed] == [
        ("Zoë O'Brien", "A flat on Mill Lane"),
        ("Zoë O'Brien", "Leeds bus station"),
    ]
