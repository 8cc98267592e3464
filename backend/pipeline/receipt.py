"""Step 1, receipt: write the envelope durably, in its own transaction, before anything else."""

from __future__ import annotations

import hashlib
import json
import logging
import time
import uuid
from datetime import timedelta
from typing import Any, NamedTuple

from sqlalchemy import bindparam, or_, select, update
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session, make_transient_to_detached, sessionmaker
from sqlalchemy.orm.attributes import set_committed_value

import crypto
from backend.core.db import is_busy, write_deadline
from backend.core.later import db_at_commit
from backend.models import Receipt, ReceiptStatus, insert_into, new_id, table_of, utcnow
from backend.pipeline.errors import Rejected
from backend.pipeline.results import Result
from crypto.encoding import b64url_decode

log = logging.getLogger("frontline.ingest")
FINAL = (ReceiptStatus.ACCEPTED, ReceiptStatus.DUPLICATE, ReceiptStatus.REJECTED)
# Refusals no mending on the server can undo: the sealed bytes themselves do not open, or
# open to no record under this client_id. Dropped at once, with nothing to retry. And
# another's proof: the copy a person who was not its recorder sent, which its recorder's
# own sending brings again (``_hand_over``).
DROPPED_WHEN_REFUSED = frozenset(
    {
        "envelope.alg_unsupported",
        "envelope.client_id_mismatch",
        "envelope.decryption_failed",
        "envelope.epk_invalid",
        "envelope.invalid",
        "envelope.malformed",
        "envelope.payload_not_json",
        "concern.too_deep",
        "proof.not_yours",
    }
)
# Past a request's deadline (20 s by default): its answer still comes within the phone's 30 s.
RELEASE_GRACE_SECONDS = 5


def peek_kid(jwe: str) -> str | None:
    """Read the ``kid`` of an envelope's header without trusting or decrypting anything."""
    try:
        header = json.loads(b64url_decode(jwe.split(".", 1)[0]))
    except (ValueError, IndexError):
        return None
    kid = header.get("kid") if isinstance(header, dict) else None
    return kid[:64] if isinstance(kid, str) else None


class Received(NamedTuple):
    id: uuid.UUID
    client_id: uuid.UUID
    claimed: bool  # this call owns the receipt and must process it now
    # The row as this call inserted it (detached, nothing expired), so that processing it
    # need not read it back; None when the envelope was stored before.
    inserted: Receipt | None = None


class Envelope(NamedTuple):
    """One envelope of a request, as received: what its receipt is made of."""

    client_id: uuid.UUID
    jwe: str


def check_form(item: Any) -> Result | Envelope:
    """An envelope as sent, if it has the form of one: anything else is refused unkept (it
    may be plain text)."""
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
        crypto.check_sealed_form(jwe)
    except crypto.EnvelopeInvalid as exc:
        return Result.rejected(shown, exc.code, str(exc))
    return Envelope(client_id, jwe)


def receive(
    sessions: sessionmaker[Session],
    *,
    client_id: uuid.UUID,
    jwe: str,
    kind: str,
    user_id: uuid.UUID,
    passkey_id: uuid.UUID,
    lease: timedelta,
    target_concern_id: uuid.UUID | None = None,
) -> Received:
    """Store the envelope, or find the same one stored before."""
    row = _row(
        Envelope(client_id, jwe),
        kind=kind,
        user_id=user_id,
        passkey_id=passkey_id,
        lease=lease,
        target=target_concern_id,
    )
    with sessions() as session:
        # Insert first: a new envelope is the common case, and the unique constraint on
        # (client_id, digest) catches replays, including two copies racing in at once.
        try:
            session.execute(insert_into(Receipt), row)
            session.commit()
            return _inserted(row)
        except IntegrityError:
            session.rollback()
        found = _same_envelope(session, client_id, row["jwe_sha256"])
        assert found is not None  # noqa: S101 - the unique constraint says it exists
        return _sent_before(session, found, row, lease=lease)


