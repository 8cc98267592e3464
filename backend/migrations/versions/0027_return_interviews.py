"""return_interviews: the return home interview after a missing episode

The Missing Coordinator records the return interview as a sealed, proven record of its own
(``backend/models/missing.py``). Its identifiers are blind-indexed beside its episode's
concern's (``concern_identifiers.return_interview_id``), and the episode keeps how the
latest interview went (``missing_episodes.return_outcome``).

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-03 17:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from backend.models.base import UTCDateTime

revision: str = "0027"
down_revision: str | None = "0026"
branch_labels: Sequence[str] | None = None
depends_on: Sequence[str] | None = None

_FOREIGN = {
    "episode_id": "missing_episodes",
    "concern_id": "concerns",
    "author_id": "users",
    "author_agency_id": "agencies",
    "passkey_id": "passkeys",
    "receipt_id": "receipts",
}


def upgrade() -> None:
    op.create_table(
        "return_interviews",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("client_id", sa.Uuid(), nullable=False),
        sa.Column("content_sha256", sa.String(length=64), nullable=False),
        sa.Column("episode_id", sa.Uuid(), nullable=False),
        sa.Column("concern_id", sa.Uuid(), nullable=False),
        sa.Column("author_id", sa.Uuid(), nullable=False),
        sa.Column("author_agency_id", sa.Uuid(), nullable=False),
        sa.Column("passkey_id", sa.Uuid(), nullable=False),
        sa.Column("proof_sign_count", sa.Integer(), nullable=False),
        sa.Column("receipt_id", sa.Uuid(), nullable=False),
        sa.Column("recorded_at", UTCDateTime(), nullable=False),
        sa.Column("received_at", UTCDateTime(), nullable=False),
        sa.Column("offered_at", UTCDateTime(), nullable=False),
        sa.Column("held_at", UTCDateTime(), nullable=True),
        sa.Column("independent", sa.Boolean(), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("push_factors", sa.Text(), nullable=False),
        sa.Column("pull_factors", sa.Text(), nullable=False),
        sa.Column("crypto_document", sa.LargeBinary(), nullable=False),
        *(
            sa.ForeignKeyConstraint(
                [column], [f"{table}.id"], name=op.f(f"fk_return_interviews_{column}_{table}")
            )
            for column, table in _FOREIGN.items()
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_return_interviews")),
        sa.UniqueConstraint("client_id", name=op.f("uq_return_interviews_client_id")),
    )
    for column in ("episode_id", "concern_id", "author_id"):
        op.create_index(op.f(f"ix_return_interviews_{column}"), "return_interviews", [column])
    with op.batch_alter_table("missing_episodes", schema=None) as batch_op:
        batch_op.add_column(sa.Column("return_outcome", sa.String(length=16), nullable=True))
    with op.batch_alter_table("concern_identifiers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("return_interview_id", sa.Uuid(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_concern_identifiers_return_interview_id_return_interviews"),
            "return_interviews",
            ["return_interview_id"],
            ["id"],
            ondelete="CASCADE",
        )


def downgrade() -> None:
    with op.batch_alter_table("concern_identifiers", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_concern_identifiers_return_interview_id_return_interviews"),
            type_="foreignkey",
        )
        batch_op.drop_column("return_interview_id")
    with op.batch_alter_table("missing_episodes", schema=None) as batch_op:
        batch_op.drop_column("return_outcome")
    for column in ("author_id", "concern_id", "episode_id"):
        op.drop_index(op.f(f"ix_return_interviews_{column}"), table_name="return_interviews")
    op.drop_table("return_interviews")
