"""Every foreign key that says what happens when its row is deleted has an index

Erasing a record deletes its data key (crypto-shredding), and every row that names the key
is then set to none: six tables name data keys, and none had an index on the column. So
each erasure read every concern, user, invite, profile, attachment and suspicion to find
the few that named the key: 18.7 ms an erasure at 25,000 concerns, growing with the
database (about 0.75 s at a million, each holding SQLite's one write lock), against
0.02 ms with the index. The same held for an addendum's or a return interview's
identifiers and a delivery's push notifications, whose rows are removed with theirs. The
identifiers of addenda and return interviews are few among a concern's, so their indexes
keep only the rows where they are set. A test holds that every foreign key with an
ON DELETE action is served by an index (tests/core/test_migrations.py).

Revision ID: 0034
Revises: 0033
Create Date: 2026-12-05 04:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0034"
down_revision: str | None = "0033"
branch_labels: Sequence[str] | None = None
depends_on: Sequence[str] | None = None

_WHOLE = [
    ("concerns", "data_key_id"),
    ("users", "data_key_id"),
    ("invites", "data_key_id"),
    ("profiles", "data_key_id"),
    ("attachments", "data_key_id"),
    ("suspicions", "data_key_id"),
    ("notifications", "delivery_id"),
]
_SET_ONLY = [("concern_identifiers", "addendum_id"), ("concern_identifiers", "return_interview_id")]


def upgrade() -> None:
    for table, column in _WHOLE:
        op.create_index(f"ix_{table}_{column}", table, [column])
    for table, column in _SET_ONLY:
        where = sa.column(column).is_not(None)
        op.create_index(
            f"ix_{table}_{column}", table, [column], sqlite_where=where, postgresql_where=where
        )


def downgrade() -> None:
    for table, column in _WHOLE + _SET_ONLY:
        op.drop_index(f"ix_{table}_{column}", table_name=table)
