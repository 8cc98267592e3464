"""One open episode per child, under the link's locks: on PostgreSQL a report held just
before its commit makes another report, or a return, about the same child wait, and what
it wrote is then seen (SQLite lets one writer in at a time: nothing goes on beside it)."""

from __future__ import annotations

import threading
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from backend.models import MissingEpisode
from tests.factories import H, envelope, make_concern, person, seal_payload
from tests.pipeline.test_link_locks import HELD, Sync, held_before_commit
from tests.services.missing.test_episodes import _at


def _report(app: Any, device: Any, hours: int) -> dict[str, str]:
    missing = {"reported_at": _at(-timedelta(hours=hours)).isoformat()}
    return envelope(app, device, make_concern(missing=missing))


class Addendum(threading.Thread):
    """An addendum saying the child was found, posted on a thread of its own."""

    def __init__(self, client: Any, concern_id: str, item: dict[str, str]) -> None:
        super().__init__(name="addendum", daemon=True)
        self.client, self.concern_id, self.item, self.status = client, concern_id, item, ""

    def run(self) -> None:
        url = f"/api/v1/concerns/{self.concern_id}/addenda"
        self.status = self.client.post(url, json=self.item, headers=H).get_json()["status"]


def _episodes(sessions: Any) -> list[MissingEpisode]:
    with sessions() as s:
        return list(s.scalars(select(MissingEpisode)))


def test_two_reports_at_once_make_one_episode_and_a_return_waits_for_a_report(
    app: Any, sessions: Any, database_url: str
) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite lets one writer in at a time: nothing can go on beside a link")
    app.extensions["frontline.limiter"].enabled = False
    phones = [person(app, name=f"Recorder {n}") for n in range(3)]
    with held_before_commit() as (reached, release):
        first = Sync(phones[0][0], _report(app, phones[0][1], 3), name=HELD)
        first.start()
        assert reached.wait(30)
        second = Sync(phones[1][0], _report(app, phones[1][1], 2))
        second.start()
        second.join(1.5)
        assert second.is_alive(), "a second report about the held child did not wait"
        release.set()
        first.join(30)
        second.join(30)
    assert (first.status, second.status) == ("accepted", "accepted")
    (episode,) = _episodes(sessions)
    assert (episode.is_open, episode.reports) == (True, 2)

    # The child is found; later reported missing again in a report held before its
    # commit (a new episode), while a return is added to the first concern: the return
    # waits for the report, then closes the episode the report opened.
    def found(minutes: int) -> dict[str, str]:
        addendum = {
            "schema": "frontline.addendum/1",
            "concern_id": str(episode.concern_id),
            "client_id": str(uuid.uuid4()),
            "recorded_at": datetime.now(UTC).isoformat(),
            "text": "Found at her friend's house.",
            "missing": {"found_at": _at(-timedelta(minutes=minutes)).isoformat()},
        }
        # The first recorder adds to their own concern.
        jwe = seal_payload(app, phones[0][1], addendum)
        return {"client_id": addendum["client_id"], "jwe": jwe}

    back = Addendum(phones[0][0], str(episode.concern_id), found(100))
    back.run()
    assert back.status == "accepted"
    client, device, _ = phones[2]
    with held_before_commit() as (reached, release):
        again = Sync(client, _report(app, device, 1), name=HELD)
        again.start()
        assert reached.wait(30)
        back = Addendum(phones[0][0], str(episode.concern_id), found(30))
        back.start()
        back.join(1.5)
        assert back.is_alive(), "a return of the held child did not wait for the report"
        release.set()
        again.join(30)
        back.join(30)
    assert (again.status, back.status) == ("accepted", "accepted")
    assert [e.is_open for e in _episodes(sessions)] == [False, False]
