"""suspicions: a suspicion about people, cars, phones, places and accounts

A recorder's suspicion is a sealed, proven record of its own (``backend/models/suspicions.py``):
routed by the rules to inboxes, one of which owns it and must answer by a deadline; its
identifiers blind-indexed for matching later records and for network alerts.

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-03 22:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from backend.models.base import UTCDateTime

revision: str = "0029"
down_revision: str | None = "0028"
branch_labels: Sequence[str] | None = None
depends_on: Sequence[str] | None = None

_FOREIGN = {
    "partnership_id": "partnerships",
    "recorder_id": "users",
    "recorder_agency_id": "agencies",
    "passkey_id": "passkeys",
    "receipt_id": "receipts",
    "owner_inbox_id": "inboxes",
    "answered_by_id": "users",
}


def _fk(
    table: str, column: str, target: str, ondelete: str | None = None
) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}"), ondelete=ondelete
    )


def _child(table: str) -> tuple[sa.Column, sa.ForeignKeyConstraint]:
    return (
        sa.Column("suspicion_id", sa.Uuid(), nullable=False),
        _fk(table, "suspicion_id", "suspicions", ondelete="CASCADE"),
    )


def upgrade() -> None:
    op.create_table(
        "suspicions",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("client_id", sa.Uuid(), nullable=False),
        sa.Column("content_sha256", sa.String(length=64), nullable=False),
        sa.Column("partnership_id", sa.Uuid(), nullable=False),
        sa.Column("recorder_id", sa.Uuid(), nullable=False),
        sa.Column("recorder_agency_id", sa.Uuid(), nullable=False),
        sa.Column("passkey_id", sa.Uuid(), nullable=False),
        sa.Column("proof_sign_count", sa.Integer(), nullable=False),
        sa.Column("receipt_id", sa.Uuid(), nullable=False),
        sa.Column("recorded_at", UTCDateTime(), nullable=False),
        sa.Column("received_at", UTCDateTime(), nullable=False),
        sa.Column("basis", sa.String(length=16), nullable=False),
        sa.Column("level", sa.String(length=32), nullable=False),
        sa.Column("children", sa.Integer(), nullable=False),
        sa.Column("data_key_id", sa.Uuid(), nullable=True),
        sa.Column("crypto_document", sa.LargeBinary(), nullable=False),
        sa.Column("owner_inbox_id", sa.Uuid(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("due_at", UTCDateTime(), nullable=False),
        sa.Column("chain_step", sa.Integer(), nullable=False),
        sa.Column("next_deadline", UTCDateTime(), nullable=True),
        sa.Column("matches", sa.Integer(), nullable=False),
        sa.Column("answered_at", UTCDateTime(), nullable=True),
        sa.Column("answered_by_id", sa.Uuid(), nullable=True),
        sa.Column("outcome", sa.String(length=16), nullable=True),
        sa.Column("crypto_answer", sa.LargeBinary(), nullable=True),
        *(_fk("suspicions", column, table) for column, table in _FOREIGN.items()),
        _fk("suspicions", "data_key_id", "data_keys", ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_suspicions")),
        sa.UniqueConstraint("client_id", name=op.f("uq_suspicions_client_id")),
    )
    for column in ("recorder_id", "owner_inbox_id", "next_deadline"):
        op.create_index(op.f(f"ix_suspicions_{column}"), "suspicions", [column])
    op.create_table(
        "suspicion_recipients",
        sa.Column("id", sa.Uuid(), nullable=False),
        *_child("suspicion_recipients"),
        sa.Column("agency_id", sa.Uuid(), nullable=False),
        sa.Column("inbox_id", sa.Uuid(), nullable=True),
        sa.Column("audience", sa.String(length=16), nullable=False),
        sa.Column("step", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=300), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        _fk("suspicion_recipients", "agency_id", "agencies"),
        _fk("suspicion_recipients", "inbox_id", "inboxes"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_suspicion_recipients")),
    )
    for column in ("suspicion_id", "inbox_id"):
        op.create_index(op.f(f"ix_suspicion_recipients_{column}"), "suspicion_recipients", [column])
    op.create_table(
        "suspicion_identifiers",
        sa.Column("id", sa.Uuid(), nullable=False),
        *_child("suspicion_identifiers"),
        sa.Column("partnership_id", sa.Uuid(), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("blind_index", sa.String(length=32), nullable=False),
        sa.Column("key_id", sa.String(length=64), nullable=False),
        sa.Column("recorded_at", UTCDateTime(), nullable=False),
        _fk("suspicion_identifiers", "partnership_id", "partnerships"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_suspicion_identifiers")),
    )
    op.create_index(
        op.f("ix_suspicion_identifiers_suspicion_id"), "suspicion_identifiers", ["suspicion_id"]
    )
    op.create_index(
        "ix_suspicion_identifiers_key", "suspicion_identifiers", ["kind", "blind_index"]
    )
    op.create_table(
        "suspicion_matches",
        sa.Column("id", sa.Uuid(), nullable=False),
        *_child("suspicion_matches"),
        sa.Column("record_kind", sa.String(length=16), nullable=False),
        sa.Column("record_id", sa.Uuid(), nullable=False),
        sa.Column("identifier_kind", sa.String(length=32), nullable=False),
        sa.Column("matched_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_suspicion_matches")),
        sa.UniqueConstraint(
            "suspicion_id",
            "record_kind",
            "record_id",
            name=op.f("uq_suspicion_matches_suspicion_id"),
        ),
    )
    op.create_index(
        op.f("ix_suspicion_matches_suspicion_id"), "suspicion_matches", ["suspicion_id"]
    )
    op.create_table(
        "alert_suspicions",
        sa.Column("alert_id", sa.Uuid(), nullable=False),
        *_child("alert_suspicions"),
        sa.Column("identifier_kind", sa.String(length=32), nullable=False),
        sa.Column("key", sa.String(length=32), nullable=False),
        sa.Column("added_at", UTCDateTime(), nullable=False),
        _fk("alert_suspicions", "alert_id", "alerts", ondelete="CASCADE"),
        sa.PrimaryKeyConstraint(
            "alert_id", "suspicion_id", "identifier_kind", "key", name=op.f("pk_alert_suspicions")
        ),
    )
    op.create_index(op.f("ix_alert_suspicions_suspicion_id"), "alert_suspicions", ["suspicion_id"])


def downgrade() -> None:
    for table in ("alert_suspicions", "suspicion_matches", "suspicion_identifiers"):
        op.drop_table(table)
    op.drop_table("suspicion_recipients")
    for column in ("next_deadline", "owner_inbox_id", "recorder_id"):
        op.drop_index(op.f(f"ix_suspicions_{column}"), table_name="suspicions")
    op.drop_table("suspicions")
