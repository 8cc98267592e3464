"""What a command writes when something fails: JSON lines naming the error's type and place,
never its text, and no failed statement's values, as the server's own logs (ASVS 16.2.5)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid

import pytest
from click.testing import CliRunner
from sqlalchemy import delete, text
from sqlalchemy.exc import IntegrityError

from backend.cli import main
from backend.core.db import make_engine
from backend.models import RuleSetRecord
from backend.services.concerns.rules import default_rules_text
from tests.factories import envelope, make_concern, person, sync


def test_a_failed_statement_never_quotes_its_values(database_url: str) -> None:
    engine = make_engine(database_url)
    secret = f"secret-{uuid.uuid4().hex}"
    try:
        with engine.begin() as conn:
            conn.execute(text("CREATE TABLE t_values (v VARCHAR(80) UNIQUE)"))
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO t_values (v) VALUES (:v)"), {"v": secret})
        with pytest.raises(IntegrityError) as failed, engine.begin() as conn:
            conn.execute(text("INSERT INTO t_values (v) VALUES (:v)"), {"v": secret})
        said = str(failed.value)
        assert "[parameters:" not in said
        assert "hidden due to hide_parameters" in said
        if engine.dialect.name == "sqlite":
            assert secret not in said
        # PostgreSQL's own message may still quote a key ("Key (v)=(...) already exists"):
        # which is why no log writes an error's text (the next test).
    finally:
        with engine.begin() as conn:
            conn.execute(text("DROP TABLE IF EXISTS t_values"))
        engine.dispose()


@pytest.mark.slow  # a command in a process of its own: about 4 s
def test_a_retry_that_fails_again_logs_its_error_by_type_alone(
    app, sessions, config, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    client, device, _ = person(app, name="PC Okafor")
    with sessions() as s:  # rules never loaded: routing fails, the envelope is kept
        s.execute(delete(RuleSetRecord))
        s.commit()
    (r,) = sync(client, envelope(app, device, make_concern(narrative="Words of the record.")))
    assert r["error"]["code"] == "envelope.quarantined"
    env = {
        "FRONTLINE_ENV": "test",
        "FRONTLINE_INSTANCE": str(config.instance_path),
        "DATABASE_URL": config.database_url,
        "FRONTLINE_SECRET_KEY": "s" * 40,
    }
    rules = tmp_path / "rules.toml"
    rules.write_text(default_rules_text(), encoding="utf-8")
    assert CliRunner(env=env).invoke(main, ["rules", "load", str(rules)]).exit_code == 0
    # Now the database refuses the record's identifier rows (a constraint, a full disk).
    engine = make_engine(config.database_url)
    with engine.begin() as conn:
        if engine.dialect.name == "sqlite":
            conn.execute(
                text(
                    "CREATE TRIGGER refuse BEFORE INSERT ON concern_identifiers "
                    "BEGIN SELECT RAISE(ABORT, 'refused'); END"
                )
            )
        else:
            conn.execute(
                text(
                    "ALTER TABLE concern_identifiers ADD CONSTRAINT refuse CHECK (false) NOT VALID"
                )
            )
    try:
        # A process of its own, as an operator runs it: in this one the app has set up
        # logging already.
        retried = subprocess.run(
            [sys.executable, "-m", "backend.cli", "quarantine", "retry"],
            env={**os.environ, **env},
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    finally:
        with engine.begin() as conn:
            if engine.dialect.name == "sqlite":
                conn.execute(text("DROP TRIGGER refuse"))
            else:
                conn.execute(text("ALTER TABLE concern_identifiers DROP CONSTRAINT refuse"))
        engine.dispose()
    assert retried.returncode == 0, retried.stderr
    assert "envelope.quarantined" in retried.stdout
    lines = [json.loads(line) for line in retried.stderr.splitlines() if line.startswith("{")]
    failed = [line for line in lines if line.get("msg") == "envelope quarantined"]
    assert failed, retried.stderr
    assert all(line["error"] == "IntegrityError" for line in failed)
    for said in ("Traceback", "INSERT INTO", "parameters", "concern_identifiers"):
        assert said not in retried.stderr
