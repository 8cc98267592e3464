"""challenges, challenge_stages: disagreeing with a decision, climbing named stages

Someone who disagrees with a decision raises a challenge with a reason (sealed under the
concern's data key); it climbs the stages of the rules' ``[challenge]`` section, one row
per stage reached naming its owner, until an owner resolves it: upheld, or the decision
changed (the note to the challenger sealed too).

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-03 22:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from backend.models.base import UTCDateTime

revision: str = "0028"
down_revision: str | None = "0027"
branch_labels: Sequence[str] | None = None
depends_on: Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "challenges",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("concern_id", sa.Uuid(), nullable=False),
        sa.Column("delivery_id", sa.Uuid(), nullable=False),
        sa.Column("agency_id", sa.Uuid(), nullable=False),
        sa.Column("challenger_id", sa.Uuid(), nullable=False),
        sa.Column("raised_at", UTCDateTime(), nullable=False),
        sa.Column("decision", sa.String(length=32), nullable=False),
        sa.Column("crypto_reason", sa.LargeBinary(), nullable=False),
        sa.Column("stage", sa.Integer(), nullable=False),
        sa.Column("is_open", sa.Boolean(), nullable=False),
        sa.Column("due_at", UTCDateTime(), nullable=False),
        sa.Column("next_deadline", UTCDateTime(), nullable=True),
        sa.Column("resolved_at", UTCDateTime(), nullable=True),
        sa.Column("resolved_by_id", sa.Uuid(), nullable=True),
        sa.Column("outcome", sa.String(length=16), nullable=True),
        sa.Column("new_decision", sa.String(length=32), nullable=True),
        sa.Column("crypto_note", sa.LargeBinary(), nullable=True),
        sa.ForeignKeyConstraint(
            ["concern_id"],
            ["concerns.id"],
            name=op.f("fk_challenges_concern_id_concerns"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["delivery_id"],
            ["deliveries.id"],
            name=op.f("fk_challenges_delivery_id_deliveries"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["agency_id"], ["agencies.id"], name=op.f("fk_challenges_agency_id_agencies")
        ),
        sa.ForeignKeyConstraint(
            ["challenger_id"], ["users.id"], name=op.f("fk_challenges_challenger_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["resolved_by_id"], ["users.id"], name=op.f("fk_challenges_resolved_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_challenges")),
    )
    for column in ("concern_id", "delivery_id", "agency_id", "challenger_id", "next_deadline"):
        op.create_index(op.f(f"ix_challenges_{column}"), "challenges", [column])
    op.create_index(
        "uq_challenges_open_delivery",
        "challenges",
        ["delivery_id"],
        unique=True,
        sqlite_where=sa.text("is_open"),
        postgresql_where=sa.text("is_open"),
    )
    op.create_table(
        "challenge_stages",
        sa.Column("challenge_id", sa.Uuid(), nullable=False),
        sa.Column("stage", sa.Integer(), nullable=False),
        sa.Column("audience", sa.String(length=16), nullable=False),
        sa.Column("agency_id", sa.Uuid(), nullable=False),
        sa.Column("inbox_id", sa.Uuid(), nullable=True),
        sa.Column("started_at", UTCDateTime(), nullable=False),
        sa.Column("due_at", UTCDateTime(), nullable=False),
        sa.Column("ended_at", UTCDateTime(), nullable=True),
        sa.Column("ended", sa.String(length=16), nullable=True),
        sa.ForeignKeyConstraint(
            ["challenge_id"],
            ["challenges.id"],
            name=op.f("fk_challenge_stages_challenge_id_challenges"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["agency_id"], ["agencies.id"], name=op.f("fk_challenge_stages_agency_id_agencies")
        ),
        sa.ForeignKeyConstraint(
            ["inbox_id"], ["inboxes.id"], name=op.f("fk_challenge_stages_inbox_id_inboxes")
        ),
        sa.PrimaryKeyConstraint("challenge_id", "stage", name=op.f("pk_challenge_stages")),
    )
    op.create_index("ix_challenge_stages_inbox", "challenge_stages", ["inbox_id", "audience"])
    op.create_index("ix_challenge_stages_agency", "challenge_stages", ["agency_id", "audience"])


def downgrade() -> None:
    op.drop_index("ix_challenge_stages_agency", table_name="challenge_stages")
    op.drop_index("ix_challenge_stages_inbox", table_name="challenge_stages")
    op.drop_table("challenge_stages")
    op.drop_index("uq_challenges_open_delivery", table_name="challenges")
    for column in ("next_deadline", "challenger_id", "agency_id", "delivery_id", "concern_id"):
        op.drop_index(op.f(f"ix_challenges_{column}"), table_name="challenges")
    op.drop_table("challenges")
