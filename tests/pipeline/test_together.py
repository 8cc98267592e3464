"""A request's envelopes are processed together, and each keeps its own outcome.

Each envelope runs in its own savepoint (``ingest._process_together``), several to a
transaction on SQLite: a server failure in one rolls back that one alone. On PostgreSQL
each commits alone, so a request holds no lock of an envelope already done while it takes
the next one's: what would be a deadlock with another transaction is a short wait.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import event, func, select, text

from backend.models import (
    Agency,
    AuditEvent,
    Concern,
    ConcernIdentifier,
    ConcernRoute,
    Receipt,
    ReceiptStatus,
)
from backend.pipeline import ingest
from backend.services.linking.locks import key_locks
from backend.services.records.audit_chain import verify
from tests.factories import envelope, make_concern, person, sync

# Faults the database itself raises, for concerns of one category only: a real failure in
# the middle of a step, nothing of Frontline's replaced. In the store step (a category row),
# or in the link step, after routing (the concern given its child).
_ONLY_TRAFFICKING = (
    "EXISTS (SELECT 1 FROM concern_categories c"
    " WHERE c.concern_id = NEW.id AND c.category = 'trafficking')"
)
_FAULTS = {
    ("store", "sqlite"): (
        [
            "CREATE TRIGGER fault BEFORE INSERT ON concern_categories"
            " WHEN NEW.category = 'trafficking' BEGIN SELECT RAISE(ABORT, 'fault'); END"
        ],
        ["DROP TRIGGER fault"],
    ),
    ("store", "postgresql"): (
        [
            "CREATE FUNCTION fault() RETURNS trigger LANGUAGE plpgsql AS"
            " $$ BEGIN RAISE EXCEPTION 'fault'; END $$",
            "CREATE TRIGGER fault BEFORE INSERT ON concern_categories FOR EACH ROW"
            " WHEN (NEW.category = 'trafficking') EXECUTE FUNCTION fault()",
        ],
        ["DROP TRIGGER fault ON concern_categories", "DROP FUNCTION fault()"],
    ),
    ("link", "sqlite"): (
        [
            "CREATE TRIGGER fault BEFORE UPDATE OF subject_id ON concerns"
            f" WHEN {_ONLY_TRAFFICKING} BEGIN SELECT RAISE(ABORT, 'fault'); END"
        ],
        ["DROP TRIGGER fault"],
    ),
    ("link", "postgresql"): (
        [
            "CREATE FUNCTION fault() RETURNS trigger LANGUAGE plpgsql AS"
            f" $$ BEGIN IF {_ONLY_TRAFFICKING} THEN RAISE EXCEPTION 'fault'; END IF;"
            " RETURN NEW; END $$",
            "CREATE TRIGGER fault BEFORE UPDATE OF subject_id ON concerns FOR EACH ROW"
            " EXECUTE FUNCTION fault()",
        ],
        ["DROP TRIGGER fault ON concerns", "DROP FUNCTION fault()"],
    ),
}


@contextmanager
def _fault(sessions: Any, step: str) -> Iterator[None]:
    """The fault in ``step`` while the block runs; gone after it (the PostgreSQL database
    serves the worker's next tests)."""
    with sessions() as s:
        create, drop = _FAULTS[step, s.get_bind().dialect.name]
        for statement in create:
            s.execute(text(statement))
        s.commit()
    try:
        yield
    finally:
        with sessions() as s:
            for statement in drop:
                s.execute(text(statement))
            s.commit()


def _child(given: str, **fields: Any) -> dict[str, Any]:
    subject = {"given_name": given, "family_name": "Achebe", "date_of_birth": "2011-06-02"}
    return make_concern(subject=subject, **fields)


def test_a_failure_in_one_envelope_rolls_back_that_one_alone(app: Any, sessions: Any) -> None:
    client, device, _ = person(app, name="PC Okafor")
    items = [
        envelope(app, device, _child("Ada")),
        envelope(app, device, _child("Bola", categories=["trafficking"])),
        envelope(app, device, _child("Chidi")),
    ]
    with _fault(sessions, "store"):
        results = sync(client, *items)
    assert [r["status"] for r in results] == ["accepted", "rejected", "accepted"]
    assert results[1]["error"]["code"] == "envelope.quarantined"
    with sessions() as s:
        stored = set(s.scalars(select(Concern.client_id)))
        assert stored == {uuid.UUID(items[0]["client_id"]), uuid.UUID(items[2]["client_id"])}
        kept = s.scalar(
            select(Receipt).where(Receipt.client_id == uuid.UUID(items[1]["client_id"]))
        )
        assert kept is not None
        assert kept.status is ReceiptStatus.QUARANTINED
        assert kept.crypto_jwe == items[1]["jwe"]  # kept whole, to be retried
        collected = s.scalar(select(func.count()).where(AuditEvent.action == "concern.collected"))
        assert collected == 2  # the failed envelope's entry went with its savepoint
        assert verify(s, app.extensions["frontline"].keyring).ok


def test_rows_written_at_the_commit_go_with_a_failed_envelope(
    app: Any, sessions: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A routing trace and a receipt's ending wait for the commit (``backend/core/later.py``),
    one statement for a transaction's envelopes; an envelope that fails after routing takes
    its trace with it, and its receipt is kept whole."""
    # The three in one transaction however slow the machine: after its 0.2 s a transaction
    # commits and the next takes the rest, which would count two statements, not one.
    monkeypatch.setitem(ingest.TOGETHER_SECONDS, "sqlite", 60.0)
    client, device, _ = person(app, name="PC Okafor")
    items = [
        envelope(app, device, _child("Ada")),
        envelope(app, device, _child("Bola", categories=["trafficking"])),
        envelope(app, device, _child("Chidi")),
    ]
    engine = sessions.kw["bind"]
    sent: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        sent.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        with _fault(sessions, "link"):
            results = sync(client, *items)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert [r["status"] for r in results] == ["accepted", "rejected", "accepted"]
    assert results[1]["error"]["code"] == "envelope.quarantined"
    client_ids = [uuid.UUID(item["client_id"]) for item in items]
    with sessions() as s:
        routed = set(
            s.scalars(
                select(Concern.client_id).join(ConcernRoute, ConcernRoute.concern_id == Concern.id)
            )
        )
        assert routed == {uuid.UUID(items[0]["client_id"]), uuid.UUID(items[2]["client_id"])}
        assert s.scalar(select(func.count()).select_from(Concern)) == 2
        receipts = {
            r.client_id: r
            for r in s.scalars(select(Receipt).where(Receipt.client_id.in_(client_ids)))
        }
        for item in (items[0], items[2]):
            done = receipts[uuid.UUID(item["client_id"])]
            assert done.status is ReceiptStatus.ACCEPTED
            assert done.crypto_jwe is None
            assert done.processed_at is not None
            assert done.result_id == s.scalar(
                select(Concern.id).where(Concern.client_id == done.client_id)
            )
        kept = receipts[uuid.UUID(items[1]["client_id"])]
        assert kept.status is ReceiptStatus.QUARANTINED
        assert kept.crypto_jwe == items[1]["jwe"]
        assert (kept.lease_until, kept.processed_at, kept.result_id) == (None, None, None)
    traces = [t for t in sent if t.lstrip().startswith("INSERT INTO concern_routes")]
    endings = [t for t in sent if t.lstrip().startswith("UPDATE receipts") and "processed_at" in t]
    # SQLite: the request's envelopes in one transaction; PostgreSQL: each commits alone.
    assert len(traces) == len(endings) == (1 if engine.dialect.name == "sqlite" else 2)


def _lock_of(sessions: Any, item: dict[str, str], partnership_id: uuid.UUID) -> str:
    """The name of the lock linking takes for the car a stored concern names."""
    with sessions() as s:
        index = s.scalar(
            select(ConcernIdentifier.blind_index)
            .join(Concern, Concern.id == ConcernIdentifier.concern_id)
            .where(
                Concern.client_id == uuid.UUID(item["client_id"]),
                ConcernIdentifier.kind == "vehicle",
            )
        )
    assert index is not None
    (name,) = key_locks(partnership_id, [("vehicle", index)])
    return name


def _car(given: str, registration: str) -> dict[str, Any]:
    return _child(given, associated=[{"kind": "vehicle", "registration": registration}])


def test_a_request_holds_no_lock_of_a_done_envelope_so_makes_no_deadlock(
    app: Any, sessions: Any, database_url: str
) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite lets one writer in at a time: no two transactions can deadlock")
    client, device, _ = person(app, name="PC Okafor")
    with sessions() as s:
        partnership_id = s.scalar(select(Agency.partnership_id).limit(1))
    # Two cars seen before, so that their locks' names can be read back.
    seen = [
        envelope(app, device, _car("Dayo", "KX19 QZJ")),
        envelope(app, device, _car("Emeka", "LM68 TRW")),
    ]
    assert [r["status"] for r in sync(client, *seen)] == ["accepted", "accepted"]
    first_car, second_car = (_lock_of(sessions, item, partnership_id) for item in seen)
    batch = [
        envelope(app, device, _car("Folake", "KX19 QZJ")),
        envelope(app, device, _car("Gbenga", "LM68 TRW")),
    ]

    # Another transaction holds the second car and then asks for the first, while the
    # batch links its first envelope (the first car) and asks for the second: were the two
    # envelopes in one transaction, a cycle. Committed alone, the first envelope has let
    # go of the first car by then: the other gets it at once (it would look for a cycle
    # only after 20 s).
    engine = sessions.kw["bind"]
    with engine.connect() as other:
        other.execute(text("SET deadlock_timeout = '20s'"))
        other.execute(
            text("SELECT pg_advisory_xact_lock(hashtextextended(:n, 0))"), {"n": second_car}
        )
        answer: dict[str, Any] = {}
        thread = threading.Thread(target=lambda: answer.update(results=sync(client, *batch)))
        thread.start()
        _wait_for_a_lock_wait(other)
        # Granted: the batch's first envelope committed before its second waited.
        started = time.monotonic()
        other.execute(
            text("SELECT pg_advisory_xact_lock(hashtextextended(:n, 0))"), {"n": first_car}
        )
        assert time.monotonic() - started < 5
        other.commit()
        thread.join(30)
    assert [r["status"] for r in answer["results"]] == ["accepted", "accepted"]
    with sessions() as s:
        ids = [uuid.UUID(item["client_id"]) for item in batch]
        assert s.scalar(select(func.count()).where(Concern.client_id.in_(ids))) == 2
        assert not s.scalars(
            select(Receipt.status).where(Receipt.status == ReceiptStatus.QUARANTINED)
        ).all()


def _wait_for_a_lock_wait(other: Any) -> None:
    """Until some other session waits for an advisory lock (the batch, on the second car)."""
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        waiting = other.execute(
            text(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'"
                " AND NOT granted AND pid <> pg_backend_pid()"
            )
        ).scalar()
        if waiting:
            return
        time.sleep(0.05)
    raise AssertionError("the batch never waited for the second car")
