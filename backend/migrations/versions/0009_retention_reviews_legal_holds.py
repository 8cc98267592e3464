"""retention: review decisions and legal holds

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-26 15:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import backend.models.base

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: Sequence[str] | None = None
depends_on: Sequence[str] | None = None

WHEN = backend.models.base.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "retention_reviews",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("concern_id", sa.Uuid(), nullable=False),
        sa.Column("due_at", WHEN, nullable=False),
        sa.Column("decision", sa.String(length=8), nullable=False),
        sa.Column("keep_until", WHEN, nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("decided_at", WHEN, nullable=False),
        sa.Column("decided_by_id", sa.Uuid(), nullable=True),
        sa.ForeignKeyConstraint(
            ["concern_id"], ["concerns.id"], name=op.f("fk_retention_reviews_concern_id_concerns")
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_id"], ["users.id"], name=op.f("fk_retention_reviews_decided_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_retention_reviews")),
    )
    op.create_index(op.f("ix_retention_reviews_concern_id"), "retention_reviews", ["concern_id"])
    op.create_table(
        "legal_holds",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("concern_id", sa.Uuid(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("placed_at", WHEN, nullable=False),
        sa.Column("placed_by_id", sa.Uuid(), nullable=True),
        sa.Column("lifted_at", WHEN, nullable=True),
        sa.Column("lifted_by_id", sa.Uuid(), nullable=True),
        sa.ForeignKeyConstraint(
            ["concern_id"], ["concerns.id"], name=op.f("fk_legal_holds_concern_id_concerns")
        ),
        sa.ForeignKeyConstraint(
            ["placed_by_id"], ["users.id"], name=op.f("fk_legal_holds_placed_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["lifted_by_id"], ["users.id"], name=op.f("fk_legal_holds_lifted_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_legal_holds")),
    )
    op.create_index(op.f("ix_legal_holds_concern_id"), "legal_holds", ["concern_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_legal_holds_concern_id"), table_name="legal_holds")
    op.drop_table("legal_holds")
    op.drop_index(op.f("ix_retention_reviews_concern_id"), table_name="retention_reviews")
    op.drop_table("retention_reviews")
