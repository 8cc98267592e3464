"""alerts: an index for the open alerts of one kind in a partnership

Linking looks up the open network alerts of the partnership on every concern that shares
an adult, car or phone; without this index SQLite walked every open alert of every kind.

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-26 22:40:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: Sequence[str] | None = None
depends_on: Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_alerts_open_by_kind", "alerts", ["partnership_id", "kind", "status"])


def downgrade() -> None:
    op.drop_index("ix_alerts_open_by_kind", table_name="alerts")