def receive_many(
    sessions: sessionmaker[Session],
    envelopes: list[Envelope],
    *,
    kind: str,
    user_id: uuid.UUID,
    passkey_id: uuid.UUID,
    lease: timedelta,
    target_concern_id: uuid.UUID | None = None,
) -> list[Received | Rejected]:
    """Store a request's envelopes in one transaction: one read for those sent before, one
    insert for the rest, one commit. Each keeps its own outcome: a replay is found as
    ``receive`` finds it, and one refused (another's ``client_id``) is returned, not raised.

    Should the insert meet a row stored since the read (the same envelope racing in from
    another request, or twice in this one), each envelope is received on its own instead.
    """
    rows = [
        _row(
            one,
            kind=kind,
            user_id=user_id,
            passkey_id=passkey_id,
            lease=lease,
            target=target_concern_id,
        )
        for one in envelopes
    ]
    with sessions() as session:
        found = {
            (r.client_id, r.jwe_sha256): r
            for r in session.scalars(
                select(Receipt).where(Receipt.client_id.in_({e.client_id for e in envelopes}))
            )
        }
        new = [row for row in rows if (row["client_id"], row["jwe_sha256"]) not in found]
        try:
            if new:
                session.execute(insert_into(Receipt), new)
            session.commit()
        except IntegrityError:
            session.rollback()
            pairs = zip(envelopes, rows, strict=True)
            return [_receive_alone(sessions, one, row, lease) for one, row in pairs]
        out: list[Received | Rejected] = []
        for row in rows:
            before = found.get((row["client_id"], row["jwe_sha256"]))
            if before is None:
                out.append(_inserted(row))
                continue
            try:
                out.append(_sent_before(session, before, row, lease=lease))
            except Rejected as rejected:
                out.append(rejected)
        return out


def _receive_alone(
    sessions: sessionmaker[Session], one: Envelope, row: dict[str, Any], lease: timedelta
) -> Received | Rejected:
    try:
        return receive(
            sessions,
            client_id=one.client_id,
            jwe=one.jwe,
            kind=row["kind"],
            user_id=row["user_id"],
            passkey_id=row["passkey_id"],
            lease=lease,
            target_concern_id=row["target_concern_id"],
        )
    except Rejected as rejected:
        return rejected


def _row(
    one: Envelope,
    *,
    kind: str,
    user_id: uuid.UUID,
    passkey_id: uuid.UUID,
    lease: timedelta,
    target: uuid.UUID | None,
) -> dict[str, Any]:
    now = utcnow()
    return {
        "id": new_id(),
        "client_id": one.client_id,
        "kind": kind,
        "target_concern_id": target,
        "user_id": user_id,
        "passkey_id": passkey_id,
        "received_at": now,
        "kid": peek_kid(one.jwe),
        "jwe_sha256": hashlib.sha256(one.jwe.encode("utf-8")).hexdigest(),
        "crypto_jwe": one.jwe,
        "status": ReceiptStatus.PROCESSING,
        "lease_until": now + lease,
        "attempts": 1,
        "error_code": None,
        "error_detail": None,
        "result_id": None,
        "processed_at": None,
    }


def _inserted(row: dict[str, Any]) -> Received:
    """The row just inserted, as an object with every column set, detached: the processing
    step attaches it without a unit of work here or a read there."""
    receipt = Receipt(**row)
    make_transient_to_detached(receipt)
    return Received(receipt.id, receipt.client_id, True, receipt)


def _sent_before(
    session: Session, found: Receipt, row: dict[str, Any], *, lease: timedelta
) -> Received:
    """This very envelope was stored before: by this sender, answer from it; by another,
    take it over if theirs was refused as not their proof (``_hand_over``). ``row``: the
    receipt this request would have inserted."""
    if found.user_id != row["user_id"]:
        if _hand_over(session, found, row, lease=lease):
            return Received(found.id, found.client_id, True)
        # Another request may have taken it over a moment ago (its recorder's phone sending
        # twice at once), or the first sender's attempt may still be running: read it again.
        now = session.get(Receipt, found.id, populate_existing=True)
        if now is not None and now.user_id == row["user_id"]:
            return Received(now.id, now.client_id, False)  # this sender's now: answered so
        if now is not None and now.status is ReceiptStatus.PROCESSING:
            raise Rejected("envelope.in_progress", "The server is busy; sync again shortly.")
        raise Rejected("envelope.client_id_conflict", "This client_id belongs to another record.")
    return Received(found.id, found.client_id, False)


