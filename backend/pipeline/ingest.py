"""The pipeline's entry points: ingest a batch, process one receipt (recovery.py retries).

Every envelope gets its own receipt and its own result: one bad envelope never fails the
others. A request's receipts are written together in one transaction before anything else
(``receipt.receive_many``); its new envelopes are then processed, each in its own
savepoint, several to a transaction on SQLite and one to a transaction on PostgreSQL
(``_process_together``). A server-side failure (a bug, the database or key ring going
away) quarantines the receipt with the exception's name, never its content; the sealed
bytes stay until a retry succeeds.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

import crypto
from backend.core.config import Config
from backend.core.db import is_busy
from backend.core.metrics import count_sync_result
from backend.models import Receipt, RoleName, User
from backend.pipeline import receipt as receipts
from backend.pipeline.errors import Rejected
from backend.pipeline.kinds import ADDENDUM_SCHEMA as ADDENDUM_SCHEMA  # where callers find it
from backend.pipeline.kinds import CONCERN_SCHEMA as CONCERN_SCHEMA
from backend.pipeline.kinds import KINDS
from backend.pipeline.open import Opened, open_before_storing
from backend.pipeline.outcome import Contended, attempt, quarantine
from backend.pipeline.results import Result
from backend.pipeline.steps import (
    QUARANTINED_DETAIL,
    Existing,
    db_existing,
    result_of,
)
from backend.pipeline.store import Author
from backend.services.identity.webauthn_rp import RelyingParty

log = logging.getLogger("frontline.pipeline")

MAX_ENVELOPES = 50  # docs/contract.md: more in one request is 413 sync.too_many
# How long one transaction takes envelopes before it commits (``_process_together``), by
# engine. SQLite has one writer: a commit and a wait for its lock serve many envelopes
# (HTTP, 4 clients: 76 envelopes/s against 64 one to a transaction). PostgreSQL has many:
# there a transaction of several holds its envelopes' row and advisory locks while the
# others run, and other workers queue behind them (4 workers: 29 envelopes/s, against 55
# one to a transaction), so each envelope commits alone.
TOGETHER_SECONDS = {"sqlite": 0.2, "postgresql": 0.0}


@dataclass(frozen=True)
class Context:
    sessions: sessionmaker[Session]
    ring: crypto.KeyRing
    rp: RelyingParty
    lease: timedelta = timedelta(seconds=30)
    # user id -> author; a person's agency never changes, and a batch has one author
    authors: dict[uuid.UUID, Author] = field(default_factory=dict)

    @classmethod
    def of(cls, config: Config, ring: crypto.KeyRing, sessions: sessionmaker[Session]) -> Context:
        """The pipeline as the configuration sets it: its relying party and receipt lease."""
        rp = RelyingParty(id=config.rp_id, origins=list(config.origins))
        return cls(sessions=sessions, ring=ring, rp=rp, lease=config.receipt_lease)

    def author(self, session: Session, user_id: uuid.UUID) -> Author:
        author = self.authors.get(user_id)
        if author is None:
            user = session.get(User, user_id)
            assert user is not None  # noqa: S101 - receipts belong to users
            records = RoleName.RECORDER.value in {r.role for r in user.roles}
            author = self.authors[user_id] = Author(user_id, user.agency_id, records)
        return author


def ingest(
    ctx: Context,
    items: list[Any],
    *,
    user_id: uuid.UUID,
    passkey_id: uuid.UUID,
    kind: str = "concern",
    target_concern_id: uuid.UUID | None = None,
) -> list[Result]:
    """Receive each envelope durably, then process the new ones; one result each, in order.

    Receipts are written one transaction each, before anything else. The new envelopes are
    then processed one transaction each (``process_claimed``), so one envelope's failure
    rolls back that envelope alone. On SQLite, an envelope this request cannot reach before
    its deadline for the write lock is answered "in progress" (``_later``), and what it held
    of it is handed back, not left to the lease.
    """
    results: list[Result | None] = [None] * len(items)
    envelopes: list[tuple[int, receipts.Envelope]] = []
    for index, item in enumerate(items):
        checked = receipts.check_form(item)
        if isinstance(checked, Result):
            results[index] = checked
        else:
            envelopes.append((index, checked))
    fresh: list[tuple[int, receipts.Received]] = []
    for (index, _), received in zip(
        envelopes,
        _receive(
            ctx,
            [e for _, e in envelopes],
            [items[i]["client_id"] for i, _ in envelopes],
            user_id,
            passkey_id,
            kind,
            target_concern_id,
        ),
        strict=True,
    ):
        if isinstance(received, Result):
            results[index] = received
        elif received.claimed:
            fresh.append((index, received))
        else:  # this very envelope came before: answer from its receipt
            results[index] = _replayed(ctx, received)
    if fresh:
        for (index, _), result in zip(
            fresh, process_claimed(ctx, [r for _, r in fresh]), strict=True
        ):
            results[index] = result
    answered = [r for r in results if r is not None]
    for result in answered:  # what the phones were told, by status (docs/operations.md)
        count_sync_result(result.status, result.error.code if result.error else None)
    return answered


def _receive(
    ctx: Context,
    envelopes: list[receipts.Envelope],
    shown: list[str],
    user_id: uuid.UUID,
    passkey_id: uuid.UUID,
    kind: str,
    target: uuid.UUID | None,
) -> list[Result | receipts.Received]:
    """Step 1 for a request's envelopes together (``receipt.receive_many``)."""
    if not envelopes:
        return []
    try:
        received = receipts.receive_many(
            ctx.sessions,
            envelopes,
            kind=kind,
            user_id=user_id,
            passkey_id=passkey_id,
            lease=ctx.lease,
            target_concern_id=target,
        )
    except OperationalError as exc:
        if not is_busy(exc):
            raise
        return [_later(s) for s in shown]  # nothing was stored: the same envelopes come again
    return [
        Result.rejected(s, r.code, r.detail) if isinstance(r, Rejected) else r
        for s, r in zip(shown, received, strict=True)
    ]


