"""audit: each entry stored as the bytes its hash covers; its columns derived from them

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-26 20:10:00

Until now an entry's hashed form was rebuilt from its columns on every ``audit verify``,
which cost several times the hashing itself, and nothing tied the columns that access
reviews read to what was hashed except that rebuild. Now ``body`` holds the canonical JSON
exactly as hashed, and every other column is generated from it by the database. Existing
entries get their body from the same rebuild, byte for byte, so their hashes still hold.
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: Sequence[str] | None = None
depends_on: Sequence[str] | None = None

RECORDS_INDEX = "ix_audit_events_records"
RECORDS_KEY = "((records::jsonb) jsonb_path_ops)"
DERIVED = ("at", "action", "actor_id", "agency_id", "passkey_id", "purpose", "records", "detail")
_AT = "json_extract(body, '$.at')"
# (type, expression, stored): exactly the model's text, which ``audit verify`` compares.
SQLITE_DERIVED = {
    "at": (
        "DATETIME NOT NULL",
        f"substr({_AT}, 1, 10) || ' ' || substr({_AT}, 12, 8) || CASE WHEN"
        f" substr({_AT}, 20, 1) = '.' THEN substr({_AT}, 20, 7) ELSE '.000000' END",
        False,
    ),
    "action": ("VARCHAR(64) NOT NULL", "json_extract(body, '$.action')", False),
    "actor_id": ("CHAR(32)", "replace(json_extract(body, '$.actor_id'), '-', '')", False),
    "agency_id": ("CHAR(32)", "replace(json_extract(body, '$.agency_id'), '-', '')", False),
    "passkey_id": ("CHAR(32)", "replace(json_extract(body, '$.passkey_id'), '-', '')", False),
    "purpose": ("TEXT", "json_extract(body, '$.purpose')", False),
    "records": ("TEXT NOT NULL", "json_extract(body, '$.records')", True),
    "detail": ("TEXT NOT NULL", "json_extract(body, '$.detail')", False),
    "n_records": ("INTEGER NOT NULL", "json_array_length(body, '$.records')", True),
}
SQLITE_TABLE = (
    "CREATE TABLE audit_events_new (seq INTEGER NOT NULL, body TEXT NOT NULL,"
    " prev_hash BLOB NOT NULL, hash BLOB NOT NULL, "
    + ", ".join(
        f"{name} {kind} GENERATED ALWAYS AS ({expression}) {'STORED' if stored else 'VIRTUAL'}"
        for name, (kind, expression, stored) in SQLITE_DERIVED.items()
    )
    + ", CONSTRAINT pk_audit_events PRIMARY KEY (seq))"
)

PG_COLUMNS = (
    "at TIMESTAMP WITH TIME ZONE NOT NULL GENERATED ALWAYS AS"
    " (frontline_audit_time(body::json ->> 'at')) STORED",
    "action VARCHAR(64) NOT NULL GENERATED ALWAYS AS (body::json ->> 'action') STORED",
    "actor_id UUID GENERATED ALWAYS AS ((body::json ->> 'actor_id')::uuid) STORED",
    "agency_id UUID GENERATED ALWAYS AS ((body::json ->> 'agency_id')::uuid) STORED",
    "passkey_id UUID GENERATED ALWAYS AS ((body::json ->> 'passkey_id')::uuid) STORED",
    "purpose TEXT GENERATED ALWAYS AS (body::json ->> 'purpose') STORED",
    "records TEXT NOT NULL GENERATED ALWAYS AS ((body::json -> 'records')::text) STORED",
    "detail TEXT NOT NULL GENERATED ALWAYS AS ((body::json -> 'detail')::text) STORED",
    "n_records INTEGER NOT NULL GENERATED ALWAYS AS"
    " (json_array_length(body::json -> 'records')) STORED",
)


def _uuid(dialect: str, column: str) -> str:
    if dialect == "postgresql":
        dashed = f"{column}::text"
    else:  # stored as 32 hex digits
        dashed = " || '-' || ".join(
            f"substr({column}, {start}, {length})"
            for start, length in ((1, 8), (9, 4), (13, 4), (17, 4), (21, 12))
        )
    return f"""coalesce('"' || {dashed} || '"', 'null')"""


def _canonical(dialect: str) -> str:
    """The canonical JSON of an entry in the columns it had until now: exactly the bytes
    its hash was computed over (keys in code-point order; ``records`` and ``detail`` were
    stored canonical; the engines' JSON quoting escapes what RFC 8785 does)."""
    if dialect == "postgresql":
        quote = "coalesce(to_json({})::text, 'null')"
        at = (
            "replace(to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US'), "
            "'.000000', '') || '+00:00'"
        )
        seq = "seq::text"
    else:
        quote = "json_quote({})"
        at = "replace(replace(at, ' ', 'T'), '.000000', '') || '+00:00'"
        seq = "seq"
    parts = [
        """'{"action":' || """ + quote.format("action"),
        """',"actor_id":' || """ + _uuid(dialect, "actor_id"),
        """',"agency_id":' || """ + _uuid(dialect, "agency_id"),
        """',"at":"' || """ + at + """ || '"'""",
        """',"detail":' || detail""",
        """',"passkey_id":' || """ + _uuid(dialect, "passkey_id"),
        """',"purpose":' || """ + quote.format("purpose"),
        """',"records":' || records""",
        """',"seq":' || """ + seq + " || '}'",
    ]
    return "(" + " || ".join(parts) + ")"


def _copy(into: str, columns: list[str], expressions: list[str]) -> None:
    """Copy every entry, in order, into a new table (columns from the old one's SQL)."""
    picked: list[sa.ColumnClause[Any]] = [sa.literal_column(e) for e in expressions]
    source = sa.select(*picked).select_from(sa.table("audit_events"))
    target = sa.table(into, *map(sa.column, columns))
    op.execute(sa.insert(target).from_select(columns, source.order_by(sa.literal_column("seq"))))


def _sqlite_append_only() -> None:
    for event in ("UPDATE", "DELETE"):
        op.execute(
            f"CREATE TRIGGER audit_events_no_{event.lower()} BEFORE {event} ON audit_events"
            f" BEGIN SELECT RAISE(ABORT, 'audit.append_only: {event} on audit_events"
            " is refused'); END"
        )


def _sqlite_indexes() -> None:
    op.execute("CREATE INDEX ix_audit_events_action ON audit_events (action)")
    op.execute("CREATE INDEX ix_audit_events_actor_id ON audit_events (actor_id)")


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            # Parsing ISO 8601 with an explicit offset depends on no session setting, which
            # is what lets a generated column use it.
            "CREATE FUNCTION frontline_audit_time(text) RETURNS timestamptz"
            " LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT $1::timestamptz $$"
        )
        op.execute("ALTER TABLE audit_events ADD COLUMN body TEXT")
        op.execute("ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only")
        body: sa.ColumnClause[Any] = sa.literal_column(_canonical("postgresql"))
        op.execute(sa.table("audit_events", sa.column("body")).update().values(body=body))
        op.execute("ALTER TABLE audit_events ENABLE TRIGGER audit_events_append_only")
        changes = ["ALTER COLUMN body SET NOT NULL"]
        changes += [f"DROP COLUMN {column}" for column in DERIVED]
        changes += [f"ADD COLUMN {column}" for column in PG_COLUMNS]
        op.execute("ALTER TABLE audit_events " + ", ".join(changes))
        op.execute("CREATE INDEX ix_audit_events_action ON audit_events (action)")
        op.execute("CREATE INDEX ix_audit_events_actor_id ON audit_events (actor_id)")
        # Access reviews find an entry by the records it names through the server's own
        # index over the hashed bodies, which no one can make disagree with them; the
        # separate index table (still needed on SQLite) goes.
        op.execute(f"CREATE INDEX {RECORDS_INDEX} ON audit_events USING gin {RECORDS_KEY}")
        op.execute("DROP TABLE audit_records")
        return
    op.execute(SQLITE_TABLE)
    _copy(
        "audit_events_new",
        ["seq", "body", "prev_hash", "hash"],
        ["seq", _canonical("sqlite"), "prev_hash", "hash"],
    )
    for event in ("update", "delete"):
        op.execute(f"DROP TRIGGER audit_events_no_{event}")
    op.execute("DROP TABLE audit_events")
    op.execute("ALTER TABLE audit_events_new RENAME TO audit_events")
    _sqlite_indexes()
    _sqlite_append_only()


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE TABLE audit_records (seq BIGINT NOT NULL, kind VARCHAR(16) NOT NULL,"
            " record_id VARCHAR(64) NOT NULL,"
            " CONSTRAINT pk_audit_records PRIMARY KEY (seq, kind, record_id))"
        )
        op.execute("CREATE INDEX ix_audit_records_record ON audit_records (record_id, kind)")
        op.execute(
            "INSERT INTO audit_records SELECT DISTINCT seq, r->>'kind', r->>'id'"
            " FROM audit_events, jsonb_array_elements(records::jsonb) r"
        )
        for guard in (
            "audit_records_append_only BEFORE UPDATE OR DELETE ON audit_records FOR EACH ROW",
            "audit_records_no_truncate BEFORE TRUNCATE ON audit_records FOR EACH STATEMENT",
        ):
            op.execute(f"CREATE TRIGGER {guard} EXECUTE FUNCTION frontline_audit_append_only()")
        op.execute(f"DROP INDEX {RECORDS_INDEX}")
        changes = [f"ALTER COLUMN {column} DROP EXPRESSION" for column in DERIVED]
        op.execute("ALTER TABLE audit_events " + ", ".join(changes))
        op.execute("ALTER TABLE audit_events DROP COLUMN n_records")
        op.execute("ALTER TABLE audit_events DROP COLUMN body")
        op.execute("DROP FUNCTION frontline_audit_time(text)")
        return
    op.execute(
        "CREATE TABLE audit_events_old (seq INTEGER NOT NULL, at DATETIME NOT NULL,"
        " action VARCHAR(64) NOT NULL, actor_id CHAR(32), agency_id CHAR(32),"
        " passkey_id CHAR(32), records TEXT NOT NULL, purpose TEXT, detail TEXT NOT NULL,"
        " prev_hash BLOB NOT NULL, hash BLOB NOT NULL,"
        " CONSTRAINT pk_audit_events PRIMARY KEY (seq))"
    )
    columns = ["seq", "at", "action", "actor_id", "agency_id", "passkey_id", "records"]
    columns += ["purpose", "detail", "prev_hash", "hash"]
    _copy("audit_events_old", columns, columns)
    for event in ("update", "delete"):
        op.execute(f"DROP TRIGGER audit_events_no_{event}")
    op.execute("DROP TABLE audit_events")
    op.execute("ALTER TABLE audit_events_old RENAME TO audit_events")
    _sqlite_indexes()
    _sqlite_append_only()
