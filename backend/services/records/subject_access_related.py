"""What a subject access export adds beside the child's concerns: the challenges to
decisions on them, and the suspicions that name the child.

A challenge's reason and its resolution's note are sealed under its concern's key and are
part of that concern's record: they go with it (and with it are erased). The challenger is
staff: named by the agency whose decision was challenged, never by person.

A suspicion names the child when one of its ``children[]`` carries one of the child's
strong keys (NHS number; name with date of birth) as the child's own record holds it:
weaker keys (a known-as name, a phonetic name and year) could be another child's, and an
export handed to the wrong family is the harm it exists to prevent. Of such a suspicion
the export gives what it says about this child: its facts, its narrative and the adults,
cars, phones, places and accounts it names (as a concern's ``associated[]`` is given),
and the entries of ``children[]`` that are this child; every other child it names is
withheld and counted. An erased suspicion has no blind indexes left: it names no one.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable
from datetime import date
from typing import Any, cast

from marshmallow import fields
from sqlalchemy import select
from sqlalchemy.orm import Session

import crypto
from backend.models import (
    Agency,
    Challenge,
    Inbox,
    SubjectKey,
    Suspicion,
    SuspicionIdentifier,
)
from backend.services.linking.blind_keys import indexers
from backend.services.linking.identifiers import blind_identifiers
from backend.services.records.sealed import db_data_key, unseal

STRONG = ("nhs_number", "name_dob")  # the child's keys a suspicion is found by
_DATE, _WHEN = fields.Date(), fields.AwareDateTime()


def db_challenges(
    session: Session, key: crypto.DataKey, concern_id: uuid.UUID, agencies: dict[uuid.UUID, str]
) -> list[dict[str, Any]]:
    """The challenges to decisions on one concern, their reason and note opened."""

    def opened(c: Challenge, blob: bytes | None, field: str) -> str | None:
        if blob is None:
            return None
        return unseal(key, blob, table="challenges", row_id=c.id, field=field)

    return [
        {
            "raised_at": c.raised_at.isoformat(),
            "agency_that_decided": agencies.get(c.agency_id),
            "decision": c.decision,
            "reason": opened(c, c.crypto_reason, "reason"),
            "stage": c.stage,
            "status": "open" if c.is_open else "resolved",
            "outcome": c.outcome,
            "new_decision": c.new_decision,
            "note": opened(c, c.crypto_note, "note"),
            "resolved_at": c.resolved_at.isoformat() if c.resolved_at else None,
        }
        for c in session.scalars(
            select(Challenge)
            .where(Challenge.concern_id == concern_id)
            .order_by(Challenge.raised_at)
        )
    ]


def _child_keys(session: Session, ids: Iterable[uuid.UUID]) -> set[tuple[str, str]]:
    return {
        (kind, index)
        for kind, index in session.execute(
            select(SubjectKey.kind, SubjectKey.blind_index).where(
                SubjectKey.subject_id.in_(list(ids)),
                SubjectKey.role == "subject",
                SubjectKey.kind.in_(STRONG),
            )
        )
    }


def _is_this_child(
    ring: crypto.KeyRing, child: dict[str, Any], at: Any, keys: set[tuple[str, str]]
) -> bool:
    subject = dict(child)
    if subject.get("date_of_birth"):
        subject["date_of_birth"] = cast(date, _DATE.deserialize(subject["date_of_birth"]))
    for indexer in indexers(ring):
        named = blind_identifiers(indexer, subject=subject, associated=[], recorded_at=at)
        if any((kind, index) in keys for _, kind, index in named if kind in STRONG):
            return True
    return False


def db_suspicions_naming(
    session: Session, ring: crypto.KeyRing, ids: Iterable[uuid.UUID], partnership_id: uuid.UUID
) -> tuple[list[dict[str, Any]], int]:
    """The suspicions of the partnership naming the child (any record of ``ids``), as the
    export gives them, and how many other children were withheld from them."""
    keys = _child_keys(session, ids)
    if not keys:
        return [], 0
    found = set(
        session.scalars(
            select(SuspicionIdentifier.suspicion_id).where(
                SuspicionIdentifier.partnership_id == partnership_id,
                SuspicionIdentifier.role == "subject",
                SuspicionIdentifier.kind.in_(STRONG),
                SuspicionIdentifier.blind_index.in_(sorted({i for _, i in keys})),
            )
        )
    )
    items, withheld = [], 0
    for s in session.scalars(
        select(Suspicion).where(Suspicion.id.in_(found)).order_by(Suspicion.recorded_at)
    ):
        if s.data_key_id is None:
            continue  # erased: its indexes went with it, but a race could leave the id
        key = db_data_key(session, ring, s.data_key_id)
        document = json.loads(
            unseal(key, s.crypto_document, table="suspicions", row_id=s.id, field="document")
        )
        at = _WHEN.deserialize(document["recorded_at"])
        children = document.get("children") or []
        mine = [c for c in children if _is_this_child(ring, c, at, keys)]
        if not mine:
            continue  # a shared index of another kind: not this child after all
        withheld += len(children) - len(mine)
        owner = session.get(Inbox, s.owner_inbox_id)
        agency = session.get(Agency, s.recorder_agency_id)
        items.append(
            {
                "suspicion_id": str(s.id),
                "recorded_at": s.recorded_at.isoformat(),
                "agency": agency.name if agency else None,
                "basis": s.basis,
                "level": s.level,
                "owner": owner.name if owner else None,
                "status": s.status,
                "outcome": s.outcome,
                "answered_at": s.answered_at.isoformat() if s.answered_at else None,
                "narrative": document.get("narrative"),
                "children": mine,
                "other_children_withheld": len(children) - len(mine),
                "associated": document.get("associated") or [],
            }
        )
    return items, withheld
