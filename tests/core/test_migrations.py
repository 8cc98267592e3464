"""Migrations build the schema on an empty database of each engine, with no drift."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text

from backend.core import migrate
from backend.core.db import make_engine
from backend.models import Base, tables_on
from tests.conftest import PG_URL, pg_database_beside


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.db'}"
        return
    if not PG_URL:
        pytest.skip("PostgreSQL: FRONTLINE_TEST_POSTGRES_URL is not set (.ci/run sets it)")
    url, drop = pg_database_beside(PG_URL, f"frontline_mig_{uuid.uuid4().hex[:12]}")
    yield url
    drop()


def test_upgrade_empty_database_and_no_drift(empty_url: str) -> None:
    engine = make_engine(empty_url)
    try:
        assert migrate.current_revision(engine) is None
        migrate.upgrade(engine)
        assert migrate.current_revision(engine) == migrate.head_revision(engine)
        tables = set(inspect(engine).get_table_names())
        assert {t.name for t in tables_on(engine.dialect.name)} <= tables
        with engine.connect() as conn:
            opts: dict[str, Any] = {"compare_type": True}
            if engine.dialect.name == "postgresql":
                # The server indexes the records inside the entries (GIN, which the models
                # cannot say); the separate record index table is SQLite's alone.
                opts["include_object"] = lambda _o, name, kind, _r, _c: (
                    (kind, name)
                    not in {
                        ("table", "audit_records"),
                        ("index", "ix_audit_events_records"),
                    }
                )
            diff = compare_metadata(MigrationContext.configure(conn, opts=opts), Base.metadata)
            roles = {r for (r,) in conn.execute(text("SELECT name FROM roles"))}
        assert diff == [], diff
        assert roles == {
            "recorder",
            "inbox_member",
            "inbox_supervisor",
            "agency_lead",
            "agency_admin",
            "partnership_lead",
            "auditor",
        }
        migrate.upgrade(engine)  # a second run is a no-op
    finally:
        engine.dispose()


def test_no_index_repeats_the_leading_columns_of_another(empty_url: str) -> None:
    """An index whose columns lead another index, a unique constraint or the primary key
    serves no lookup the other does not, and every row written pays for both (two were
    written with every envelope: migration 0032)."""
    engine = make_engine(empty_url)
    try:
        migrate.upgrade(engine)
        found = inspect(engine)
        repeated = []
        for table in found.get_table_names():
            indexes = [i for i in found.get_indexes(table) if None not in i["column_names"]]
            # A partial index (one open challenge per decision) holds only some rows.
            whole = [
                i for i in indexes if not any(k.endswith("_where") for k in i["dialect_options"])
            ]
            wider = [
                *(tuple(i["column_names"]) for i in whole),
                *(tuple(u["column_names"]) for u in found.get_unique_constraints(table)),
                tuple(found.get_pk_constraint(table)["constrained_columns"]),
            ]
            for index in indexes:
                columns = tuple(index["column_names"])
                others = list(wider)
                if index in whole:
                    others.remove(columns)  # the index itself
                if not index["unique"] and any(o[: len(columns)] == columns for o in others):
                    repeated.append((table, index["name"]))
        assert repeated == []
        assert sum(len(found.get_indexes(t)) for t in found.get_table_names()) > 60
    finally:
        engine.dispose()


def test_every_foreign_key_with_an_on_delete_action_is_indexed(empty_url: str) -> None:
    """Deleting a row finds the rows that name it, for its ON DELETE action: without an
    index that leads with the naming column, by reading the whole table, for every row
    deleted (an erasure deletes a data key, which six tables name: migration 0034)."""
    engine = make_engine(empty_url)
    try:
        migrate.upgrade(engine)
        found = inspect(engine)
        unserved, served = [], 0
        for table in found.get_table_names():
            leads = [tuple(found.get_pk_constraint(table)["constrained_columns"])]
            leads += [tuple(u["column_names"]) for u in found.get_unique_constraints(table)]
            for index in found.get_indexes(table):
                where = " ".join(
                    str(v) for k, v in index["dialect_options"].items() if k.endswith("_where")
                )
                columns = tuple(index["column_names"])
                # A partial index serves the lookup only if it keeps every row that is set.
                if not where or where.strip("()") == f"{columns[0]} IS NOT NULL":
                    leads.append(columns)
            for key in found.get_foreign_keys(table):
                if not (key.get("options") or {}).get("ondelete"):
                    continue
                columns = tuple(key["constrained_columns"])
                if any(lead[: len(columns)] == columns for lead in leads):
                    served += 1
                else:
                    unserved.append((table, columns))
        assert unserved == []
        assert served > 20
    finally:
        engine.dispose()


def test_partial_indexes_keep_the_rows_the_models_say(empty_url: str) -> None:
    """Alembic's comparison ignores a partial index's condition: a model and a migration
    that disagreed on which rows an index keeps would pass the drift test above."""
    engine = make_engine(empty_url)
    dialect = engine.dialect.name

    def plain(where: Any) -> str:
        return re.sub(r"[()\s]", "", str(where)).lower()

    try:
        migrate.upgrade(engine)
        found = inspect(engine)
        wanted = {
            (table.name, index.name): plain(index.dialect_options[dialect]["where"])
            for table in Base.metadata.tables.values()
            for index in table.indexes
            if index.dialect_options[dialect]["where"] is not None
        }
        made = {
            (table, index["name"]): plain(index["dialect_options"][f"{dialect}_where"])
            for table in found.get_table_names()
            for index in found.get_indexes(table)
            if f"{dialect}_where" in index["dialect_options"]
        }
        assert made == wanted
        assert len(wanted) >= 6
    finally:
        engine.dispose()


def test_sqlite_runs_in_wal_with_foreign_keys(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'x.db'}")
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    engine.dispose()


# Entries written before their bodies were stored: odd text of every kind, which the
# migration must turn into exactly the bytes that were hashed.
ODD = [
    ('Zoë\'s "review"\n\t\u2028 😀', {"ratio": 0.1, "é": [1, None, True]}),
    (None, {}),
    ("=cmd|' /C calc'!A0", {"nested": {"b": "x", "a": -0.0}}),
    ("".join(map(chr, range(1, 0x80))) + "\u00a0\ufeff\U0010ffff", {"s": "\\"}),
]


def test_audit_bodies_are_the_bytes_that_were_hashed_both_ways(empty_url: str) -> None:
    import crypto
    from backend.core.db import make_sessionmaker
    from backend.models import AuditEvent
    from backend.models.base import UTCDateTime, utcnow
    from backend.services.records.audit_chain import entry_of, verify

    engine = make_engine(empty_url)
    try:
        migrate.upgrade(engine, "0013")
        old = sa.table(
            "audit_events",
            sa.column("seq"),
            sa.column("at", UTCDateTime()),
            sa.column("action"),
            sa.column("actor_id", sa.Uuid()),
            sa.column("agency_id", sa.Uuid()),
            sa.column("passkey_id", sa.Uuid()),
            sa.column("records"),
            sa.column("purpose"),
            sa.column("detail"),
            sa.column("prev_hash"),
            sa.column("hash"),
        )
        previous, entries = crypto.GENESIS, []
        with engine.begin() as conn:
            for seq, (purpose, detail) in enumerate(ODD, start=1):
                actor = uuid.uuid4() if seq % 2 else None
                at = utcnow().replace(microsecond=0 if seq == 2 else 123456)
                records = [{"kind": "concern", "id": str(uuid.uuid4())}]
                entry = {
                    "seq": seq,
                    "at": at.isoformat(),
                    "action": "concern.consulted",
                    "actor_id": str(actor) if actor else None,
                    "agency_id": None,
                    "passkey_id": str(actor) if actor else None,
                    "records": records,
                    "purpose": purpose,
                    "detail": detail,
                }
                digest = crypto.chain_hash(previous, entry)
                conn.execute(
                    sa.insert(old),
                    {
                        "seq": seq,
                        "at": at,
                        "action": entry["action"],
                        "actor_id": actor,
                        "agency_id": None,
                        "passkey_id": actor,
                        "purpose": purpose,
                        "records": crypto.canonical_json(records).decode(),
                        "detail": crypto.canonical_json(detail).decode(),
                        "prev_hash": previous,
                        "hash": digest,
                    },
                )
                conn.execute(
                    sa.text("INSERT INTO audit_records VALUES (:s, 'concern', :r)"),
                    {"s": seq, "r": records[0]["id"]},
                )
                entries.append(entry)
                previous = digest
            conn.execute(
                sa.text("UPDATE audit_head SET seq = :s, hash = :h"), {"s": len(ODD), "h": previous}
            )
        migrate.upgrade(engine)
        sessions = make_sessionmaker(engine)
        with sessions() as s:
            rows = s.execute(sa.select(AuditEvent.__table__).order_by(AuditEvent.seq)).all()
            assert [r.body.encode() for r in rows] == [crypto.canonical_json(e) for e in entries]
            assert [entry_of(r) for r in rows] == entries
            # The columns read from the bodies are what was written to them before.
            assert [(r.purpose, json.loads(r.detail), r.actor_id) for r in rows] == [
                (e["purpose"], e["detail"], uuid.UUID(e["actor_id"]) if e["actor_id"] else None)
                for e in entries
            ]
            assert rows[1].at.isoformat() == entries[1]["at"]
            verdict = verify(s, crypto.generate_keyring())
            assert verdict.ok, verdict
        # And back: the columns come back exactly as they were.
        command.downgrade(migrate.alembic_config(engine), "0013")
        with engine.connect() as conn:
            back = conn.execute(sa.select(old).order_by(old.c.seq)).all()
        assert [(r.purpose, r.records, r.detail, r.hash) for r in back] == [
            (
                e["purpose"],
                crypto.canonical_json(e["records"]).decode(),
                crypto.canonical_json(e["detail"]).decode(),
                r.hash,
            )
            for e, r in zip(entries, back, strict=True)
        ]
        assert [r.at.isoformat() for r in back] == [e["at"] for e in entries]
        with engine.connect() as conn:
            index = conn.execute(sa.text("SELECT seq, record_id FROM audit_records ORDER BY seq"))
            assert list(index) == [(n, e["records"][0]["id"]) for n, e in enumerate(entries, 1)]
        migrate.upgrade(engine)
        with sessions() as s:
            assert verify(s, crypto.generate_keyring()).ok
    finally:
        engine.dispose()
