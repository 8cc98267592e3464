"""Reading children's profiles: one by its id or its child, and the home's own list.

Every opening is audited with its purpose (``profile.consulted``); the home's list, which
shows each child's name so the carer can pick one, is audited too (``profile.listed``).
Whoever may not read a profile is told there is none (404).
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

import crypto
from backend.core.errors import Gone, NotFound
from backend.models import Attachment, Inbox, Membership, Profile, ProfilePhoto
from backend.services.concerns.purposes import Purpose
from backend.services.profiles import access
from backend.services.records.audit import Actor, db_audit
from backend.services.records.sealed import db_data_key, unseal


@dataclass(frozen=True, slots=True)
class ProfileView:
    """A profile as the contract gives it (ProfileViewSchema)."""

    profile_id: uuid.UUID
    subject_id: uuid.UUID | None
    version: int
    recorded_at: datetime
    review_due: date
    review_overdue: bool
    profile: dict[str, Any]
    photos: list[dict[str, Any]]


@dataclass(frozen=True, slots=True)
class ProfileItem:
    """One profile in the home's list (ProfileItemSchema)."""

    profile_id: uuid.UUID
    version: int
    name: str | None
    recorded_at: datetime
    review_due: date
    review_overdue: bool


def document_of(session: Session, ring: crypto.KeyRing, profile: Profile) -> dict[str, Any]:
    """One version as the home sealed it (proof included); Gone once erased."""
    if profile.data_key_id is None:
        raise Gone("profile.erased", "This profile was erased; only its dates remain.")
    key = db_data_key(session, ring, profile.data_key_id)
    text = unseal(
        key, profile.crypto_document, table="profiles", row_id=profile.id, field="document"
    )
    return json.loads(text)  # type: ignore[no-any-return]


def _photos(
    session: Session, profile: Profile, named: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """The photos the version names whose image has arrived and matches its hash."""
    wanted = {str(p["attachment"]): p for p in named}
    rows = session.execute(
        select(Attachment.client_id, Attachment.id, Attachment.sha256).where(
            Attachment.client_id.in_([uuid.UUID(c) for c in wanted]),
            Attachment.crypto_image.is_not(None),
        )
    ).all()
    arrived = {str(c): (i, sha) for c, i, sha in rows}
    return [
        {"attachment_id": arrived[c][0], "attachment": c, "caption": p.get("caption")}
        for c, p in wanted.items()
        if c in arrived and arrived[c][1] == p["sha256"]
    ]


def _view(
    session: Session, ring: crypto.KeyRing, actor: Actor, profile: Profile, purpose: Purpose
) -> ProfileView:
    document = document_of(session, ring, profile)
    subjects = access.db_subjects_of(session, profile.profile_id)
    db_audit(
        session,
        "profile.consulted",
        actor=actor,
        purpose=purpose.code.value,
        records=[("profile", profile.profile_id), *(("subject", s) for s in subjects)],
        detail={"profile_id": str(profile.profile_id), "version": profile.version},
    )
    session.commit()
    return ProfileView(
        profile_id=profile.profile_id,
        subject_id=subjects[0] if subjects else None,
        version=profile.version,
        recorded_at=profile.recorded_at,
        review_due=profile.review_due,
        review_overdue=access.overdue(profile),
        profile={k: v for k, v in document.items() if k != "proof"},
        photos=_photos(session, profile, document.get("photos") or []),
    )


def read(
    session: Session,
    ring: crypto.KeyRing,
    *,
    actor: Actor,
    profile_id: uuid.UUID,
    purpose: Purpose,
) -> ProfileView:
    """The latest version of a profile, for its readers; audited with its purpose."""
    profile = access.db_latest(session, profile_id)
    if profile is None or not access.db_may_read(session, actor, profile):
        raise NotFound("not_found", "There is no such profile for you.")
    return _view(session, ring, actor, profile, purpose)


def read_for_subject(
    session: Session,
    ring: crypto.KeyRing,
    *,
    actor: Actor,
    subject_id: uuid.UUID,
    purpose: Purpose,
) -> ProfileView:
    """The child's profile (the latest recorded, of those the person may read)."""
    readable = []
    for profile_id in access.db_profiles_of(session, subject_id):
        latest = access.db_latest(session, profile_id)
        if latest is not None and access.db_may_read(session, actor, latest):
            readable.append(latest)
    if not readable:
        raise NotFound("not_found", "There is no profile of this child for you.")
    readable.sort(key=lambda p: (p.recorded_at, p.version))
    return _view(session, ring, actor, readable[-1], purpose)


def mine(session: Session, ring: crypto.KeyRing, *, actor: Actor) -> list[ProfileItem]:
    """The profiles the person's agency keeps (the home's list), review overdue first."""
    agencies = set(
        session.scalars(
            select(Inbox.agency_id)
            .join(Membership, Membership.inbox_id == Inbox.id)
            .where(Membership.user_id == actor.user_id)
        )
    )
    if actor.agency_id is not None:
        agencies.add(actor.agency_id)
    ids = set(
        session.scalars(select(Profile.profile_id).where(Profile.author_agency_id.in_(agencies)))
    )
    items = []
    for profile_id in ids:
        latest = access.db_latest(session, profile_id)
        if latest is None or latest.data_key_id is None:
            continue
        subject = document_of(session, ring, latest).get("subject") or {}
        known_as = subject.get("known_as") or []
        name = " ".join(
            n for n in (subject.get("given_name"), subject.get("family_name")) if n
        ) or (known_as[0] if known_as else None)
        items.append(
            ProfileItem(
                profile_id=profile_id,
                version=latest.version,
                name=name,
                recorded_at=latest.recorded_at,
                review_due=latest.review_due,
                review_overdue=access.overdue(latest),
            )
        )
    items.sort(key=lambda i: (not i.review_overdue, i.review_due))
    db_audit(
        session,
        "profile.listed",
        actor=actor,
        records=[("profile", i.profile_id) for i in items],
        detail={"count": len(items)},
    )
    session.commit()
    return items


def db_named(session: Session, client_id: uuid.UUID) -> list[tuple[uuid.UUID, str]]:
    """(profile_id, sha256) of every profile version naming an attachment."""
    return [
        (pid, sha)
        for pid, sha in session.execute(
            select(Profile.profile_id, ProfilePhoto.sha256)
            .join(ProfilePhoto, ProfilePhoto.profile_row_id == Profile.id)
            .where(ProfilePhoto.attachment_client_id == client_id)
        )
    ]
