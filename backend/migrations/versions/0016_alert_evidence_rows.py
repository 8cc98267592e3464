"""alerts: the concerns an alert rests on become rows, not JSON lists

An alert kept its children, concerns and evidence as JSON lists, rewritten whole on every
concern that added to it: a network of thousands of concerns cost linking O(n) per concern.
Evidence moves to ``alert_evidence`` (a row per concern and key, with the concern's event
time); children were already rows in ``alert_subjects``. The three columns go.

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-27 01:10:00
"""

import json
import uuid
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import backend.models.base

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: Sequence[str] | None = None
depends_on: Sequence[str] | None = None

_WHEN = backend.models.base.UTCDateTime(timezone=True)
_ALERTS = sa.table(
    "alerts",
    sa.column("id", sa.Uuid()),
    sa.column("subjects", sa.Text()),
    sa.column("concerns", sa.Text()),
    sa.column("evidence", sa.Text()),
)
_EVIDENCE = sa.table(
    "alert_evidence",
    sa.column("alert_id", sa.Uuid()),
    sa.column("identifier_kind"),
    sa.column("key"),
    sa.column("concern_id", sa.Uuid()),
    sa.column("recorded_at", _WHEN),
)
_SUBJECTS = sa.table(
    "alert_subjects", sa.column("alert_id", sa.Uuid()), sa.column("subject_id", sa.Uuid())
)
_CONCERNS = sa.table("concerns", sa.column("id", sa.Uuid()), sa.column("recorded_at", _WHEN))


def upgrade() -> None:
    op.create_table(
        "alert_evidence",
        sa.Column("alert_id", sa.Uuid(), nullable=False),
        sa.Column("concern_id", sa.Uuid(), nullable=False),
        sa.Column("identifier_kind", sa.String(length=32), nullable=False),
        sa.Column("key", sa.String(length=32), nullable=False),
        sa.Column("recorded_at", _WHEN, nullable=False),
        sa.ForeignKeyConstraint(
            ["alert_id"],
            ["alerts.id"],
            name=op.f("fk_alert_evidence_alert_id_alerts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["concern_id"], ["concerns.id"], name=op.f("fk_alert_evidence_concern_id_concerns")
        ),
        sa.PrimaryKeyConstraint(
            "alert_id", "concern_id", "identifier_kind", "key", name=op.f("pk_alert_evidence")
        ),
    )
    op.create_index(
        "ix_alert_evidence_key_time", "alert_evidence", ["identifier_kind", "key", "recorded_at"]
    )
    conn = op.get_bind()
    when = dict(conn.execute(sa.select(_CONCERNS.c.id, _CONCERNS.c.recorded_at)).all())
    for alert_id, evidence in conn.execute(sa.select(_ALERTS.c.id, _ALERTS.c.evidence)).all():
        rows = {
            (item["identifier_kind"], item.get("key") or "", uuid.UUID(c))
            for item in json.loads(evidence)
            for c in item["concerns"]
        }
        if rows:
            conn.execute(
                sa.insert(_EVIDENCE),
                [
                    {
                        "alert_id": alert_id,
                        "identifier_kind": kind,
                        "key": key,
                        "concern_id": c,
                        "recorded_at": when[c],
                    }
                    for kind, key, c in sorted(rows, key=str)
                ],
            )
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.drop_column("evidence")
        batch_op.drop_column("concerns")
        batch_op.drop_column("subjects")


def downgrade() -> None:
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        for name in ("subjects", "concerns", "evidence"):
            batch_op.add_column(sa.Column(name, sa.Text(), nullable=False, server_default="[]"))
    conn = op.get_bind()
    named: dict[uuid.UUID, list[str]] = {}
    for alert_id, subject_id in conn.execute(sa.select(_SUBJECTS)).all():
        named.setdefault(alert_id, []).append(str(subject_id))
    grouped: dict[uuid.UUID, dict[tuple[str, str], list[str]]] = {}
    for alert_id, kind, key, concern_id in conn.execute(
        sa.select(
            _EVIDENCE.c.alert_id,
            _EVIDENCE.c.identifier_kind,
            _EVIDENCE.c.key,
            _EVIDENCE.c.concern_id,
        )
    ).all():
        grouped.setdefault(alert_id, {}).setdefault((kind, key), []).append(str(concern_id))
    for alert_id in sorted(set(named) | set(grouped), key=str):
        groups = grouped.get(alert_id, {})
        evidence = [
            {"identifier_kind": kind, **({"key": key} if key else {}), "concerns": sorted(cs)}
            for (kind, key), cs in sorted(groups.items())
        ]
        conn.execute(
            _ALERTS.update()
            .where(_ALERTS.c.id == alert_id)
            .values(
                subjects=json.dumps(sorted(named.get(alert_id, []))),
                concerns=json.dumps(sorted({c for cs in groups.values() for c in cs})),
                evidence=json.dumps(evidence),
            )
        )
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        for name in ("subjects", "concerns", "evidence"):
            batch_op.alter_column(name, server_default=None)
    op.drop_index("ix_alert_evidence_key_time", table_name="alert_evidence")
    op.drop_table("alert_evidence")
