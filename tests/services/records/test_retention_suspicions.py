"""Retention of suspicions on both engines: an answered suspicion falls due six years after
the last thing that happened to it; one waiting for its answer, or counted by a network
alert whose records are kept, is never listed and cannot be erased; an approved erasure
crypto-shreds it (no path opens it, it matches nothing again, the audit keeps metadata)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from backend.core.errors import Conflict
from backend.models import (
    AuditEvent,
    DataKeyRecord,
    Suspicion,
    SuspicionIdentifier,
    SuspicionMatch,
)
from backend.services.records.audit import SYSTEM
from backend.services.records.retention import db_erase, db_hold
from tests.factories import H, approved, person
from tests.services.linking.test_links import partnership_lead
from tests.services.records.test_retention import _cli, _env
from tests.services.suspicions.helpers import (
    CANARY,
    CAR,
    answer,
    constable,
    owner,
    record,
    suspicion,
)
from tests.services.suspicions.test_suspicion_networks import AMIRA, LILY, about, networks

NOW = datetime.now(UTC).replace(microsecond=0)


def _at(days: int) -> str:
    return (NOW + timedelta(days=days)).strftime("%Y-%m-%d")


def _due(env: dict[str, str], days: int) -> list[str]:
    return [d["suspicion_id"] for d in _cli(env, "sweep", "--at", _at(days))["suspicions"]]


def _erase(app: Any, env: dict[str, str], *ids: str) -> dict[str, str]:
    approval = approved(app, "retention_erase", ids)
    return _cli(env, "erase", *ids, "--reason", "Reviewed", "--confirm", "--approval", approval)


def test_an_answered_suspicion_falls_due_and_is_shredded(  # type: ignore[no-untyped-def]
    app, sessions, config, database_url
) -> None:
    env = _env(config, database_url)
    pc, cet = constable(app), owner(app)
    years_ago = (NOW - timedelta(days=8 * 366)).isoformat()
    old = record(app, pc, suspicion(recorded_at=years_ago))["record_id"]
    waiting = record(app, pc, suspicion(associated=[{"kind": "phone", "number": "07700900123"}]))
    waiting_id = waiting["record_id"]
    said = f"Spoke to the home; nothing more. {CANARY}"
    assert answer(cet, old, answer=said, outcome="no_action").status_code == 200

    # Recorded eight years ago, answered today: six years from the answer.
    assert _due(env, 0) == []
    assert _due(env, 5 * 366) == []
    assert _due(env, 6 * 366 + 2) == [old]  # the unanswered one is live work: never due
    assert _erase(app, env, waiting_id) == {waiting_id: "retention.unanswered"}
    with sessions() as s:  # no keep decision or hold for a suspicion (docs/retention.md)
        with pytest.raises(Conflict) as refused:
            db_hold(s, uuid.UUID(waiting_id), reason="Inquiry", actor=SYSTEM)
        assert refused.value.code == "retention.not_for_suspicions"

    with sessions() as s:
        key_id = s.get(Suspicion, uuid.UUID(old)).data_key_id
    assert _erase(app, env, old) == {old: "erased"}
    with sessions() as s:
        row = s.get(Suspicion, uuid.UUID(old))
        assert row.data_key_id is None
        assert row.crypto_document
        assert row.crypto_answer
        assert row.status == "answered"
        assert row.basis == "observed"
        assert s.get(DataKeyRecord, key_id) is None
        left = select(func.count()).where(SuspicionIdentifier.suspicion_id == row.id)
        assert s.scalar(left) == 0
        erased = s.scalars(select(AuditEvent).where(AuditEvent.action == "record.erased")).one()
        assert old in erased.records
        assert erased.detail is not None
        assert "suspicion" in erased.detail
        entries = s.scalars(select(AuditEvent)).all()
        assert not [e for e in entries if CANARY in f"{e.purpose} {e.detail} {e.records}"]
    # No path opens it; a later record naming the same car matches it no more.
    opened = cet.get(f"/api/v1/suspicions/{old}?purpose=assess_new_concern")
    assert opened.status_code == 410
    assert opened.get_json()["code"] == "suspicion.erased"
    record(app, pc, suspicion(associated=[CAR]))
    with sessions() as s:
        assert s.get(Suspicion, uuid.UUID(old)).matches == 0
    assert _erase(app, env, old) == {old: "retention.already_erased"}
    assert old not in _due(env, 7 * 366)


def test_a_later_match_restarts_the_clock(app, sessions, config, database_url) -> None:  # type: ignore[no-untyped-def]
    env = _env(config, database_url)
    pc, cet = constable(app), owner(app)
    sid = record(app, pc, suspicion())["record_id"]
    assert answer(cet, sid, answer="Known to us.", outcome="no_action").status_code == 200
    assert _due(env, 6 * 366 + 2) == [sid]
    later = NOW + timedelta(days=400)
    with sessions() as s:  # a match a year on (as the matching step writes it, then)
        s.add(
            SuspicionMatch(
                suspicion_id=uuid.UUID(sid),
                record_kind="concern",
                record_id=uuid.uuid4(),
                identifier_kind="vehicle",
                matched_at=later,
            )
        )
        s.commit()
    assert _due(env, 6 * 366 + 2) == []
    assert _due(env, 400 + 6 * 366 + 2) == [sid]


def test_an_alerts_evidence_is_kept_while_its_records_are(  # type: ignore[no-untyped-def]
    app, sessions, config, database_url
) -> None:
    env = _env(config, database_url)
    nurse = person(app, agency="Riverside Health", name="School nurse")[:2]
    first = about(app, nurse, AMIRA, CAR)
    second = about(app, nurse, LILY, {**CAR, "registration": "yx19 klm"})
    sid = record(app, constable(app), suspicion())["record_id"]
    (alert,) = networks(partnership_lead(app))
    assert alert["suspicions"] == [sid]
    assert answer(owner(app), sid, answer="Joined.", outcome="joined_to_alert").status_code == 200
    assert _due(env, 7 * 366) == []
    assert _erase(app, env, sid) == {sid: "retention.alert_evidence"}
    # When every record the alert rests on is erased, it is reviewed on its own clock.
    with sessions() as s:
        for cid in (first, second):
            db_erase(s, uuid.UUID(cid), reason="reviewed", actor=SYSTEM)
        s.commit()
    assert _due(env, 7 * 366) == [sid]
    assert _erase(app, env, sid) == {sid: "erased"}


def test_an_erasure_names_only_the_partnerships_own_records(app) -> None:  # type: ignore[no-untyped-def]
    sid = record(app, constable(app), suspicion())["record_id"]
    admin = person(
        app,
        agency="Riverside Safeguarding Children Partnership",
        roles=("agency_admin",),
        name="Admin Asker",
    )[0]

    def ask(*ids: str) -> int:
        body = {"action": "retention_erase", "ids": list(ids)}
        return int(admin.post("/api/v1/admin/approvals", json=body, headers=H).status_code)

    assert ask(sid) == 201  # a suspicion is a record an erasure may name
    assert ask(sid, str(uuid.uuid4())) != 201  # an unknown one is refused with it
