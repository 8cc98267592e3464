"""Retention of a child's profile, as the operator runs it: ``retention sweep`` lists a
profile a year after its latest version (the home no longer keeps it), never while the
child is missing, when ``retention erase`` refuses it too; a new version starts the year
again."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta
from typing import Any

from click.testing import CliRunner
from sqlalchemy import update

from backend.cli import main
from backend.models import Profile, utcnow
from tests.factories import approved
from tests.services.missing.test_episodes import _at, report
from tests.services.profiles.helpers import carer, make_profile, police_inbox, send


def _cli(config: Any, database_url: str, *args: str) -> Any:
    env = {
        "FRONTLINE_ENV": "development",
        "FRONTLINE_INSTANCE": str(config.instance_path),
        "DATABASE_URL": database_url,
    }
    out = CliRunner(env=env).invoke(main, list(args))
    assert out.exit_code == 0, out.output
    return json.loads(out.output)


def _due(config: Any, database_url: str) -> list[str]:
    swept = _cli(config, database_url, "retention", "sweep")
    return [p["profile_id"] for p in swept["profiles"]]


def _made_ago(sessions: Any, pid: str, days: int) -> None:
    with sessions() as s:
        s.execute(
            update(Profile)
            .where(Profile.profile_id == uuid.UUID(pid))
            .values(recorded_at=utcnow() - timedelta(days=days))
        )
        s.commit()


def test_a_profile_no_longer_kept_is_listed_and_erased_but_never_while_the_child_is_missing(  # type: ignore[no-untyped-def]
    app, sessions, config, database_url
) -> None:
    home = carer(app)
    payload = make_profile()
    pid = payload["profile_id"]
    assert send(app, home, payload)["status"] == "accepted"
    assert _due(config, database_url) == []
    _made_ago(sessions, pid, 364)
    assert _due(config, database_url) == []

    # A year without a new version: listed for a person to decide.
    _made_ago(sessions, pid, 366)
    (listed,) = _cli(config, database_url, "retention", "sweep")["profiles"]
    assert (listed["profile_id"], listed["versions"]) == (pid, 1)
    assert listed["rule"] == "profile: a year after its latest version"

    # The child is missing now: not listed, and an approved erasure is refused.
    room = police_inbox(app, "Police Control Room")
    report(app, room, reported_at=_at(-timedelta(hours=3)))
    assert _due(config, database_url) == []
    erase = ["retention", "erase", pid, "--reason", "review", "--confirm", "--approval"]
    refused = _cli(config, database_url, *erase, approved(app, "retention_erase", (pid,)))
    assert refused == {pid: "retention.child_missing"}
    assert home[0].get(f"/api/v1/profiles/{pid}?purpose=check_own_record").status_code == 200

    # Found: listed again. The home updates it instead: the year starts again.
    report(app, room, reported_at=_at(-timedelta(hours=3)), found_at=_at(-timedelta(hours=1)))
    assert _due(config, database_url) == [pid]
    assert send(app, home, make_profile(pid))["status"] == "accepted"
    assert _due(config, database_url) == []

    # A year on, a person decides to erase it; it is listed no more.
    _made_ago(sessions, pid, 400)
    assert _due(config, database_url) == [pid]
    erased = _cli(config, database_url, *erase, approved(app, "retention_erase", (pid,)))
    assert erased == {pid: "erased"}
    assert _due(config, database_url) == []
