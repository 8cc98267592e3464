"""The return interview through POST /api/v1/sync: recorded by the Missing Coordinator only,
sealed and proven like a concern, idempotent on client_id; it says how the episode's
interview went and completes the task, which then no longer escalates."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from backend.cli import main
from backend.models import (
    AuditEvent,
    ConcernIdentifier,
    Delivery,
    MissingEpisode,
    Receipt,
    ReceiptStatus,
    ReturnInterview,
)
from backend.services.concerns.escalation import sweep
from backend.services.records.audit import SYSTEM
from backend.services.records.retention import db_erase
from tests.factories import approved, envelope, make_concern, person, sync
from tests.security.test_fail_closed import audit_refused
from tests.services.missing.test_episodes import _at

CANARY = f"CANARY-RI-{uuid.uuid4()}"
COORDINATOR = "Missing Coordinator"
SOCIAL_CARE = "Riverside Children's Social Care"


@pytest.fixture
def police(app):  # type: ignore[no-untyped-def]
    return person(app, name="PC Sam Okafor")[:2]


@pytest.fixture
def coordinator(app):  # type: ignore[no-untyped-def]
    return person(
        app,
        agency=SOCIAL_CARE,
        roles=("inbox_member",),  # as the demo's coordinators: they record no concerns
        inboxes=(COORDINATOR,),
        name="Missing Coordinator member",
    )[:2]


def returned(app: Any, police: Any, *, found_hours_ago: int = 2, **more: Any) -> str:
    """Report Zoë missing and found again (one concern closes the episode it opens)."""
    client, device = police
    facts = {
        "missing_from": "Oakview Children's Home",
        "reported_at": _at(-timedelta(hours=found_hours_ago + 10)).isoformat(),
        "found_at": _at(-timedelta(hours=found_hours_ago)).isoformat(),
    }
    (result,) = sync(client, envelope(app, device, make_concern(missing=facts, **more)))
    assert result["status"] == "accepted", result
    return str(result["concern_id"])


def interview(concern_id: str, **overrides: Any) -> dict[str, Any]:
    """A valid return interview, held an hour ago; override any top-level field."""
    record: dict[str, Any] = {
        "schema": "frontline.return_interview/1",
        "client_id": str(uuid.uuid4()),
        "recorded_at": _at(timedelta(0)).isoformat(),
        "concern_id": concern_id,
        "offered_at": _at(-timedelta(hours=3)).isoformat(),
        "independent": True,
        "outcome": "held",
        "held_at": _at(-timedelta(hours=1)).isoformat(),
        "child_words": f"I went to see my friends. {CANARY}",
        "narrative": f"Zoë stayed two nights at a flat in town. {CANARY}",
        "push_factors": ["placement"],
        "pull_factors": ["friends", "adults_of_concern"],
        "associated": [],
    }
    record.update(overrides)
    return {k: v for k, v in record.items() if v is not None}


def record(app: Any, who: Any, payload: dict[str, Any]) -> dict[str, Any]:
    client, device = who
    (result,) = sync(client, envelope(app, device, payload))
    return result


def episode_of(sessions: Any, concern_id: str) -> MissingEpisode:
    with sessions() as s:
        found = s.scalar(
            select(MissingEpisode).where(MissingEpisode.concern_id == uuid.UUID(concern_id))
        )
        assert found is not None
        return found


def stored(sessions: Any) -> int:
    with sessions() as s:
        return s.scalar(select(func.count()).select_from(ReturnInterview)) or 0


def task_of(sessions: Any, episode: MissingEpisode) -> Delivery:
    with sessions() as s:
        task = s.get(Delivery, episode.return_delivery_id)
        assert task is not None
        return task


def climbed(sessions: Any, task: Delivery) -> list[Delivery]:
    """The escalations of the task's chain, oldest first."""
    with sessions() as s:
        query = select(Delivery).where(Delivery.root_id == task.id).order_by(Delivery.created_at)
        return list(s.scalars(query))


