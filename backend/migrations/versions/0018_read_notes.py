"""read_notes: what a reader wrote about why, sealed under the record's data key

A read's purpose was free text in the audit log, which cannot be edited and outlives every
record, so crypto-shredding never reached it. Reads now log a purpose code; any note goes
here, sealed under the record's own data key, and is shredded with it. Entries written
before keep their text (the chain forbids editing them): docs/audit.md says so.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-03 05:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import backend.models.base

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: Sequence[str] | None = None
depends_on: Sequence[str] | None = None

WHEN = backend.models.base.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "read_notes",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("concern_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("crypto_note", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["concern_id"], ["concerns.id"], name=op.f("fk_read_notes_concern_id_concerns")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_read_notes")),
    )
    op.create_index(op.f("ix_read_notes_concern_id"), "read_notes", ["concern_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_read_notes_concern_id"), table_name="read_notes")
    op.drop_table("read_notes")
