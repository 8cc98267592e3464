"""Steps 5 and 8 for a return interview (``frontline.return_interview/1``), which adds to
the concern that opened the episode as an addendum does.

Store: only a member of the inbox given the return interview task may record it, about a
closed episode; it is sealed under that concern's data key (erasing the concern shreds it
too), its facts in plain columns, and the people, cars, phones and places it names are
blind-indexed beside the concern's, so the child's record holds them and the link step
weighs them in networks (``link.db_link_named``). Episodes: the episode says how it went and
the task is complete (``services/missing/return_interviews.py``).
"""

from __future__ import annotations

import json

from sqlalchemy.orm import Session

import crypto
from backend.core.errors import Conflict, Gone, NotFound, NotPermitted
from backend.models import ReturnInterview, insert_into, new_id, utcnow
from backend.pipeline.errors import rejected_from
from backend.pipeline.store import (
    Sealed,
    Stored,
    agency_facts,
    db_add_named,
    identifier_rows,
    seal_document,
)
from backend.services.linking import blind_keys
from backend.services.missing import return_interviews
from backend.services.records.sealed import db_data_key


def db_store_return_interview(session: Session, ring: crypto.KeyRing, sealed: Sealed) -> Stored:
    """Insert the interview and its identifiers; the caller commits."""
    payload, loaded, proven = sealed.payload, sealed.loaded, sealed.proven
    author = sealed.author
    agency = agency_facts(session, author.agency_id)
    try:
        episode, concern = return_interviews.db_episode_for(
            session,
            partnership_id=agency.partnership_id,
            author_id=author.id,
            concern_id=loaded["concern_id"],
        )
    except (NotPermitted, NotFound, Conflict, Gone) as error:
        # The sender's refusals, final; a server's trouble (``Unavailable``: no rules
        # loaded) is no refusal, and the envelope is quarantined and kept.
        raise rejected_from(error, error.code) from None
    blind_keys.db_check_ring(session, ring)
    interview_id = new_id()
    key = db_data_key(session, ring, concern.data_key_id)
    session.execute(
        insert_into(ReturnInterview),
        {
            "id": interview_id,
            "client_id": loaded["client_id"],
            "content_sha256": proven.content_sha256,
            "episode_id": episode.id,
            "concern_id": concern.id,
            "author_id": author.id,
            "author_agency_id": author.agency_id,
            "passkey_id": proven.passkey.id,
            "proof_sign_count": proven.sign_count,
            "receipt_id": sealed.receipt.id,
            "recorded_at": loaded["recorded_at"],
            "received_at": utcnow(),
            "offered_at": loaded["offered_at"],
            "held_at": loaded.get("held_at"),
            "independent": loaded["independent"],
            "outcome": loaded["outcome"],
            "push_factors": json.dumps(loaded["push_factors"]),
            "pull_factors": json.dumps(loaded["pull_factors"]),
            "crypto_document": seal_document(
                key, payload, table="return_interviews", row_id=interview_id
            ),
        },
    )
    rows = identifier_rows(
        ring, loaded, subject=None, concern_id=concern.id, return_interview_id=interview_id
    )
    db_add_named(session, concern, rows)
    return Stored(
        id=interview_id,
        records=(
            ("concern", concern.id),
            ("missing_episode", episode.id),
            ("return_interview", interview_id),
        ),
        concern=concern,
        agency=agency,
        identifiers=rows,
        payload=payload,
        loaded=loaded,
    )


def db_return_episode(session: Session, stored: Stored) -> None:
    """The episode says how its interview went; the return interview task is done."""
    return_interviews.db_recorded(session, stored.id)