def test_the_coordinator_records_it_sealed_and_the_episode_says_held(  # type: ignore[no-untyped-def]
    app, sessions, police, coordinator
) -> None:
    cid = returned(app, police)
    payload = interview(cid)
    result = record(app, coordinator, payload)
    assert result == {
        "client_id": payload["client_id"],
        "status": "accepted",
        "kind": "return_interview",
        "record_id": result["record_id"],
        "error": None,
        "known": None,
    }
    episode = episode_of(sessions, cid)
    assert episode.return_outcome == "held"
    with sessions() as s:
        row = s.get(ReturnInterview, uuid.UUID(result["record_id"]))
        assert row is not None
        assert (str(row.concern_id), row.episode_id) == (cid, episode.id)
        assert (row.outcome, row.independent) == ("held", True)
        assert row.held_at == _at(-timedelta(hours=1)) or row.held_at is not None
        assert CANARY.encode() not in row.crypto_document  # sealed, like a concern
        actions = set(s.scalars(select(AuditEvent.action)))
        assert {"return_interview.collected", "missing.return_interview_recorded"} <= actions
    reader, _, _ = person(app, agency=SOCIAL_CARE, roles=("inbox_member",), inboxes=(COORDINATOR,))
    (item,) = reader.get("/api/v1/episodes?status=closed").get_json()["items"]
    assert item["return_interview"]["status"] == "held"
    assert item["return_interview"]["due"] is not None


def test_the_task_is_completed_and_no_longer_escalates(  # type: ignore[no-untyped-def]
    app, sessions, police, coordinator
) -> None:
    cid = returned(app, police, found_hours_ago=96)  # back four days ago: overdue already
    episode = episode_of(sessions, cid)
    assert sweep(sessions, now=_at(timedelta(seconds=1))).escalations >= 1
    assert task_of(sessions, episode).status == "escalated"
    result = record(
        app, coordinator, interview(cid, outcome="declined", held_at=None, associated=None)
    )
    assert result["status"] == "accepted", result
    task = task_of(sessions, episode)
    assert (task.is_open, task.next_deadline, task.clock) == (False, None, None)
    assert task.closed_reason == "Return interview recorded (declined)"
    steps = climbed(sessions, task)
    assert steps
    assert all(not d.is_open and d.closed_reason for d in steps)
    sweep(sessions, now=_at(timedelta(days=30)))  # the other deliveries climb; not this one
    assert [d.id for d in climbed(sessions, task)] == [d.id for d in steps]
    assert task_of(sessions, episode).is_open is False
    assert episode_of(sessions, cid).return_outcome == "declined"


@pytest.mark.parametrize(
    ("agency", "roles", "inboxes"),
    [
        ("Riverside Police", ("recorder",), ()),
        (SOCIAL_CARE, ("recorder", "inbox_member"), ("MASH",)),
    ],
)
def test_anyone_but_the_coordinator_is_refused_and_nothing_changes(  # type: ignore[no-untyped-def]
    app, sessions, police, agency, roles, inboxes
) -> None:
    cid = returned(app, police)
    other = person(app, agency=agency, roles=roles, inboxes=inboxes, name="Not the coordinator")
    result = record(app, other[:2], interview(cid))
    assert (result["status"], result["error"]["code"]) == (
        "rejected",
        "return_interview.not_coordinator",
    )
    assert "Missing Coordinator" in result["error"]["detail"]
    assert stored(sessions) == 0
    assert episode_of(sessions, cid).return_outcome is None
    assert task_of(sessions, episode_of(sessions, cid)).is_open


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"outcome": "maybe"}, "return_interview.value_not_allowed"),
        ({"held_at": None}, "return_interview.held_at_required"),
        ({"outcome": "not_reached"}, "return_interview.held_at_not_held"),
        ({"independent": "yes"}, "return_interview.invalid_type"),
        ({"push_factors": ["boredom"]}, "return_interview.value_not_allowed"),
        ({"pull_factors": None}, "return_interview.field_required"),
        ({"narrative": ""}, "return_interview.narrative_length"),
        ({"mood": "calm"}, "return_interview.field_unknown"),
        ({"associated": [{"kind": "vehicle"}]}, "return_interview.associated_empty"),
        ({"offered_at": "2026-12-01T10:00:00"}, "return_interview.time_without_offset"),
        ({"held_at": "2099-01-01T10:00:00+00:00"}, "return_interview.time_in_future"),
        ({"concern_id": str(uuid.uuid4())}, "return_interview.no_episode"),
    ],
)
def test_bad_fields_are_refused_with_a_code_and_nothing_is_stored(  # type: ignore[no-untyped-def]
    app, sessions, police, coordinator, overrides, code
) -> None:
    cid = returned(app, police)
    payload = interview(cid)
    payload.update(overrides)
    payload = {k: v for k, v in payload.items() if v is not None}
    result = record(app, coordinator, payload)
    assert (result["status"], result["error"]["code"]) == ("rejected", code), result
    assert stored(sessions) == 0
    assert episode_of(sessions, cid).return_outcome is None
    with sessions() as s:
        assert (
            s.scalar(
                select(func.count())
                .select_from(ConcernIdentifier)
                .where(ConcernIdentifier.return_interview_id.is_not(None))
            )
            == 0
        )


