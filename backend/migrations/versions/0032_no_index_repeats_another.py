"""Indexes that repeat the leading columns of another are dropped

Each of these indexed one column that a unique constraint or a wider index already leads
with, so every lookup it served is served as well by the other, and every row written paid
for both. Two are written with every envelope: ``receipts.client_id`` (a phone's random id,
so a page of its own for each receipt) and ``concerns.subject_id`` (the child's record,
random too, so a page of its own each time a concern is stored or linked); the concern's
subject and time index, and the receipt's unique (client_id, digest), remain. The others
are on tables written rarely, dropped for the same reason. A test holds that no index
repeats another (tests/core/test_migrations.py).

Revision ID: 0032
Revises: 0031
Create Date: 2026-12-05 03:30:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0032"
down_revision: str | None = "0031"
branch_labels: Sequence[str] | None = None
depends_on: Sequence[str] | None = None

# (table, column): each index is named ix_<table>_<column>, as the models made it.
_REPEATED = [
    ("receipts", "client_id"),
    ("concerns", "subject_id"),
    ("agencies", "partnership_id"),
    ("inboxes", "agency_id"),
    ("routing_rulesets", "partnership_id"),
    ("alerts", "partnership_id"),
    ("suspicion_matches", "suspicion_id"),
    ("profiles", "profile_id"),
]


def upgrade() -> None:
    for table, column in _REPEATED:
        op.drop_index(f"ix_{table}_{column}", table_name=table)


def downgrade() -> None:
    for table, column in _REPEATED:
        op.create_index(f"ix_{table}_{column}", table, [column])
