"""The pipeline's entry points: ingest a batch, process one receipt (recovery.py retries).

Every envelope gets its own receipt, its own transactions and its own result: one bad
envelope never fails the others. A server-side failure (a bug, the database or key ring
going away) quarantines the receipt with the exception's name, never its content; the
sealed bytes stay until a retry succeeds.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

import crypto
from backend.core.db import is_busy
from backend.core.metrics import count_sync_result
from backend.models import Receipt, ReceiptStatus, User
from backend.pipeline import receipt as receipts
from backend.pipeline.errors import Rejected
from backend.pipeline.kinds import ADDENDUM_SCHEMA as ADDENDUM_SCHEMA  # where callers find it
from backend.pipeline.kinds import CONCERN_SCHEMA as CONCERN_SCHEMA
from backend.pipeline.kinds import KINDS
from backend.pipeline.open import Opened, open_before_storing
from backend.pipeline.results import Result
from backend.pipeline.steps import QUARANTINED_DETAIL, db_steps, result_of
from backend.pipeline.store import Author
from backend.services.identity.webauthn_rp import RelyingParty
from backend.services.records.audit import db_audit_drop, db_audit_mark

log = logging.getLogger("frontline.pipeline")

MAX_ENVELOPES = 50  # docs/contract.md: more in one request is 413 sync.too_many


@dataclass(frozen=True)
class Context:
    sessions: sessionmaker[Session]
    ring: crypto.KeyRing
    rp: RelyingParty
    lease: timedelta = timedelta(seconds=30)
    # user id -> agency id; a person's agency never changes, and a batch has one author
    agencies: dict[uuid.UUID, uuid.UUID] = field(default_factory=dict)

    def author(self, session: Session, user_id: uuid.UUID) -> Author:
        agency_id = self.agencies.get(user_id)
        if agency_id is None:
            user = session.get(User, user_id)
            assert user is not None  # noqa: S101 - receipts belong to users
            agency_id = self.agencies[user_id] = user.agency_id
        return Author(id=user_id, agency_id=agency_id)


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
    results: list[Result | None] = []
    fresh: list[tuple[int, receipts.Received]] = []
    for index, item in enumerate(items):
        received = _receive_one(
            ctx, item, user_id=user_id, passkey_id=passkey_id, kind=kind, target=target_concern_id
        )
        if isinstance(received, Result):
            results.append(received)
        elif received.claimed:
            results.append(None)
            fresh.append((index, received))
        else:  # this very envelope came before: answer from its receipt
            results.append(_replayed(ctx, received))
    if fresh:
        for (index, _), result in zip(
            fresh, process_claimed(ctx, [r for _, r in fresh]), strict=True
        ):
            results[index] = result
    answered = [r for r in results if r is not None]
    for result in answered:  # what the phones were told, by status (docs/operations.md)
        count_sync_result(result.status, result.error.code if result.error else None)
    return answered


def _receive_one(
    ctx: Context,
    item: Any,
    *,
    user_id: uuid.UUID,
    passkey_id: uuid.UUID,
    kind: str,
    target: uuid.UUID | None,
) -> Result | receipts.Received:
    raw_id = item.get("client_id") if isinstance(item, dict) else None
    shown = raw_id if isinstance(raw_id, str) else None
    try:
        client_id = uuid.UUID(str(raw_id))
    except ValueError:
        return Result.rejected(shown, "envelope.malformed", "client_id must be a UUID.")
    jwe = item.get("jwe")
    if not isinstance(jwe, str) or set(item) - {"client_id", "jwe"}:
        return Result.rejected(shown, "envelope.malformed", "Send {client_id, jwe} and no more.")
    if len(jwe) > crypto.MAX_ENVELOPE_BYTES:
        return Result.rejected(shown, "envelope.too_large", "The envelope is over 256 KiB.")
    try:
        # Only what has the form of a sealed envelope is kept: anything else may be plain text.
        crypto.check_sealed_form(jwe)
    except crypto.EnvelopeInvalid as exc:
        return Result.rejected(shown, exc.code, str(exc))
    try:
        return receipts.receive(
            ctx.sessions,
            client_id=client_id,
            jwe=jwe,
            kind=kind,
            user_id=user_id,
            passkey_id=passkey_id,
            lease=ctx.lease,
            target_concern_id=target,
        )
    except Rejected as rejected:
        return Result.rejected(shown, rejected.code, rejected.detail)
    except OperationalError as exc:
        if not is_busy(exc):
            raise
        return _later(shown)  # nothing was stored: the same envelope comes again


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
    """Process receipts this worker holds, each in its own transaction: one envelope's
    commit (its audit entries, its deliveries) never waits for another's work."""
    results, waiting = [], []
    for one in held:
        try:
            results.append(_process_one(ctx, one))
        except OperationalError as exc:
            if not is_busy(exc):
                raise
            results.append(_later(str(one.client_id)))
            if one.inserted is not None:  # ``process`` hands back what it reads itself
                waiting.append(one.id)
    if waiting:
        receipts.release(ctx.sessions, waiting)
    return results


