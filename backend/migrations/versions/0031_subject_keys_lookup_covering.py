"""subject_keys: the lookup index carries the record, so finding who holds a key reads the
index alone

"Which records hold this key" is the lookup every linking step makes. With the record in
the index, the weak keys' lookup (``subjects._agreeing``) and the holders of any key
(``subjects._sharing``) no longer read each holder's row from the table: at a population
of hundreds of thousands of children, a nickname or a postcode is held by hundreds of
records, each a row read from a page of its own.

Revision ID: 0031
Revises: 0030
Create Date: 2026-12-05 01:10:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0031"
down_revision: str | None = "0030"
branch_labels: Sequence[str] | None = None
depends_on: Sequence[str] | None = None

_NAME = "ix_subject_keys_lookup"


def upgrade() -> None:
    op.drop_index(_NAME, table_name="subject_keys")
    op.create_index(_NAME, "subject_keys", ["kind", "blind_index", "role", "subject_id"])


def downgrade() -> None:
    op.drop_index(_NAME, table_name="subject_keys")
    op.create_index(_NAME, "subject_keys", ["kind", "blind_index", "role"])
