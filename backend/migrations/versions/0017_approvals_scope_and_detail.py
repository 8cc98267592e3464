"""approvals: every access grant, recovery and rules change waits for an independent admin

An approval now carries ``detail`` (JSON: how a person's identity was confirmed for a
recovery; the exact rules text proposed and the version it replaces) and always names the
agency whose admins (or whose partnership's admins) may decide it, so a partnership's
admins reach only their own partnership's approvals. Operator actions asked before this
took no agency: they take the asker's. ``inbox_grant`` becomes ``access_grant`` (every
role that reads records or administers now needs it). Recovery tickets still unused were
issued by one admin alone and shown to them: they are withdrawn.

Revision ID: 0017
Revises: 0016
Create Date: 2026-11-27 09:30:00
"""

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

import backend.models.base

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: Sequence[str] | None = None
depends_on: Sequence[str] | None = None

_WHEN = backend.models.base.UTCDateTime(timezone=True)
_APPROVALS = sa.table(
    "approvals",
    sa.column("action", sa.String()),
    sa.column("agency_id", sa.Uuid()),
    sa.column("requested_by_id", sa.Uuid()),
)
_USERS = sa.table("users", sa.column("id", sa.Uuid()), sa.column("agency_id", sa.Uuid()))
_INVITES = sa.table(
    "invites",
    sa.column("user_id", sa.Uuid()),
    sa.column("used_at", _WHEN),
    sa.column("withdrawn_at", _WHEN),
)


def upgrade() -> None:
    with op.batch_alter_table("approvals", schema=None) as batch_op:
        batch_op.add_column(sa.Column("detail", sa.Text(), nullable=True))
    conn = op.get_bind()
    conn.execute(
        _APPROVALS.update()
        .where(_APPROVALS.c.action == "inbox_grant")
        .values(action="access_grant")
    )
    asker_agency = (
        sa.select(_USERS.c.agency_id)
        .where(_USERS.c.id == _APPROVALS.c.requested_by_id)
        .scalar_subquery()
    )
    conn.execute(
        _APPROVALS.update().where(_APPROVALS.c.agency_id.is_(None)).values(agency_id=asker_agency)
    )
    conn.execute(
        _INVITES.update()
        .where(
            _INVITES.c.user_id.is_not(None),
            _INVITES.c.used_at.is_(None),
            _INVITES.c.withdrawn_at.is_(None),
        )
        .values(withdrawn_at=datetime.now(UTC))
    )


def downgrade() -> None:
    conn = op.get_bind()
    conn.execute(
        _APPROVALS.update()
        .where(_APPROVALS.c.action == "access_grant")
        .values(action="inbox_grant")
    )
    with op.batch_alter_table("approvals", schema=None) as batch_op:
        batch_op.drop_column("detail")
