"""Writes made at the commit (``backend/core/later.py``): together, one statement with
all its rows, and only those whose savepoints stood. A temporary table of the test's own,
on one connection of each engine, so that nothing else writes there."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from sqlalchemy import (
    Column,
    Engine,
    ForeignKey,
    Insert,
    Integer,
    MetaData,
    Table,
    event,
    insert,
    select,
)
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from backend.core.later import db_at_commit


@dataclass
class Held:
    """One connection with a temporary table, and the statements sent on it."""

    conn: Connection
    table: Table
    adding: Insert  # built once, as callers build theirs
    sent: list[str] = field(default_factory=list)

    def add(self, session: Session, *ns: int) -> None:
        db_at_commit(session, self.adding, [{"n": n} for n in ns])

    def written(self) -> list[int]:
        return list(self.conn.scalars(select(self.table.c.n)))


@pytest.fixture
def held(engine_for: Engine) -> Iterator[Held]:
    table = Table("waiting", MetaData(), Column("n", Integer), prefixes=["TEMPORARY"])
    with engine_for.connect() as conn:
        table.create(conn)
        conn.commit()
        it = Held(conn, table, insert(table))

        def count(_c: Any, _cursor: Any, statement: str, *_: Any) -> None:
            it.sent.append(statement)

        event.listen(conn, "before_cursor_execute", count)
        yield it


def test_rows_wait_for_the_commit_and_go_in_one_statement(held: Held) -> None:
    with Session(bind=held.conn) as session:
        session.begin()
        held.add(session, 1, 2)
        for n in (3, 4):  # an envelope each, in a savepoint that stands
            savepoint = session.begin_nested()
            held.add(session, n)
            savepoint.commit()
        assert held.written() == []  # nothing before the commit
        held.sent.clear()
        session.commit()
    inserts = [s for s in held.sent if s.lstrip().upper().startswith("INSERT")]
    assert len(inserts) == 1
    assert held.written() == [1, 2, 3, 4]


def test_a_savepoint_rolled_back_takes_its_rows_and_those_inside_it(held: Held) -> None:
    with Session(bind=held.conn) as session:
        session.begin()
        held.add(session, 1)
        outer = session.begin_nested()
        held.add(session, 2)
        inner = session.begin_nested()
        held.add(session, 3)
        inner.commit()  # released, but inside one rolled back below
        outer.rollback()
        refused = session.begin_nested()
        held.add(session, 4)
        refused.rollback()
        kept = session.begin_nested()
        held.add(session, 5)
        kept.commit()
        session.commit()
    assert held.written() == [1, 5]


def test_a_first_write_begins_the_transaction(held: Held) -> None:
    with Session(bind=held.conn) as session:
        held.add(session, 1)  # before any statement: the session had no transaction yet
        session.commit()
    assert held.written() == [1]


def test_a_transaction_rolled_back_writes_none_and_the_next_starts_empty(held: Held) -> None:
    with Session(bind=held.conn) as session:
        session.begin()
        held.add(session, 1, 2)
        session.rollback()
        session.begin()
        held.add(session, 3)
        session.commit()
        session.begin()
        session.commit()  # nothing left over from the one before
    assert held.written() == [3]


def test_rows_pointed_at_are_written_first_whatever_order_they_came_in(
    engine_for: Engine,
) -> None:
    """One envelope's push message, added before a later envelope's delivery it points at:
    the table pointed at is written first, as the ORM would order it."""
    meta = MetaData()
    parent = Table("parent", meta, Column("id", Integer, primary_key=True), prefixes=["TEMPORARY"])
    child = Table(
        "child",
        meta,
        Column("id", Integer, primary_key=True),
        Column("parent_id", Integer, ForeignKey("parent.id"), nullable=False),
        prefixes=["TEMPORARY"],
    )
    with engine_for.connect() as conn:
        meta.create_all(conn)
        conn.commit()
        adding_parent, adding_child = insert(parent), insert(child)
        with Session(bind=conn) as session:
            session.begin()
            db_at_commit(session, adding_child, [{"id": 1, "parent_id": 7}])
            db_at_commit(session, adding_parent, [{"id": 7}])
            db_at_commit(session, adding_child, [{"id": 2, "parent_id": 8}])
            db_at_commit(session, adding_parent, [{"id": 8}])
            session.commit()
        assert sorted(conn.execute(select(child.c.id, child.c.parent_id))) == [(1, 7), (2, 8)]
        # The rule holds: a child row alone, pointing at nothing, is refused.
        with Session(bind=conn) as session:
            session.begin()
            db_at_commit(session, adding_child, [{"id": 3, "parent_id": 9}])
            with pytest.raises(IntegrityError):
                session.commit()