def _later(shown: str | None) -> Result:
    """The answer "kept, try again" for an envelope this request could not reach: SQLite's
    write lock did not come free before the request's deadline (``core.db.write_deadline``).
    The phone sends the very same envelope again, as for any envelope in progress."""
    return Result.rejected(shown, "envelope.in_progress", "The server is busy; sync again shortly.")


def _replayed(ctx: Context, received: receipts.Received) -> Result:
    """Answer an envelope sent before from its receipt (or take it up, if nobody holds it)."""
    try:
        return process(ctx, received.id, claimed=False, replay=True)
    except OperationalError as exc:
        if not is_busy(exc):
            raise
        return _later(str(received.client_id))


def _answer(receipt: Receipt, *, replay: bool) -> Result:
    result = result_of(receipt)
    if replay and result.status == "accepted":
        result.status = "duplicate"  # the first sender was told "accepted"; this is a replay
    return result


def process(
    ctx: Context,
    receipt_id: uuid.UUID,
    *,
    claimed: bool,
    force: bool = False,
    replay: bool = False,
) -> Result:
    """Take one receipt through the steps (``steps.py``); record how it ended.

    ``replay``: the sender sent this very envelope before; an accepted one is a duplicate.
    """
    with ctx.sessions() as session:
        receipt = session.get(Receipt, receipt_id)
        assert receipt is not None  # noqa: S101 - ids come from the receipt table
        if receipt.status in receipts.FINAL and not force:
            return _answer(receipt, replay=replay)
        if not claimed and not receipts.claim(session, receipt_id, ctx.lease, force=force):
            # Someone else holds it, or finished it a moment ago.
            session.expire_all()
            return _answer(session.get(Receipt, receipt_id), replay=replay)  # type: ignore[arg-type]
        try:
            return _process_held(ctx, session, receipt_id, reload=not claimed)
        except OperationalError as exc:
            if is_busy(exc):  # held, and not processed: hand it back before answering
                receipts.release(ctx.sessions, [receipt_id])
            raise


def _process_held(ctx: Context, session: Session, receipt_id: uuid.UUID, *, reload: bool) -> Result:
    receipt = session.get(Receipt, receipt_id)
    if reload:
        session.expire_all()  # the claim changed the row under the session
        receipt = session.get(Receipt, receipt_id)
    assert receipt is not None  # noqa: S101
    session.commit()  # end the read: opening the envelope holds no lock (open.py)
    opened = open_before_storing(
        ctx.ring, receipt.crypto_jwe or "", count_language=KINDS[receipt.kind].counts_language
    )
    return _attempt_and_commit(ctx, session, receipt, opened)


def process_claimed(ctx: Context, held: list[receipts.Received]) -> list[Result]:
    """Process receipts this worker holds: those this request inserted together, in
    transactions of several envelopes on SQLite (``_process_together``), each in its own
    savepoint so that it keeps its own outcome; those handed over, one by one."""
    results: dict[uuid.UUID, Result] = {}
    waiting: list[uuid.UUID] = []
    inserted = [one for one in held if one.inserted is not None]
    for one in held:
        if one.inserted is not None:
            continue
        try:  # handed over from another sender: read it, then as below
            results[one.id] = process(ctx, one.id, claimed=True)
        except OperationalError as exc:
            if not is_busy(exc):
                raise
            results[one.id] = _later(str(one.client_id))  # ``process`` handed it back
    if inserted:
        # Before any transaction (open.py): nobody waits on the envelopes' CPU work.
        opened = [_open(ctx, one.inserted) for one in inserted if one.inserted is not None]
        done = _process_together(ctx, inserted, opened)
        results.update(done)
        waiting = [one.id for one in inserted if one.id not in done]
        for rid in waiting:
            results[rid] = _later(str(next(o.client_id for o in inserted if o.id == rid)))
    if waiting:
        receipts.release(ctx.sessions, waiting)
    return [results[one.id] for one in held]


