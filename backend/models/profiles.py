"""Children's profiles kept ready by their home (the Philomena Protocol), and photos.

A profile is a sealed, proven record like a concern (``frontline.profile/1``), sent again
whole for each change: every version is a row, all sharing the ``profile_id`` the phone made
first, and all sealed under one data key, so erasing the profile shreds every version and
its photos at once. Nothing about the child is in clear: the review date, times and who
recorded it are; the child's strong keys (NHS number, name with date of birth) are kept as
blind indexes (``profile_keys``) so the child's record finds the profile as it finds a
concern, whichever came first.

A photo (an attachment) is uploaded on its own, sealed; a version names its photos by the
attachment's client_id and the SHA-256 of the image (``profile_photos``), and the server
holds the two to each other whichever arrives first. Until a profile names it an
attachment is sealed under a data key of its own; once named, under the profile's.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, Integer, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from backend.models.base import Base, new_id, utcnow


class Profile(Base):
    """One version of a child's profile."""

    __tablename__ = "profiles"
    __table_args__ = (UniqueConstraint("profile_id", "version"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    profile_id: Mapped[uuid.UUID]  # stable across versions
    version: Mapped[int] = mapped_column(Integer)  # 1, 2, ... in the order they arrived
    client_id: Mapped[uuid.UUID] = mapped_column(unique=True)  # unique forever
    content_sha256: Mapped[str] = mapped_column(String(64))  # the proof's challenge, hex
    partnership_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("partnerships.id"))
    author_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"), index=True)
    # The recording agency (the home): its inboxes' members read the profile.
    author_agency_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("agencies.id"), index=True)
    passkey_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("passkeys.id"))
    proof_sign_count: Mapped[int] = mapped_column(Integer)
    receipt_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("receipts.id"))
    recorded_at: Mapped[datetime]  # event time, phone clock
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    review_due: Mapped[date] = mapped_column(Date)
    data_key_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("data_keys.id", ondelete="SET NULL"), index=True
    )
    crypto_document: Mapped[bytes] = mapped_column(LargeBinary)  # the whole sealed version


class ProfileKey(Base):
    """A blind index of one of the child's strong keys, as a profile version names it."""

    __tablename__ = "profile_keys"
    __table_args__ = (Index("ix_profile_keys_lookup", "kind", "blind_index"),)

    profile_row_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("profiles.id", ondelete="CASCADE"), primary_key=True
    )
    kind: Mapped[str] = mapped_column(String(32), primary_key=True)
    blind_index: Mapped[str] = mapped_column(String(32), primary_key=True)
    key_id: Mapped[str] = mapped_column(String(64))


class ProfilePhoto(Base):
    """A photo a profile version names: the attachment's client_id and its image's hash."""

    __tablename__ = "profile_photos"

    profile_row_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("profiles.id", ondelete="CASCADE"), primary_key=True
    )
    attachment_client_id: Mapped[uuid.UUID] = mapped_column(primary_key=True, index=True)
    sha256: Mapped[str] = mapped_column(String(64))


class Attachment(Base):
    """An image uploaded sealed (``POST /api/v1/attachments``), stored encrypted."""

    __tablename__ = "attachments"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    client_id: Mapped[uuid.UUID] = mapped_column(unique=True)
    uploader_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"), index=True)
    uploader_agency_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("agencies.id"))
    received_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    jwe_sha256: Mapped[str] = mapped_column(String(64))  # the sealed upload: replays match it
    sha256: Mapped[str] = mapped_column(String(64))  # of the image itself
    content_type: Mapped[str] = mapped_column(String(16))  # image/jpeg | image/png
    size: Mapped[int] = mapped_column(Integer)  # the image's bytes
    # The profile whose data key seals it, once a profile names it; until then its own key.
    profile_id: Mapped[uuid.UUID | None] = mapped_column(index=True)
    data_key_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("data_keys.id", ondelete="SET NULL"), index=True
    )
    crypto_image: Mapped[bytes | None] = mapped_column(LargeBinary)  # None once erased
