"""One envelope in its savepoint, and how it ended: accepted or answered as a replay by
the steps (``steps.py``), refused, quarantined, or handed back after a lost deadlock. The
caller (``ingest.py``) commits."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, SessionTransaction

from backend.core.db import is_contended
from backend.models import Receipt, ReceiptStatus
from backend.pipeline import receipt as receipts
from backend.pipeline.errors import Rejected
from backend.pipeline.open import Opened
from backend.pipeline.results import Result
from backend.pipeline.steps import QUARANTINED_DETAIL, Existing, db_replay_after, db_steps
from backend.services.records.audit import db_audit_drop, db_audit_mark

if TYPE_CHECKING:
    from backend.pipeline.ingest import Context

log = logging.getLogger("frontline.pipeline")


class Contended(Exception):
    """An envelope's transaction lost a deadlock (PostgreSQL chose it to roll back): its
    savepoint is rolled back, and it is handed back for its phone to send again."""


def quarantine(receipt: Receipt, *, exc_name: str) -> None:
    receipt.status = ReceiptStatus.QUARANTINED
    receipt.lease_until = None
    receipt.error_code = f"server.{exc_name}"[:64]
    receipt.error_detail = None  # messages may quote content; the log has the place


def attempt(
    ctx: Context,
    session: Session,
    receipt: Receipt,
    opened: Opened,
    existing: Existing | None = None,
) -> Result:
    """Run one receipt inside a savepoint and record how it ended; the caller commits.
    ``existing``: the request's replay check, when made for its envelopes together."""
    shown = str(receipt.client_id)
    mark = db_audit_mark(session)
    savepoint = session.begin_nested()
    try:
        result = db_steps(ctx, session, receipt, opened, existing)
        savepoint.commit()
        return result
    except Rejected as rejected:
        _undo(session, savepoint, receipt, mark)
        receipts.db_finish(session, receipt, ReceiptStatus.REJECTED, error=rejected)
        return Result.rejected(shown, rejected.code, rejected.detail)
    except IntegrityError as exc:
        _undo(session, savepoint, receipt, mark)
        return _after_duplicate_key(session, receipt, shown, opened, exc)
    except Exception as exc:  # quarantine: whatever failed, the envelope is kept
        if is_contended(exc):  # no failure of this envelope: it runs again
            _undo(session, savepoint, receipt, mark)
            raise Contended from exc
        log.exception("envelope quarantined", extra={"code": type(exc).__name__})
        _undo(session, savepoint, receipt, mark)
        quarantine(receipt, exc_name=type(exc).__name__)
        return Result.rejected(shown, "envelope.quarantined", QUARANTINED_DETAIL)


def _undo(
    session: Session, savepoint: SessionTransaction, receipt: Receipt, mark: int | None
) -> None:
    """Roll an envelope's savepoint back: its rows, the writes and audit entries waiting
    for the commit, and what the receipt in memory was told (``receipts.db_finish``)."""
    savepoint.rollback()
    if mark is not None:
        db_audit_drop(session, mark)
    session.expire(receipt)


def _after_duplicate_key(
    session: Session, receipt: Receipt, shown: str, opened: Opened, exc: IntegrityError
) -> Result:
    """An envelope whose store met a unique key, rolled back: most likely a record stored
    after the request's replay check (by another worker, or an earlier envelope of this
    request) carries its client_id. Answered as the replay it is, refused as a conflict
    (another's content under that client_id), or quarantined as any failure is."""
    savepoint = session.begin_nested()  # a failure here leaves the transaction usable
    try:
        replay = db_replay_after(session, receipt, opened)
        savepoint.commit()
    except Rejected as rejected:
        _undo(session, savepoint, receipt, None)
        receipts.db_finish(session, receipt, ReceiptStatus.REJECTED, error=rejected)
        return Result.rejected(shown, rejected.code, rejected.detail)
    except Exception as failed:
        _undo(session, savepoint, receipt, None)
        if is_contended(failed):
            raise Contended from failed
        return _quarantined(receipt, shown, failed)
    return replay if replay is not None else _quarantined(receipt, shown, exc)


def _quarantined(receipt: Receipt, shown: str, exc: BaseException) -> Result:
    log.error("envelope quarantined", exc_info=exc, extra={"code": type(exc).__name__})
    quarantine(receipt, exc_name=type(exc).__name__)
    return Result.rejected(shown, "envelope.quarantined", QUARANTINED_DETAIL)
