"""An answered suspicion is reopened, and its owner told, by any later record naming what it
names: another officer's suspicion, and a return home interview months after the answer.
Two owners answering at once give one answer."""

from __future__ import annotations

import threading
import uuid
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select, update

from backend.models import AuditEvent, Notification, PushSubscription, Suspicion, utcnow
from tests.factories import H
from tests.services.missing.test_return_interviews import (
    coordinator,
    interview,
    police,
    returned,
)
from tests.services.missing.test_return_interviews import record as record_interview
from tests.services.suspicions.helpers import CAR, answer, listed, owner, record, suspicion
from tests.services.suspicions.test_suspicions import SUBSCRIPTION

__all__ = ["coordinator", "police"]  # the fixtures, used by name


def _told(sessions: Any) -> list[str]:
    """What the owner's one device was told, oldest first."""
    with sessions() as s:
        device = s.scalar(select(PushSubscription.id))
        return list(
            s.scalars(
                select(Notification.title)
                .where(Notification.subscription_id == device)
                .order_by(Notification.created_at)
            )
        )


def _answered_months_ago(sessions: Any, sid: str) -> None:
    with sessions() as s:
        s.execute(
            update(Suspicion)
            .where(Suspicion.id == uuid.UUID(sid))
            .values(answered_at=utcnow() - timedelta(days=120))
        )
        s.commit()


def test_a_later_suspicion_and_a_return_interview_each_reopen_an_answered_one(  # type: ignore[no-untyped-def]
    app, sessions, police, coordinator
) -> None:
    sid = record(app, police, suspicion())["record_id"]
    cet = owner(app)
    assert cet.post("/api/v1/me/push", json=SUBSCRIPTION, headers=H).status_code == 204
    r = answer(cet, sid, answer="Nothing known about the car.", outcome="no_action")
    assert r.get_json()["status"] == "answered", r.get_json()
    _answered_months_ago(sessions, sid)

    # Another officer suspects the same car, written another way: it reopens.
    other = record(app, police, suspicion(associated=[{**CAR, "registration": "yx 19 klm"}]))
    assert other["status"] == "accepted", other
    by_id = {i["id"]: i for i in listed(cet)}
    assert (by_id[sid]["status"], by_id[sid]["matches"], by_id[sid]["can_answer"]) == (
        "reopened",
        1,
        True,
    )
    assert len([t for t in _told(sessions) if "reopened" in t]) == 1
    r = answer(cet, sid, answer="Car seen twice now; watching it.", outcome="investigating")
    assert r.get_json()["status"] == "answered", r.get_json()
    _answered_months_ago(sessions, sid)

    # A child back from a missing episode names the car in the return interview: again.
    cid = returned(app, police, associated=[])
    said = record_interview(app, coordinator, interview(cid, associated=[CAR]))
    assert said["status"] == "accepted", said
    by_id = {i["id"]: i for i in listed(cet)}
    assert (by_id[sid]["status"], by_id[sid]["matches"]) == ("reopened", 2)
    assert len([t for t in _told(sessions) if "reopened" in t]) == 2


def test_two_owners_answering_at_once_give_one_answer(app, sessions, police) -> None:  # type: ignore[no-untyped-def]
    sid = record(app, police, suspicion())["record_id"]
    owners = [owner(app), owner(app)]
    start = threading.Barrier(2)
    codes: list[int] = []

    def answer_now(client: Any, words: str) -> None:
        start.wait()
        codes.append(answer(client, sid, answer=words, outcome="investigating").status_code)

    threads = [
        threading.Thread(target=answer_now, args=(c, f"Answer {n}.")) for n, c in enumerate(owners)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(codes) == [200, 409]
    with sessions() as s:
        entries = s.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.action == "suspicion.answered")
        )
    assert entries == 1
