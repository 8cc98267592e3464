"""deployment_observations: unsafe settings the servers saw in use, for ``frontline doctor``

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-03 06:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import backend.models.base

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: Sequence[str] | None = None
depends_on: Sequence[str] | None = None

_WHEN = backend.models.base.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "deployment_observations",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("first_at", _WHEN, nullable=False),
        sa.Column("last_at", _WHEN, nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_deployment_observations")),
    )


def downgrade() -> None:
    op.drop_table("deployment_observations")
