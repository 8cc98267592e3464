"""The kinds of sealed record the pipeline takes, and all that differs between them.

A concern (``POST /api/v1/sync``) and an addendum (``POST /api/v1/concerns/<id>/addenda``)
go through the same steps (``steps.py``); what differs is named here and nowhere else: the
schema they are validated against, how they are stored, whether they are routed and
linked, what they do to a missing episode, how their audit entry reads and which ids their
result carries.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass

from marshmallow import Schema
from sqlalchemy import Select, bindparam, select
from sqlalchemy.orm import Session

import crypto
from backend.models import Addendum, Concern, Receipt
from backend.pipeline.episodes import db_addendum_episode, db_concern_episode
from backend.pipeline.results import Result
from backend.pipeline.store import Sealed, Stored, db_store_addendum, db_store_concern
from backend.schemas.concern import Addendum as AddendumSchema
from backend.schemas.concern import Concern as ConcernSchema

# Schemas are stateless once built; building one per envelope cost more than validating.
CONCERN_SCHEMA = ConcernSchema()
ADDENDUM_SCHEMA = AddendumSchema()


@dataclass(frozen=True)
class Kind:
    """One kind of sealed record: what each step does differently for it."""

    counts_language: bool  # open: count the narrative's language flags (stored with it)
    schema: Schema  # validate
    store: Callable[[Session, crypto.KeyRing, Sealed], Stored]  # store
    routed: bool  # route: deliver it to the inboxes the partnership's rules name
    linked: bool  # link: resolve the child, find patterns, tell whether the child is known
    # episodes: what its ``missing`` does to the child's missing episode (after link)
    episode: Callable[[Session, Stored], None]
    collected: str  # audit: the entry's action
    audited: tuple[str, ...]  # audit: the concern's facts the entry names, before device_at
    # What already carries a client_id, as (id, author, content hash): replays are found
    # across every kind, since a client_id names one record of whatever kind.
    carrying: Select[uuid.UUID, uuid.UUID, str]
    # The result's ids: (concern_id, addendum_id) of a receipt this kind stored.
    ids: Callable[[Receipt], tuple[uuid.UUID | None, uuid.UUID | None]]


KINDS = {
    "concern": Kind(
        counts_language=True,
        schema=CONCERN_SCHEMA,
        store=db_store_concern,
        routed=True,
        linked=True,
        episode=db_concern_episode,
        collected="concern.collected",
        audited=("late", "level"),
        carrying=select(Concern.id, Concern.recorder_id, Concern.content_sha256).where(
            Concern.client_id == bindparam("client_id")
        ),
        ids=lambda receipt: (receipt.result_id, None),
    ),
    # An addendum adds words to a concern that is already routed and linked: it is stored
    # under that concern's key and its identifiers are kept for its child (store.py).
    "addendum": Kind(
        counts_language=False,
        schema=ADDENDUM_SCHEMA,
        store=db_store_addendum,
        routed=False,
        linked=False,
        episode=db_addendum_episode,
        collected="concern.addendum_collected",
        audited=(),
        carrying=select(Addendum.id, Addendum.author_id, Addendum.content_sha256).where(
            Addendum.client_id == bindparam("client_id")
        ),
        ids=lambda receipt: (receipt.target_concern_id, receipt.result_id),
    ),
}


def answer(receipt: Receipt, status: str) -> Result:
    """The result for a receipt its kind stored (accepted or a duplicate)."""
    concern_id, addendum_id = KINDS[receipt.kind].ids(receipt)
    return Result(str(receipt.client_id), status, concern_id=concern_id, addendum_id=addendum_id)
