"""An alert's evidence is rows: a network grows by a row per concern, linking a concern to
it costs the same however large it has grown, and the migration carries alerts both ways."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from alembic import command
from sqlalchemy import event, select

from backend.core import migrate
from backend.models import Alert, AlertEvidence
from backend.services.linking.alerts import held
from tests.scenario import RICKY, make, oxford_like
from tests.services.concerns.test_inbox import C, worker
from tests.services.linking import test_links
from tests.services.linking.test_links import alerts_of, send

NOW = datetime.now(UTC).replace(microsecond=0)
recorders = test_links.recorders  # the same three recorders, as a fixture here


def child(n: int) -> dict[str, Any]:
    """A different child for each n: a different given name, no strong key in common."""
    given = "BDFGKLMNPR"[n % 10] + ("ella", "ina", "ora", "ara", "ette")[n // 10]
    return {
        "given_name": given,
        "family_name": "Hale",
        "date_of_birth": "2011-03-04",
        "sex": "female",
        "legal_status": "none_known",
    }


def about(n: int, days_ago: int) -> dict[str, Any]:
    at = (NOW - timedelta(days=days_ago)).isoformat()
    return make(subject=child(n), recorded_at=at, associated=[RICKY])


def work(app: Any, run: Any) -> tuple[int, int]:
    """Statements run, and values bound to them: a list of ids read back grows the second."""
    engine = app.extensions["frontline"].engine
    counted = []

    def count(_conn: Any, _cursor: Any, _sql: str, params: Any, _ctx: Any, many: bool) -> None:
        counted.append(sum(map(len, params)) if many else len(params))

    event.listen(engine, "before_cursor_execute", count)
    try:
        run()
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return len(counted), sum(counted)


def test_a_growing_network_costs_each_concern_the_same(app, recorders, sessions) -> None:  # type: ignore[no-untyped-def]
    cost = []
    for n in range(40):
        cost.append(work(app, lambda n=n: send(app, recorders, "police", about(n, 40 - n))))
    with sessions() as s:
        (ring,) = s.scalars(select(Alert).where(Alert.kind == "network"))
        view = held(s, [ring.id])[ring.id]
        rows = s.scalar(
            select(sa.func.count())
            .select_from(AlertEvidence)
            .where(AlertEvidence.alert_id == ring.id)
        )
    assert len(view.subjects) == 40
    assert len(view.concerns) == 40
    assert rows == 40  # one nickname: a row per concern, nothing rewritten
    assert [e.identifier_kind for e in view.evidence] == ["nickname"]
    # The third concern on joins the open alert: the same statements and values for the
    # tenth and the fortieth, where reading the network whole would grow with it.
    assert len(set(cost[10:])) == 1, cost

    # Two years on, the same nickname with no one else near it in time is not this network.
    send(app, recorders, "police", about(45, 800))
    with sessions() as s:
        assert len(held(s, [ring.id])[ring.id].concerns) == 40


def test_the_migration_carries_alerts_down_and_back(app, recorders, sessions) -> None:  # type: ignore[no-untyped-def]
    for who, concern in oxford_like():
        send(app, recorders, who, concern)
    mash = worker(app, C, "MASH")
    before = sorted(alerts_of(mash), key=lambda a: a["kind"])
    assert {a["kind"] for a in before} == {"network", "repeated_missing", "multi_agency"}
    engine = app.extensions["frontline"].engine
    engine.dispose()
    try:
        command.downgrade(migrate.alembic_config(engine), "0015")
        columns = sa.table(
            "alerts",
            sa.column("id", sa.Uuid()),
            sa.column("subjects"),
            sa.column("concerns"),
            sa.column("evidence"),
        )
        with engine.connect() as conn:
            lists = {r.id: r for r in conn.execute(select(columns))}
        for alert in before:
            old = lists[uuid.UUID(alert["id"])]
            assert json.loads(old.subjects) == alert["subjects"]
            assert json.loads(old.concerns) == sorted(alert["concerns"])
            assert sorted(e["identifier_kind"] for e in json.loads(old.evidence)) == sorted(
                e["identifier_kind"] for e in alert["evidence"]
            )
            assert all(e.get("key") for e in json.loads(old.evidence) if alert["kind"] == "network")
    finally:
        migrate.upgrade(engine)
    engine.dispose()
    assert sorted(alerts_of(mash), key=lambda a: a["kind"]) == before
