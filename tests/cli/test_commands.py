"""The command line as an operator uses it: init, demo, key rotation, and a real server."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from click.testing import CliRunner
from openapi_spec_validator import validate
from openapi_spec_validator.validation import OpenAPIV31SpecValidator
from sqlalchemy import select

import crypto
from backend import create_app
from backend.cli import main
from backend.core import migrate
from backend.core.config import Config
from backend.core.db import make_engine
from backend.domain.demo import personas
from backend.models import DataKeyRecord, Invite
from backend.services.identity.invites import db_invite_name, token_hash
from tests.factories import approved


@pytest.fixture
def env(tmp_path: Path, database_url: str) -> dict[str, str]:
    return {
        "FRONTLINE_ENV": "development",
        "FRONTLINE_INSTANCE": str(tmp_path / "instance"),
        "DATABASE_URL": database_url,
    }


def run(env: dict[str, str], *args: str) -> str:
    result = CliRunner(env=env).invoke(main, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def test_help_lists_only_implemented_commands() -> None:
    out = CliRunner().invoke(main, ["--help"]).output
    for command in ("init", "serve", "demo", "keys", "invite"):
        assert command in out
    keys_help = CliRunner().invoke(main, ["keys", "--help"]).output
    for command in ("rotate", "rewrap", "retire", "list"):
        assert command in keys_help


def test_init_creates_keyring_0600_and_schema(env: dict[str, str]) -> None:
    out = run(env, "init")
    head = migrate.head_revision(make_engine(env["DATABASE_URL"]))
    assert "key ring: created" in out
    assert f"revision {head}" in out
    ring_file = Path(env["FRONTLINE_INSTANCE"]) / "keyring"
    assert ring_file.stat().st_mode & 0o777 == 0o600
    assert "key ring: found" in run(env, "init")


def test_demo_json_issues_single_use_hashed_invites(env: dict[str, str]) -> None:
    doc = json.loads(run(env, "demo", "--json", "--no-history"))
    invites = doc["invites"]
    assert len(invites) == len(personas())
    names = {i["name"] for i in invites}
    assert {"PC Sam Okafor", "Priya Shah", "Jordan Ellis", "Dr Helen Marsh"} <= names
    agencies = {i["agency"] for i in invites}
    assert len(agencies) == 6
    inboxes = {b for i in invites for b in i["inboxes"]}
    assert {
        "Police Control Room",
        "Child Exploitation Team",
        "Missing Persons",
        "MASH",
        "Missing Coordinator",
        "Safeguarding Nurses",
        "Designated Safeguarding Lead",
        "Home Manager",
        "Partnership Leads",
    } == inboxes
    constable = next(i for i in invites if i["name"] == "PC Sam Okafor")
    assert constable["roles"] == ["recorder"]
    assert constable["url"] == f"http://localhost:8000/enrol#invite={constable['token']}"

    config = Config.from_env(env)
    app = create_app(config)
    state = app.extensions["frontline"]
    with state.sessions() as session:
        stored = session.scalar(
            select(Invite).where(Invite.token_hash == token_hash(constable["token"]))
        )
        assert stored is not None
        assert stored.used_at is None
        assert db_invite_name(session, state.keyring, stored) == "PC Sam Okafor"
        # Tokens and names are never stored in the clear.
        assert constable["token"].encode() not in stored.crypto_name
        assert b"Okafor" not in stored.crypto_name
    # A second run withdraws the first links and prints new ones.
    again = json.loads(run(env, "demo", "--json", "--no-history"))["invites"]
    with state.sessions() as session:
        old = session.scalar(
            select(Invite).where(Invite.token_hash == token_hash(constable["token"]))
        )
        assert old is not None
        assert old.withdrawn_at is not None
    assert {i["token"] for i in again}.isdisjoint({i["token"] for i in invites})
    state.engine.dispose()


def test_rotation_drill(env: dict[str, str], tmp_path: Path) -> None:
    """Store under KEK 1, rotate twice, rewrap, retire the old keys: everything opens."""
    run(env, "demo", "--json", "--no-history")
    ring_file = Path(env["FRONTLINE_INSTANCE"]) / "keyring"
    ring1 = crypto.load_keyring_file(ring_file)
    kek1 = ring1.current(crypto.KeyKind.KEK).id
    seal1 = ring1.current(crypto.KeyKind.SEAL).id
    sealed_offline = crypto.seal_to_ring(b"sealed before the rotation", ring1)

    # A new KEK re-wraps every record's key: two partnership admins must agree first.
    admins = create_app(Config.from_env(env))
    refused = CliRunner(env=env).invoke(main, ["keys", "rotate", "--kind", "kek"])
    assert refused.exit_code == 1
    assert "needs --approval" in refused.output
    assert crypto.load_keyring_file(ring_file).current(crypto.KeyKind.KEK).id == kek1
    first = approved(admins, "kek_rotation")
    run(env, "keys", "rotate", "--kind", "kek", "--approval", first)
    kek2 = crypto.load_keyring_file(ring_file).current(crypto.KeyKind.KEK).id
    again = CliRunner(env=env).invoke(
        main, ["keys", "rotate", "--kind", "kek", "--approval", first]
    )
    assert f"approval {first} is used" in again.output
    second = approved(admins, "kek_rotation")
    run(env, "keys", "rotate", "--kind", "kek", "--kind", "seal", "--approval", second)
    admins.extensions["frontline"].engine.dispose()

    refused = CliRunner(env=env).invoke(main, ["keys", "retire", kek1])
    assert refused.exit_code != 0
    assert "data keys are wrapped under it" in refused.output
    refused = CliRunner(env=env).invoke(main, ["keys", "retire", seal1])
    assert refused.exit_code != 0
    assert "grace period" in refused.output

    # The restarted server publishes both sealing keys and still opens the old envelope.
    app = create_app(Config.from_env(env))
    state = app.extensions["frontline"]
    published = [k["kid"] for k in app.test_client().get("/api/v1/keys").get_json()["keys"]]
    assert published[1] == seal1
    assert len(published) == 2
    assert crypto.open_envelope(sealed_offline, state.keyring).plaintext.startswith(b"sealed")

    out = run(env, "keys", "rewrap", "--batch", "7")
    ring3 = crypto.load_keyring_file(ring_file)
    assert f"under {ring3.current(crypto.KeyKind.KEK).id}" in out
    assert "re-wrapped 0" not in out
    assert "re-wrapped 0 data keys" in run(env, "keys", "rewrap")  # resumable, idempotent

    for key_id in (kek1, kek2):
        assert f"retired {key_id}" in run(env, "keys", "retire", key_id)
    run({**env, "FRONTLINE_SEAL_GRACE_DAYS": "0"}, "keys", "retire", seal1)
    final = crypto.load_keyring_file(ring_file)
    assert final.find(kek1, crypto.KeyKind.KEK) is None
    assert final.find(seal1, crypto.KeyKind.SEAL) is None

    with state.sessions() as session:
        assert {r.kek_id for r in session.scalars(select(DataKeyRecord))} == {
            final.current(crypto.KeyKind.KEK).id
        }
        names = {db_invite_name(session, final, i) for i in session.scalars(select(Invite))}
    assert "PC Sam Okafor" in names
    assert len(names) == len(personas()) + 4  # and the four admins who approved rotations
    state.engine.dispose()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.slow  # starts gunicorn and waits for it: about 3 s
def test_serve_demo_runs_the_real_server(env: dict[str, str]) -> None:
    port = _free_port()
    origin = f"http://localhost:{port}"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "backend.cli",
            "serve",
            "--demo",
            "--port",
            str(port),
            "--workers",
            "1",
        ],
        env={**os.environ, **env, "FRONTLINE_ORIGINS": origin},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        spec = None
        while time.monotonic() < deadline and spec is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/openapi.json") as r:
                    spec = json.load(r)
            except OSError:
                assert proc.poll() is None, proc.stdout.read() if proc.stdout else ""
                time.sleep(0.2)
        assert spec is not None
        validate(spec, cls=OpenAPIV31SpecValidator)
    finally:
        proc.terminate()
        output, _ = proc.communicate(timeout=30)
    assert f"Frontline is running at {origin}/" in output
    assert f"{origin}/enrol#invite=" in output
    assert "PC Sam Okafor (Riverside Police; recorder)" in output


def test_invite_prints_a_single_use_link(env: dict[str, str]) -> None:
    run(env, "demo", "--json", "--no-history")
    out = run(
        env,
        "invite",
        "--agency",
        "Riverside Police",
        "--name",
        "DC Amy Ward",
        "--role",
        "inbox_member",
        "--inbox",
        "Child Exploitation Team",
    )
    url = out.strip().splitlines()[0]
    assert url.startswith("http://localhost:8000/enrol#invite=")
    token = url.split("invite=")[1]
    app = create_app(Config.from_env(env))
    state = app.extensions["frontline"]
    with state.sessions() as session:
        stored = session.scalar(select(Invite).where(Invite.token_hash == token_hash(token)))
        assert stored is not None
        assert [b.inbox.name for b in stored.inboxes] == ["Child Exploitation Team"]
        assert db_invite_name(session, state.keyring, stored) == "DC Amy Ward"
    state.engine.dispose()
    bad = CliRunner(env=env).invoke(
        main, ["invite", "--agency", "Nowhere", "--name", "X", "--role", "recorder"]
    )
    assert bad.exit_code != 0
    assert "no agency named" in bad.output
    bad = CliRunner(env=env).invoke(
        main,
        [
            "invite",
            "--agency",
            "Riverside Police",
            "--name",
            "X",
            "--role",
            "recorder",
            "--inbox",
            "MASH",
        ],
    )
    assert "has no inbox named" in bad.output


def test_13_3_4_keys_past_their_rotation_period_are_named(env: dict[str, str], capfd) -> None:  # type: ignore[no-untyped-def]
    from datetime import timedelta

    from backend.models import utcnow
    from backend.scheduler import _rotation
    from backend.services.records.keys import ROTATE_AFTER, rotation_due

    old = crypto.generate_keyring(now=utcnow() - timedelta(days=400))
    assert rotation_due(crypto.generate_keyring()) == []
    due = {e.kind for e in rotation_due(old)}
    assert due == {k for k, period in ROTATE_AFTER.items() if period < timedelta(days=400)}
    assert crypto.KeyKind.KEK in due
    ring_file = Path(env["FRONTLINE_INSTANCE"]) / "keyring"
    crypto.save_keyring_file(old, ring_file)
    run(env, "init")
    listed = run(env, "keys", "list")
    kek = old.current(crypto.KeyKind.KEK).id
    assert f"rotation due (every {ROTATE_AFTER[crypto.KeyKind.KEK].days} days)" in next(
        line for line in listed.splitlines() if line.startswith(kek)
    )
    blind = old.current(crypto.KeyKind.BLIND).id
    assert "rotation due" not in next(x for x in listed.splitlines() if x.startswith(blind))
    # The scheduler says so every day, by key id and kind only.
    app = create_app(Config.from_env(env))
    capfd.readouterr()
    assert _rotation(app.extensions["frontline"]) == len(due)
    _, err = capfd.readouterr()
    assert f'"code": "kek:{kek}"' in err
    assert "key rotation due" in err
    app.extensions["frontline"].engine.dispose()


def _doctor(env: dict[str, str], *args: str) -> tuple[int, str]:
    result = CliRunner(env={"FRONTLINE_REDIS_URL": "", **env}).invoke(main, ["doctor", *args])
    return result.exit_code, result.output


def test_doctor_says_what_is_unsafe_and_exits_non_zero(env: dict[str, str], tmp_path: Path) -> None:
    from datetime import timedelta

    from backend.models import utcnow

    run(env, "init")
    code, out = _doctor(env, "--workers", "1")
    assert code == 0, out
    assert "Nothing unsafe found." in out
    # Several workers or hosts without shared limits; SQLite on several hosts.
    code, out = _doctor(env, "--workers", "4")
    assert (code, "4 worker processes without FRONTLINE_REDIS_URL" in out) == (1, True)
    code, out = _doctor(env, "--workers", "1", "--hosts", "2")
    sqlite = env["DATABASE_URL"].startswith("sqlite")
    assert ("SQLite serves one host, not 2" in out) is sqlite
    assert "without FRONTLINE_REDIS_URL" in out
    # Development settings in front of the network; production refusing to start.
    code, out = _doctor({**env, "FRONTLINE_ORIGINS": "http://frontline.example"}, "--workers", "1")
    assert code == 1
    assert "FRONTLINE_ENV is development while serving" in out
    assert "plain-http origins beyond localhost: http://frontline.example" in out
    code, out = _doctor({**env, "FRONTLINE_ENV": "production"}, "--workers", "1")
    assert code == 1
    assert "refuses to start: FRONTLINE_SECRET_KEY is not set" in out
    # The key ring: readable by others, kept beside the database, past its rotation.
    ring_file = Path(env["FRONTLINE_INSTANCE"]) / "keyring"
    ring_file.chmod(0o644)
    code, out = _doctor(env, "--workers", "1")
    assert f"key ring {ring_file} has mode 644" in out
    crypto.save_keyring_file(crypto.generate_keyring(now=utcnow() - timedelta(days=400)), ring_file)
    code, out = _doctor(env, "--workers", "1")
    assert (code, "(kek) is past its rotation period" in out) == (1, True)
    crypto.save_keyring_file(crypto.generate_keyring(), ring_file)
    production = {
        **env,
        "FRONTLINE_ENV": "production",
        "FRONTLINE_SECRET_KEY": "k3y-" + "abcdefghij" * 4,
        "FRONTLINE_ORIGINS": "https://frontline.example",
        "DATABASE_URL": f"sqlite:///{Path(env['FRONTLINE_INSTANCE']) / 'frontline.db'}",
    }
    run(production, "init")
    code, out = _doctor(production, "--workers", "1")
    assert (code, "is in the database's folder" in out) == (1, True)
