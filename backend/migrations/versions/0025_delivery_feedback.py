"""deliveries.crypto_feedback: what a decision tells the person who recorded the concern

A decision now carries, beside its reasons (for the record), a short text written for the
referrer, sealed under the concern's data key like the reasons. Decisions made before
have none.

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-03 18:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0025"
down_revision: str | None = "0024"
branch_labels: Sequence[str] | None = None
depends_on: Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("deliveries") as batch_op:
        batch_op.add_column(sa.Column("crypto_feedback", sa.LargeBinary(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("deliveries") as batch_op:
        batch_op.drop_column("crypto_feedback")
