"""The same concern, sealed twice (a phone that sealed it again after losing its answer):
two receipts, one client_id. The replay check is made for a request's envelopes together,
before any is stored, so the second of them in one request reaches the store and meets
the first one's client_id there; so does the second of two requests at once on
PostgreSQL, whose replay check ran before the first committed. Either way it is answered
as the replay it is, not quarantined, and one concern is stored."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from sqlalchemy import func, select

from backend.models import Concern, Receipt, Suspicion
from tests.factories import envelope, make_concern, person, sync
from tests.pipeline.test_link_locks import HELD, Sync, held_before_commit
from tests.services.suspicions.helpers import suspicion


def _stored(sessions: Any, payload: dict[str, Any]) -> tuple[int, list[str]]:
    """How many concerns carry the payload's client_id, and its receipts' statuses."""
    client_id = uuid.UUID(payload["client_id"])
    with sessions() as s:
        stored = s.scalar(select(func.count()).where(Concern.client_id == client_id))
        statuses = sorted(
            str(r.status.value)
            for r in s.scalars(select(Receipt).where(Receipt.client_id == client_id))
        )
    return stored or 0, statuses


def test_the_same_concern_sealed_twice_in_one_request_is_stored_once(
    app: Any, sessions: Any
) -> None:
    client, device, _ = person(app)
    payload = make_concern()
    first, again = envelope(app, device, payload), envelope(app, device, payload)
    assert first["jwe"] != again["jwe"]  # two receipts, one client_id
    results = sync(client, first, again)
    assert [r["status"] for r in results] == ["accepted", "duplicate"]
    assert results[0]["concern_id"] == results[1]["concern_id"]
    assert _stored(sessions, payload) == (1, ["accepted", "duplicate"])


def test_another_concern_under_the_same_client_id_in_one_request_is_refused(
    app: Any, sessions: Any
) -> None:
    client, device, _ = person(app)
    payload = make_concern()
    other = {**make_concern(), "client_id": payload["client_id"], "level": "early_help"}
    results = sync(client, envelope(app, device, payload), envelope(app, device, other))
    assert [r["status"] for r in results] == ["accepted", "rejected"]
    assert results[1]["error"]["code"] == "envelope.client_id_conflict"
    assert _stored(sessions, payload) == (1, ["accepted", "rejected"])


def test_a_suspicion_under_a_concerns_client_id_in_one_request_is_refused(
    app: Any, sessions: Any
) -> None:
    """No unique key spans the kinds of record: only the replay check finds a suspicion
    sent under a concern's client_id, in the same request as the concern."""
    client, device, _ = person(app)
    payload = make_concern()
    under = suspicion(client_id=payload["client_id"])
    results = sync(client, envelope(app, device, payload), envelope(app, device, under))
    assert [r["status"] for r in results] == ["accepted", "rejected"]
    assert results[1]["error"]["code"] == "envelope.client_id_conflict"
    with sessions() as s:
        named = s.scalar(
            select(func.count()).where(Suspicion.client_id == uuid.UUID(payload["client_id"]))
        )
    assert named == 0
    assert _stored(sessions, payload) == (1, ["accepted", "rejected"])
    # The concern sealed again later is a duplicate of it, not a conflict.
    (again,) = sync(client, envelope(app, device, payload))
    assert again["status"] == "duplicate"


def test_two_suspicions_under_one_client_id_leave_the_refused_receipt_as_received(
    app: Any, sessions: Any
) -> None:
    client, device, _ = person(app)
    first = suspicion()
    other = suspicion(client_id=first["client_id"], narrative="Another account, not the same.")
    results = sync(client, envelope(app, device, first), envelope(app, device, other))
    assert [r["status"] for r in results] == ["accepted", "rejected"]
    assert results[1]["error"]["code"] == "envelope.client_id_conflict"
    with sessions() as s:
        kinds = sorted(
            (r.kind, str(r.status.value))
            for r in s.scalars(
                select(Receipt).where(Receipt.client_id == uuid.UUID(first["client_id"]))
            )
        )
    # The refused one is rolled back to what the sync received (every envelope, a concern).
    assert kinds == [("concern", "rejected"), ("suspicion", "accepted")]


def test_the_same_concern_sealed_twice_and_synced_at_once_is_stored_once(
    app: Any, sessions: Any, database_url: str
) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite lets one writer in at a time: the second starts after the first")
    app.extensions["frontline.limiter"].enabled = False
    client, device, _ = person(app)
    payload = make_concern()
    first, again = envelope(app, device, payload), envelope(app, device, payload)
    assert first["jwe"] != again["jwe"]  # two receipts, one client_id
    with held_before_commit() as (reached, release):
        one = Sync(client, first, name=HELD)
        one.start()
        assert reached.wait(30)
        two = Sync(client, again)
        two.start()
        two.join(1.5)
        assert two.is_alive(), "the second did not wait for the first"
        release.set()
        one.join(30)
        two.join(30)
    assert (one.status, two.status) == ("accepted", "duplicate")
    assert _stored(sessions, payload) == (1, ["accepted", "duplicate"])
