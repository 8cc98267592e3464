"""Retention on both engines: a sweep lists records past their schedule; a person keeps or
erases each; erasure crypto-shreds (no path opens the record again, its blind indexes are
gone, the audit keeps metadata only); a legal hold stops it."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta

from click.testing import CliRunner
from sqlalchemy import func, select

from backend.cli import main
from backend.domain.retention import BY_AGENCY, LOOKED_AFTER, due_at, rule_for
from backend.models import AuditEvent, Concern, ConcernIdentifier, DataKeyRecord
from backend.services.records.audit_chain import verify
from tests.factories import approved, envelope, make_concern, person, sync
from tests.services.concerns.test_inbox import C, worker

MARKER = "Quillon-Marsh-7731"
NOW = datetime.now(UTC).replace(microsecond=0)


def test_the_schedule() -> None:
    police = rule_for("police", ["neglect"], "none_known")
    assert police is BY_AGENCY["police"]
    seen = datetime(2020, 3, 1, tzinfo=UTC)
    assert due_at(police, recorded_at=seen, age_then=10) == datetime(2026, 3, 1, tzinfo=UTC)
    # Sexual exploitation is kept to the 25th birthday whoever recorded it.
    cse = rule_for("police", ["sexual_exploitation"], None)
    assert due_at(cse, recorded_at=seen, age_then=10) > datetime(2035, 3, 1, tzinfo=UTC)
    assert rule_for("health", ["neglect"], "looked_after") is LOOKED_AFTER
    assert due_at(BY_AGENCY["health"], recorded_at=seen, age_then=None) == datetime(
        2028, 3, 1, tzinfo=UTC
    )


def _env(config, database_url: str) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {
        "FRONTLINE_ENV": "development",
        "FRONTLINE_INSTANCE": str(config.instance_path),
        "DATABASE_URL": database_url,
    }


def _cli(env: dict[str, str], *args: str) -> dict:  # type: ignore[type-arg]
    result = CliRunner(env=env).invoke(main, ["retention", *args])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)  # type: ignore[no-any-return]


def test_sweep_keep_hold_and_erase(app, sessions, config, database_url: str) -> None:  # type: ignore[no-untyped-def]
    env = _env(config, database_url)
    recorder, device, _ = person(app)
    old = make_concern(
        recorded_at=(NOW - timedelta(days=7 * 366)).isoformat(),
        categories=["neglect"],
        narrative=f"Found alone at night. {MARKER}",
        subject={
            "given_name": "Tam",
            "family_name": "Reed",
            "date_of_birth": "2012-02-02",
            "nhs_number": "401 023 2137",
        },
        missing=None,
    )
    old.pop("missing")
    recent = make_concern()
    (a, b) = sync(recorder, envelope(app, device, old), envelope(app, device, recent))
    assert a["status"] == b["status"] == "accepted", (a, b)
    old_id, recent_id = a["concern_id"], b["concern_id"]

    due = _cli(env, "sweep")["due"]
    assert [d["concern_id"] for d in due] == [old_id]  # the recent one is not due
    assert due[0]["rule"].startswith("police")

    # Kept for another review: off the list until then.
    _cli(
        env,
        "keep",
        old_id,
        "--until",
        (NOW + timedelta(days=365)).strftime("%Y-%m-%d"),
        "--reason",
        "Open investigation",
    )
    assert _cli(env, "sweep")["due"] == []
    later = (NOW + timedelta(days=400)).strftime("%Y-%m-%d")
    assert [d["concern_id"] for d in _cli(env, "sweep", "--at", later)["due"]] == [old_id]

    # A legal hold stops erasure outright.
    _cli(env, "hold", old_id, "--reason", "Civil claim pending")
    assert _cli(env, "sweep", "--at", later)["due"] == []
    refused = CliRunner(env=env).invoke(main, ["retention", "erase", old_id, "--reason", "x"])
    assert refused.exit_code == 2  # no --confirm: nothing happens
    assert _cli(
        env,
        "erase",
        old_id,
        "--reason",
        "due",
        "--confirm",
        "--approval",
        approved(app, "retention_erase", (old_id,)),
    ) == {old_id: "retention.legal_hold"}
    _cli(env, "release", old_id, "--reason", "Claim settled")

    # Erased: the data key and blind indexes are gone, the row and its metadata stay.
    with sessions() as s:
        key_id = s.get(Concern, uuid.UUID(old_id)).data_key_id
        idents = s.scalar(
            select(func.count()).where(ConcernIdentifier.concern_id == uuid.UUID(old_id))
        )
    assert key_id is not None
    assert idents > 0
    # Without a second admin's approval, nothing is erased.
    unapproved = CliRunner(env=env).invoke(
        main, ["retention", "erase", old_id, "--reason", "x", "--confirm"]
    )
    assert unapproved.exit_code == 1
    assert "needs --approval" in unapproved.output
    approval = approved(app, "retention_erase", (old_id,))
    elsewhere = CliRunner(env=env).invoke(
        main,
        ["retention", "erase", recent_id, "--reason", "x", "--confirm", "--approval", approval],
    )
    assert "is not for this retention_erase" in elsewhere.output
    assert _cli(
        env,
        "erase",
        old_id,
        "--reason",
        "Reviewed: no further need",
        "--confirm",
        "--approval",
        approval,
    ) == {old_id: "erased"}
    with sessions() as s:
        concern = s.get(Concern, uuid.UUID(old_id))
        assert concern.data_key_id is None
        assert concern.crypto_document  # ciphertext that no key opens
        assert s.get(DataKeyRecord, key_id) is None
        assert s.scalar(select(func.count()).where(ConcernIdentifier.concern_id == concern.id)) == 0
        erased = s.scalars(select(AuditEvent).where(AuditEvent.action == "record.erased")).one()
        assert old_id in erased.records
        entries = s.scalars(select(AuditEvent)).all()
        assert not [e for e in entries if MARKER in f"{e.purpose} {e.detail} {e.records}"]
        assert verify(s, app.extensions["frontline"].keyring).ok
    used = CliRunner(env=env).invoke(
        main,
        ["retention", "erase", old_id, "--reason", "again", "--confirm", "--approval", approval],
    )
    assert f"approval {approval} is used" in used.output  # once only
    assert _cli(
        env,
        "erase",
        old_id,
        "--reason",
        "again",
        "--confirm",
        "--approval",
        approved(app, "retention_erase", (old_id,)),
    ) == {old_id: "retention.already_erased"}

    # No path opens it: its recorder, a recipient, the chronology, a new concern's links.
    r = recorder.get(f"/api/v1/concerns/{old_id}?purpose=check_own_record")
    assert (r.status_code, r.get_json()["code"]) == (410, "concern.erased")
    mash = worker(app, C, "MASH")
    assert mash.get(f"/api/v1/concerns/{old_id}?purpose=decide").status_code == 410
    subject_id = mash.get(f"/api/v1/concerns/{recent_id}?purpose=decide").get_json()["subject_id"]
    items = mash.get(f"/api/v1/subjects/{subject_id}/chronology?purpose=decide").get_json()
    assert MARKER not in json.dumps(items)
    again = make_concern(
        subject=old["subject"], narrative="Seen again.", associated=[], categories=["neglect"]
    )
    again.pop("missing")
    (c,) = sync(recorder, envelope(app, device, again))
    assert c["status"] == "accepted"
    assert c.get("known") is None  # the erased record no longer links to the child
