"""Photos: uploaded sealed, checked, stored encrypted, served to a record's readers, and
deleted when no record names them (docs/contract.md, "Attachments").

A record (a profile version) names its photos by the attachment's client_id and the
SHA-256 of the image; the two may reach the server in either order, and whichever comes
second is held to the first: a mismatch is refused with its own code, and nothing kept.
An attachment no record names is sealed under a data key of its own; once named, it is
sealed under the record's key (``db_name``), so erasing the record shreds it too. An
attachment no record names within 7 days is deleted (``db_sweep_unnamed``).

WARNING: the image is personal data: never log it, its hash or its size with a name.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, exists, select
from sqlalchemy.orm import Session, sessionmaker

import crypto
from backend.core.errors import Conflict, Invalid, NotFound
from backend.models import (
    Attachment,
    DataKeyRecord,
    Profile,
    ProfileKey,
    ProfilePhoto,
    insert_into,
    new_id,
    utcnow,
)
from backend.services.profiles import access, images
from backend.services.profiles.views import db_named
from backend.services.records.audit import SYSTEM, Actor, db_audit
from backend.services.records.sealed import db_data_key, db_new_data_key

MAX_SEALED = 2 * 1024 * 1024  # docs/contract.md: an attachment over 2 MiB sealed is 413
UNNAMED_FOR = timedelta(days=7)
_TABLE, _FIELD = "attachments", "image"


@dataclass(frozen=True, slots=True)
class Uploaded:
    attachment_id: uuid.UUID
    status: str  # accepted | duplicate


@dataclass(frozen=True, slots=True)
class Served:
    content_type: str
    image: bytes


def _mismatch() -> Invalid:
    return Invalid(
        "attachment.hash_mismatch",
        "The image is not the one its record names (SHA-256 differs); nothing was kept.",
    )


def _seal(key: crypto.DataKey, attachment_id: uuid.UUID, image: bytes) -> bytes:
    return crypto.seal_bytes(key, image, table=_TABLE, row_id=str(attachment_id), field=_FIELD)


def _open(key: crypto.DataKey, attachment: Attachment) -> bytes:
    assert attachment.crypto_image is not None  # noqa: S101 - callers check
    return crypto.open_bytes(
        key, attachment.crypto_image, table=_TABLE, row_id=str(attachment.id), field=_FIELD
    )


def db_image(session: Session, ring: crypto.KeyRing, attachment: Attachment) -> bytes | None:
    """The image in clear, or None once erased; no access check (the caller's)."""
    if attachment.crypto_image is None or attachment.data_key_id is None:
        return None
    return _open(db_data_key(session, ring, attachment.data_key_id), attachment)


def upload(
    session: Session, ring: crypto.KeyRing, *, actor: Actor, client_id: uuid.UUID, jwe: str
) -> Uploaded:
    """Open, check and keep one sealed image; the same upload again answers duplicate."""
    jwe_sha = hashlib.sha256(jwe.encode()).hexdigest()
    found = session.scalar(select(Attachment).where(Attachment.client_id == client_id))
    if found is not None:
        if found.uploader_id == actor.user_id and found.jwe_sha256 == jwe_sha:
            return Uploaded(found.id, "duplicate")
        raise Conflict(
            "attachment.client_id_conflict", "This client_id was used for another upload."
        )
    try:
        opened = crypto.open_envelope(jwe, ring, max_bytes=MAX_SEALED)
    except crypto.EnvelopeInvalid as exc:
        raise Invalid(exc.code, str(exc)) from None
    image = opened.plaintext
    checked = images.check(image, opened.header.get("cty"))
    sha = hashlib.sha256(image).hexdigest()
    named = db_named(session, client_id)
    if any(s != sha for _, s in named):
        raise _mismatch()
    attachment_id, profile_id = new_id(), None
    if named:
        profile_id = named[0][0]
        profile = access.db_latest(session, profile_id)
        if profile is None or profile.author_agency_id != actor.agency_id:
            raise Conflict("attachment.not_yours", "Another agency's record names this photo.")
        if profile.data_key_id is None:
            raise Conflict("attachment.record_erased", "The profile naming this photo was erased.")
        key = db_data_key(session, ring, profile.data_key_id)
        key_id = profile.data_key_id
    else:
        key = db_new_data_key(session, ring)
        key_id = uuid.UUID(key.id)
    session.execute(
        insert_into(Attachment),
        {
            "id": attachment_id,
            "client_id": client_id,
            "uploader_id": actor.user_id,
            "uploader_agency_id": actor.agency_id,
            "received_at": utcnow(),
            "jwe_sha256": jwe_sha,
            "sha256": sha,
            "content_type": checked.content_type,
            "size": len(image),
            "profile_id": profile_id,
            "data_key_id": key_id,
            "crypto_image": _seal(key, attachment_id, image),
        },
    )
    db_audit(
        session,
        "attachment.collected",
        actor=actor,
        records=[("attachment", attachment_id), *(("profile", p) for p, _ in named[:1])],
    )
    session.commit()
    return Uploaded(attachment_id, "accepted")


def db_name(
    session: Session,
    ring: crypto.KeyRing,
    key: crypto.DataKey,
    *,
    profile_id: uuid.UUID,
    agency_id: uuid.UUID,
    photos: list[tuple[uuid.UUID, str]],
) -> None:
    """A profile version names these photos (client_id, sha256): hold each to its image
    where it has arrived, and seal it under the profile's key; the caller commits."""
    for client_id, sha in photos:
        named = db_named(session, client_id)
        # A photo is one profile's: naming another's (its id read while allowed to) would
        # give a way to it that outlives that permission.
        if any(p != profile_id for p, _ in named):
            raise Invalid("profile.photo_not_yours", "A photo belongs to another record.")
        if any(s != sha for _, s in named):
            raise Invalid(
                "profile.photo_mismatch", "A photo is named with another hash than before."
            )
        found = session.scalar(select(Attachment).where(Attachment.client_id == client_id))
        if found is None:
            continue  # it comes later, and is held to this hash then
        if found.sha256 != sha:
            raise Invalid(
                "profile.photo_mismatch",
                "A photo's SHA-256 is not that of the image uploaded for it.",
            )
        if found.uploader_agency_id != agency_id or found.profile_id not in (None, profile_id):
            raise Invalid("profile.photo_not_yours", "A photo belongs to another record.")
        if found.profile_id is None and found.crypto_image is not None:
            own = db_data_key(session, ring, found.data_key_id)
            image = _open(own, found)
            old_key = found.data_key_id
            found.crypto_image = _seal(key, found.id, image)
            found.data_key_id = uuid.UUID(key.id)
            found.profile_id = profile_id
            session.flush()
            session.execute(delete(DataKeyRecord).where(DataKeyRecord.id == old_key))


def serve(
    session: Session, ring: crypto.KeyRing, *, actor: Actor, attachment_id: uuid.UUID
) -> Served:
    """The image, to a reader of the profile it belongs to (naming it with its hash), and
    to no one else; audited."""
    attachment = session.get(Attachment, attachment_id)
    absent = NotFound("not_found", "There is no such photo for you.")
    if attachment is None or attachment.crypto_image is None or attachment.profile_id is None:
        raise absent
    named = dict(db_named(session, attachment.client_id))
    readable = access.db_latest(session, attachment.profile_id)
    if (
        named.get(attachment.profile_id) != attachment.sha256
        or readable is None
        or not access.db_may_read(session, actor, readable)
    ):
        raise absent
    image = _open(db_data_key(session, ring, attachment.data_key_id), attachment)
    db_audit(
        session,
        "attachment.consulted",
        actor=actor,
        records=[
            ("attachment", attachment.id),
            ("profile", readable.profile_id),
            *(("subject", s) for s in access.db_subjects_of(session, readable.profile_id)),
        ],
    )
    session.commit()
    return Served(attachment.content_type, image)


def db_sweep_unnamed(session: Session, *, now: datetime | None = None) -> int:
    """Delete the attachments no record has named within 7 days of arriving, with their
    own data keys; the caller commits. Returns how many."""
    cutoff = (now or utcnow()) - UNNAMED_FOR
    named = exists().where(ProfilePhoto.attachment_client_id == Attachment.client_id)
    stale = session.execute(
        select(Attachment.id, Attachment.data_key_id).where(Attachment.received_at < cutoff, ~named)
    ).all()
    if not stale:
        return 0
    session.execute(delete(Attachment).where(Attachment.id.in_([a for a, _ in stale])))
    keys = [k for _, k in stale if k is not None]
    if keys:
        session.execute(delete(DataKeyRecord).where(DataKeyRecord.id.in_(keys)))
    db_audit(
        session,
        "attachment.deleted_unnamed",
        actor=SYSTEM,
        records=[("attachment", a) for a, _ in stale],
        detail={"count": len(stale)},
    )
    return len(stale)


def sweep(sessions: sessionmaker[Session]) -> int:
    """One sweep in its own transaction (the scheduler's job)."""
    with sessions() as session:
        count = db_sweep_unnamed(session)
        session.commit()
        return count


def db_is_profile(session: Session, profile_id: uuid.UUID) -> bool:
    """Whether an id names a child's profile (as retention's commands are given it)."""
    found = select(Profile.id).where(Profile.profile_id == profile_id).limit(1)
    return session.scalar(found) is not None


def db_erase_profile(session: Session, profile_id: uuid.UUID, *, reason: str, actor: Actor) -> None:
    """Crypto-shred a profile: its data key destroyed (every version and every photo sealed
    under it become ciphertext no key opens), its photos' bytes and its blind indexes
    deleted. The rows stay with their dates. Refused while the child is missing: the police
    read the profile while the episode is open. The caller commits."""
    rows = list(session.scalars(select(Profile).where(Profile.profile_id == profile_id)))
    if not rows:
        raise NotFound("not_found", "There is no such profile.")
    keys = {r.data_key_id for r in rows if r.data_key_id is not None}
    if not keys:
        raise Conflict("retention.already_erased", "This profile was erased already.")
    if access.db_child_missing(session, profile_id):
        raise Conflict(
            "retention.child_missing",
            "The child is missing now: the police read this profile while the episode is open.",
        )
    attachments = list(
        session.scalars(select(Attachment).where(Attachment.profile_id == profile_id))
    )
    for a in attachments:
        a.crypto_image = None
        a.data_key_id = None
    for r in rows:
        r.data_key_id = None
    session.flush()
    session.execute(delete(ProfileKey).where(ProfileKey.profile_row_id.in_([r.id for r in rows])))
    if keys:
        session.execute(delete(DataKeyRecord).where(DataKeyRecord.id.in_(keys)))
    db_audit(
        session,
        "profile.erased",
        actor=actor,
        records=[("profile", profile_id), *(("attachment", a.id) for a in attachments)],
        purpose=reason,  # as a concern's erasure records it
        detail={"versions": len(rows), "photos": len(attachments)},
    )
