"""Steps 5 and 7 for a suspicion (``frontline.suspicion/1``), a record about people, cars,
phones, places and accounts, and children if known, that adds to no concern.

Store: any recorder may record one; it is sealed under a data key of its own, its facts
(basis, level, how many children) in plain columns, and everything it names blind-indexed
(``suspicion_identifiers``); the rules' ``[suspicions]`` send it to inboxes, one the owner
who must answer by a deadline (``services/suspicions/routing.py``). Link: a suspicion
naming what an earlier one names is a match for it, and it counts in the open network
alerts resting on what it names (``services/suspicions/matching.py``).

A concern or return interview does the same to suspicions after its own link step:
``and_suspicions`` wraps that step in the KINDS table.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.orm import Session

import crypto
from backend.models import Suspicion, SuspicionIdentifier, insert_into, new_id, utcnow
from backend.pipeline.store import Sealed, Stored, agency_facts, seal_document
from backend.pipeline.validate import Loaded
from backend.services.concerns.rules import db_active
from backend.services.linking import blind_keys
from backend.services.records.sealed import db_new_data_key
from backend.services.suspicions import keys, matching, routing

Link = Callable[[Session, Stored], None]


def db_store_suspicion(session: Session, ring: crypto.KeyRing, sealed: Sealed) -> Stored:
    """Insert the suspicion, its identifiers and its recipients; the caller commits."""
    payload, loaded, proven = sealed.payload, sealed.loaded, sealed.proven
    author = sealed.author
    agency = agency_facts(session, author.agency_id)
    active = db_active(session, agency.partnership_id)
    blind_keys.db_check_ring(session, ring)
    suspicion_id = new_id()
    key = db_new_data_key(session, ring)
    now = utcnow()
    plan = routing.plan(active, now)
    row = {
        "id": suspicion_id,
        "client_id": loaded["client_id"],
        "content_sha256": proven.content_sha256,
        "partnership_id": agency.partnership_id,
        "recorder_id": author.id,
        "recorder_agency_id": author.agency_id,
        "passkey_id": proven.passkey.id,
        "proof_sign_count": proven.sign_count,
        "receipt_id": sealed.receipt.id,
        "recorded_at": loaded["recorded_at"],
        "received_at": now,
        "basis": loaded["basis"],
        "level": loaded["level"],
        "children": len(loaded["children"]),
        "data_key_id": uuid.UUID(key.id),
        "crypto_document": seal_document(key, payload, table="suspicions", row_id=suspicion_id),
        "owner_inbox_id": plan.owner_inbox_id,
        "status": "open",
        "due_at": plan.due,
        "chain_step": 0,
        "next_deadline": plan.due,
        "matches": 0,
    }
    session.execute(insert_into(Suspicion), row)
    rows = [
        {
            "id": new_id(),
            "suspicion_id": suspicion_id,
            "partnership_id": agency.partnership_id,
            "role": role,
            "kind": kind,
            "blind_index": index,
            "key_id": indexer.key_id,
            "recorded_at": loaded["recorded_at"],
        }
        for indexer in blind_keys.indexers(ring)
        for role, kind, index in _named(indexer, loaded)
    ]
    if rows:
        session.execute(insert_into(SuspicionIdentifier), rows)
    suspicion = session.get(Suspicion, suspicion_id)
    assert suspicion is not None  # noqa: S101 - inserted above
    routing.db_send(
        session,
        active,
        suspicion,
        plan.targets,
        step=0,
        reason="Routed by the partnership's rules for suspicions",
        now=now,
    )
    return Stored(
        id=suspicion_id,
        records=(("suspicion", suspicion_id),),
        concern=None,
        agency=agency,
        identifiers=[],  # kept in suspicion_identifiers, not concern_identifiers
        payload=payload,
        loaded=loaded,
    )


def _named(indexer: crypto.BlindIndexer, loaded: Loaded) -> list[tuple[str, str, str]]:
    return keys.named(
        indexer,
        children=loaded["children"],
        associated=loaded["associated"],
        recorded_at=loaded["recorded_at"],
    )


def db_link_suspicion(session: Session, stored: Stored) -> None:
    """An earlier suspicion naming what this one names is matched (and reopened if it was
    answered); open network alerts resting on what it names count it."""
    active = db_active(session, stored.agency.partnership_id)
    suspicion = session.get(Suspicion, stored.id)
    assert suspicion is not None  # noqa: S101 - stored in this transaction
    held = {
        (role, kind, index)
        for role, kind, index in session.execute(
            select(
                SuspicionIdentifier.role, SuspicionIdentifier.kind, SuspicionIdentifier.blind_index
            ).where(SuspicionIdentifier.suspicion_id == stored.id)
        )
    }
    matching.db_match(
        session, active, record=("suspicion", stored.id), held=held, besides=stored.id
    )
    matching.db_count_for_suspicion(session, active, suspicion)


def and_suspicions(link: Link, record_kind: str) -> Link:
    """A kind's link step, then what the record does to suspicions: matches them, and has
    the network alerts its concern is evidence of count them."""

    def linked(session: Session, stored: Stored) -> None:
        link(session, stored)
        matching.db_after_record(
            session,
            stored.agency.partnership_id,
            record=(record_kind, stored.id),
            held=[(r["role"], r["kind"], r["blind_index"]) for r in stored.identifiers],
            concern_id=stored.concern.id if stored.concern is not None else None,
        )

    linked.__doc__ = link.__doc__
    return linked


def db_no_episode(session: Session, stored: Stored) -> None:
    """A suspicion is about no missing episode."""
