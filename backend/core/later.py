"""Writes that nothing reads before their transaction ends, made together at its commit:
one statement with many rows (``executemany``) where each caller would have sent its own.

The pipeline's envelopes share a transaction on SQLite, a savepoint each
(``backend/pipeline/outcome.py``): an envelope's routing trace and routed deliveries, push
messages, alert touches and its receipt's ending wait here, and one statement writes every
envelope's at the commit. A
savepoint rolled back takes the rows added inside it with it, as it takes the rows it
wrote; a transaction rolled back takes them all. Only for rows no one in the same
transaction reads: a read of the table before the commit would not see them.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from sqlalchemy import Executable, MetaData, Table, event
from sqlalchemy.orm import Session, SessionTransaction

_WAITING = "at_commit"

# Each entry: the innermost transaction (savepoint or not) the rows were added in, the
# statement, and the rows.
_Entry = tuple[SessionTransaction, Executable, list[dict[str, Any]]]


def db_at_commit(session: Session, statement: Executable, rows: list[dict[str, Any]]) -> None:
    """Run ``statement`` for each of ``rows`` when this transaction commits, with the other
    rows waiting for the same statement (built once, by the caller), in the order added.
    Every row of one statement names the same parameters."""
    if rows:
        # A session's first write may come here: begin its transaction, as a statement would.
        added_in = session.get_nested_transaction() or session.get_transaction() or session.begin()
        entries: list[_Entry] = session.info.setdefault(_WAITING, [])
        entries.append((added_in, statement, rows))


def db_write_waiting(session: Session) -> None:
    """Make the waiting writes now: one statement with all its rows; a table another's
    rows point at (a foreign key) before that one, as the ORM orders its flushes, else in
    the order first added. One envelope's push message waits for a delivery that another
    envelope, taken earlier, did not: the order the envelopes came in does not give it."""
    entries: list[_Entry] = session.info.pop(_WAITING, None) or []
    by_statement: dict[Executable, list[dict[str, Any]]] = {}
    for _added_in, statement, rows in entries:
        by_statement.setdefault(statement, []).extend(rows)
    for statement, rows in sorted(by_statement.items(), key=lambda item: _parents_first(item[0])):
        session.execute(statement, rows)


def _parents_first(statement: Executable) -> int:
    table = getattr(statement, "table", None)
    if not isinstance(table, Table) or table.metadata is None:
        return 0
    return _dependency_order(table.metadata).get(table, 0)


@cache
def _dependency_order(metadata: MetaData) -> dict[Table, int]:
    """Each table's place with every table it points at before it (tables do not change
    while the application runs)."""
    return {table: n for n, table in enumerate(metadata.sorted_tables)}


def _inside(transaction: SessionTransaction | None, outer: SessionTransaction) -> bool:
    while transaction is not None:
        if transaction is outer:
            return True
        transaction = transaction.parent
    return False


# The audit log's own hook (``services/records/audit.py``) calls ``db_write_waiting`` before
# it takes the chain's head, whichever of the two listeners runs first; this one serves a
# commit with no audit entry.
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
