"""missing_episodes: a missing child managed from the report to the return

A concern about a missing child used to be one event, and the return interview was
counted from the report. An episode now opens with the report, is updated by later
reports and closes when the child is found; the return interview is due from the return
(``backend/models/missing.py``). Episodes start from the concerns received from now on:
the concerns already stored are not replayed.

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-03 15:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from backend.models.base import UTCDateTime

revision: str = "0024"
down_revision: str | None = "0023"
branch_labels: Sequence[str] | None = None
depends_on: Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "missing_episodes",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("partnership_id", sa.Uuid(), nullable=False),
        sa.Column("subject_id", sa.Uuid(), nullable=False),
        sa.Column("concern_id", sa.Uuid(), nullable=False),
        sa.Column("reporting_agency_id", sa.Uuid(), nullable=False),
        sa.Column("reported_at", UTCDateTime(), nullable=False),
        sa.Column("reports", sa.Integer(), nullable=False),
        sa.Column("is_open", sa.Boolean(), nullable=False),
        sa.Column("found_at", UTCDateTime(), nullable=True),
        sa.Column("hours_missing", sa.Float(), nullable=True),
        sa.Column("closed_by_concern_id", sa.Uuid(), nullable=True),
        sa.Column("closed_by_addendum_id", sa.Uuid(), nullable=True),
        sa.Column("return_due", UTCDateTime(), nullable=True),
        sa.Column("return_delivery_id", sa.Uuid(), nullable=True),
        sa.Column("opened_at", UTCDateTime(), nullable=False),
        sa.Column("closed_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["partnership_id"],
            ["partnerships.id"],
            name=op.f("fk_missing_episodes_partnership_id_partnerships"),
        ),
        sa.ForeignKeyConstraint(
            ["subject_id"], ["subjects.id"], name=op.f("fk_missing_episodes_subject_id_subjects")
        ),
        sa.ForeignKeyConstraint(
            ["concern_id"], ["concerns.id"], name=op.f("fk_missing_episodes_concern_id_concerns")
        ),
        sa.ForeignKeyConstraint(
            ["reporting_agency_id"],
            ["agencies.id"],
            name=op.f("fk_missing_episodes_reporting_agency_id_agencies"),
        ),
        sa.ForeignKeyConstraint(
            ["closed_by_concern_id"],
            ["concerns.id"],
            name=op.f("fk_missing_episodes_closed_by_concern_id_concerns"),
        ),
        sa.ForeignKeyConstraint(
            ["closed_by_addendum_id"],
            ["addenda.id"],
            name=op.f("fk_missing_episodes_closed_by_addendum_id_addenda"),
        ),
        sa.ForeignKeyConstraint(
            ["return_delivery_id"],
            ["deliveries.id"],
            name=op.f("fk_missing_episodes_return_delivery_id_deliveries"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_missing_episodes")),
    )
    op.create_index(
        op.f("ix_missing_episodes_subject_id"), "missing_episodes", ["subject_id"], unique=False
    )
    op.create_index(
        op.f("ix_missing_episodes_concern_id"), "missing_episodes", ["concern_id"], unique=False
    )
    op.create_index(
        "ix_missing_episodes_list",
        "missing_episodes",
        ["partnership_id", "is_open", "reported_at"],
        unique=False,
    )
    # One open episode per child record: the database holds it, whatever the locks miss.
    op.create_index(
        "uq_missing_episodes_open_subject",
        "missing_episodes",
        ["subject_id"],
        unique=True,
        sqlite_where=sa.text("is_open"),
        postgresql_where=sa.text("is_open"),
    )


def downgrade() -> None:
    op.drop_index("uq_missing_episodes_open_subject", table_name="missing_episodes")
    op.drop_index("ix_missing_episodes_list", table_name="missing_episodes")
    op.drop_index(op.f("ix_missing_episodes_concern_id"), table_name="missing_episodes")
    op.drop_index(op.f("ix_missing_episodes_subject_id"), table_name="missing_episodes")
    op.drop_table("missing_episodes")
