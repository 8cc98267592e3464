"""Three indexes of columns empty in most rows keep only the rows where they are set

``deliveries.root_id`` (the routed delivery a chain step names), ``deliveries.alert_id``
(the alert a delivery is for) and ``subjects.merged_into_id`` (the record a merged one went
into) are empty in nearly every row. Indexed whole, every routed delivery and every new
record wrote an empty entry into each; and SQLite, which plans without statistics here,
took "root_id IS NULL" for a selective lookup: the deliveries of two or more alerts
(an alert list) and a record's count of deliveries (a split) walked every routed delivery
in the database, then each one's concern. Kept to the rows where the column is set, the
indexes answer every lookup of a value as before and cannot be walked for "is empty".
A test holds the plans (tests/core/test_plans.py).

Revision ID: 0033
Revises: 0032
Create Date: 2026-12-05 03:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0033"
down_revision: str | None = "0032"
branch_labels: Sequence[str] | None = None
depends_on: Sequence[str] | None = None

_SET_ONLY = [("deliveries", "root_id"), ("deliveries", "alert_id"), ("subjects", "merged_into_id")]


def upgrade() -> None:
    for table, column in _SET_ONLY:
        name, where = f"ix_{table}_{column}", sa.column(column).is_not(None)
        op.drop_index(name, table_name=table)
        op.create_index(name, table, [column], sqlite_where=where, postgresql_where=where)


def downgrade() -> None:
    for table, column in _SET_ONLY:
        name = f"ix_{table}_{column}"
        op.drop_index(name, table_name=table)
        op.create_index(name, table, [column])
