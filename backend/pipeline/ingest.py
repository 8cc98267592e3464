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

from sqlalchemy import bindparam, select, union_all
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

import crypto
from backend.models import Addendum, Concern, Receipt, ReceiptStatus, User
from backend.pipeline import link as _link  # noqa: F401  (registers the link step)
from backend.pipeline import receipt as receipts
from backend.pipeline import route as _route  # noqa: F401  (registers the route step)
from backend.pipeline.errors import Rejected
from backend.pipeline.open import Opened, open_before_storing
from backend.pipeline.proof import verify_proof
from backend.pipeline.results import Known, Result
from backend.pipeline.store import Author, db_store_addendum, db_store_concern
from backend.pipeline.validate import validate
from backend.schemas.concern import Addendum as AddendumSchema
from backend.schemas.concern import Concern as ConcernSchema
from backend.services.identity.webauthn_rp import RelyingParty
from backend.services.records.audit import Actor, db_audit, db_audit_drop, db_audit_mark

log = logging.getLogger("frontline.pipeline")

MAX_ENVELOPES = 50  # docs/contract.md: more in one request is 413 sync.too_many
# Schemas are stateless once built; building one per envelope cost more than validating.
CONCERN_SCHEMA = ConcernSchema()
ADDENDUM_SCHEMA = AddendumSchema()
QUARANTINED_DETAIL = "Kept safely on the server and retried automatically; do not discard it."


# Whatever already carries a client_id (built once: it runs for every envelope).
_CARRYING = union_all(
    select(Concern.id, Concern.recorder_id, Concern.content_sha256).where(
        Concern.client_id == bindparam("client_id")
    ),
    select(Addendum.id, Addendum.author_id, Addendum.content_sha256).where(
        Addendum.client_id == bindparam("client_id")
    ),
)


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
    rolls back that envelope alone.
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
            results.append(process(ctx, received.id, claimed=False, replay=True))
    if fresh:
        for (index, _), result in zip(
            fresh, process_claimed(ctx, [r for _, r in fresh]), strict=True
        ):
            results[index] = result
    return [r for r in results if r is not None]


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


def _result(receipt: Receipt) -> Result:
    shown = str(receipt.client_id)
    if receipt.status in (ReceiptStatus.ACCEPTED, ReceiptStatus.DUPLICATE):
        status = "accepted" if receipt.status is ReceiptStatus.ACCEPTED else "duplicate"
        if receipt.kind == "addendum":
            return Result(
                shown, status, concern_id=receipt.target_concern_id, addendum_id=receipt.result_id
            )
        return Result(shown, status, concern_id=receipt.result_id)
    if receipt.status is ReceiptStatus.REJECTED:
        return Result.rejected(
            shown, receipt.error_code or "envelope.rejected", receipt.error_detail or ""
        )
    if receipt.status is ReceiptStatus.QUARANTINED:
        return Result.rejected(shown, "envelope.quarantined", QUARANTINED_DETAIL)
    return Result.rejected(shown, "envelope.in_progress", "Being processed; sync again shortly.")


def _answer(receipt: Receipt, *, replay: bool) -> Result:
    result = _result(receipt)
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
    """Take one receipt through open, proof, validate and store; record how it ended.

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
        if not claimed:
            session.expire_all()  # the claim changed the row under the session
            receipt = session.get(Receipt, receipt_id)
            assert receipt is not None  # noqa: S101
        session.commit()  # end the read: opening the envelope holds no lock (open.py)
        opened = open_before_storing(ctx.ring, receipt.crypto_jwe or "", kind=receipt.kind)
        return _attempt_and_commit(ctx, session, receipt, opened)


def process_claimed(ctx: Context, held: list[receipts.Received]) -> list[Result]:
    """Process receipts this worker holds, each in its own transaction: one envelope's
    commit (its audit entries, its deliveries) never waits for another's work."""
    results = []
    for one in held:
        if one.inserted is None:  # handed over from another sender: read it, then as above
            results.append(process(ctx, one.id, claimed=True))
            continue
        # Before the transaction (open.py): nothing waits on this envelope's CPU work.
        jwe, kind = one.inserted.crypto_jwe or "", one.inserted.kind
        opened = open_before_storing(ctx.ring, jwe, kind=kind)
        with ctx.sessions() as session:
            session.add(one.inserted)  # as inserted a moment ago: no need to read it back
            results.append(_attempt_and_commit(ctx, session, one.inserted, opened))
    return results