def _open(ctx: Context, receipt: Receipt) -> Opened:
    jwe, kind = receipt.crypto_jwe or "", receipt.kind
    return open_before_storing(ctx.ring, jwe, count_language=KINDS[kind].counts_language)


def _process_together(
    ctx: Context, held: list[receipts.Received], opened: list[Opened]
) -> dict[uuid.UUID, Result]:
    """Take freshly inserted receipts through the steps, several to a transaction where
    that helps.

    On SQLite a transaction takes envelopes for about ``TOGETHER_SECONDS`` and then commits,
    so no other writer waits long for it, and one commit (and one wait for the write lock)
    serves many envelopes; on PostgreSQL each envelope commits alone. Each envelope runs in
    its own savepoint (``outcome.attempt``): a refusal or a failure rolls back that envelope alone.
    An envelope caught in a deadlock on PostgreSQL rolls back, and is answered "in
    progress" for its phone to send again. Should a commit itself fail, its envelopes
    are taken again one at a time (``process``), which quarantines any that still fail.
    Returns the results of the envelopes processed; those it could not reach before the
    write-lock deadline are missing.
    """
    results: dict[uuid.UUID, Result] = {}
    # A client_id the request carries more than once (the same record sealed twice, or two
    # records under one client_id) is checked at its turn, after the others are stored: a
    # record of another kind under it is met by no unique key, only by the check.
    carried = Counter(one.client_id for one in held)
    existing: Existing = {}
    at = 0
    while at < len(held):
        batch: list[receipts.Received] = []
        with ctx.sessions() as session:
            try:
                # Wait for SQLite's write lock here, not inside the steps: a wait that runs
                # out is no failure of these envelopes; the caller answers "try again".
                session.connection()
            except OperationalError as exc:
                if not is_busy(exc):
                    raise
                return results
            # The replay check, for this transaction's envelopes together (on PostgreSQL,
            # one envelope to a transaction: the request's first one checks them all).
            if at == 0 or session.get_bind().dialect.name == "sqlite":
                once = [one.client_id for one in held[at:] if carried[one.client_id] == 1]
                existing = db_existing(session, once)
            started = time.monotonic()
            span = TOGETHER_SECONDS.get(session.get_bind().dialect.name, 0.0)
            outcome: dict[uuid.UUID, Result] = {}
            while at < len(held) and (not batch or time.monotonic() - started < span):
                one, receipt = held[at], held[at].inserted
                assert receipt is not None  # noqa: S101 - only inserted receipts come here
                session.add(receipt)  # as inserted a moment ago: no need to read it back
                try:
                    checked = existing if carried[one.client_id] == 1 else None
                    outcome[one.id] = attempt(ctx, session, receipt, opened[at], checked)
                except Contended:
                    # Lost a deadlock (PostgreSQL, where each envelope commits alone): its
                    # savepoint is rolled back, and its phone sends it again.
                    at += 1
                    continue
                batch.append(one)
                at += 1
            try:
                session.commit()
                results.update(outcome)
                continue
            except Exception as exc:
                name = type(exc).__name__
                log.exception("envelopes taken again one by one", extra={"code": name})
                session.rollback()
        for one in batch:  # the commit failed: each again on its own, as ``process`` does
            results[one.id] = process(ctx, one.id, claimed=True)
    return results


def _attempt_and_commit(ctx: Context, session: Session, receipt: Receipt, opened: Opened) -> Result:
    """Run one receipt and commit; if the commit itself fails (the audit store or the
    database refused), quarantine it in a fresh transaction, or leave it to its lease."""
    # Read before the commit: after a failed one the row's attributes are expired, and
    # reloading them needs the database that may just have gone.
    rid, shown = receipt.id, str(receipt.client_id)
    # Wait for SQLite's write lock here, not inside the steps: a wait that runs out is no
    # failure of this envelope, and the caller answers "try again" (``_later``).
    session.connection()
    try:
        result = attempt(ctx, session, receipt, opened)
    except Contended:  # lost a deadlock: nothing kept; handed back for the next sync
        session.rollback()
        receipts.release(ctx.sessions, [rid])
        return _later(shown)
    try:
        session.commit()
        return result
    except Exception as exc:
        log.exception("envelope quarantined at commit", extra={"code": type(exc).__name__})
        session.rollback()
    try:
        session.expire_all()
        held = session.get(Receipt, rid)
        assert held is not None  # noqa: S101
        quarantine(held, exc_name="CommitFailed")
        session.commit()
    except Exception:  # the database is gone: the lease runs out and recovery takes it up
        session.rollback()
        log.exception("receipt left to its lease")
    return Result.rejected(shown, "envelope.quarantined", QUARANTINED_DETAIL)