def _hand_over(session: Session, found: Receipt, row: dict[str, Any], *, lease: timedelta) -> bool:
    """Give an envelope refused as someone else's proof to the next person who sends it.

    Whoever captured a sealed envelope and sent it first must not block its recorder: their
    attempt was refused (``proof.not_yours``), and the proof decides again for this sender.
    It is taken as this sender sent it: the kind and the concern their request names, which
    their route has checked they may add to. Kept as the first sender sent it, a concern
    sent first as an addendum would be refused to its recorder for ever, and an addendum
    sent first by someone who may read its concern would be stored for an author who may not.
    """
    now = utcnow()
    result = session.execute(
        update(Receipt)
        .where(
            Receipt.id == found.id,
            Receipt.user_id == found.user_id,
            Receipt.status == ReceiptStatus.REJECTED,
            Receipt.error_code == "proof.not_yours",
        )
        .values(
            # The same bytes (the same digest): the first sender's copy was dropped.
            crypto_jwe=row["crypto_jwe"],
            user_id=row["user_id"],
            passkey_id=row["passkey_id"],
            kind=row["kind"],
            target_concern_id=row["target_concern_id"],
            status=ReceiptStatus.PROCESSING,
            lease_until=now + lease,
            attempts=Receipt.attempts + 1,
            error_code=None,
            error_detail=None,
        )
    )
    session.commit()
    if result.rowcount != 1:  # type: ignore[attr-defined]
        return False
    log.warning("envelope refused as another's proof was sent again by someone else")
    return True


def _same_envelope(session: Session, client_id: uuid.UUID, digest: str) -> Receipt | None:
    return session.scalar(
        select(Receipt).where(Receipt.client_id == client_id, Receipt.jwe_sha256 == digest)
    )


def claim(
    session: Session, receipt_id: uuid.UUID, lease: timedelta, *, force: bool = False
) -> bool:
    """Take a receipt that nobody is processing (quarantined, or its lease ran out).

    ``force`` also takes a rejected one, for an operator's explicit retry.
    """
    now = utcnow()
    takeable = [
        Receipt.status == ReceiptStatus.QUARANTINED,
        (Receipt.status == ReceiptStatus.PROCESSING) & (Receipt.lease_until < now),
    ]
    if force:
        takeable.append(Receipt.status == ReceiptStatus.REJECTED)
    result = session.execute(
        update(Receipt)
        .where(Receipt.id == receipt_id, or_(*takeable), Receipt.crypto_jwe.is_not(None))
        .values(
            status=ReceiptStatus.PROCESSING, lease_until=now + lease, attempts=Receipt.attempts + 1
        )
    )
    session.commit()
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]


def release(sessions: sessionmaker[Session], receipt_ids: list[uuid.UUID]) -> None:
    """Hand back receipts a request held and could not process before its deadline, so
    that the phone's next sync (or a sweep) takes them up at once, not when the lease ends.

    It waits a little longer for SQLite's write lock than the request did; if even that runs
    out, the lease hands them back as it does for a worker that died.
    """
    with write_deadline(time.monotonic() + RELEASE_GRACE_SECONDS), sessions() as session:
        try:
            session.execute(
                update(Receipt)
                .where(Receipt.id.in_(receipt_ids), Receipt.status == ReceiptStatus.PROCESSING)
                .values(lease_until=utcnow())
            )
            session.commit()
        except OperationalError as exc:
            if not is_busy(exc):
                raise
            log.warning("receipts left to their lease", extra={"count": len(receipt_ids)})


# How a receipt ended, written at the commit with the other envelopes' endings
# (``backend/core/later.py``): nothing reads it before then. Each statement's SET clause is
# named by its rows' keys; the second also drops the processed envelope's sealed bytes.
_ENDED = update(table_of(Receipt)).where(table_of(Receipt).c.id == bindparam("receipt_id"))
_ENDED_AND_DROPPED = update(table_of(Receipt)).where(
    table_of(Receipt).c.id == bindparam("receipt_id")
)


def db_finish(
    session: Session,
    receipt: Receipt,
    status: ReceiptStatus,
    *,
    result_id: uuid.UUID | None = None,
    error: Rejected | None = None,
) -> None:
    """Record how a receipt ended, at the commit; an envelope accepted or answered as a
    replay has its sealed bytes dropped. The receipt in memory says so at once, with
    nothing left for the session to flush: a caller that rolls back a savepoint around
    this expires the receipt too (``outcome.py``), as the ending waiting for the commit
    went with the savepoint."""
    ended: dict[str, Any] = {
        "status": status,
        "lease_until": None,
        "processed_at": utcnow(),
        "result_id": result_id,
        "error_code": error.code if error else None,
        "error_detail": error.detail if error else None,
    }
    dropped = status in (ReceiptStatus.ACCEPTED, ReceiptStatus.DUPLICATE) or (
        error is not None and error.code in DROPPED_WHEN_REFUSED
    )
    if dropped:
        ended["crypto_jwe"] = None
    for name, value in ended.items():
        set_committed_value(receipt, name, value)
    statement = _ENDED_AND_DROPPED if dropped else _ENDED
    db_at_commit(session, statement, [{"receipt_id": receipt.id, **ended}])
