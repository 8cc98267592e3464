"""A child's chronology: every concern and addendum about them across agencies, in event
time, by need to know (backend/services/concerns/inbox.py, ``Viewer.granting``). Every read is
audited with its purpose."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Literal, NotRequired, TypeAlias, TypedDict

from sqlalchemy import select
from sqlalchemy.orm import Session

import crypto
from backend.core.errors import NotFound
from backend.core.jsontext import Document
from backend.models import (
    Addendum,
    Agency,
    Concern,
    ConcernCategory,
    Delivery,
    Subject,
)
from backend.services.concerns.escalation import labels
from backend.services.concerns.inbox import db_viewer
from backend.services.concerns.purposes import Purpose, db_seal_note
from backend.services.concerns.referrer import for_referrer
from backend.services.linking.links import db_partnership
from backend.services.linking.merges import db_merges_of, views
from backend.services.linking.subjects import canonical, members
from backend.services.records.audit import Actor, db_audit
from backend.services.records.sealed import db_data_key, unseal


# The entries of a chronology as ChronologySchema passes them through, free-form
# (fields.Dict): typed here, plain objects on the wire, their times written by the JSON
# encoder as they always were. One shown in full carries its document; any other, a summary.
class ConcernEntry(TypedDict):
    type: Literal["concern"]
    concern_id: uuid.UUID
    recorded_at: datetime
    agency: str
    categories: list[str]
    level: str
    full: bool
    concern: NotRequired[Document]  # as sealed, less the proof
    summary: NotRequired[str]  # who recorded it, what about, whom to contact


class AddendumEntry(TypedDict):
    type: Literal["addendum"]
    concern_id: uuid.UUID
    addendum_id: uuid.UUID
    recorded_at: datetime
    agency: str
    full: bool
    addendum: NotRequired[Document]
    summary: NotRequired[str]


class MergeEntry(TypedDict):
    """A merge of this child's record with another, in words: how it was made
    (automatic or confirmed by the MASH), on which keys, confirmed or not, split or not."""

    type: Literal["merge"]
    merge_id: uuid.UUID
    recorded_at: datetime  # when the records were joined
    how: str
    kinds: list[str]
    confirmed: bool
    split: bool
    summary: str


Entry: TypeAlias = ConcernEntry | AddendumEntry | MergeEntry


@dataclass(frozen=True, slots=True)
class Chronology:
    """A child's chronology: every concern and addendum about them, in event-time order
    (ChronologySchema)."""

    subject_id: uuid.UUID
    items: list[Entry]


def chronology(
    session: Session, ring: crypto.KeyRing, *, actor: Actor, subject_id: uuid.UUID, purpose: Purpose
) -> Chronology:
    """Every concern and addendum about a child, in event-time order, by need to know, and
    every merge of the child's record with another (``merges.py``), in words.

    A recipient of a concern about the child that someone else recorded sees the timeline
    (recording grants nothing); concerns they did not receive are summaries: who recorded
    them, whom to contact. Their own are full, with the addenda a referrer may read.
    """
    viewer = db_viewer(session, actor)
    subject = session.get(Subject, subject_id)
    if subject is None or subject.partnership_id != db_partnership(session, actor):
        raise NotFound("not_found", "There is no such child for you.")
    ids = members(session, canonical(session, subject_id))
    concerns = list(
        session.scalars(
            select(Concern).where(Concern.subject_id.in_(ids)).order_by(Concern.recorded_at)
        )
    )
    cids = [c.id for c in concerns]
    own = {c.id for c in concerns if c.recorder_id == actor.user_id}
    deliveries = list(
        session.scalars(
            select(Delivery).where(Delivery.concern_id.in_(cids)).order_by(Delivery.created_at)
        )
    )
    # Need to know as ``Viewer.granting`` puts it in SQL, read over the child's few
    # deliveries here: in SQL, SQLite's planner walked every delivery of the reader's inbox
    # (a MASH's: most of the partnership's), and the read grew with the partnership.
    received = {d.concern_id for d in deliveries if d.concern_id not in own and viewer.sees(d)}
    if not received:
        raise NotFound("not_found", "There is no such child for you.")
    full = received | own
    categories: dict[uuid.UUID, list[str]] = {}
    for cid, category in session.execute(
        select(ConcernCategory.concern_id, ConcernCategory.category).where(
            ConcernCategory.concern_id.in_(cids)
        )
    ):
        categories.setdefault(cid, []).append(category)
    agencies = {row[0]: row[1] for row in session.execute(select(Agency.id, Agency.name))}
    routed = [d for d in deliveries if d.root_id is None]
    named = labels(session, routed)
    contact: dict[uuid.UUID, str] = {}
    for d in routed:
        contact.setdefault(d.concern_id, named[d.id])
    addenda = list(session.scalars(select(Addendum).where(Addendum.concern_id.in_(cids))))
    by_id = {c.id: c for c in concerns}
    items: list[Entry] = []
    for c in concerns:
        agency = agencies.get(c.recorder_agency_id, "an agency")
        item: ConcernEntry = {
            "type": "concern",
            "concern_id": c.id,
            "recorded_at": c.recorded_at,
            "agency": agency,
            "categories": sorted(categories.get(c.id, [])),
            "level": c.level,
            "full": c.id in full and c.data_key_id is not None,
        }
        if item["full"]:
            key = db_data_key(session, ring, c.data_key_id)
            document = json.loads(
                unseal(key, c.crypto_document, table="concerns", row_id=c.id, field="document")
            )
            item["concern"] = {k: v for k, v in document.items() if k != "proof"}
        else:
            item["summary"] = (
                f"concern recorded by {agency}, {', '.join(item['categories'])}, "
                f"{c.level.replace('_', ' ')}, contact {contact.get(c.id, 'the MASH')}"
            )
        items.append(item)
    for a in addenda:
        shown = a.concern_id in full
        entry: AddendumEntry = {
            "type": "addendum",
            "concern_id": a.concern_id,
            "addendum_id": a.id,
            "recorded_at": a.recorded_at,
            "agency": agencies.get(a.author_agency_id, ""),
            "full": shown,
        }
        concern = by_id[a.concern_id]
        body: Document | None = None
        if shown and concern.data_key_id is not None:
            key = db_data_key(session, ring, concern.data_key_id)
            body = json.loads(
                unseal(key, a.crypto_document, table="addenda", row_id=a.id, field="document")
            )
            if a.concern_id in own and not for_referrer(concern, a, body):
                body = None  # on their own concern, they read it as its referrer
        if body is not None:
            entry["addendum"] = {k: v for k, v in body.items() if k != "proof"}
        else:
            entry["full"] = False
            entry["summary"] = f"addendum recorded by {entry['agency']}"
        items.append(entry)
    for m in views(session, db_merges_of(session, ids)):
        items.append(
            {
                "type": "merge",
                "merge_id": m.id,
                "recorded_at": m.made_at,
                "how": m.how,
                "kinds": list(m.kinds),
                "confirmed": m.confirmed,
                "split": m.split_at is not None,
                "summary": m.summary,
            }
        )
    items.sort(key=lambda i: i["recorded_at"])
    # A note goes under the key of each record shown in full, so it lasts only as long as
    # the records it was about (none shown: nothing to seal it under, so it is not kept).
    notes = [
        db_seal_note(session, db_data_key(session, ring, c.data_key_id), note, concern_id=c.id)
        for note in ([purpose.note] if purpose.note else [])
        for c in concerns
        if c.id in full and c.data_key_id is not None
    ]
    db_audit(
        session,
        "subject.chronology_consulted",
        actor=actor,
        purpose=purpose.code.value,
        records=[
            ("subject", subject_id),
            *(("concern", c) for c in sorted(full & set(cids), key=str)),
        ],
        detail={
            "summaries": len(cids) - len(full & set(cids)),
            **({"notes": [str(n) for n in notes]} if notes else {}),
        },
    )
    session.commit()
    return Chronology(subject_id=canonical(session, subject_id), items=items)
