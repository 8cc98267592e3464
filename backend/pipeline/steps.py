"""One envelope through the pipeline, top to bottom: ``db_steps``.

Step 1, receive, committed the envelope's receipt in its own transaction before anything
else (``receipt.py``), and step 2, open, ran before the envelope's transaction began
(``open.py``); ``db_steps`` takes the envelope from there, in that transaction, through
proof, validation, store, route, link, missing episodes and its audit entry. What differs
between a concern and an addendum is named in ``kinds.py``, not here.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from sqlalchemy import union_all
from sqlalchemy.orm import Session

import crypto
from backend.core.db import chunks
from backend.core.jsontext import Document
from backend.models import Receipt, ReceiptStatus
from backend.pipeline import receipt as receipts
from backend.pipeline.errors import Rejected
from backend.pipeline.kinds import KINDS, Kind, answer, kind_of
from backend.pipeline.open import Opened
from backend.pipeline.proof import verify_proof
from backend.pipeline.results import Result
from backend.pipeline.route import db_route
from backend.pipeline.store import Sealed, Stored
from backend.pipeline.validate import validate
from backend.services.records.audit import Actor, db_audit

if TYPE_CHECKING:
    from backend.pipeline.ingest import Context

QUARANTINED_DETAIL = "Kept safely on the server and retried automatically; do not discard it."

# Whatever already carries some client_ids, of any kind (built once: it runs for every
# request).
_CARRYING = union_all(*(kind.carrying for kind in KINDS.values()))

# client_id -> (id, author, content hash) of the record that carries it.
Existing = dict[uuid.UUID, tuple[uuid.UUID, uuid.UUID, str]]


def db_existing(session: Session, client_ids: list[uuid.UUID]) -> Existing:
    """The records already carrying any of these client_ids: a request's replay check, one
    statement for its envelopes together (``ingest._process_together``)."""
    found: Existing = {}
    for chunk in chunks(sorted(set(client_ids), key=str)):
        for client_id, record_id, author, content in session.execute(_CARRYING, {"ids": chunk}):
            # The first, in the kinds' order, as the check of one client_id always took.
            found.setdefault(client_id, (record_id, author, content))
    return found


def db_steps(
    ctx: Context,
    session: Session,
    receipt: Receipt,
    opened: Opened,
    existing: Existing | None = None,
) -> Result:
    """Take one received, opened envelope through the steps, in order, inside the caller's
    transaction; the caller commits. A refusal raises ``Rejected``, anything else is a
    server failure; either way the caller rolls this envelope back (``ingest.py``).
    ``existing``: the replay check, made for the transaction's envelopes together (of
    client_ids the request carries once); a record stored since by another worker is met
    by the store instead, and answered by ``db_replay_after``."""
    payload = _as_sent(receipt, opened)
    # A synced envelope is what its schema says; its receipt answers replays as that kind.
    # Set only when it differs: an attribute set, even to its own value, has the session
    # flush the receipt before the envelope's next statement (4 % of ingest, for nothing).
    named = kind_of(receipt, payload)
    if receipt.kind != named:
        receipt.kind = named
    kind = KINDS[receipt.kind]
    challenge = crypto.proof_challenge(payload)
    if existing is None:
        existing = db_existing(session, [receipt.client_id])
    replay = _db_replay(session, receipt, challenge.hex(), existing)
    if replay is not None:
        return replay
    proven = verify_proof(session, ctx.rp, payload, user_id=receipt.user_id, challenge=challenge)
    author = ctx.author(session, receipt.user_id)
    if kind.by_recorders and not author.records:
        raise Rejected(
            "sync.not_a_recorder",
            "Only a person who records (the recorder role) may send this record.",
        )
    loaded = validate(kind.schema, payload, codes=kind.codes)
    sealed = Sealed(payload, loaded, proven, receipt, author, opened.language_flags)
    # Another worker storing the same client_id a moment ago makes this raise IntegrityError:
    # the caller rolls the envelope back and answers it as a replay (``db_replay_after``).
    stored = kind.store(session, ctx.ring, sealed)
    # Routing first: linking holds its locks (the concern's identifiers and child) until
    # the commit, and routing needs nothing linking finds.
    if kind.routed:
        db_route(session, stored)
    if kind.link is not None:
        kind.link(session, stored)
    # After link: the child is known, and its locks held (a concern's, by linking).
    kind.episode(session, stored)
    db_audit(
        session,
        kind.collected,
        actor=Actor(user_id=author.id, agency_id=author.agency_id, passkey_id=proven.passkey.id),
        records=[*stored.records, ("receipt", receipt.id)],
        # When it happened by the recorder's phone; the entry's own time is the server's.
        detail=_collected(kind, stored),
    )
    receipts.db_finish(session, receipt, ReceiptStatus.ACCEPTED, result_id=stored.id)
    result = result_of(receipt)
    result.known = stored.told.known
    return result


def db_replay_after(session: Session, receipt: Receipt, opened: Opened) -> Result | None:
    """After a store refused as a duplicate key, and the envelope rolled back: the answer
    to a replay, if another worker stored the same client_id a moment ago; else None."""
    if opened.refused is not None:
        return None
    receipt.kind = kind_of(receipt, opened.payload)  # as db_steps set it, rolled back since
    digest = crypto.proof_challenge(opened.payload).hex()
    return _db_replay(session, receipt, digest, db_existing(session, [receipt.client_id]))


def _as_sent(receipt: Receipt, opened: Opened) -> Document:
    """The payload opened (step 2), if it opened and names the client_id sent outside it."""
    if opened.refused is not None:
        raise opened.refused
    if opened.payload.get("client_id") != str(receipt.client_id):
        raise Rejected(
            "envelope.client_id_mismatch", "The sealed client_id differs from the one outside."
        )
    return opened.payload


def _collected(kind: Kind, stored: Stored) -> dict[str, Any]:
    facts = {fact: getattr(stored.concern, fact) for fact in kind.audited}
    return {**facts, "device_at": stored.loaded["recorded_at"].isoformat()}


def _db_replay(
    session: Session, receipt: Receipt, digest: str, existing: Existing
) -> Result | None:
    """Answer a replay: the same content by the same person is a duplicate, else a conflict."""
    found = existing.get(receipt.client_id)
    if found is None:
        return None
    found_id, author, content = found
    if author != receipt.user_id or content != digest:
        raise Rejected(
            "envelope.client_id_conflict", "This client_id was used for different content."
        )
    receipts.db_finish(session, receipt, ReceiptStatus.DUPLICATE, result_id=found_id)
    return result_of(receipt)


def result_of(receipt: Receipt) -> Result:
    """What the phone is told of a receipt, as it stands."""
    shown = str(receipt.client_id)
    if receipt.status in (ReceiptStatus.ACCEPTED, ReceiptStatus.DUPLICATE):
        status = "accepted" if receipt.status is ReceiptStatus.ACCEPTED else "duplicate"
        return answer(receipt, status)
    if receipt.status is ReceiptStatus.REJECTED:
        return Result.rejected(
            shown, receipt.error_code or "envelope.rejected", receipt.error_detail or ""
        )
    if receipt.status is ReceiptStatus.QUARANTINED:
        return Result.rejected(shown, "envelope.quarantined", QUARANTINED_DETAIL)
    return Result.rejected(shown, "envelope.in_progress", "Being processed; sync again shortly.")
