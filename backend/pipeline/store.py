"""Step 5, store: a concern sealed under its own data key, facts in plain columns; an
addendum sealed under its concern's key."""

from __future__ import annotations

import json
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

import crypto
from backend.core.jsontext import Document
from backend.models import (
    Addendum,
    Agency,
    Concern,
    ConcernCategory,
    ConcernIdentifier,
    ConcernIndicator,
    Receipt,
    insert_into,
    new_id,
    utcnow,
)
from backend.pipeline.errors import Rejected
from backend.pipeline.proof import Proven
from backend.pipeline.results import Known
from backend.pipeline.validate import Loaded
from backend.schemas.concern import age_on
from backend.services.linking import blind_keys
from backend.services.linking.blind_keys import IdentifierRow
from backend.services.linking.identifiers import blind_identifiers
from backend.services.linking.record_keys import db_add_keys
from backend.services.records.sealed import db_data_key, db_new_data_key, seal
from crypto import normalise

LATE_AFTER = timedelta(hours=72)


@dataclass(frozen=True)
class Author:
    """Who sealed a concern or addendum: the person and their agency."""

    id: uuid.UUID
    agency_id: uuid.UUID
    records: bool = True  # holds the recorder role (``kinds.Kind.by_recorders``)


@dataclass(frozen=True)
class AgencyFacts:
    """What later steps need of the recorder's agency; agencies are never renamed or moved."""

    id: uuid.UUID
    partnership_id: uuid.UUID
    name: str
    kind: str


_AGENCIES: dict[uuid.UUID, AgencyFacts] = {}


def agency_facts(session: Session, agency_id: uuid.UUID) -> AgencyFacts:
    """The agency's facts, read once per process (the session's identity map forgets an
    object as soon as no step holds it, so each step would read it again)."""
    facts = _AGENCIES.get(agency_id)
    if facts is None:
        agency = session.get(Agency, agency_id)
        assert agency is not None  # noqa: S101 - recorders belong to agencies
        facts = AgencyFacts(agency.id, agency.partnership_id, agency.name, agency.kind.value)
        if len(_AGENCIES) >= 4096:  # a bound, far above any partnership's agencies
            _AGENCIES.clear()
        _AGENCIES[agency_id] = facts
    return facts


@dataclass(frozen=True)
class Sealed:
    """An envelope that passed its proof and validation: what the store step writes."""

    payload: Document  # as the recorder sealed it
    loaded: Loaded  # as validated
    proven: Proven
    receipt: Receipt
    author: Author
    language_flags: dict[str, int]  # counted when it was opened (a concern's narrative)


@dataclass(slots=True)
class Told:
    """What later steps tell the recorder, set by them inside the store transaction."""

    known: Known | None = None  # the link step: the child is already known
    # The route step: the inboxes its deliveries went to, each as often as sent to (what
    # ``known.routed_of`` would read back).
    routed: Counter[uuid.UUID] | None = None


@dataclass(frozen=True)
class Stored:
    """A record as stored: what the later steps and the audit entry read."""

    id: uuid.UUID  # the stored record's: the concern's, or the addendum's
    records: tuple[tuple[str, uuid.UUID], ...]  # what the audit entry names, as it names them
    # The concern stored, or the one an addendum or return interview adds to; None for a
    # suspicion, which adds to none (``the_concern`` for the kinds that always have one).
    concern: Concern | None
    agency: AgencyFacts  # the author's
    identifiers: list[IdentifierRow]  # the rows written to concern_identifiers
    payload: Document  # as the recorder sealed it
    loaded: Loaded  # as validated
    told: Told = field(default_factory=Told)

    @property
    def the_concern(self) -> Concern:
        """The concern, for the steps only a concern's kinds run (route, link, episodes)."""
        assert self.concern is not None  # noqa: S101 - KINDS gives those steps to them only
        return self.concern


def _district(postcode: str | None) -> str | None:
    return normalise.postcode(postcode)[:-3] if postcode else None


def _age(subject: dict[str, Any], recorded_at: datetime) -> int | None:
    dob = subject.get("date_of_birth")
    if dob is not None:
        return age_on(dob, recorded_at.date())
    age = subject.get("approx_age")
    return int(age) if age is not None else None


def identifier_rows(
    ring: crypto.KeyRing,
    loaded: Loaded,
    *,
    subject: dict[str, Any] | None,
    concern_id: uuid.UUID,
    addendum_id: uuid.UUID | None = None,
    return_interview_id: uuid.UUID | None = None,
) -> list[IdentifierRow]:
    """The rows of concern_identifiers for what a record names: a concern's child and
    associated[], or (``subject=None``) an addendum's or return interview's associated[],
    kept under the concern they add to."""
    # Under every blind key of the ring: one, except while a rotation is re-indexing.
    rows = []
    for indexer in blind_keys.indexers(ring):
        found = blind_identifiers(
            indexer,
            subject=subject,
            associated=loaded.get("associated") or [],
            recorded_at=loaded["recorded_at"],
        )
        rows += [
            {
                "id": new_id(),
                "concern_id": concern_id,
                "addendum_id": addendum_id,
                "return_interview_id": return_interview_id,
                "role": role,
                "kind": kind,
                "blind_index": index,
                "key_id": indexer.key_id,
            }
            for role, kind, index in found
        ]
    return rows


def seal_document(
    key: crypto.DataKey, payload: Document, *, table: str, row_id: uuid.UUID
) -> bytes:
    """The record as its author sealed it (canonical JSON, proof and all), sealed at rest."""
    return seal(
        key, crypto.canonical_json(payload).decode(), table=table, row_id=row_id, field="document"
    )


