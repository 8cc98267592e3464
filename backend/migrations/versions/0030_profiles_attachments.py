"""profiles and attachments: a child's profile kept ready by the home, and its photos

Every version of a profile is a row of ``profiles`` sealed under the profile's one data key;
the child's strong keys are blind-indexed in ``profile_keys`` so the child's record finds it;
``profile_photos`` holds each version's photos by attachment client_id and image hash, and
``attachments`` the images themselves, sealed (``backend/models/profiles.py``).

Revision ID: 0030
Revises: 0029
Create Date: 2026-12-03 22:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from backend.models.base import UTCDateTime

revision: str = "0030"
down_revision: str | None = "0029"
branch_labels: Sequence[str] | None = None
depends_on: Sequence[str] | None = None

_PROFILE_FOREIGN = {
    "partnership_id": "partnerships",
    "author_id": "users",
    "author_agency_id": "agencies",
    "passkey_id": "passkeys",
    "receipt_id": "receipts",
}


def _fk(
    table: str, column: str, target: str, ondelete: str | None = None
) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}"), ondelete=ondelete
    )


def upgrade() -> None:
    op.create_table(
        "profiles",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("profile_id", sa.Uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Uuid(), nullable=False),
        sa.Column("content_sha256", sa.String(length=64), nullable=False),
        sa.Column("partnership_id", sa.Uuid(), nullable=False),
        sa.Column("author_id", sa.Uuid(), nullable=False),
        sa.Column("author_agency_id", sa.Uuid(), nullable=False),
        sa.Column("passkey_id", sa.Uuid(), nullable=False),
        sa.Column("proof_sign_count", sa.Integer(), nullable=False),
        sa.Column("receipt_id", sa.Uuid(), nullable=False),
        sa.Column("recorded_at", UTCDateTime(), nullable=False),
        sa.Column("received_at", UTCDateTime(), nullable=False),
        sa.Column("review_due", sa.Date(), nullable=False),
        sa.Column("data_key_id", sa.Uuid(), nullable=True),
        sa.Column("crypto_document", sa.LargeBinary(), nullable=False),
        *(_fk("profiles", column, table) for column, table in _PROFILE_FOREIGN.items()),
        _fk("profiles", "data_key_id", "data_keys", ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_profiles")),
        sa.UniqueConstraint("client_id", name=op.f("uq_profiles_client_id")),
        sa.UniqueConstraint("profile_id", "version", name=op.f("uq_profiles_profile_id")),
    )
    for column in ("profile_id", "author_id", "author_agency_id"):
        op.create_index(op.f(f"ix_profiles_{column}"), "profiles", [column])
    op.create_table(
        "profile_keys",
        sa.Column("profile_row_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("blind_index", sa.String(length=32), nullable=False),
        sa.Column("key_id", sa.String(length=64), nullable=False),
        _fk("profile_keys", "profile_row_id", "profiles", ondelete="CASCADE"),
        sa.PrimaryKeyConstraint(
            "profile_row_id", "kind", "blind_index", name=op.f("pk_profile_keys")
        ),
    )
    op.create_index("ix_profile_keys_lookup", "profile_keys", ["kind", "blind_index"])
    op.create_table(
        "profile_photos",
        sa.Column("profile_row_id", sa.Uuid(), nullable=False),
        sa.Column("attachment_client_id", sa.Uuid(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        _fk("profile_photos", "profile_row_id", "profiles", ondelete="CASCADE"),
        sa.PrimaryKeyConstraint(
            "profile_row_id", "attachment_client_id", name=op.f("pk_profile_photos")
        ),
    )
    op.create_index(
        op.f("ix_profile_photos_attachment_client_id"), "profile_photos", ["attachment_client_id"]
    )
    op.create_table(
        "attachments",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("client_id", sa.Uuid(), nullable=False),
        sa.Column("uploader_id", sa.Uuid(), nullable=False),
        sa.Column("uploader_agency_id", sa.Uuid(), nullable=False),
        sa.Column("received_at", UTCDateTime(), nullable=False),
        sa.Column("jwe_sha256", sa.String(length=64), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("content_type", sa.String(length=16), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("profile_id", sa.Uuid(), nullable=True),
        sa.Column("data_key_id", sa.Uuid(), nullable=True),
        sa.Column("crypto_image", sa.LargeBinary(), nullable=True),
        _fk("attachments", "uploader_id", "users"),
        _fk("attachments", "uploader_agency_id", "agencies"),
        _fk("attachments", "data_key_id", "data_keys", ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attachments")),
        sa.UniqueConstraint("client_id", name=op.f("uq_attachments_client_id")),
    )
    for column in ("uploader_id", "received_at", "profile_id"):
        op.create_index(op.f(f"ix_attachments_{column}"), "attachments", [column])


def downgrade() -> None:
    for column in ("profile_id", "received_at", "uploader_id"):
        op.drop_index(op.f(f"ix_attachments_{column}"), table_name="attachments")
    op.drop_table("attachments")
    op.drop_index(op.f("ix_profile_photos_attachment_client_id"), table_name="profile_photos")
    op.drop_table("profile_photos")
    op.drop_index("ix_profile_keys_lookup", table_name="profile_keys")
    op.drop_table("profile_keys")
    for column in ("author_agency_id", "author_id", "profile_id"):
        op.drop_index(op.f(f"ix_profiles_{column}"), table_name="profiles")
    op.drop_table("profiles")
