"""Rows that nothing reads before their transaction ends, written together at its commit:
one ``INSERT`` of many rows per table, where each caller would otherwise have sent its own.

The pipeline's envelopes share a transaction on SQLite, a savepoint each
(``backend/pipeline/outcome.py``): an envelope's routing trace or push messages wait here,
and one statement writes every envelope's at the commit. A savepoint rolled back takes the
rows added inside it with it, as it takes the rows it wrote; a transaction rolled back
takes them all. Only for rows no one in the same transaction reads: a read of the table
before the commit would not see them.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Table, event, insert
from sqlalchemy.orm import Session, SessionTransaction

_WAITING = "at_commit"

# Each entry: the innermost transaction (savepoint or not) the rows were added in, the
# table, and the rows.
_Entry = tuple[SessionTransaction, Table, list[dict[str, Any]]]


def db_insert_at_commit(session: Session, table: Table, rows: list[dict[str, Any]]) -> None:
    """Insert ``rows`` into ``table`` when this transaction commits, with the others waiting
    for that table, in the order they were added."""
    if rows:
        added_in = session.get_nested_transaction() or session.get_transaction()
        assert added_in is not None  # noqa: S101 - a caller writes inside a transaction
        entries: list[_Entry] = session.info.setdefault(_WAITING, [])
        entries.append((added_in, table, rows))


def db_write_waiting(session: Session) -> None:
    """Write the waiting rows now: one statement per table, tables in the order first
    added (a row may point at a row of a table written before it)."""
    entries: list[_Entry] = session.info.pop(_WAITING, None) or []
    by_table: dict[Table, list[dict[str, Any]]] = {}
    for _added_in, table, rows in entries:
        by_table.setdefault(table, []).extend(rows)
    for table, rows in by_table.items():
        session.execute(insert(table), rows)


def _inside(transaction: SessionTransaction | None, outer: SessionTransaction) -> bool:
    while transaction is not None:
        if transaction is outer:
            return True
        transaction = transaction.parent
    return False


@event.listens_for(Session, "before_commit")
def _write_at_commit(session: Session) -> None:
    if not session.in_nested_transaction():  # a savepoint's rows wait for the whole
        db_write_waiting(session)


@event.listens_for(Session, "after_soft_rollback")
def _forget_rolled_back(session: Session, previous: SessionTransaction) -> None:
    entries: list[_Entry] | None = session.info.get(_WAITING)
    if entries:
        entries[:] = [entry for entry in entries if not _inside(entry[0], previous)]


@event.listens_for(Session, "after_transaction_end")
def _forget_ended(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:
        session.info.pop(_WAITING, None)  # rolled back (a commit wrote them already)
