"""Check the audit chain end to end, and sign checkpoints of it.

Verification replays the chain: every entry must follow the one before (its sequence and
its ``prev_hash``), its stored ``body`` must still hash to its stored ``hash``, and it must
agree with every signed checkpoint; the head must name the last entry; the columns read
from the bodies must still be derived from them. The first entry where any of that fails is
named, with what most likely happened to it.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, TypeAlias

from sqlalchemy import Row, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

import crypto
from backend.models import (
    AuditCheckpoint,
    AuditEvent,
    AuditHead,
    AuditRecord,
    table_of,
    utcnow,
)
from backend.models.audit import keeps_record_index
from backend.services.records.audit import db_audit_flush
from backend.services.records.audit_scan import derived_columns_problem, log_is_intact

_EVENTS = table_of(AuditEvent)
_CHECKPOINTS = table_of(AuditCheckpoint)
_RECORDS = table_of(AuditRecord)


# An entry as the JSON object its hash covers (seq, at, action, actor_id, agency_id,
# passkey_id, records, purpose, detail): it is what is hashed and signed, byte for byte
# in canonical form, so it stays that document and is never a view.
EntryBody: TypeAlias = dict[str, Any]


def entry_of(row: Row[Any]) -> EntryBody:
    """A stored entry as the JSON object its hash covers."""
    return dict(json.loads(row.body))


@dataclass(frozen=True)
class Verdict:
    """The outcome of ``verify``: counts, and the first bad entry with what is wrong."""

    entries: int
    checkpoints: int
    first_bad: int | None = None
    problem: str | None = None

    @property
    def ok(self) -> bool:
        return self.problem is None


def _rows(session: Session, batch: int) -> Iterator[tuple[Row[Any], set[tuple[str, str]]]]:
    """Stream the log in sequence order, a batch at a time (keyset, not OFFSET), each entry
    with the records the index holds for it."""
    after = 0
    while True:
        rows = session.execute(
            select(_EVENTS).where(_EVENTS.c.seq > after).order_by(_EVENTS.c.seq).limit(batch)
        ).all()
        if not rows:
            return
        indexed: dict[int, set[tuple[str, str]]] = {}
        if not keeps_record_index(session.get_bind().dialect.name):
            for row in rows:
                yield row, {(r["kind"], r["id"]) for r in json.loads(row.records)}
            after = rows[-1].seq
            continue
        for seq, kind, record_id in session.execute(
            select(_RECORDS.c.seq, _RECORDS.c.kind, _RECORDS.c.record_id).where(
                _RECORDS.c.seq > after, _RECORDS.c.seq <= rows[-1].seq
            )
        ):
            indexed.setdefault(seq, set()).add((kind, record_id))
        for row in rows:
            yield row, indexed.get(row.seq, set())
        after = rows[-1].seq


def verify(
    session: Session, ring: crypto.KeyRing, *, batch: int = 5_000, workers: int | None = None
) -> Verdict:
    """Check the whole chain and every checkpoint; name the first entry that fails.

    The fast scan proves an intact log; only a log it doubts is walked entry by entry."""
    checkpoints = {c.seq: c for c in session.execute(select(_CHECKPOINTS)).all()}
    for seq in sorted(checkpoints):
        c = checkpoints[seq]
        if not crypto.verify_checkpoint(
            ring, key_id=c.key_id, seq=c.seq, digest=c.hash, at=c.at, signature=c.signature
        ):
            return Verdict(0, len(checkpoints), seq, f"checkpoint {seq} has a bad signature")
    intact, entries = log_is_intact(session, batch=batch, workers=workers)
    if intact:
        return Verdict(entries, len(checkpoints))
    # Doubted: a column no longer derived from the entries is no entry's fault, and the
    # walk, which reads the entries, would not see it.
    derived = derived_columns_problem(session)
    if derived is not None:
        return Verdict(0, len(checkpoints), None, derived)
    return _walk(session, checkpoints, batch)


def _walk(session: Session, checkpoints: dict[int, Row[Any]], batch: int) -> Verdict:
    """Replay the chain in Python, entry by entry, to name the first that fails and why."""
    previous, before_previous = crypto.GENESIS, None
    expected = 1
    index_problem: tuple[int, str] | None = None
    for row, indexed in _rows(session, batch):
        if row.seq != expected:
            return Verdict(
                expected - 1,
                len(checkpoints),
                expected,
                (
                    f"entry {expected} is missing: removed from the log"
                    if row.seq > expected
                    else f"entry {row.seq} appears twice or out of order"
                ),
            )
        if row.prev_hash != previous:
            if row.prev_hash == before_previous:
                problem = (
                    f"entry {expected - 1} was inserted: entry {expected} follows the one before it"
                )
                return Verdict(expected - 1, len(checkpoints), expected - 1, problem)
            return Verdict(
                expected - 1,
                len(checkpoints),
                expected,
                (
                    f"entry {expected} does not follow entry {expected - 1}: "
                    "entries were reordered, removed or inserted here"
                ),
            )
        digest = crypto.chain_digest(previous, row.body.encode())
        if digest != row.hash:
            return Verdict(
                expected - 1,
                len(checkpoints),
                expected,
                f"entry {expected} was altered: its content no longer matches its hash",
            )
        if index_problem is None and indexed != {
            (r["kind"], r["id"]) for r in json.loads(row.records)
        }:
            # Reported only if the chain itself holds: a broken chain explains more.
            index_problem = (
                expected,
                f"entry {expected}'s record index was altered: "
                "access reviews would miss or invent records",
            )
        checkpoint = checkpoints.get(expected)
        if checkpoint is not None and checkpoint.hash != digest:
            return Verdict(
                expected - 1,
                len(checkpoints),
                expected,
                (
                    f"entry {expected} disagrees with the checkpoint signed at {checkpoint.at}: "
                    "the log was rewritten at or before it"
                ),
            )
        before_previous, previous = previous, digest
        expected += 1
    last = expected - 1
    head = session.execute(select(AuditHead.seq, AuditHead.hash).where(AuditHead.id == 1)).one()
    beyond = [seq for seq in checkpoints if seq > last]
    if beyond:
        return Verdict(
            last,
            len(checkpoints),
            last + 1,
            (
                f"checkpoint {min(beyond)} names an entry the log no longer has: "
                f"entries after {last} were removed"
            ),
        )
    if head.seq != last or head.hash != previous:
        return Verdict(
            last,
            len(checkpoints),
            last + 1 if head.seq > last else last,
            (
                f"the log ends at entry {last} but its head says {head.seq}: "
                "entries were removed from the end, or the head was moved"
            ),
        )
    if index_problem is not None:
        return Verdict(last, len(checkpoints), *index_problem)
    if not keeps_record_index(session.get_bind().dialect.name):
        return Verdict(last, len(checkpoints))
    orphans = session.execute(select(_RECORDS.c.seq).where(_RECORDS.c.seq > last).limit(1)).first()
    if orphans is not None:
        return Verdict(
            last,
            len(checkpoints),
            orphans.seq,
            f"the record index names entry {orphans.seq}, which the log does not have",
        )
    return Verdict(last, len(checkpoints))


def db_checkpoint(session: Session, ring: crypto.KeyRing) -> int | None:
    """Sign the chain's current head, unless it is empty or already signed; the caller
    commits. Returns the sequence number signed."""
    db_audit_flush(session)
    head = session.execute(select(AuditHead.seq, AuditHead.hash).where(AuditHead.id == 1)).one()
    if head.seq == 0 or session.get(AuditCheckpoint, head.seq) is not None:
        return None
    at = utcnow().isoformat()
    key_id, signature = crypto.sign_checkpoint(ring, seq=head.seq, digest=head.hash, at=at)
    session.execute(
        insert(_CHECKPOINTS),
        {"seq": head.seq, "hash": head.hash, "at": at, "key_id": key_id, "signature": signature},
    )
    return int(head.seq)


def checkpoint(sessions: sessionmaker[Session], ring: crypto.KeyRing) -> int | None:
    """Sign the chain's head in its own transaction; another host signing the same head at
    the same moment is not an error."""
    with sessions() as session:
        try:
            seq = db_checkpoint(session, ring)
            session.commit()
        except IntegrityError:
            session.rollback()
            return None
    return seq
