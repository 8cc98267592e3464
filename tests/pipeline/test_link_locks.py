"""Linking locks what a concern touches, not the partnership (``locks.link_lock``).

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


def _while_held(held: tuple[Any, dict[str, str]], other: tuple[Any, dict[str, str]]) -> bool:
    """Sync ``held`` (a client and an envelope) and hold its link open before its commit;
    sync ``other`` meanwhile. Whether ``other`` waited for it; both are accepted."""
    with held_before_commit() as (reached, release):
        first = Sync(*held, name=HELD)
        first.start()
        assert reached.wait(30)
        second = Sync(*other)
        second.start()
        second.join(1.5)
        waited = second.is_alive()
        release.set()
        first.join(30)
        second.join(30)
    assert (first.status, second.status) == ("accepted", "accepted")
    return waited


def test_a_link_waits_only_for_links_that_share_an_identifier_or_a_child(
    app: Any, sessions: Any, database_url: str
) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite lets one writer in at a time: nothing can go on beside a link")
    app.extensions["frontline.limiter"].enabled = False
    (a, dev_a, _), (b, dev_b, _) = (person(app, name=f"Recorder {n}") for n in range(2))

    def elsewhere(given: str, postcode: str, **fields: Any) -> dict[str, Any]:
        subject = {"given_name": given, "family_name": "Khan", "date_of_birth": "2010-05-01"}
        place = {"postcode": postcode, "description": "Bus station"}
        return make_concern(subject=subject, location=place, **fields)

    # Zoë's first missing episode, her car and her phone held: a concern about another
    # child, in another place, naming no one, goes through (under one lock for the whole
    # partnership it waited).
    zoe = envelope(app, dev_a, make_concern())
    amir = envelope(app, dev_b, elsewhere("Amir", "OX1 2JD", associated=[]))
    assert not _while_held((a, zoe), (b, amir))
    assert _subject_of(sessions, amir) != _subject_of(sessions, zoe)

    # Two children seen in one car: the second waits for the first.
    car = [{"kind": "vehicle", "registration": "KX19 QZJ"}]
    bilal = envelope(app, dev_a, elsewhere("Bilal", "OX1 3AA", associated=car))
    sami = envelope(app, dev_b, elsewhere("Sami", "OX1 4BB", associated=car))
    assert _while_held((a, bilal), (b, sami)), "a concern naming the held car did not wait"

    # Zoë's second and third missing episodes at once, one known only by her NHS number
    # and one only by her name and date of birth: no identifier in common, one child. The
    # third in 30 days raises the alert: apart, each link would count two.
    zoe_subject = make_concern()["subject"]
    by_nhs = envelope(
        app,
        dev_a,
        make_concern(
            subject={"nhs_number": zoe_subject["nhs_number"], "approx_age": 15},
            location={"postcode": "OX3 9DU", "description": "Hospital car park"},
            associated=[],
        ),
    )
    by_name = envelope(
        app,
        dev_b,
        make_concern(
            subject={k: zoe_subject[k] for k in ("given_name", "family_name", "date_of_birth")},
            location={"postcode": "OX2 6GG", "description": "Canal path"},
            associated=[],
        ),
    )
    assert _while_held((a, by_nhs), (b, by_name)), "finding the held child by other keys"
    child = _subject_of(sessions, zoe)
    assert _subject_of(sessions, by_nhs) == _subject_of(sessions, by_name) == child
    with sessions() as s:
        alerts = s.scalars(
            select(Alert.id)
            .join(AlertSubject, AlertSubject.alert_id == Alert.id)
            .where(Alert.kind == "repeated_missing", AlertSubject.subject_id == child)
        ).all()
    # Today the two links also meet on the child's row of the inbox both were routed to;
    # the lock on the child holds where they are routed apart.
    assert len(alerts) == 1
