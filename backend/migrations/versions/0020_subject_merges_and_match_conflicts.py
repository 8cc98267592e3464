"""subject_merges: how each merge of two children's records was made; possible_matches.conflict

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-04 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import backend.models.base

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: Sequence[str] | None = None
depends_on: Sequence[str] | None = None

_WHEN = backend.models.base.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "subject_merges",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("partnership_id", sa.Uuid(), nullable=False),
        sa.Column("subject_id", sa.Uuid(), nullable=False),
        sa.Column("merged_id", sa.Uuid(), nullable=False),
        sa.Column("how", sa.String(length=16), nullable=False),
        sa.Column("kinds", sa.Text(), nullable=False),
        sa.Column("concern_id", sa.Uuid(), nullable=True),
        sa.Column("made_at", _WHEN, nullable=False),
        sa.Column("made_by_id", sa.Uuid(), nullable=True),
        sa.Column("confirmed_at", _WHEN, nullable=True),
        sa.Column("confirmed_by_id", sa.Uuid(), nullable=True),
        sa.Column("split_at", _WHEN, nullable=True),
        sa.Column("split_by_id", sa.Uuid(), nullable=True),
        sa.ForeignKeyConstraint(
            ["partnership_id"],
            ["partnerships.id"],
            name=op.f("fk_subject_merges_partnership_id_partnerships"),
        ),
        sa.ForeignKeyConstraint(
            ["subject_id"], ["subjects.id"], name=op.f("fk_subject_merges_subject_id_subjects")
        ),
        sa.ForeignKeyConstraint(
            ["merged_id"], ["subjects.id"], name=op.f("fk_subject_merges_merged_id_subjects")
        ),
        sa.ForeignKeyConstraint(
            ["made_by_id"], ["users.id"], name=op.f("fk_subject_merges_made_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["confirmed_by_id"], ["users.id"], name=op.f("fk_subject_merges_confirmed_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["split_by_id"], ["users.id"], name=op.f("fk_subject_merges_split_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_subject_merges")),
    )
    with op.batch_alter_table("subject_merges", schema=None) as batch_op:
        for column in ("partnership_id", "subject_id", "merged_id"):
            batch_op.create_index(batch_op.f(f"ix_subject_merges_{column}"), [column], unique=False)
    with op.batch_alter_table("possible_matches", schema=None) as batch_op:
        batch_op.add_column(sa.Column("conflict", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("possible_matches", schema=None) as batch_op:
        batch_op.drop_column("conflict")
    op.drop_table("subject_merges")
