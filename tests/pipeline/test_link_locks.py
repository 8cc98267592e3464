"""Linking locks what a concern touches, not the partnership (``subjects.link_lock``).

On PostgreSQL a link is held open just before its commit, locks and all, while other
concerns sync beside it: one about another child, in another place, goes through; one
that shares an identifier with it, or finds the same child by other keys, waits for it and
then sees what it wrote. (SQLite lets one writer in at a time: nothing goes on beside a
link there, and the races of ``test_races_and_kills.py`` run on both engines.)
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import event, select, text
from sqlalchemy.orm import Session

from backend.models import Alert, AlertSubject, Concern
from tests.factories import H, envelope, make_concern, person

HELD = "held link"
ZOE = make_concern()["subject"]


@contextmanager
def held_before_commit() -> Iterator[tuple[threading.Event, threading.Event]]:
    """Stop the thread named ``HELD`` at the commit of a transaction that holds advisory
    locks (its link), until ``release`` is set; ``reached`` says it is there."""
    reached, release = threading.Event(), threading.Event()

    def hold(session: Session) -> None:
        if threading.current_thread().name != HELD:
            return
        locks = session.execute(
            text(
                "SELECT count(*) FROM pg_locks"
                " WHERE locktype = 'advisory' AND pid = pg_backend_pid()"
            )
        ).scalar()
        if locks:
            reached.set()
            assert release.wait(60), "the held link was never released"

    event.listen(Session, "before_commit", hold)
    try:
        yield reached, release
    finally:
        release.set()
        event.remove(Session, "before_commit", hold)


class Sync(threading.Thread):
    """One phone's sync of one envelope, on a thread of its own."""

    def __init__(self, client: Any, item: dict[str, str], name: str = "sync") -> None:
        super().__init__(name=name, daemon=True)
        self.client, self.item, self.status = client, item, ""

    def run(self) -> None:
        answer = self.client.post("/api/v1/sync", json={"envelopes": [self.item]}, headers=H)
        self.status = answer.get_json()["results"][0]["status"]


def _subject_of(sessions: Any, item: dict[str, str]) -> uuid.UUID:
    with sessions() as s:
        found = s.scalar(
            select(Concern.subject_id).where(Concern.client_id == uuid.UUID(item["client_id"]))
        )
    assert found is not None
    return found  # type: ignore[no-any-return]


def test_a_link_waits_only_for_links_that_share_an_identifier_or_a_child(
    app: Any, sessions: Any, database_url: str
) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite lets one writer in at a time: nothing can go on beside a link")
    app.extensions["frontline.limiter"].enabled = False
    phones = [person(app, name=f"Recorder {n}") for n in range(3)]

    def sealed(n: int, **fields: Any) -> dict[str, str]:
        return envelope(app, phones[n][1], make_concern(**fields))

    other_child = sealed(
        1,
        subject={"given_name": "Amir", "family_name": "Khan", "date_of_birth": "2010-05-01"},
        location={"postcode": "OX1 2JD", "description": "Bus station"},
        associated=[],
    )
    with held_before_commit() as (reached, release):
        first = Sync(phones[0][0], sealed(0), name=HELD)  # Zoë, her car, her phone
        first.start()
        assert reached.wait(30)
        beside = Sync(phones[1][0], other_child)
        beside.start()
        beside.join(30)
        # Under one lock for the whole partnership this waited for the held link.
        assert beside.status == "accepted"
        same_child = Sync(phones[2][0], sealed(2))  # Zoë again: her keys are held
        same_child.start()
        same_child.join(1.5)
        assert same_child.is_alive(), "a concern about the held child did not wait"
        release.set()
        first.join(30)
        same_child.join(30)
    assert (first.status, same_child.status) == ("accepted", "accepted")
    zoe = _subject_of(sessions, first.item)
    assert _subject_of(sessions, same_child.item) == zoe
    assert _subject_of(sessions, other_child) != zoe

    # Two more missing episodes for Zoë at once, one known only by her NHS number and one
    # only by her name and date of birth: no identifier in common, one child in common.
    # The third episode in 30 days raises one alert; the fourth joins it.
    by_nhs = sealed(
        0,
        subject={"nhs_number": ZOE["nhs_number"], "approx_age": 15},
        location={"postcode": "OX3 9DU", "description": "Hospital car park"},
        associated=[],
    )
    by_name = sealed(
        1,
        subject={k: ZOE[k] for k in ("given_name", "family_name", "date_of_birth")},
        location={"postcode": "OX2 6GG", "description": "Canal path"},
        associated=[],
    )
    with held_before_commit() as (reached, release):
        third = Sync(phones[0][0], by_nhs, name=HELD)
        third.start()
        assert reached.wait(30)
        fourth = Sync(phones[1][0], by_name)
        fourth.start()
        fourth.join(1.5)
        assert fourth.is_alive(), "a concern finding the held child by other keys did not wait"
        release.set()
        third.join(30)
        fourth.join(30)
    assert (third.status, fourth.status) == ("accepted", "accepted")
    assert _subject_of(sessions, by_nhs) == _subject_of(sessions, by_name) == zoe
    with sessions() as s:
        alerts = s.scalars(
            select(Alert.id)
            .join(AlertSubject, AlertSubject.alert_id == Alert.id)
            .where(Alert.kind == "repeated_missing", AlertSubject.subject_id == zoe)
        ).all()
    # One alert, not two: today the two links also meet on the child's row of the inbox
    # both were routed to; the lock on the child holds where they were routed apart.
    assert len(alerts) == 1