def test_an_interview_while_the_child_is_missing_is_refused(  # type: ignore[no-untyped-def]
    app, sessions, police, coordinator
) -> None:
    client, device = police
    facts = {"reported_at": _at(-timedelta(hours=3)).isoformat()}
    (opened,) = sync(client, envelope(app, device, make_concern(missing=facts)))
    result = record(app, coordinator, interview(opened["concern_id"]))
    assert result["error"]["code"] == "return_interview.child_missing"
    assert stored(sessions) == 0


def test_a_resend_is_a_duplicate_and_a_reused_client_id_a_conflict(  # type: ignore[no-untyped-def]
    app, sessions, police, coordinator
) -> None:
    cid = returned(app, police)
    payload = interview(cid)
    client, device = coordinator
    item = envelope(app, device, payload)
    (first,) = sync(client, item)
    (again,) = sync(client, item)  # the very same envelope
    (resealed,) = sync(client, envelope(app, device, payload))  # the same record, sealed anew
    for later in (again, resealed):
        assert (later["status"], later["kind"], later["record_id"]) == (
            "duplicate",
            "return_interview",
            first["record_id"],
        )
    (other,) = sync(client, envelope(app, device, {**payload, "narrative": "Something else."}))
    assert (other["status"], other["error"]["code"]) == ("rejected", "envelope.client_id_conflict")
    assert stored(sessions) == 1
    with sessions() as s:
        events = s.scalars(
            select(AuditEvent.action).where(AuditEvent.action == "return_interview.collected")
        ).all()
        assert len(events) == 1


def test_a_later_interview_says_how_it_went_and_a_late_earlier_one_does_not(  # type: ignore[no-untyped-def]
    app, sessions, police, coordinator
) -> None:
    cid = returned(app, police, found_hours_ago=30)
    tried = interview(
        cid, outcome="not_reached", held_at=None, recorded_at=_at(-timedelta(hours=20)).isoformat()
    )
    held = interview(cid, offered_at=_at(-timedelta(hours=4)).isoformat())
    assert record(app, coordinator, held)["status"] == "accepted"
    assert record(app, coordinator, tried)["status"] == "accepted"  # synced late
    assert episode_of(sessions, cid).return_outcome == "held"
    assert stored(sessions) == 2


def test_an_interview_the_server_cannot_process_is_kept_and_retried(  # type: ignore[no-untyped-def]
    app, sessions, police, coordinator, engine_for
) -> None:
    cid = returned(app, police)
    client, device = coordinator
    item = envelope(app, device, interview(cid))
    with audit_refused(engine_for):  # the audit store down: nothing may be stored unaudited
        (r,) = sync(client, item)
    assert (r["status"], r["error"]["code"]) == ("rejected", "envelope.quarantined")
    with sessions() as s:
        receipt = s.scalar(select(Receipt).where(Receipt.client_id == uuid.UUID(item["client_id"])))
        assert receipt is not None
        assert receipt.status is ReceiptStatus.QUARANTINED
        assert receipt.crypto_jwe == item["jwe"]  # kept whole, for the retry
    assert stored(sessions) == 0
    assert episode_of(sessions, cid).return_outcome is None
    (retried,) = sync(client, item)  # the phone sends it again: the kept receipt answers
    assert (retried["status"], retried["kind"]) == ("accepted", "return_interview")
    assert stored(sessions) == 1
    assert episode_of(sessions, cid).return_outcome == "held"


def test_the_childs_export_holds_it_and_erasing_the_concern_shreds_it(  # type: ignore[no-untyped-def]
    app, sessions, config, database_url, police, coordinator
) -> None:
    cid = returned(app, police)
    assert record(app, coordinator, interview(cid))["status"] == "accepted"
    subject_id = str(episode_of(sessions, cid).subject_id)
    env = {
        "FRONTLINE_ENV": "development",
        "FRONTLINE_INSTANCE": str(config.instance_path),
        "DATABASE_URL": database_url,
    }

    def export() -> dict[str, Any]:
        approval = approved(app, "subject_export", (subject_id,))
        out = CliRunner(env=env).invoke(
            main, ["export", "subject", subject_id, "--approval", approval]
        )
        assert out.exit_code == 0, out.output
        return json.loads(out.output)  # type: ignore[no-any-return]

    (item,) = export()["concerns"]
    (held,) = item["return_interviews"]
    assert CANARY in held["narrative"]
    assert "proof" not in held
    with sessions() as s:
        db_erase(s, uuid.UUID(cid), reason="reviewed", actor=SYSTEM)
        s.commit()
    (item,) = export()["concerns"]
    assert item["erased"] is True
    assert CANARY not in json.dumps(item)
