"""Unanswered suspicions climb in the escalation sweep exactly once each, however many
sweeps run at the same moment (hosts sharing the work)."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select

from backend.models import AuditEvent, Suspicion, SuspicionRecipient
from backend.services.concerns.escalation import sweep
from tests.services.suspicions.helpers import constable, record, suspicion


def test_concurrent_sweeps_climb_each_suspicion_exactly_once(app, sessions) -> None:  # type: ignore[no-untyped-def]
    pc = constable(app)
    for n in range(6):
        car = {"kind": "vehicle", "registration": f"YX1{n} KLM"}
        assert record(app, pc, suspicion(associated=[car]))["status"] == "accepted"
    with sessions() as s:
        latest = s.scalar(select(func.max(Suspicion.due_at)))
    later = latest + timedelta(seconds=1)
    results: list[Any] = []
    errors: list[BaseException] = []
    gate = threading.Barrier(4)

    def run() -> None:
        try:
            gate.wait()
            results.append(sweep(sessions, now=later, batch=2))
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sum(r.chains for r in results) == 6
    with sessions() as s:
        per = s.execute(
            select(SuspicionRecipient.suspicion_id, func.count())
            .where(SuspicionRecipient.step == 1)
            .group_by(SuspicionRecipient.suspicion_id)
        ).all()
        audited = s.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.action == "suspicion.escalated")
        )
        steps = set(s.scalars(select(Suspicion.chain_step)))
    # The owner's supervisors and the MASH's, once each, for each suspicion.
    assert sorted(n for _, n in per) == [2] * 6
    assert audited == 6
    assert steps == {1}
