"""security notices: what a person must hear about their own account

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-26 18:15:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import backend.models.base

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: Sequence[str] | None = None
depends_on: Sequence[str] | None = None

WHEN = backend.models.base.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "security_notices",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("passkey_id", sa.Uuid(), nullable=True),
        sa.Column("at", WHEN, nullable=False),
        sa.Column("read_at", WHEN, nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_security_notices_user_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["passkey_id"], ["passkeys.id"], name=op.f("fk_security_notices_passkey_id_passkeys")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_security_notices")),
    )
    op.create_index(
        op.f("ix_security_notices_user_id"), "security_notices", ["user_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_security_notices_user_id"), table_name="security_notices")
    op.drop_table("security_notices")