def _attempt_and_commit(ctx: Context, session: Session, receipt: Receipt, opened: Opened) -> Result:
    """Run one receipt and commit; if the commit itself fails (the audit store or the
    database refused), quarantine it in a fresh transaction, or leave it to its lease."""
    # Read before the commit: after a failed one the row's attributes are expired, and
    # reloading them needs the database that may just have gone.
    rid, shown = receipt.id, str(receipt.client_id)
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
        result = _run(ctx, session, receipt, opened)
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


def _existing(session: Session, client_id: uuid.UUID) -> tuple[uuid.UUID, uuid.UUID, str] | None:
    """Return (id, author, content hash) of whatever already carries this client_id."""
    found = session.execute(_CARRYING, {"client_id": client_id}).first()
    return (found[0], found[1], found[2]) if found else None


def _replay(session: Session, receipt: Receipt, digest: str) -> Result | None:
    """Answer a replay: the same content by the same person is a duplicate, else a conflict."""
    found = _existing(session, receipt.client_id)
    if found is None:
        return None
    found_id, author, content = found
    if author != receipt.user_id or content != digest:
        raise Rejected(
            "envelope.client_id_conflict", "This client_id was used for different content."
        )
    receipts.db_finish(session, receipt, ReceiptStatus.DUPLICATE, result_id=found_id)
    return _result(receipt)


def _run(ctx: Context, session: Session, receipt: Receipt, opened: Opened) -> Result:
    if opened.refused is not None:
        raise opened.refused
    payload = opened.payload
    if payload.get("client_id") != str(receipt.client_id):
        raise Rejected(
            "envelope.client_id_mismatch", "The sealed client_id differs from the one outside."
        )
    challenge = crypto.proof_challenge(payload)
    digest = challenge.hex()
    replay = _replay(session, receipt, digest)
    if replay is not None:
        return replay
    proven = verify_proof(session, ctx.rp, payload, user_id=receipt.user_id, challenge=challenge)
    mark = db_audit_mark(session)
    store = session.begin_nested()
    try:
        result_id, known = _store(ctx, session, receipt, opened, proven)
        store.commit()
    except IntegrityError:
        # Another worker stored the same client_id a moment ago: answer as a replay.
        store.rollback()
        db_audit_drop(session, mark)
        replay = _replay(session, receipt, digest)
        if replay is None:
            raise
        return replay
    except BaseException:
        store.rollback()  # leave no half-open savepoint behind for the caller's
        db_audit_drop(session, mark)
        raise
    receipts.db_finish(session, receipt, ReceiptStatus.ACCEPTED, result_id=result_id)
    result = _result(receipt)
    result.known = known
    return result


def _store(
    ctx: Context, session: Session, receipt: Receipt, opened: Opened, proven: Any
) -> tuple[uuid.UUID, Known | None]:
    """Validate and store a concern or addendum with its audit entry; return its id and
    whom the recorder should contact, if the child is already known."""
    known = None
    payload = opened.payload
    author = ctx.author(session, receipt.user_id)
    actor = Actor(user_id=author.id, agency_id=author.agency_id, passkey_id=proven.passkey.id)
    if receipt.kind == "addendum":
        loaded = validate(ADDENDUM_SCHEMA, payload)
        concern = session.get(Concern, receipt.target_concern_id)
        if concern is None or loaded["concern_id"] != concern.id:
            raise Rejected("addendum.concern_mismatch", "The addendum names another concern.")
        result_id = db_store_addendum(
            session,
            ctx.ring,
            payload=payload,
            loaded=loaded,
            proven=proven,
            receipt=receipt,
            author=author,
            concern=concern,
        ).id
        db_audit(
            session,
            "concern.addendum_collected",
            actor=actor,
            records=[("concern", concern.id), ("addendum", result_id), ("receipt", receipt.id)],
            # When it happened by the recorder's phone; the entry's own time is the server's.
            detail={"device_at": loaded["recorded_at"].isoformat()},
        )
    else:
        loaded = validate(CONCERN_SCHEMA, payload)
        stored = db_store_concern(
            session,
            ctx.ring,
            payload=payload,
            loaded=loaded,
            proven=proven,
            receipt=receipt,
            recorder=author,
            language_flags=opened.language_flags,
        )
        result_id, known = stored.concern.id, stored.told.known
        db_audit(
            session,
            "concern.collected",
            actor=actor,
            records=[("concern", result_id), ("receipt", receipt.id)],
            detail={
                "late": stored.concern.late,
                "level": stored.concern.level,
                "device_at": loaded["recorded_at"].isoformat(),
            },
        )
    return result_id, known
