"""What a subject access export gives of the child's profiles: every version the home kept
(the Philomena Protocol), as sealed less its proof, with the photos it names, the images
themselves included (a photo of the child is the child's personal data as much as a
description is). An erased version, or an erased photo, is there as its dates only.

A profile belongs to the child whose record holds one of the strong keys it names (NHS
number; name with date of birth), as profiles.access finds it for the police.
"""

from __future__ import annotations

import base64
import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

import crypto
from backend.models import Attachment, Profile
from backend.services.profiles.access import db_profiles_of
from backend.services.profiles.attachments import db_image
from backend.services.profiles.views import document_of


def db_profiles_about(
    session: Session, ring: crypto.KeyRing, subject_id: uuid.UUID, agencies: dict[uuid.UUID, str]
) -> list[dict[str, Any]]:
    """Every version of every profile of the child, oldest first."""
    ids = db_profiles_of(session, subject_id)
    versions = session.scalars(
        select(Profile).where(Profile.profile_id.in_(ids)).order_by(Profile.recorded_at)
    )
    return [_version(session, ring, v, agencies) for v in versions]


def _version(
    session: Session, ring: crypto.KeyRing, row: Profile, agencies: dict[uuid.UUID, str]
) -> dict[str, Any]:
    item: dict[str, Any] = {
        "profile_id": str(row.profile_id),
        "version": row.version,
        "recorded_at": row.recorded_at.isoformat(),
        "review_due": row.review_due.isoformat(),
        "agency": agencies.get(row.author_agency_id),
    }
    if row.data_key_id is None:
        item["erased"] = True
        return item
    document = {k: v for k, v in document_of(session, ring, row).items() if k != "proof"}
    item["photos"] = [_photo(session, ring, p) for p in document.pop("photos", [])]
    item["profile"] = document
    return item


def _photo(session: Session, ring: crypto.KeyRing, named: dict[str, Any]) -> dict[str, Any]:
    """A photo as the version names it, with its image if it arrived, matches and is kept."""
    photo = {k: named.get(k) for k in ("attachment", "taken_at", "caption")}
    found = session.scalar(
        select(Attachment).where(Attachment.client_id == uuid.UUID(str(named["attachment"])))
    )
    image = db_image(session, ring, found) if found and found.sha256 == named["sha256"] else None
    if image is None:
        return {**photo, "image": None}
    assert found is not None  # noqa: S101 - an image implies its row
    return {**photo, "content_type": found.content_type, "image": base64.b64encode(image).decode()}
