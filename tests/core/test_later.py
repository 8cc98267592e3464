"""Rows written at the commit (``backend/core/later.py``): together, one statement per
table, and only those whose savepoints stood. A temporary table of the test's own, on one
connection of each engine, so that nothing else writes there."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import Column, Engine, Integer, MetaData, Table, event, select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from backend.core.later import db_insert_at_commit


@pytest.fixture
def held(engine_for: Engine) -> Iterator[tuple[Connection, Table, list[str]]]:
    """One connection with a temporary table, and the statements sent on it."""
    table = Table("waiting", MetaData(), Column("n", Integer), prefixes=["TEMPORARY"])
    sent: list[str] = []
    with engine_for.connect() as conn:
        table.create(conn)
        conn.commit()

        def count(_c: Any, _cursor: Any, statement: str, *_: Any) -> None:
            sent.append(statement)

        event.listen(conn, "before_cursor_execute", count)
        yield conn, table, sent


def _rows(*ns: int) -> list[dict[str, Any]]:
    return [{"n": n} for n in ns]


def _written(conn: Connection, table: Table) -> list[int]:
    return list(conn.scalars(select(table.c.n)))


def test_rows_wait_for_the_commit_and_go_in_one_statement(held: Any) -> None:
    conn, table, sent = held
    with Session(bind=conn) as session:
        session.begin()
        db_insert_at_commit(session, table, _rows(1, 2))
        for n in (3, 4):  # an envelope each, in a savepoint that stands
            savepoint = session.begin_nested()
            db_insert_at_commit(session, table, _rows(n))
            savepoint.commit()
        assert _written(conn, table) == []  # nothing before the commit
        sent.clear()
        session.commit()
    inserts = [s for s in sent if s.lstrip().upper().startswith("INSERT")]
    assert len(inserts) == 1
    assert _written(conn, table) == [1, 2, 3, 4]


def test_a_savepoint_rolled_back_takes_its_rows_and_those_inside_it(held: Any) -> None:
    conn, table, _sent = held
    with Session(bind=conn) as session:
        session.begin()
        db_insert_at_commit(session, table, _rows(1))
        outer = session.begin_nested()
        db_insert_at_commit(session, table, _rows(2))
        inner = session.begin_nested()
        db_insert_at_commit(session, table, _rows(3))
        inner.commit()  # released, but inside one rolled back below
        outer.rollback()
        refused = session.begin_nested()
        db_insert_at_commit(session, table, _rows(4))
        refused.rollback()
        kept = session.begin_nested()
        db_insert_at_commit(session, table, _rows(5))
        kept.commit()
        session.commit()
    assert _written(conn, table) == [1, 5]


def test_a_transaction_rolled_back_writes_none_and_the_next_starts_empty(held: Any) -> None:
    conn, table, _sent = held
    with Session(bind=conn) as session:
        session.begin()
        db_insert_at_commit(session, table, _rows(1, 2))
        session.rollback()
        session.begin()
        db_insert_at_commit(session, table, _rows(3))
        session.commit()
        session.begin()
        session.commit()  # nothing left over from the one before
    assert _written(conn, table) == [3]
