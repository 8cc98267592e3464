"""The kinds of sealed record the pipeline takes, and all that differs between them.

A concern, a return interview, a suspicion and a child's profile (``POST /api/v1/sync``,
told apart by the ``schema`` inside the envelope: ``kind_of``) and an addendum
(``POST /api/v1/concerns/<id>/addenda``) go through the same steps (``steps.py``); what
differs is named here and nowhere else: the schema they are validated against, how they
are stored, whether they are routed and linked, what they do to a missing episode, how
their audit entry reads and which ids their result carries.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from marshmallow import Schema
from sqlalchemy import Select, bindparam, select
from sqlalchemy.orm import Session

import crypto
from backend.core.jsontext import Document
from backend.models import Addendum, Concern, Profile, Receipt, ReturnInterview, Suspicion
from backend.pipeline.episodes import db_addendum_episode, db_concern_episode
from backend.pipeline.link import db_link, db_link_named
from backend.pipeline.profile import db_profile_episode, db_store_profile
from backend.pipeline.results import Result
from backend.pipeline.return_interview import db_return_episode, db_store_return_interview
from backend.pipeline.store import Sealed, Stored, db_store_addendum, db_store_concern
from backend.pipeline.suspicion import (
    and_suspicions,
    db_link_suspicion,
    db_no_episode,
    db_store_suspicion,
)
from backend.schemas import profile, return_interview, suspicion
from backend.schemas.concern import Addendum as AddendumSchema
from backend.schemas.concern import Concern as ConcernSchema

# Schemas are stateless once built; building one per envelope cost more than validating.
CONCERN_SCHEMA = ConcernSchema()
ADDENDUM_SCHEMA = AddendumSchema()
RETURN_INTERVIEW_SCHEMA = return_interview.ReturnInterview()
SUSPICION_SCHEMA = suspicion.Suspicion()
PROFILE_SCHEMA = profile.Profile()


@dataclass(frozen=True)
class Kind:
    """One kind of sealed record: what each step does differently for it."""

    counts_language: bool  # open: count the narrative's language flags (stored with it)
    schema: Schema  # validate
    store: Callable[[Session, crypto.KeyRing, Sealed], Stored]  # store
    codes: str  # validate: the prefix of its refusals' codes
    routed: bool  # route: deliver it to the inboxes the partnership's rules name
    # link: resolve the child, find patterns, tell whether the child is known (a concern);
    # weigh what it names in networks (a return interview); or nothing (None)
    link: Callable[[Session, Stored], None] | None
    # episodes: what its ``missing`` does to the child's missing episode (after link)
    episode: Callable[[Session, Stored], None]
    collected: str  # audit: the entry's action
    audited: tuple[str, ...]  # audit: the concern's facts the entry names, before device_at
    # What already carries some client_ids (bound as ``ids``), as (client_id, id, author,
    # content hash): replays are found across every kind, since a client_id names one
    # record of whatever kind.
    carrying: Select[uuid.UUID, uuid.UUID, uuid.UUID, str]
    # The result's ids, as ``Result`` fields, of a receipt this kind stored.
    ids: Callable[[Receipt], dict[str, Any]]
    # Only a person holding the recorder role may send it. ``POST /api/v1/sync`` also takes
    # envelopes from those who work inboxes, for what they record there (a return
    # interview); its store step says whose inbox may.
    by_recorders: bool = True


KINDS = {
    "concern": Kind(
        counts_language=True,
        schema=CONCERN_SCHEMA,
        store=db_store_concern,
        codes="concern",
        routed=True,
        # Then what it names does to suspicions: matched, reopened, counted in networks.
        link=and_suspicions(db_link, "concern"),
        episode=db_concern_episode,
        collected="concern.collected",
        audited=("late", "level"),
        carrying=select(
            Concern.client_id, Concern.id, Concern.recorder_id, Concern.content_sha256
        ).where(Concern.client_id.in_(bindparam("ids", expanding=True))),
        ids=lambda receipt: {"concern_id": receipt.result_id},
    ),
    # An addendum adds words to a concern that is already routed and linked: it is stored
    # under that concern's key and its identifiers are kept for its child (store.py).
    "addendum": Kind(
        counts_language=False,
        schema=ADDENDUM_SCHEMA,
        store=db_store_addendum,
        codes="concern",
        routed=False,
        link=None,
        episode=db_addendum_episode,
        collected="concern.addendum_collected",
        audited=(),
        carrying=select(
            Addendum.client_id, Addendum.id, Addendum.author_id, Addendum.content_sha256
        ).where(Addendum.client_id.in_(bindparam("ids", expanding=True))),
        ids=lambda receipt: {
            "concern_id": receipt.target_concern_id,
            "addendum_id": receipt.result_id,
        },
        by_recorders=False,  # the concern's recorder or a recipient (checked by the route)
    ),
    # A return interview adds to the concern that opened the episode, as an addendum does
    # (``return_interview.py``); what it names is weighed in networks like a concern's.
    "return_interview": Kind(
        counts_language=False,
        schema=RETURN_INTERVIEW_SCHEMA,
        store=db_store_return_interview,
        codes="return_interview",
        routed=False,
        link=and_suspicions(db_link_named, "return_interview"),
        episode=db_return_episode,
        collected="return_interview.collected",
        audited=(),
        carrying=select(
            ReturnInterview.client_id,
            ReturnInterview.id,
            ReturnInterview.author_id,
            ReturnInterview.content_sha256,
        ).where(ReturnInterview.client_id.in_(bindparam("ids", expanding=True))),
        ids=lambda receipt: {"kind": "return_interview", "record_id": receipt.result_id},
        by_recorders=False,  # the Missing Coordinator's members record it
    ),
    # A suspicion adds to no concern: it is sent to the inboxes the rules' [suspicions]
    # name as it is stored (``suspicion.py``), and linked to earlier suspicions and open
    # networks by what it names.
    "suspicion": Kind(
        counts_language=False,
        schema=SUSPICION_SCHEMA,
        store=db_store_suspicion,
        codes="suspicion",
        routed=False,
        link=db_link_suspicion,
        episode=db_no_episode,
        collected="suspicion.collected",
        audited=(),
        carrying=select(
            Suspicion.client_id, Suspicion.id, Suspicion.recorder_id, Suspicion.content_sha256
        ).where(Suspicion.client_id.in_(bindparam("ids", expanding=True))),
        ids=lambda receipt: {"kind": "suspicion", "record_id": receipt.result_id},
    ),
    # A child's profile, kept ready by the home: stored (a version under the profile's key,
    # its photos held to their images), never routed; read by the home, and by the police
    # while the child is missing (``pipeline/profile.py``).
    "profile": Kind(
        counts_language=False,
        schema=PROFILE_SCHEMA,
        store=db_store_profile,
        codes="profile",
        routed=False,
        link=None,
        episode=db_profile_episode,
        collected="profile.collected",
        audited=(),
        carrying=select(
            Profile.client_id, Profile.id, Profile.author_id, Profile.content_sha256
        ).where(Profile.client_id.in_(bindparam("ids", expanding=True))),
        ids=lambda receipt: {"kind": "profile", "record_id": receipt.result_id},
    ),
}

# What ``POST /api/v1/sync`` takes besides concerns, by the ``schema`` sealed inside.
SYNCED = {
    return_interview.SCHEMA: "return_interview",
    suspicion.SCHEMA: "suspicion",
    profile.SCHEMA: "profile",
}


def kind_of(receipt: Receipt, payload: Document) -> str:
    """The kind of a received record: a synced envelope's by the schema it names (one that
    names none we know is a concern, and validation says why not), else the receipt's."""
    if receipt.kind != "concern":
        return receipt.kind
    schema = payload.get("schema")
    return SYNCED.get(schema, "concern") if isinstance(schema, str) else "concern"


def answer(receipt: Receipt, status: str) -> Result:
    """The result for a receipt its kind stored (accepted or a duplicate)."""
    return Result(str(receipt.client_id), status, **KINDS[receipt.kind].ids(receipt))
