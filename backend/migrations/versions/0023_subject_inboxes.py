"""subject_inboxes: which inboxes hold each child's records, kept as they grow

Telling a recorder that a child is already known read the deliveries of every earlier
concern about the child, so linking cost more as a child's history grew. Each routed
delivery now counts itself on the row of its concern's subject and inbox
(``backend/models/known.py``); the rows of the deliveries already made are built here.

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-03 12:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0023"
down_revision: str | None = "0022"
branch_labels: Sequence[str] | None = None
depends_on: Sequence[str] | None = None

_C = sa.table("concerns", sa.column("id", sa.Uuid()), sa.column("subject_id", sa.Uuid()))
_D = sa.table(
    "deliveries",
    sa.column("concern_id", sa.Uuid()),
    sa.column("inbox_id", sa.Uuid()),
    sa.column("root_id", sa.Uuid()),
)
_SI = sa.table(
    "subject_inboxes",
    sa.column("subject_id", sa.Uuid()),
    sa.column("inbox_id", sa.Uuid()),
    sa.column("deliveries", sa.Integer()),
)


def upgrade() -> None:
    op.create_table(
        "subject_inboxes",
        sa.Column("subject_id", sa.Uuid(), nullable=False),
        sa.Column("inbox_id", sa.Uuid(), nullable=False),
        sa.Column("deliveries", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["subject_id"], ["subjects.id"], name=op.f("fk_subject_inboxes_subject_id_subjects")
        ),
        sa.ForeignKeyConstraint(
            ["inbox_id"], ["inboxes.id"], name=op.f("fk_subject_inboxes_inbox_id_inboxes")
        ),
        sa.PrimaryKeyConstraint("subject_id", "inbox_id", name=op.f("pk_subject_inboxes")),
    )
    # Routed deliveries (escalations name their root) to an inbox, of linked concerns.
    counted = (
        sa.select(_C.c.subject_id, _D.c.inbox_id, sa.func.count())
        .select_from(_D.join(_C, _C.c.id == _D.c.concern_id))
        .where(_C.c.subject_id.is_not(None), _D.c.root_id.is_(None), _D.c.inbox_id.is_not(None))
        .group_by(_C.c.subject_id, _D.c.inbox_id)
    )
    op.execute(sa.insert(_SI).from_select(["subject_id", "inbox_id", "deliveries"], counted))


def downgrade() -> None:
    op.drop_table("subject_inboxes")
