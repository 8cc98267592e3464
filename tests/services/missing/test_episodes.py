"""Missing episodes: opened by the report, updated by later reports, closed by the return;
the return interview is due 72 hours after the child's return, never the report."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from backend.models import Delivery, MissingEpisode, utcnow
from backend.services.concerns.escalation import sweep
from tests.factories import H, envelope, make_concern, person, seal_payload, sync

NOTE = "Return interview within 72 hours of the child's return"


@pytest.fixture
def recorder(app):  # type: ignore[no-untyped-def]
    client, device, _ = person(app, name="PC Sam Okafor")
    return client, device


def _at(delta: timedelta) -> datetime:
    return (utcnow() + delta).replace(microsecond=0)


def report(app: Any, recorder: Any, **missing: datetime) -> str:
    """Sync a concern about Zoë (the factory's child) with these ``missing`` times."""
    client, device = recorder
    facts = {"missing_from": "Oakview Children's Home", "police_risk": "high"}
    facts |= {k: v.isoformat() for k, v in missing.items()}
    (result,) = sync(client, envelope(app, device, make_concern(missing=facts)))
    assert result["status"] == "accepted", result
    return str(result["concern_id"])


def add(app: Any, recorder: Any, concern_id: str, **missing: datetime) -> str:
    """Add an addendum to a concern with these ``missing`` times."""
    client, device = recorder
    addendum = {
        "schema": "frontline.addendum/1",
        "concern_id": concern_id,
        "client_id": str(uuid.uuid4()),
        "recorded_at": datetime.now(UTC).isoformat(),
        "text": "Update from the home.",
        "missing": {k: v.isoformat() for k, v in missing.items()},
    }
    item = {"client_id": addendum["client_id"], "jwe": seal_payload(app, device, addendum)}
    r = client.post(f"/api/v1/concerns/{concern_id}/addenda", json=item, headers=H)
    assert r.get_json()["status"] == "accepted", r.get_json()
    return str(r.get_json()["addendum_id"])


def episodes(sessions: Any) -> list[MissingEpisode]:
    with sessions() as s:
        return list(s.scalars(select(MissingEpisode).order_by(MissingEpisode.opened_at)))


def coordinator(sessions: Any) -> list[Delivery]:
    """Deliveries to the Missing Coordinator, oldest first."""
    from backend.models import Inbox

    with sessions() as s:
        inbox = s.scalar(select(Inbox.id).where(Inbox.name == "Missing Coordinator"))
        return list(
            s.scalars(
                select(Delivery).where(Delivery.inbox_id == inbox).order_by(Delivery.created_at)
            )
        )


def test_a_report_opens_an_episode_and_a_second_report_updates_it(  # type: ignore[no-untyped-def]
    app, sessions, recorder
) -> None:
    earlier = _at(-timedelta(hours=7))
    first = report(app, recorder, reported_at=_at(-timedelta(hours=5)))
    report(app, recorder, reported_at=earlier)
    (episode,) = episodes(sessions)
    assert episode.is_open
    assert episode.found_at is None
    assert (str(episode.concern_id), episode.reports) == (first, 2)
    assert episode.reported_at == earlier  # the report that says it began earlier
    # The coordinator is told of each report, but no report carries the return interview
    # or its 72 hours: the child is not back.
    told = coordinator(sessions)
    assert len(told) == 2
    for delivery in told:
        assert not any("eturn interview" in n for n in json.loads(delivery.notes))
        assert delivery.decision_due is not None
        assert delivery.decision_due - delivery.created_at != timedelta(hours=72)


def test_a_report_without_reported_at_or_outside_missing_opens_nothing(  # type: ignore[no-untyped-def]
    app, sessions, recorder
) -> None:
    report(app, recorder)  # the factory's concern: missing, but no reported_at
    client, device = recorder
    other = make_concern(
        categories=["neglect"],
        missing={"reported_at": _at(-timedelta(hours=1)).isoformat()},
    )
    sync(client, envelope(app, device, other))
    assert episodes(sessions) == []


def test_the_return_closes_it_and_the_interview_is_due_72_hours_after_the_return(  # type: ignore[no-untyped-def]
    app, sessions, recorder
) -> None:
    reported, found = _at(-timedelta(hours=30)), _at(-timedelta(hours=2))
    cid = report(app, recorder, reported_at=reported)
    add(app, recorder, cid, reported_at=reported)  # a sighting changes nothing
    assert episodes(sessions)[0].is_open
    aid = add(app, recorder, cid, found_at=found)
    (episode,) = episodes(sessions)
    assert not episode.is_open
    assert episode.found_at == found
    assert episode.hours_missing == 28.0
    assert (str(episode.closed_by_concern_id), str(episode.closed_by_addendum_id)) == (cid, aid)
    task = coordinator(sessions)[-1]
    assert task.id == episode.return_delivery_id
    # Counted from the return, not from the report (which would be 42 hours from now).
    assert task.decision_due == found + timedelta(hours=72) == episode.return_due
    assert task.ack_due <= task.decision_due
    assert json.loads(task.notes) == [NOTE]
    assert task.reason == "The child has returned from a missing episode"
    # A later return for a closed episode makes no second task.
    add(app, recorder, cid, found_at=found)
    assert len([d for d in coordinator(sessions) if json.loads(d.notes) == [NOTE]]) == 1


def test_a_report_with_both_times_opens_and_closes_at_once(  # type: ignore[no-untyped-def]
    app, sessions, recorder
) -> None:
    found = _at(-timedelta(hours=1))
    cid = report(app, recorder, reported_at=_at(-timedelta(hours=13)), found_at=found)
    (episode,) = episodes(sessions)
    assert not episode.is_open
    assert str(episode.closed_by_concern_id) == str(episode.concern_id) == cid
    assert episode.hours_missing == 12.0
    assert episode.return_due == found + timedelta(hours=72)
    # A new report after the return is a new episode.
    report(app, recorder, reported_at=_at(timedelta(0)))
    assert [e.is_open for e in episodes(sessions)] == [False, True]


def test_a_return_synced_late_gives_a_task_already_overdue_that_escalates(  # type: ignore[no-untyped-def]
    app, sessions, recorder
) -> None:
    found = _at(-timedelta(days=4))
    cid = report(app, recorder, reported_at=_at(-timedelta(days=5)))
    add(app, recorder, cid, found_at=found)
    (episode,) = episodes(sessions)
    assert episode.return_due is not None
    assert episode.return_due < utcnow()
    made = sweep(sessions, now=utcnow() + timedelta(seconds=1))
    assert made.escalations >= 1
    with sessions() as s:
        task = s.get(Delivery, episode.return_delivery_id)
        assert task is not None
        assert task.status == "escalated"
        climbed = s.scalars(select(Delivery).where(Delivery.root_id == task.id)).all()
        assert climbed
        assert all(d.reason for d in climbed)


def test_the_database_keeps_one_open_episode_per_child_record(  # type: ignore[no-untyped-def]
    app, sessions, recorder
) -> None:
    report(app, recorder, reported_at=_at(-timedelta(hours=1)))
    (episode,) = episodes(sessions)
    with sessions() as s:
        s.add(
            MissingEpisode(
                id=uuid.uuid4(),
                partnership_id=episode.partnership_id,
                subject_id=episode.subject_id,
                concern_id=episode.concern_id,
                reporting_agency_id=episode.reporting_agency_id,
                reported_at=episode.reported_at,
                reports=1,
                is_open=True,
            )
        )
        with pytest.raises(IntegrityError):
            s.commit()
