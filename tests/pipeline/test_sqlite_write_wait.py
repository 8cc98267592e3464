"""SQLite under concurrency: a sync that waited for the one write lock is processed, not
answered 503; one that cannot reach it before its deadline is told "in progress" and
leaves nothing held (backend/core/db.py, ``write_deadline``; backend/pipeline/ingest.py).

Another process holds the write lock here, as a busy worker of the same server does.
"""

from __future__ import annotations

import sqlite3
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from backend.core import db
from backend.models import Concern, Passkey, Receipt, ReceiptStatus, utcnow
from backend.pipeline import receipt as receipts
from backend.pipeline.ingest import Context, process_claimed
from backend.services.identity.webauthn_rp import RelyingParty
from tests.factories import envelope, make_concern, person, sync
from tests.live import Server
from tests.load import enrol_phones, prepare, seal


@contextmanager
def _write_lock_held(path: Path) -> Iterator[None]:
    """Hold SQLite's write lock from a connection of our own, as another worker would."""
    other = sqlite3.connect(path, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        yield
        other.execute("ROLLBACK")
    finally:
        other.close()


@pytest.mark.slow  # about 18 s: a real two-worker server, the write lock held for 11 s
def test_a_sync_that_waited_for_the_write_lock_is_processed_not_answered_503(
    tmp_path: Path,
) -> None:
    database = tmp_path / "frontline.db"
    server = Server(tmp_path / "instance", f"sqlite:///{database}")
    prepare(server)
    server.start(workers=2, threads=4)
    try:
        phones = enrol_phones(server, 4)
        seal(phones, 20)
        answers: list[tuple[int, Any]] = []

        def send(n: int) -> None:
            answers.append(
                phones[n].client.call("POST", "/sync", {"envelopes": phones[n].items}, timeout=60)
            )

        senders = [threading.Thread(target=send, args=(n,)) for n in range(len(phones))]
        with _write_lock_held(database):
            for sender in senders:
                sender.start()
            # Longer than a write used to wait before it gave up (and the batch had its 503).
            time.sleep(db.SQLITE_BUSY_SECONDS + 1)
        for sender in senders:
            sender.join(timeout=60)
    finally:
        server.stop()
    assert [status for status, _ in answers] == [200] * len(phones), answers
    statuses = [r["status"] for _, body in answers for r in body["results"]]
    assert statuses == ["accepted"] * 80
    engine = db.make_engine(f"sqlite:///{database}")
    with db.make_sessionmaker(engine)() as s:
        assert s.scalar(select(func.count()).select_from(Concern)) == 80
        held = select(func.count()).select_from(Receipt)
        assert s.scalar(held.where(Receipt.status != ReceiptStatus.ACCEPTED)) == 0
    engine.dispose()


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_envelopes_past_the_deadline_are_in_progress_and_handed_back(app: Any) -> None:
    state = app.extensions["frontline"]
    client, device, _ = person(app)
    items = [envelope(app, device, make_concern()) for _ in range(3)]
    with state.sessions() as s:
        passkey = s.scalars(select(Passkey)).one()
        user_id, passkey_id = passkey.user_id, passkey.id
    ctx = Context(
        sessions=state.sessions,
        ring=state.keyring,
        rp=RelyingParty(id=state.config.rp_id, origins=list(state.config.origins)),
        lease=state.config.receipt_lease,
    )
    held = [
        receipts.receive(
            ctx.sessions,
            client_id=uuid.UUID(item["client_id"]),
            jwe=item["jwe"],
            kind="concern",
            user_id=user_id,
            passkey_id=passkey_id,
            lease=ctx.lease,
        )
        for item in items
    ]
    answers = _Answers()
    answering = threading.Thread(target=answers.run, args=(ctx, held))
    with _write_lock_held(Path(state.engine.url.database)):
        answering.start()
        # Past the request's deadline (0.3 s), within the grace it has to hand back what
        # it held.
        time.sleep(1.0)
    answering.join(timeout=30)
    assert [r.error.code if r.error else r.status for r in answers.results] == [
        "envelope.in_progress"
    ] * 3
    with state.sessions() as s:
        rows = s.scalars(select(Receipt)).all()
        assert {r.status for r in rows} == {ReceiptStatus.PROCESSING}
        assert all(r.lease_until is not None and r.lease_until <= utcnow() for r in rows)
        assert s.scalar(select(func.count()).select_from(Concern)) == 0
    # Handed back, not left to the lease: the phone's next sync stores them at once.
    assert [r["status"] for r in sync(client, *items)] == ["accepted"] * 3


class _Answers:
    """process_claimed in a thread with a short deadline, as a request past its own."""

    results: list[Any]

    def run(self, ctx: Context, held: list[receipts.Received]) -> None:
        with db.write_deadline(time.monotonic() + 0.3):
            self.results = process_claimed(ctx, held)