def insert_many(session: Session, model: Any, rows: list[dict[str, Any]]) -> None:
    if rows:
        session.execute(insert_into(model), rows)


def db_add_named(session: Session, concern: Concern, rows: list[IdentifierRow]) -> None:
    """Insert the identifier rows of a record that adds to a concern (an addendum, a return
    interview), and give the concern's child the keys they name. They name things for the
    concern, at its time: what the concern (or an earlier addition) names is counted already."""
    if concern.subject_id is not None:
        named = set(
            session.execute(
                select(
                    ConcernIdentifier.role, ConcernIdentifier.kind, ConcernIdentifier.blind_index
                ).where(ConcernIdentifier.concern_id == concern.id)
            )
        )
        db_add_keys(
            session,
            concern.subject_id,
            concern.id,
            concern.recorded_at,
            [r for r in rows if (r["role"], r["kind"], r["blind_index"]) not in named],
        )
    insert_many(session, ConcernIdentifier, rows)


def db_store_concern(session: Session, ring: crypto.KeyRing, sealed: Sealed) -> Stored:
    """Insert the concern and its facts; the caller commits.

    Plain inserts rather than tracked objects: a concern is written once and never updated,
    and this is the ingest hot path.
    """
    payload, loaded, proven, receipt = sealed.payload, sealed.loaded, sealed.proven, sealed.receipt
    recorder = sealed.author
    blind_keys.db_check_ring(session, ring)
    concern_id = new_id()
    key = db_new_data_key(session, ring)
    now = utcnow()
    subject = loaded["subject"]
    location = loaded.get("location") or {}
    row = {
        "id": concern_id,
        "client_id": loaded["client_id"],
        "content_sha256": proven.content_sha256,
        "recorder_id": recorder.id,
        "recorder_agency_id": recorder.agency_id,
        "passkey_id": proven.passkey.id,
        "proof_sign_count": proven.sign_count,
        "receipt_id": receipt.id,
        "recorded_at": loaded["recorded_at"],
        "received_at": now,
        "late": now - loaded["recorded_at"] > LATE_AFTER,
        "setting": loaded["setting"],
        "source": loaded["source"],
        "level": loaded["level"],
        "subject_age": _age(subject, loaded["recorded_at"]),
        "subject_legal_status": subject.get("legal_status"),
        "location_district": _district(location.get("postcode")),
        "missing_police_risk": (loaded.get("missing") or {}).get("police_risk"),
        "consent": loaded["sharing"]["consent"],
        "actions_taken": json.dumps(loaded.get("actions_taken") or []),
        # Counted before the transaction began (pipeline/open.py), stored in it.
        "language_flags": json.dumps(sealed.language_flags, sort_keys=True),
        "data_key_id": uuid.UUID(key.id),
        "crypto_document": seal_document(key, payload, table="concerns", row_id=concern_id),
    }
    session.execute(insert_into(Concern), row)
    insert_many(
        session,
        ConcernCategory,
        [{"concern_id": concern_id, "category": c} for c in loaded["categories"]],
    )
    insert_many(
        session,
        ConcernIndicator,
        [
            {
                "concern_id": concern_id,
                "code": i["code"],
                "present": i["present"],
                "basis": i["basis"],
            }
            for i in loaded.get("indicators") or []
        ],
    )
    identifiers = identifier_rows(ring, loaded, subject=subject, concern_id=concern_id)
    insert_many(session, ConcernIdentifier, identifiers)
    # Later steps read the concern as an object; it is not tracked by the session.
    stored = Stored(
        id=concern_id,
        records=(("concern", concern_id),),
        concern=Concern(**row),
        agency=agency_facts(session, recorder.agency_id),
        identifiers=identifiers,
        payload=payload,
        loaded=loaded,
    )
    return stored


def db_store_addendum(session: Session, ring: crypto.KeyRing, sealed: Sealed) -> Stored:
    """Insert an addendum, sealed under its concern's data key so both shred together."""
    payload, loaded, proven, receipt = sealed.payload, sealed.loaded, sealed.proven, sealed.receipt
    author = sealed.author
    concern = session.get(Concern, receipt.target_concern_id)
    if concern is None or loaded["concern_id"] != concern.id:
        raise Rejected("addendum.concern_mismatch", "The addendum names another concern.")
    blind_keys.db_check_ring(session, ring)
    addendum_id = new_id()
    key = db_data_key(session, ring, concern.data_key_id)
    addendum = Addendum(
        id=addendum_id,
        client_id=loaded["client_id"],
        content_sha256=proven.content_sha256,
        concern_id=concern.id,
        author_id=author.id,
        author_agency_id=author.agency_id,
        passkey_id=proven.passkey.id,
        proof_sign_count=proven.sign_count,
        receipt_id=receipt.id,
        recorded_at=loaded["recorded_at"],
        received_at=utcnow(),
        crypto_document=seal_document(key, payload, table="addenda", row_id=addendum_id),
    )
    session.add(addendum)
    session.flush()
    rows = identifier_rows(
        ring, loaded, subject=None, concern_id=concern.id, addendum_id=addendum_id
    )
    db_add_named(session, concern, rows)
    return Stored(
        id=addendum_id,
        records=(("concern", concern.id), ("addendum", addendum_id)),
        concern=concern,
        agency=agency_facts(session, author.agency_id),
        identifiers=rows,
        payload=payload,
        loaded=loaded,
    )
