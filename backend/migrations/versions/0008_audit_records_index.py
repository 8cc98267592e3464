"""audit: an index of the records each entry touched, append-only like the log

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-26 14:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: Sequence[str] | None = None
depends_on: Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "audit_records",
        sa.Column("seq", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("record_id", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("seq", "kind", "record_id", name=op.f("pk_audit_records")),
    )
    op.create_index("ix_audit_records_record", "audit_records", ["record_id", "kind"])
    # Backfill from the entries already written (their records column is canonical JSON).
    bind = op.get_bind()
    import json

    rows = bind.execute(sa.text("SELECT seq, records FROM audit_events")).all()
    table = sa.table("audit_records", sa.column("seq"), sa.column("kind"), sa.column("record_id"))
    values = {(seq, r["kind"], r["id"]) for seq, records in rows for r in json.loads(records)}
    if values:
        op.bulk_insert(table, [{"seq": s, "kind": k, "record_id": i} for s, k, i in values])
    if bind.dialect.name == "postgresql":
        op.execute(
            "CREATE TRIGGER audit_records_append_only BEFORE UPDATE OR DELETE ON audit_records"
            " FOR EACH ROW EXECUTE FUNCTION frontline_audit_append_only()"
        )
        op.execute(
            "CREATE TRIGGER audit_records_no_truncate BEFORE TRUNCATE ON audit_records"
            " FOR EACH STATEMENT EXECUTE FUNCTION frontline_audit_append_only()"
        )
    else:
        for event in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER audit_records_no_{event.lower()} BEFORE {event} ON audit_records"
                f" BEGIN SELECT RAISE(ABORT, 'audit.append_only: {event} on audit_records"
                " is refused'); END"
            )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_records_append_only ON audit_records")
        op.execute("DROP TRIGGER IF EXISTS audit_records_no_truncate ON audit_records")
    else:
        for event in ("update", "delete"):
            op.execute(f"DROP TRIGGER IF EXISTS audit_records_no_{event}")
    op.drop_index("ix_audit_records_record", table_name="audit_records")
    op.drop_table("audit_records")
