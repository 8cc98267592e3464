"""concerns: language flags per term, for aggregate metrics

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-26 13:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: Sequence[str] | None = None
depends_on: Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("concerns") as batch:
        batch.add_column(
            sa.Column("language_flags", sa.Text(), nullable=False, server_default="{}")
        )


def downgrade() -> None:
    with op.batch_alter_table("concerns") as batch:
        batch.drop_column("language_flags")
