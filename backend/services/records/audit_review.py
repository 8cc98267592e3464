"""Access review: who looked at a child's records, when and why; what a person looked at.

Answers come from the audit log (through its record index) and are exported as JSON or CSV
for the regulator. Asking is itself audited. Entries hold identifiers and codes only, so an
answer names people and agencies but never a child's details; a read's purpose is shown as
its code in words, and a reader's note (sealed with the record) never appears.

An answer is a list of ``Access`` rows (frozen dataclasses): the API dumps them with
``AccessSchema``, the CSV has one column per field, and ``frontline audit query`` prints
them as JSON.
"""

from __future__ import annotations

import csv
import io
import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, cast, false, or_, select
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Session

import crypto
from backend.core.errors import NotFound
from backend.models import Agency, AuditEvent, AuditRecord, Concern, Subject, User
from backend.models.audit import keeps_record_index
from backend.services.concerns.purposes import words as purpose_words
from backend.services.identity.people import db_user_name
from backend.services.linking.subjects import canonical, members
from backend.services.records.audit import Actor, db_audit
from backend.services.records.audit_kinds import kind_of

COLUMNS = (
    "seq",
    "at",
    "action",
    "kind",
    "person_id",
    "person",
    "agency",
    "passkey_id",
    "purpose_code",
    "purpose",
    "records",
    "detail",
)


@dataclass(frozen=True, slots=True)
class RecordRef:
    """A record an entry names. The fields keep the order of the entry's canonical JSON,
    which is the order ``frontline audit query`` prints them in."""

    id: str
    kind: str


@dataclass(frozen=True, slots=True)
class Access:
    """One audit entry as an access review shows it: who, when, why, on which records."""

    seq: int
    at: str  # server time, ISO 8601
    action: str
    kind: str  # its kind under DPA 2018 s.62 (audit_kinds)
    person_id: str | None
    person: str  # their name, "unknown" if gone, or "system"
    agency: str | None
    passkey_id: str | None
    purpose_code: str | None
    purpose: str | None  # the code in words; never free text
    records: tuple[RecordRef, ...]
    # The entry's detail as it was written: codes and ids only, a JSON object whose
    # members depend on the action, so it stays one.
    detail: dict[str, Any]


def _partnership(session: Session, agency_id: uuid.UUID | None) -> uuid.UUID | None:
    agency = session.get(Agency, agency_id) if agency_id else None
    return agency.partnership_id if agency else None


def _entries(session: Session, ring: crypto.KeyRing, where: Any) -> list[Access]:
    entries = list(session.scalars(select(AuditEvent).where(where).order_by(AuditEvent.seq)))
    actors = {e.actor_id for e in entries if e.actor_id}
    people = {
        u.id: db_user_name(session, ring, u)
        for u in session.scalars(select(User).where(User.id.in_(actors)))
    }
    agencies = {a.id: a.name for a in session.scalars(select(Agency))}
    out = []
    for e in entries:
        # The code in words; free text from before purposes were codes is never shown.
        code, said = purpose_words(e.purpose)
        out.append(
            Access(
                seq=e.seq,
                at=e.at.isoformat(),
                action=e.action,
                kind=kind_of(e.action),
                person_id=str(e.actor_id) if e.actor_id else None,
                person=people.get(e.actor_id, "unknown") if e.actor_id else "system",
                agency=agencies.get(e.agency_id) if e.agency_id else None,
                passkey_id=str(e.passkey_id) if e.passkey_id else None,
                purpose_code=code,
                purpose=said,
                records=tuple(RecordRef(id=r["id"], kind=r["kind"]) for r in json.loads(e.records)),
                detail=json.loads(e.detail),
            )
        )
    return out


def db_naming(session: Session, records: list[tuple[str, str]]) -> Select[int]:
    """The entries that name any of these records: on PostgreSQL through the server's own
    index over the entries (GIN), on SQLite through the record index ``audit verify`` checks
    against them."""
    if not keeps_record_index(session.get_bind().dialect.name):
        names = cast(AuditEvent.records, JSONB)
        return select(AuditEvent.seq).where(
            or_(false(), *(names.contains([{"id": i, "kind": k}]) for k, i in records))
        )
    by_kind: dict[str, list[str]] = {}
    for kind, record_id in records:
        by_kind.setdefault(kind, []).append(record_id)
    return select(AuditRecord.seq).where(
        or_(
            false(),
            *(
                (AuditRecord.kind == kind) & AuditRecord.record_id.in_(ids)
                for kind, ids in by_kind.items()
            ),
        )
    )


def subject_accesses(
    session: Session, ring: crypto.KeyRing, *, actor: Actor, subject_id: uuid.UUID
) -> list[Access]:
    """Every audited operation on the child's records (any record merged into theirs)."""
    subject = session.get(Subject, subject_id)
    if subject is None or subject.partnership_id != _partnership(session, actor.agency_id):
        raise NotFound("not_found", "There is no such child in your partnership.")
    ids = members(session, canonical(session, subject_id))
    concern_ids = list(session.scalars(select(Concern.id).where(Concern.subject_id.in_(ids))))
    named = [("subject", str(i)) for i in ids] + [("concern", str(c)) for c in concern_ids]
    found = _entries(session, ring, AuditEvent.seq.in_(db_naming(session, named)))
    db_audit(
        session,
        "audit.reviewed",
        actor=actor,
        records=[("subject", subject_id)],
        detail={"question": "who_accessed_subject", "entries": len(found)},
    )
    session.commit()
    return found


def person_accesses(
    session: Session, ring: crypto.KeyRing, *, actor: Actor, person_id: uuid.UUID
) -> list[Access]:
    """Everything a person did that the log records, in order."""
    person = session.get(User, person_id)
    if person is None or _partnership(session, person.agency_id) != _partnership(
        session, actor.agency_id
    ):
        raise NotFound("not_found", "There is no such person in your partnership.")
    found = _entries(session, ring, AuditEvent.actor_id == person_id)
    db_audit(
        session,
        "audit.reviewed",
        actor=actor,
        records=[("user", person_id)],
        detail={"question": "what_person_accessed", "entries": len(found)},
    )
    session.commit()
    return found


def _cell(value: Any) -> Any:
    # A person's or agency's name is free text: one starting like a formula must stay text
    # in a spreadsheet (CSV injection, OWASP).
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def to_csv(rows: Sequence[Access]) -> str:
    """The answer as CSV, one row per entry, records as kind:id separated by spaces."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    for row in rows:
        cells = {column: getattr(row, column) for column in COLUMNS}
        cells["records"] = " ".join(f"{r.kind}:{r.id}" for r in row.records)
        cells["detail"] = json.dumps(row.detail, sort_keys=True)
        writer.writerow([_cell(cells[c]) for c in COLUMNS])
    return out.getvalue()