def _process_one(ctx: Context, one: receipts.Received) -> Result:
    if one.inserted is None:  # handed over from another sender: read it, then as above
        return process(ctx, one.id, claimed=True)
    # Before the transaction (open.py): nothing waits on this envelope's CPU work.
    jwe, kind = one.inserted.crypto_jwe or "", one.inserted.kind
    opened = open_before_storing(ctx.ring, jwe, count_language=KINDS[kind].counts_language)
    with ctx.sessions() as session:
        session.add(one.inserted)  # as inserted a moment ago: no need to read it back
        return _attempt_and_commit(ctx, session, one.inserted, opened)


def _attempt_and_commit(ctx: Context, session: Session, receipt: Receipt, opened: Opened) -> Result:
    """Run one receipt and commit; if the commit itself fails (the audit store or the
    database refused), quarantine it in a fresh transaction, or leave it to its lease."""
    # Read before the commit: after a failed one the row's attributes are expired, and
    # reloading them needs the database that may just have gone.
    rid, shown = receipt.id, str(receipt.client_id)
    # Wait for SQLite's write lock here, not inside the steps: a wait that runs out is no
    # failure of this envelope, and the caller answers "try again" (``_later``).
    session.connection()
    result = _attempt(ctx, session, receipt, opened)
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
        _quarantine(held, exc_name="CommitFailed")
        session.commit()
    except Exception:  # the database is gone: the lease runs out and recovery takes it up
        session.rollback()
        log.exception("receipt left to its lease")
    return Result.rejected(shown, "envelope.quarantined", QUARANTINED_DETAIL)


def _quarantine(receipt: Receipt, *, exc_name: str) -> None:
    receipt.status = ReceiptStatus.QUARANTINED
    receipt.lease_until = None
    receipt.error_code = f"server.{exc_name}"[:64]
    receipt.error_detail = None  # messages may quote content; the log has the place


def _attempt(ctx: Context, session: Session, receipt: Receipt, opened: Opened) -> Result:
    """Run one receipt inside a savepoint and record how it ended; the caller commits."""
    mark = db_audit_mark(session)
    savepoint = session.begin_nested()
    try:
        result = db_steps(ctx, session, receipt, opened)
        savepoint.commit()
        return result
    except Rejected as rejected:
        savepoint.rollback()
        db_audit_drop(session, mark)
        receipts.db_finish(session, receipt, ReceiptStatus.REJECTED, error=rejected)
        return Result.rejected(str(receipt.client_id), rejected.code, rejected.detail)
    except Exception as exc:  # quarantine: whatever failed, the envelope is kept
        log.exception("envelope quarantined", extra={"code": type(exc).__name__})
        savepoint.rollback()
        db_audit_drop(session, mark)
        _quarantine(receipt, exc_name=type(exc).__name__)
        return Result.rejected(str(receipt.client_id), "envelope.quarantined", QUARANTINED_DETAIL)
