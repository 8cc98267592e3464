"""subject_keys: the keys each child's record holds, one row per record and key

Linking looked up other concerns sharing a concern's identifiers, so a child with a
thousand concerns came back as a thousand rows for its own name and a much-named car as
every concern that named it. Each record now holds a key once (``backend/models/
record_keys.py``); the rows of the concerns already stored are built here, in SQL. A
child's concerns are indexed by event time too, for the one probe that reads them.

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-03 12:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import backend.models.base

revision: str = "0022"
down_revision: str | None = "0021"
branch_labels: Sequence[str] | None = None
depends_on: Sequence[str] | None = None

_WHEN = backend.models.base.UTCDateTime(timezone=True)
_C = sa.table(
    "concerns",
    sa.column("id", sa.Uuid()),
    sa.column("subject_id", sa.Uuid()),
    sa.column("recorded_at", _WHEN),
)
_CI = sa.table(
    "concern_identifiers",
    sa.column("concern_id", sa.Uuid()),
    sa.column("role", sa.String()),
    sa.column("kind", sa.String()),
    sa.column("blind_index", sa.String()),
    sa.column("key_id", sa.String()),
)
_KEYS = sa.table(
    "subject_keys",
    sa.column("subject_id", sa.Uuid()),
    sa.column("role", sa.String()),
    sa.column("kind", sa.String()),
    sa.column("blind_index", sa.String()),
    sa.column("key_id", sa.String()),
    sa.column("first_at", _WHEN),
    sa.column("last_at", _WHEN),
    sa.column("last_concern_id", sa.Uuid()),
    sa.column("concerns", sa.Integer()),
)


def _backfill() -> sa.Insert:
    """Each linked concern's identifiers (an addendum's count as its concern's) grouped
    once per concern, then per record and key: the latest concern by event time (then
    id) is the row's last."""
    named = (
        sa.select(
            _C.c.subject_id,
            _CI.c.role,
            _CI.c.kind,
            _CI.c.blind_index,
            sa.func.min(_CI.c.key_id).label("key_id"),
            _C.c.id.label("concern_id"),
            _C.c.recorded_at,
        )
        .join(_C, _C.c.id == _CI.c.concern_id)
        .where(_C.c.subject_id.is_not(None))
        .group_by(
            _C.c.subject_id, _CI.c.role, _CI.c.kind, _CI.c.blind_index, _C.c.id, _C.c.recorded_at
        )
        .subquery()
    )
    record = [named.c.subject_id, named.c.role, named.c.kind, named.c.blind_index]
    ranked = sa.select(
        *record,
        named.c.key_id,
        named.c.concern_id,
        named.c.recorded_at,
        sa.func.min(named.c.recorded_at).over(partition_by=record).label("first_at"),
        sa.func.count().over(partition_by=record).label("concerns"),
        sa.func.row_number()
        .over(
            partition_by=record,
            order_by=[named.c.recorded_at.desc(), named.c.concern_id.desc()],
        )
        .label("rank"),
    ).subquery()
    latest = sa.select(
        ranked.c.subject_id,
        ranked.c.role,
        ranked.c.kind,
        ranked.c.blind_index,
        ranked.c.key_id,
        ranked.c.first_at,
        ranked.c.recorded_at,
        ranked.c.concern_id,
        ranked.c.concerns,
    ).where(ranked.c.rank == 1)
    return sa.insert(_KEYS).from_select(
        [
            "subject_id",
            "role",
            "kind",
            "blind_index",
            "key_id",
            "first_at",
            "last_at",
            "last_concern_id",
            "concerns",
        ],
        latest,
    )


def upgrade() -> None:
    op.create_table(
        "subject_keys",
        sa.Column("subject_id", sa.Uuid(), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("blind_index", sa.String(length=32), nullable=False),
        sa.Column("key_id", sa.String(length=64), nullable=False),
        sa.Column("first_at", _WHEN, nullable=False),
        sa.Column("last_at", _WHEN, nullable=False),
        sa.Column("last_concern_id", sa.Uuid(), nullable=False),
        sa.Column("concerns", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["subject_id"], ["subjects.id"], name=op.f("fk_subject_keys_subject_id_subjects")
        ),
        sa.ForeignKeyConstraint(
            ["last_concern_id"],
            ["concerns.id"],
            name=op.f("fk_subject_keys_last_concern_id_concerns"),
        ),
        sa.PrimaryKeyConstraint(
            "subject_id", "role", "kind", "blind_index", name=op.f("pk_subject_keys")
        ),
    )
    with op.batch_alter_table("subject_keys", schema=None) as batch_op:
        batch_op.create_index(
            "ix_subject_keys_lookup", ["kind", "blind_index", "role"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_subject_keys_key_id"), ["key_id"], unique=False)
    with op.batch_alter_table("concerns", schema=None) as batch_op:
        batch_op.create_index(
            "ix_concerns_subject_time", ["subject_id", "recorded_at"], unique=False
        )
    op.get_bind().execute(_backfill())


def downgrade() -> None:
    with op.batch_alter_table("concerns", schema=None) as batch_op:
        batch_op.drop_index("ix_concerns_subject_time")
    op.drop_table("subject_keys")
