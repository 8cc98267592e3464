"""Upgrades while the previous release still serves (docs/operations.md, "Upgrades without
downtime"), on real migrations and both engines.

Expand: 0026 adds ``subject_inboxes.no_further_action_at`` (nullable) and fills it. The
0025 release's own statements on that table keep working against the expanded schema; the
rows it writes meanwhile read as "no decision" to the new release; and until the old
release is gone the schema can still go back.

Expand and contract in one step: 0016 moved alerts' evidence to rows and dropped the three
JSON columns in the same migration, so the 0015 release's insert fails the moment it runs:
that migration needed every old server stopped first. What the contract step removes is
exactly what the old release still writes.

And every host migrates on start: two starting together on PostgreSQL migrate once.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError

from backend.core import migrate
from backend.core.db import make_engine
from tests.conftest import PG_URL, pg_database_beside

NOW = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)


@pytest.fixture(params=["sqlite", "postgresql"])
def empty(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[sa.Engine]:
    """An empty database of each engine, no schema yet."""
    if request.param == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path / 'upgrade.db'}")
        yield engine
        engine.dispose()
        return
    if not PG_URL:
        pytest.skip("PostgreSQL: FRONTLINE_TEST_POSTGRES_URL is not set (.ci/run sets it)")
    url, drop = pg_database_beside(
        PG_URL, f"{sa.make_url(PG_URL).database}_upgrade_{uuid.uuid4().hex[:8]}"
    )
    engine = make_engine(url)
    yield engine
    engine.dispose()
    drop()


def _value(column: sa.Column[Any]) -> Any:
    kind = column.type
    if isinstance(kind, sa.Uuid):
        return uuid.uuid4()
    if isinstance(kind, sa.Boolean):
        return False
    if isinstance(kind, sa.Integer | sa.Float | sa.Numeric):
        return 0
    if isinstance(kind, sa.DateTime):
        return NOW
    if isinstance(kind, sa.LargeBinary):
        return b"\0"
    if isinstance(kind, sa.JSON):
        return []
    # Strings: unique; and on SQLite, where a UUID column reflects as CHAR(32), a UUID.
    return uuid.uuid4().hex[: getattr(kind, "length", None) or 32]


def _row(conn: sa.Connection, name: str, **given: Any) -> dict[str, Any]:
    """Insert a row into table ``name`` as it stands at this revision: every required
    column filled (a parent row made for each required foreign key not given)."""
    table = sa.Table(name, sa.MetaData(), autoload_with=conn)
    row = dict(given)
    for column in table.columns:
        if column.name in row or column.nullable or column.server_default is not None:
            continue
        foreign = next(iter(column.foreign_keys), None)
        if foreign is not None and foreign.column.table.name != name:
            parent = _row(conn, foreign.column.table.name)
            row[column.name] = parent[foreign.column.name]
        else:
            row[column.name] = _value(column)
    conn.execute(table.insert().values(row))
    return row


# What the 0025 release ran on subject_inboxes (services/linking/known.py as it was then):
# count a routed delivery, on a new row or an existing one, and read a child's rows.
OLD_INSERT = sa.text(
    "INSERT INTO subject_inboxes (subject_id, inbox_id, deliveries) VALUES (:s, :i, 1)"
)
OLD_COUNT = sa.text(
    "UPDATE subject_inboxes SET deliveries = deliveries + 1 WHERE subject_id = :s AND inbox_id = :i"
)
OLD_READ = sa.text("SELECT inbox_id, deliveries FROM subject_inboxes WHERE subject_id = :s")


def _columns(conn: sa.Connection, table: str) -> set[str]:
    return {c["name"] for c in sa.inspect(conn).get_columns(table)}


def test_expand_0026_keeps_the_0025_release_working(empty: sa.Engine) -> None:
    migrate.upgrade(empty, "0025")
    with empty.begin() as conn:
        subject = _row(conn, "subjects")["id"]
        first, second = _row(conn, "inboxes")["id"], _row(conn, "inboxes")["id"]
        conn.execute(OLD_INSERT, {"s": subject, "i": first})

    migrate.upgrade(empty, "0026")  # expand: the old release is still serving
    with empty.begin() as conn:
        assert "no_further_action_at" in _columns(conn, "subject_inboxes")
        # The old release's statements, unchanged, against the new schema.
        conn.execute(OLD_COUNT, {"s": subject, "i": first})
        conn.execute(OLD_INSERT, {"s": subject, "i": second})
        rows = dict(conn.execute(OLD_READ, {"s": subject}).all())
    assert rows == {first: 2, second: 1}

    # The new release reads and writes the new column beside the old one's rows; what the
    # old release wrote reads as "no decision yet", which is what it knew.
    with empty.begin() as conn:
        conn.execute(
            sa.text(
                "UPDATE subject_inboxes SET no_further_action_at = :at"
                " WHERE subject_id = :s AND inbox_id = :i"
            ),
            {"at": NOW, "s": subject, "i": second},
        )
        decided = conn.execute(
            sa.text(
                "SELECT inbox_id FROM subject_inboxes"
                " WHERE subject_id = :s AND no_further_action_at IS NOT NULL"
            ),
            {"s": subject},
        ).all()
    assert [r[0] for r in decided] == [second]

    # Until the old release is gone the schema can go back without loss of its data.
    migrate.upgrade(empty, "0027")
    _downgrade(empty, "0025")
    with empty.connect() as conn:
        assert "no_further_action_at" not in _columns(conn, "subject_inboxes")
        assert dict(conn.execute(OLD_READ, {"s": subject}).all()) == {first: 2, second: 1}


def _downgrade(engine: sa.Engine, revision: str) -> None:
    from alembic import command

    command.downgrade(migrate.alembic_config(engine), revision)


def test_0016_contracted_in_the_same_step_so_the_0015_release_breaks(empty: sa.Engine) -> None:
    migrate.upgrade(empty, "0015")
    with empty.begin() as conn:
        assert {"subjects", "concerns", "evidence"} <= _columns(conn, "alerts")
        # The 0015 release stores an alert with its JSON lists, as it always did.
        lists = {"subjects": "[]", "concerns": "[]", "evidence": "[]"}
        alert = _row(conn, "alerts", **lists)
    migrate.upgrade(empty, "0016")
    with empty.connect() as conn:
        assert not {"subjects", "concerns", "evidence"} & _columns(conn, "alerts")
        assert conn.execute(sa.text("SELECT count(*) FROM alerts")).scalar_one() == 1
        # The same insert the old release sends, now naming columns that are gone.
        again = {**alert, "id": uuid.uuid4()}
        table = sa.table("alerts", *(sa.column(k) for k in again))
        with pytest.raises(DBAPIError):
            conn.execute(table.insert().values(again))


def test_two_hosts_starting_together_migrate_once(empty: sa.Engine) -> None:
    if empty.dialect.name != "postgresql":
        pytest.skip("SQLite serves one host")
    errors: list[BaseException] = []
    start = threading.Barrier(2)

    def host() -> None:
        engine = make_engine(empty.url.render_as_string(hide_password=False))
        try:
            start.wait()
            migrate.upgrade(engine)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            engine.dispose()

    threads = [threading.Thread(target=host) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors
    assert migrate.current_revision(empty) == migrate.head_revision(empty)
