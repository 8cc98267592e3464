"""The audit log is tamper-evident on both engines: the database refuses to change it, and
when an insider goes round the database (dropping the guard), ``audit verify`` names the
first entry that was altered, removed, reordered or inserted; rewriting the whole chain
without the audit key is caught by the signed checkpoints."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import insert, select, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DatabaseError

import crypto
from backend.cli import main
from backend.models import AuditEvent, table_of
from backend.models.audit import DERIVED
from backend.services.records.audit import Actor, db_audit
from backend.services.records.audit_chain import db_checkpoint, entry_of, verify
from backend.services.records.audit_scan import log_is_intact

ENTRIES = 30
SIGNED_AT = 20


@pytest.fixture
def log(sessions, keyring) -> Callable[[], Any]:  # type: ignore[no-untyped-def]
    """Thirty entries of every shape, a checkpoint signed at entry 20; returns a verifier."""
    actor = Actor(user_id=uuid.uuid4(), agency_id=uuid.uuid4(), passkey_id=uuid.uuid4())
    with sessions() as s:
        for n in range(1, ENTRIES + 1):
            db_audit(
                s,
                "concern.read" if n % 2 else "concern.disclosed",
                actor=actor if n % 3 else Actor(),
                records=[("concern", uuid.uuid4())],
                purpose="MASH screening" if n % 2 else None,
                detail={"n": n, "inboxes": ["mash"]},
            )
            if n == SIGNED_AT:
                assert db_checkpoint(s, keyring) == SIGNED_AT
                assert db_checkpoint(s, keyring) is None  # one checkpoint per head
        s.commit()

    def check() -> Any:
        with sessions() as s:
            # The fast scan proves an intact log on its own and doubts every altered one;
            # the walk then names what is wrong.
            intact, _ = log_is_intact(s, batch=7)
            # Ranges proved side by side (worker processes on SQLite) agree with one.
            side_by_side, _ = log_is_intact(s, batch=7, workers=3)
            verdict = verify(s, keyring, batch=7)  # small batches cross page boundaries
        assert intact == side_by_side == verdict.ok, verdict
        return verdict

    return check


def _insider(engine: Engine, *statements: tuple[Any, dict[str, Any]]) -> None:
    """Change the log as someone with database rights would: guard off, then edit."""
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text("SET LOCAL session_replication_role = replica"))
        else:
            for table in ("audit_events", "audit_checkpoints", "audit_records"):
                for event in ("update", "delete"):
                    conn.execute(text(f"DROP TRIGGER IF EXISTS {table}_no_{event}"))
        for sql, params in statements:
            conn.execute(text(sql) if isinstance(sql, str) else sql, params)


EVENTS = table_of(AuditEvent)


@pytest.fixture
def schema_put_back(engine_for: Engine) -> Iterator[None]:
    """For tests that change the log's schema: PostgreSQL's test database is shared by the
    session (each SQLite test has its own file), so put back what the migrations made."""
    yield
    if engine_for.dialect.name != "postgresql":
        return
    with engine_for.begin() as conn:
        generated = conn.execute(
            text(
                "SELECT attgenerated FROM pg_attribute"
                " WHERE attrelid = 'audit_events'::regclass AND attname = 'actor_id'"
            )
        ).scalar()
        if generated != "s":
            conn.execute(text("ALTER TABLE audit_events DROP COLUMN actor_id"))
            conn.execute(
                text(
                    "ALTER TABLE audit_events ADD COLUMN actor_id UUID GENERATED ALWAYS AS"
                    f" ({DERIVED['postgresql']['actor_id']}) STORED"
                )
            )
            conn.execute(text("CREATE INDEX ix_audit_events_actor_id ON audit_events (actor_id)"))
        conn.execute(
            text(
                "CREATE INDEX IF NOT EXISTS ix_audit_events_records ON audit_events"
                " USING gin ((records::jsonb) jsonb_path_ops)"
            )
        )


def _row(engine: Engine, seq: int) -> Any:
    with engine.connect() as conn:
        return conn.execute(select(EVENTS).where(EVENTS.c.seq == seq)).one()


def test_16_4_2_an_untouched_log_verifies(log) -> None:  # type: ignore[no-untyped-def]
    verdict = log()
    assert verdict.ok, verdict
    assert (verdict.entries, verdict.checkpoints) == (ENTRIES, 1)


def test_16_4_2_13_2_2_the_database_refuses_to_change_or_remove_entries(log, engine_for) -> None:  # type: ignore[no-untyped-def]
    for sql in (
        "UPDATE audit_events SET body = replace(body, 'MASH', 'nothing') WHERE seq = 3",
        "DELETE FROM audit_events WHERE seq = 3",
        "UPDATE audit_checkpoints SET at = 'x'",
        "DELETE FROM audit_checkpoints",
    ):
        with pytest.raises(DatabaseError, match="append_only"), engine_for.begin() as conn:
            conn.execute(text(sql))
    if engine_for.dialect.name == "postgresql":
        with pytest.raises(DatabaseError, match="append_only"), engine_for.begin() as conn:
            conn.execute(text("TRUNCATE audit_events"))
    assert log().ok


def test_16_4_2_an_altered_entry_is_named(log, engine_for) -> None:  # type: ignore[no-untyped-def]
    # Entry 12 gave no purpose; give it one.
    _insider(
        engine_for,
        (
            "UPDATE audit_events SET body = replace(body, :was, :now) WHERE seq = 12",
            {"was": '"purpose":null', "now": '"purpose":"x"'},
        ),
    )
    verdict = log()
    assert (verdict.first_bad, verdict.ok) == (12, False)
    assert "entry 12 was altered" in verdict.problem


def test_16_4_2_a_record_hidden_from_access_reviews_is_named(
    log, engine_for, schema_put_back
) -> None:  # type: ignore[no-untyped-def]
    if engine_for.dialect.name == "postgresql":
        # Access reviews find entries through the server's own index over the hashed
        # bodies: there is no separate index to take a record out of, and dropping the
        # server's index only makes a review slower, never wrong.
        named = _row(engine_for, 17).records
        _insider(engine_for, ("DROP INDEX ix_audit_events_records", {}))
        with engine_for.connect() as conn:
            found = conn.execute(
                text("SELECT seq FROM audit_events WHERE records::jsonb @> CAST(:r AS jsonb)"),
                {"r": named},
            ).scalars()
            assert list(found) == [17]
            assert conn.execute(text("SELECT to_regclass('audit_records')")).scalar() is None
        assert log().ok
        return
    # Another record named in place of the one entry 18 names: the index keeps its size.
    _insider(
        engine_for,
        (
            "INSERT INTO audit_records SELECT seq, kind, 'someone-else' FROM audit_records"
            " WHERE seq = 18",
            {},
        ),
        ("DELETE FROM audit_records WHERE seq = 18 AND record_id <> 'someone-else'", {}),
    )
    verdict = log()
    assert verdict.first_bad == 18
    assert "record index was altered" in verdict.problem
    _insider(engine_for, ("DELETE FROM audit_records WHERE seq = 17", {}))
    verdict = log()
    assert verdict.first_bad == 17
    assert "record index was altered" in verdict.problem


def test_16_4_2_a_removed_entry_is_named(log, engine_for) -> None:  # type: ignore[no-untyped-def]
    _insider(engine_for, ("DELETE FROM audit_events WHERE seq = 9", {}))
    verdict = log()
    assert verdict.first_bad == 9
    assert "entry 9 is missing" in verdict.problem


def test_16_4_2_a_removed_and_renumbered_entry_is_named(log, engine_for) -> None:  # type: ignore[no-untyped-def]
    statements = [("DELETE FROM audit_events WHERE seq = 9", {})]
    statements += [
        ("UPDATE audit_events SET seq = :new WHERE seq = :old", {"new": n - 1, "old": n})
        for n in range(10, ENTRIES + 1)
    ]
    _insider(engine_for, *statements)
    verdict = log()
    assert verdict.first_bad == 9
    assert "does not follow entry 8" in verdict.problem


def test_16_4_2_reordered_entries_are_named(log, engine_for) -> None:  # type: ignore[no-untyped-def]
    # Swap entries 5 and 6 (their sequence numbers stay where they were).
    _insider(
        engine_for,
        ("UPDATE audit_events SET seq = -1 WHERE seq = 5", {}),
        ("UPDATE audit_events SET seq = 5 WHERE seq = 6", {}),
        ("UPDATE audit_events SET seq = 6 WHERE seq = -1", {}),
    )
    verdict = log()
    assert verdict.first_bad == 5
    assert "entry 5 does not follow entry 4" in verdict.problem


def test_16_4_2_an_inserted_entry_is_named(log, engine_for) -> None:  # type: ignore[no-untyped-def]
    # Make room at 15 and forge an entry that chains correctly from 14.
    statements = [
        ("UPDATE audit_events SET seq = :new WHERE seq = :old", {"new": n + 1, "old": n})
        for n in range(ENTRIES, 14, -1)
    ]
    before = _row(engine_for, 14)
    forged = entry_of(before)
    forged.update(seq=15, action="concern.read", purpose="routine", records=[])
    digest = crypto.chain_hash(before.hash, forged)
    body = crypto.canonical_json(forged).decode()
    row = {"seq": 15, "body": body, "prev_hash": before.hash, "hash": digest}
    statements.append((insert(EVENTS), row))
    _insider(engine_for, *statements)
    verdict = log()
    assert verdict.first_bad == 15
    assert "entry 15 was inserted" in verdict.problem


def test_16_4_2_entries_removed_from_the_end_are_caught(log, engine_for) -> None:  # type: ignore[no-untyped-def]
    _insider(engine_for, ("DELETE FROM audit_events WHERE seq > 25", {}))
    verdict = log()
    assert verdict.first_bad == 26
    assert "removed from the end" in verdict.problem
    # Moving the head back to match does not help once a checkpoint lies beyond the cut.
    last = _row(engine_for, 18)
    _insider(
        engine_for,
        ("DELETE FROM audit_events WHERE seq > 18", {}),
        ("UPDATE audit_head SET seq = 18, hash = :h", {"h": last.hash}),
    )
    verdict = log()
    assert "checkpoint 20 names an entry the log no longer has" in verdict.problem


def test_16_4_2_a_rebuilt_chain_is_caught_by_the_checkpoint(log, engine_for) -> None:  # type: ignore[no-untyped-def]
    """Alter entry 7, then recompute every later hash and the head: the chain verifies by
    itself, but without the audit key the checkpoint at 20 cannot be re-signed."""
    with engine_for.connect() as conn:
        rows = conn.execute(select(EVENTS).order_by(EVENTS.c.seq)).all()
    statements = []
    previous = rows[5].hash
    for row in rows[6:]:
        entry = entry_of(row)
        if row.seq == 7:
            entry["purpose"] = "nothing to see"
        digest = crypto.chain_hash(previous, entry)
        statements.append(
            (
                "UPDATE audit_events SET body = :b, prev_hash = :prev, hash = :h WHERE seq = :s",
                {
                    "b": crypto.canonical_json(entry).decode(),
                    "prev": previous,
                    "h": digest,
                    "s": row.seq,
                },
            )
        )
        previous = digest
    statements.append(("UPDATE audit_head SET hash = :h", {"h": previous}))
    _insider(engine_for, *statements)
    verdict = log()
    assert verdict.first_bad == SIGNED_AT
    assert "disagrees with the checkpoint" in verdict.problem
    # A forged checkpoint, signed with another key, is refused as such.
    other = crypto.generate_keyring()
    key_id, signature = crypto.sign_checkpoint(other, seq=SIGNED_AT, digest=previous, at="x")
    _insider(
        engine_for,
        (
            "UPDATE audit_checkpoints SET signature = :sig, hash = :h, at = 'x' WHERE seq = 20",
            {"sig": signature, "h": previous},
        ),
    )
    assert "checkpoint 20 has a bad signature" in log().problem


def test_16_4_2_audit_verify_command(
    log, tmp_path: Path, database_url: str, keyring, engine_for
) -> None:  # type: ignore[no-untyped-def]
    instance = tmp_path / "instance"
    env = {
        "FRONTLINE_ENV": "development",
        "FRONTLINE_INSTANCE": str(instance),
        "DATABASE_URL": database_url,
    }
    good = CliRunner(env=env).invoke(main, ["audit", "verify"])
    assert good.exit_code == 0, good.output
    assert json.loads(good.output) == {
        "ok": True,
        "entries": ENTRIES,
        "checkpoints": 1,
        "first_bad": None,
        "problem": None,
    }
    signed = CliRunner(env=env).invoke(main, ["audit", "checkpoint"])
    assert json.loads(signed.output) == {"signed": ENTRIES}
    _insider(
        engine_for,
        (
            "UPDATE audit_events SET body = replace(body, :was, :now) WHERE seq = 4",
            {"was": '"action":"', "now": '"action":"x'},
        ),
    )
    bad = CliRunner(env=env).invoke(main, ["audit", "verify"])
    assert bad.exit_code == 1
    assert json.loads(bad.output)["first_bad"] == 4
    # Proved side by side the same: the ranges doubt, the walk names the entry.
    bad = CliRunner(env=env).invoke(main, ["audit", "verify", "--workers", "2"])
    assert (bad.exit_code, json.loads(bad.output)["first_bad"]) == (1, 4)


def test_16_4_2_a_column_no_longer_derived_from_the_log_is_caught(
    log, engine_for, schema_put_back
) -> None:  # type: ignore[no-untyped-def]
    """Columns access reviews read are generated from each entry's hashed body: an insider
    who unhooks one to make it lie (here: who looked) changes the schema, which is caught."""
    if engine_for.dialect.name == "postgresql":
        _insider(
            engine_for,
            ("ALTER TABLE audit_events ALTER COLUMN actor_id DROP EXPRESSION", {}),
            ("UPDATE audit_events SET actor_id = NULL WHERE seq = 4", {}),
        )
    else:
        with engine_for.connect() as conn:
            made = conn.execute(
                text("SELECT sql FROM sqlite_schema WHERE name = 'audit_events'")
            ).scalar_one()
        lying = made.replace('"audit_events"', "audit_events_x").replace(
            "replace(json_extract(body, '$.actor_id'), '-', '')", "NULL"
        )
        assert lying != made
        _insider(
            engine_for,
            (lying, {}),
            (
                "INSERT INTO audit_events_x (seq, body, prev_hash, hash)"
                " SELECT seq, body, prev_hash, hash FROM audit_events",
                {},
            ),
            ("DROP TABLE audit_events", {}),
            ("ALTER TABLE audit_events_x RENAME TO audit_events", {}),
        )
    with engine_for.connect() as conn:
        assert (
            conn.execute(text("SELECT actor_id FROM audit_events WHERE seq = 4")).scalar() is None
        )
    verdict = log()
    assert not verdict.ok
    assert "derived" in verdict.problem


def test_16_2_1_an_entry_names_the_request_it_came_from(app, sessions) -> None:  # type: ignore[no-untyped-def]
    from tests.factories import H, envelope, make_concern, person

    client, device, _ = person(app, name="PC Request")
    r = client.post(
        "/api/v1/sync", json={"envelopes": [envelope(app, device, make_concern())]}, headers=H
    )
    request_id = r.headers["X-Request-Id"]
    assert len(request_id) == 32
    with sessions() as s:
        details = [
            json.loads(d)
            for d in s.scalars(
                select(AuditEvent.detail).where(AuditEvent.action == "concern.collected")
            )
        ]
    assert [d["request_id"] for d in details] == [request_id]
