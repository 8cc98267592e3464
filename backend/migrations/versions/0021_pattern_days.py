"""pattern_days: a child's pattern windows kept as they grow, one row per child and day

The per-child pattern rules read every concern of the child near the new one, so linking
cost more as a child's history grew. Each concern now adds itself to the row of its own
day (``backend/models/windows.py``); the rows of the concerns already stored are built here.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-03 09:00:00
"""

import json
from collections.abc import Sequence
from dataclasses import dataclass, field

import sqlalchemy as sa
from alembic import op

import backend.models.base

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: Sequence[str] | None = None
depends_on: Sequence[str] | None = None

_WHEN = backend.models.base.UTCDateTime(timezone=True)
# The high-weight signs as this revision knows them (backend/routing/patterns.py).
_HIGH = (
    "injuries",
    "sexual_health",
    "pregnancy",
    "harmful_sexual_behaviour",
    "cars_with_unknown_adults",
    "exploitation_hotspot",
    "phone_use",
    "adult_of_concern",
    "links_to_exploited_children",
    "taken_to_other_towns",
)
_C = sa.table(
    "concerns",
    sa.column("id", sa.Uuid()),
    sa.column("subject_id", sa.Uuid()),
    sa.column("recorded_at", _WHEN),
    sa.column("recorder_agency_id", sa.Uuid()),
    sa.column("level", sa.String()),
)
_CC = sa.table("concern_categories", sa.column("concern_id", sa.Uuid()), sa.column("category"))
_IND = sa.table("concern_indicators", sa.column("concern_id", sa.Uuid()), sa.column("code"))
_DAYS = sa.table(
    "pattern_days",
    sa.column("subject_id", sa.Uuid()),
    sa.column("day", sa.Date()),
    sa.column("concerns", sa.Integer()),
    sa.column("missing", sa.Integer()),
    sa.column("high_signs", sa.Integer()),
    sa.column("levels", sa.Text()),
    sa.column("agencies", sa.Text()),
)


@dataclass
class _Day:
    """One child's day as the concerns already stored make it."""

    concerns: int = 0
    missing: int = 0
    high_signs: int = 0
    levels: dict[str, int] = field(default_factory=dict)
    agencies: set[str] = field(default_factory=set)


def upgrade() -> None:
    op.create_table(
        "pattern_days",
        sa.Column("subject_id", sa.Uuid(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("concerns", sa.Integer(), nullable=False),
        sa.Column("missing", sa.Integer(), nullable=False),
        sa.Column("high_signs", sa.Integer(), nullable=False),
        sa.Column("levels", sa.Text(), nullable=False),
        sa.Column("agencies", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["subject_id"], ["subjects.id"], name=op.f("fk_pattern_days_subject_id_subjects")
        ),
        sa.PrimaryKeyConstraint("subject_id", "day", name=op.f("pk_pattern_days")),
    )
    conn = op.get_bind()
    missing = set(conn.scalars(sa.select(_CC.c.concern_id).where(_CC.c.category == "missing")))
    signs: dict[object, int] = {}
    for concern_id in conn.scalars(sa.select(_IND.c.concern_id).where(_IND.c.code.in_(_HIGH))):
        signs[concern_id] = signs.get(concern_id, 0) + 1
    days: dict[tuple[object, object], _Day] = {}
    for cid, sid, at, agency, level in conn.execute(
        sa.select(
            _C.c.id, _C.c.subject_id, _C.c.recorded_at, _C.c.recorder_agency_id, _C.c.level
        ).where(_C.c.subject_id.is_not(None))
    ):
        day = days.setdefault((sid, at.date()), _Day())
        day.concerns += 1
        day.missing += cid in missing
        day.high_signs += signs.get(cid, 0)
        day.levels[level] = day.levels.get(level, 0) + 1
        day.agencies.add(str(agency))
    rows = [
        {
            "subject_id": sid,
            "day": when,
            "concerns": day.concerns,
            "missing": day.missing,
            "high_signs": day.high_signs,
            "levels": json.dumps(dict(sorted(day.levels.items()))),
            "agencies": json.dumps(sorted(day.agencies)),
        }
        for (sid, when), day in days.items()
    ]
    if rows:
        conn.execute(sa.insert(_DAYS), rows)


def downgrade() -> None:
    op.drop_table("pattern_days")
