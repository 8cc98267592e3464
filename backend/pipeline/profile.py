"""Step 5 for a child's profile (``frontline.profile/1``): store a version.

The first version of a profile makes its data key; each later one, from the same agency,
is sealed under that key beside the others (every version is kept; the latest by the
recorder's clock stands). The child's strong keys are blind-indexed (``profile_keys``) so
the child's record finds the profile as it finds a concern. Each photo the version names
is held to its image if that has arrived, and sealed under the profile's key
(``services/profiles/attachments.py``). A profile is not routed, linked or part of an
episode: a police reader opens it while the child is missing (``services/profiles/access``).
"""

from __future__ import annotations

import uuid

from sqlalchemy import func, select
from sqlalchemy.orm import Session

import crypto
from backend.core.errors import Invalid
from backend.models import (
    AgencyKind,
    Profile,
    ProfileKey,
    ProfilePhoto,
    insert_into,
    new_id,
    utcnow,
)
from backend.pipeline.errors import Rejected, rejected_from
from backend.pipeline.store import Sealed, Stored, agency_facts, insert_many, seal_document
from backend.services.linking import blind_keys
from backend.services.linking.conflicts import STRONG
from backend.services.linking.identifiers import blind_identifiers
from backend.services.profiles.attachments import db_name
from backend.services.records.sealed import db_data_key, db_new_data_key


def _keys(ring: crypto.KeyRing, sealed: Sealed, row_id: uuid.UUID) -> list[dict[str, object]]:
    loaded = sealed.loaded
    rows: dict[tuple[str, str], dict[str, object]] = {}
    for indexer in blind_keys.indexers(ring):
        for role, kind, index in blind_identifiers(
            indexer, subject=loaded["subject"], associated=[], recorded_at=loaded["recorded_at"]
        ):
            if role == "subject" and kind in STRONG:
                rows[(kind, index)] = {
                    "profile_row_id": row_id,
                    "kind": kind,
                    "blind_index": index,
                    "key_id": indexer.key_id,
                }
    return list(rows.values())


def db_store_profile(session: Session, ring: crypto.KeyRing, sealed: Sealed) -> Stored:
    """Insert one version of a profile, its keys and the photos it names; the caller commits."""
    payload, loaded, proven, author = sealed.payload, sealed.loaded, sealed.proven, sealed.author
    agency = agency_facts(session, author.agency_id)
    if agency.kind != AgencyKind.CARE_HOME.value:
        # Police open the child's profile when the child is missing: one made by anyone
        # else could stand in for the home's.
        raise Rejected("profile.not_a_home", "Only a children's home keeps a child's profile.")
    profile_id = loaded["profile_id"]
    blind_keys.db_check_ring(session, ring)
    first = session.scalars(
        select(Profile).where(Profile.profile_id == profile_id).order_by(Profile.version).limit(1)
    ).first()
    if first is None:
        key = db_new_data_key(session, ring)
        version = 1
    else:
        if first.author_agency_id != author.agency_id:
            raise Rejected("profile.not_yours", "Another agency keeps this profile.")
        if first.data_key_id is None:
            raise Rejected("profile.erased", "This profile was erased; start a new one.")
        key = db_data_key(session, ring, first.data_key_id)
        version = 1 + (
            session.scalar(
                select(func.max(Profile.version)).where(Profile.profile_id == profile_id)
            )
            or 0
        )
    row_id = new_id()
    session.execute(
        insert_into(Profile),
        {
            "id": row_id,
            "profile_id": profile_id,
            "version": version,
            "client_id": loaded["client_id"],
            "content_sha256": proven.content_sha256,
            "partnership_id": agency.partnership_id,
            "author_id": author.id,
            "author_agency_id": author.agency_id,
            "passkey_id": proven.passkey.id,
            "proof_sign_count": proven.sign_count,
            "receipt_id": sealed.receipt.id,
            "recorded_at": loaded["recorded_at"],
            "received_at": utcnow(),
            "review_due": loaded["review_due"],
            "data_key_id": uuid.UUID(key.id),
            "crypto_document": seal_document(key, payload, table="profiles", row_id=row_id),
        },
    )
    insert_many(session, ProfileKey, _keys(ring, sealed, row_id))
    photos = [(p["attachment"], p["sha256"]) for p in loaded["photos"]]
    insert_many(
        session,
        ProfilePhoto,
        [{"profile_row_id": row_id, "attachment_client_id": c, "sha256": s} for c, s in photos],
    )
    try:
        db_name(
            session, ring, key, profile_id=profile_id, agency_id=author.agency_id, photos=photos
        )
    except Invalid as error:
        raise rejected_from(error, error.code) from None
    return Stored(
        id=row_id,
        records=(("profile", profile_id),),
        # A profile adds to no concern, and no step its kind runs reads one (kinds.py).
        concern=None,  # type: ignore[arg-type]
        agency=agency,
        identifiers=[],
        payload=payload,
        loaded=loaded,
    )


def db_profile_episode(session: Session, stored: Stored) -> None:
    """A profile opens, updates and closes no episode."""
