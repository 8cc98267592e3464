"""subject_inboxes.no_further_action_at: the latest "no further action" an inbox decided
about a child's record

A new concern about a child within the rules' span of such a decision goes back to the
inbox that decided it, as a re-referral (``services/concerns/re_referral.py``). Kept on
the child's row of that inbox, so finding it reads the child's few rows, never its history.
Decisions made before are filled in from the deliveries.

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-03 18:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from backend.models.base import UTCDateTime

revision: str = "0026"
down_revision: str | None = "0025"
branch_labels: Sequence[str] | None = None
depends_on: Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("subject_inboxes") as batch_op:
        batch_op.add_column(sa.Column("no_further_action_at", UTCDateTime(), nullable=True))
    # The decisions already made: the latest per child's record and deciding inbox. A row is
    # made (counting no deliveries) where an escalation's inbox decided.
    op.execute(
        """
        INSERT INTO subject_inboxes (subject_id, inbox_id, deliveries)
        SELECT DISTINCT c.subject_id, d.inbox_id, 0
        FROM deliveries d JOIN concerns c ON c.id = d.concern_id
        WHERE d.outcome = 'no_further_action' AND d.inbox_id IS NOT NULL
          AND c.subject_id IS NOT NULL
          AND NOT EXISTS (
            SELECT 1 FROM subject_inboxes s
            WHERE s.subject_id = c.subject_id AND s.inbox_id = d.inbox_id
          )
        """
    )
    op.execute(
        """
        UPDATE subject_inboxes SET no_further_action_at = (
          SELECT max(d.decided_at)
          FROM deliveries d JOIN concerns c ON c.id = d.concern_id
          WHERE d.outcome = 'no_further_action' AND d.inbox_id = subject_inboxes.inbox_id
            AND c.subject_id = subject_inboxes.subject_id
        )
        """
    )


def downgrade() -> None:
    with op.batch_alter_table("subject_inboxes") as batch_op:
        batch_op.drop_column("no_further_action_at")
