"""Lookups on columns empty in most rows, planned as each engine plans them in service:
SQLite without statistics (the application never analyzes it), PostgreSQL told to take an
index wherever one serves (so that an index it cannot prove usable shows as a scan).

Before migration 0033, SQLite took "root_id IS NULL" for a selective lookup and walked
every routed delivery to find the deliveries of two alerts, or to count a record's."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from psycopg import sql
from sqlalchemy import event, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from backend.core import migrate
from backend.core.db import make_engine, make_sessionmaker
from backend.models import Delivery
from backend.services.linking import known
from backend.services.linking.links import _alert_inboxes
from backend.services.linking.subjects import members


def _plans(engine: Engine, run: Callable[[Session], Any]) -> dict[str, str]:
    """Each statement ``run`` sends, with the plan the engine makes for it."""
    sent: list[tuple[str, Any]] = []

    def grab(_c: Any, _cur: Any, statement: str, parameters: Any, *_: Any) -> None:
        sent.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", grab)
    with make_sessionmaker(engine)() as session:
        run(session)
    event.remove(engine, "before_cursor_execute", grab)
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        sqlite = engine.dialect.name == "sqlite"
        if not sqlite:
            cursor.execute("SET enable_seqscan = off")
            # The plan made without the values, as psycopg's prepared statements get after
            # their fifth run: the partial indexes must serve it too.
            cursor.execute("SET plan_cache_mode = force_generic_plan")
        plans = {}
        for statement, parameters in sent:
            if sqlite:
                cursor.execute("EXPLAIN QUERY PLAN " + statement, parameters)
                plans[statement] = "\n".join(str(row[3]) for row in cursor)
            else:
                plans[statement] = _generic_plan(cursor, statement, parameters)
        return plans
    finally:
        raw.rollback()
        raw.close()


def _generic_plan(cursor: Any, statement: str, parameters: dict[str, Any]) -> str:
    """PostgreSQL's plan for the statement prepared, made without its values ($1, ...)."""
    names: list[str] = []

    def numbered(match: re.Match[str]) -> str:
        names.append(match.group(1))
        return f"${len(names)}"

    cursor.execute("PREPARE plans_probe AS " + re.sub(r"%\((\w+)\)s", numbered, statement))
    try:
        # EXECUTE takes no bound parameters: the values go as literals.
        values = sql.SQL(", ").join(sql.Literal(parameters[n]) for n in names)
        cursor.execute(sql.SQL("EXPLAIN EXECUTE plans_probe({})").format(values))
        plan = "\n".join(str(row[0]) for row in cursor)
    finally:
        cursor.execute("DEALLOCATE plans_probe")
    assert "$1" in plan or not names, plan  # made without the values
    return plan


def _of(plans: dict[str, str], table: str) -> list[str]:
    found = [plan for statement, plan in plans.items() if f"FROM {table}" in statement]
    assert found, plans
    return found


def test_the_deliveries_of_several_alerts_are_found_by_alert(engine_for: Engine) -> None:
    plans = _plans(engine_for, lambda s: _alert_inboxes(s, [uuid.uuid4(), uuid.uuid4()]))
    for plan in _of(plans, "deliveries"):
        assert "ix_deliveries_alert_id" in plan
        assert "ix_deliveries_root_id" not in plan
        assert "SCAN deliveries" not in plan
        assert "Seq Scan" not in plan


def test_a_records_deliveries_are_counted_from_its_concerns(engine_for: Engine) -> None:
    plans = _plans(engine_for, lambda s: known.counted_from_deliveries(s, uuid.uuid4()))
    (plan,) = _of(plans, "deliveries")
    assert "ix_concerns_subject_time" in plan
    assert "ix_deliveries_concern_id" in plan
    assert "ix_deliveries_root_id" not in plan
    assert "Seq Scan" not in plan


def test_a_value_is_still_looked_up_in_the_indexes_of_set_values(engine_for: Engine) -> None:
    def run(session: Session) -> None:
        session.scalars(select(Delivery).where(Delivery.root_id == uuid.uuid4())).all()
        members(session, uuid.uuid4())  # the records merged into one: merged_into_id IN (...)

    plans = _plans(engine_for, run)
    (chain,) = _of(plans, "deliveries")
    assert "ix_deliveries_root_id" in chain
    assert any("ix_subjects_merged_into_id" in plan for plan in _of(plans, "subjects"))


def test_erasing_a_record_finds_what_names_its_key_by_index(tmp_path: Path) -> None:
    """SQLite plans the ON DELETE actions into the statement itself: deleting a data key
    (crypto-shredding a record) reads no table whole (PostgreSQL runs them as triggers
    that EXPLAIN does not show; the migrations test holds their indexes on both)."""
    engine = make_engine(f"sqlite:///{tmp_path / 'plans.db'}")
    try:
        migrate.upgrade(engine)
        with engine.connect() as conn:
            plan = [
                row[3]
                for row in conn.exec_driver_sql(
                    "EXPLAIN QUERY PLAN DELETE FROM data_keys WHERE id = ?", (uuid.uuid4().hex,)
                )
            ]
        assert any("concerns" in line for line in plan), plan
        assert [line for line in plan if line.startswith("SCAN")] == []
    finally:
        engine.dispose()
