"""The same concern, sealed twice (a phone that sealed it again after losing its answer),
synced twice at once on PostgreSQL: the second reaches the store while the first has not
committed, so the check for a replay before the store finds nothing, and the store itself
meets the first one's client_id. It is answered as the replay it is, not quarantined.
(SQLite lets one writer in at a time: the second starts after the first commits, and its
replay check finds it.)"""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from sqlalchemy import func, select

from backend.models import Concern, Receipt
from tests.factories import envelope, make_concern, person
from tests.pipeline.test_link_locks import HELD, Sync, held_before_commit


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
    client_id = uuid.UUID(payload["client_id"])
    with sessions() as s:
        stored = s.scalar(select(func.count()).where(Concern.client_id == client_id))
        statuses = sorted(
            str(r.status.value)
            for r in s.scalars(select(Receipt).where(Receipt.client_id == client_id))
        )
    assert stored == 1
    assert statuses == ["accepted", "duplicate"]
