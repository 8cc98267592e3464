"""The built-in scheduler runs each sweep on its interval and survives a failing one."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from backend import scheduler
from backend.models import Delivery
from tests.factories import envelope, make_concern, person, sync


def test_jobs_run_repeatedly_and_a_failure_does_not_stop_them(app) -> None:  # type: ignore[no-untyped-def]
    state = app.extensions["frontline"]
    ran: list[str] = []
    twice = threading.Event()

    def good(_: Any) -> None:
        ran.append("good")
        if ran.count("good") >= 2:
            twice.set()

    def bad(_: Any) -> None:
        ran.append("bad")
        raise RuntimeError("the database went away")

    stop = scheduler.start(
        state, (scheduler.Job("bad", 0.01, bad), scheduler.Job("good", 0.01, good))
    )
    try:
        assert twice.wait(5)
    finally:
        stop.set()
    assert ran.count("bad") >= 1


def test_the_escalation_job_escalates_what_is_overdue(app, sessions) -> None:  # type: ignore[no-untyped-def]
    recorder, device, _ = person(app, roles=("recorder",), name="PC Sched")
    sync(recorder, envelope(app, device, make_concern(categories=["neglect"])))
    with sessions() as s:
        (root,) = s.scalars(select(Delivery)).all()
        root.next_deadline = root.ack_due = root.created_at - timedelta(minutes=1)
        s.commit()
    result = scheduler.JOBS[0].run(app.extensions["frontline"])
    assert result.escalations == 1  # type: ignore[attr-defined]


def test_the_recovery_job_takes_up_what_was_kept_once_the_fault_is_mended(app, sessions) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy import delete

    from backend.http.app import scheduled_jobs
    from backend.models import Concern, Partnership, Receipt, ReceiptStatus, RuleSetRecord
    from backend.services.concerns.rules import db_load, default_rules_text

    recorder, device, _ = person(app, roles=("recorder",), name="PC Sched")
    with sessions() as s:  # no rules to route by: the envelope is kept, quarantined
        partnership_id = s.scalar(select(RuleSetRecord.partnership_id))
        s.execute(delete(RuleSetRecord))
        s.commit()
    (r,) = sync(recorder, envelope(app, device, make_concern()))
    assert r["error"]["code"] == "envelope.quarantined"
    (job,) = [j for j in scheduled_jobs() if j.name == "recover"]
    state = app.extensions["frontline"]
    assert job.run(state) == 1  # tried again, and kept again: the fault is still there
    with sessions() as s:
        assert s.scalar(select(Receipt.status)) is ReceiptStatus.QUARANTINED
        db_load(s, s.get(Partnership, partnership_id), default_rules_text())
        s.commit()
    assert job.run(state) == 1
    with sessions() as s:
        assert s.scalar(select(Receipt.status)) is ReceiptStatus.ACCEPTED
        assert len(s.scalars(select(Concern)).all()) == 1
    assert job.run(state) == 0  # nothing left to take up
