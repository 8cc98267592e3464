"""Backups refuse what would lose data or mislead: overwriting a database or a backup,
a file that no longer matches its manifest, another engine's backup, mismatched tools."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from backend.cli import main
from backend.core.config import Config

pytestmark = pytest.mark.slow  # pg_dump and pg_restore on PostgreSQL: seconds each


def _invoke(env: dict[str, str], *args: str) -> tuple[int, str]:
    result = CliRunner(env=env).invoke(main, list(args), catch_exceptions=False)
    return result.exit_code, result.output


@pytest.fixture
def env(config: Config, database_url: str) -> dict[str, str]:
    if database_url.startswith("postgresql") and not shutil.which("pg_dump"):
        pytest.skip("pg_dump is not on PATH (apt-get install postgresql-client)")
    return {
        "FRONTLINE_ENV": "test",
        "FRONTLINE_INSTANCE": str(config.instance_path),
        "DATABASE_URL": database_url,
        "FRONTLINE_SECRET_KEY": config.secret_key,
    }


def test_the_manifest_names_the_moment_and_the_keys(env, config: Config, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    code, out = _invoke(env, "backup", "--to", str(tmp_path / "b"))
    assert code == 0, out
    manifest = json.loads((tmp_path / "b" / "manifest.json").read_text())
    assert manifest["format"] == "frontline.backup/1"
    assert manifest["alembic_revision"]
    assert manifest["audit_seq"] >= 0
    assert len(manifest["audit_hash"]) == 64
    assert manifest["key_ids"] == sorted(e.id for e in crypto_ring(config).entries)
    assert (tmp_path / "b").stat().st_mode & 0o777 == 0o700
    # A second backup into the same folder would mix two moments: refused.
    code, out = _invoke(env, "backup", "--to", str(tmp_path / "b"))
    assert code != 0
    assert "already holds a backup" in out


def crypto_ring(config: Config):  # type: ignore[no-untyped-def]
    from backend.core.state import load_keyring

    return load_keyring(config)


def test_restore_refuses_a_database_that_holds_anything_unless_forced(env, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    assert _invoke(env, "backup", "--to", str(tmp_path / "b"))[0] == 0
    code, out = _invoke(env, "restore", "--from", str(tmp_path / "b"))
    assert code != 0
    assert "not empty" in out
    code, out = _invoke(env, "restore", "--from", str(tmp_path / "b"), "--force")
    assert code == 0, out


def test_a_file_that_no_longer_matches_its_manifest_is_refused(env, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    assert _invoke(env, "backup", "--to", str(tmp_path / "b"))[0] == 0
    manifest = json.loads((tmp_path / "b" / "manifest.json").read_text())
    with (tmp_path / "b" / manifest["file"]).open("ab") as handle:
        handle.write(b"\0")
    code, out = _invoke(env, "restore", "--from", str(tmp_path / "b"), "--force")
    assert code != 0
    assert "backup.damaged" in out


def test_another_engines_backup_is_refused(env, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    assert _invoke(env, "backup", "--to", str(tmp_path / "b"))[0] == 0
    path = tmp_path / "b" / "manifest.json"
    manifest = json.loads(path.read_text())
    other = "sqlite" if manifest["engine"] == "postgresql" else "postgresql"
    path.write_text(json.dumps({**manifest, "engine": other}))
    code, out = _invoke(env, "restore", "--from", str(tmp_path / "b"), "--force")
    assert code != 0
    assert f"this is a {other} backup" in out


def test_a_pg_dump_older_than_the_server_is_named(env, tmp_path: Path, database_url: str) -> None:  # type: ignore[no-untyped-def]
    if not database_url.startswith("postgresql"):
        pytest.skip("PostgreSQL only: SQLite needs no outside tool")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fake = bin_dir / "pg_dump"
    fake.write_text("#!/bin/sh\necho 'pg_dump (PostgreSQL) 9.6.24'\n")
    fake.chmod(0o755)
    code, out = _invoke(
        {**env, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"},
        "backup",
        "--to",
        str(tmp_path / "b"),
    )
    assert code != 0
    assert "pg_dump 9 cannot dump a PostgreSQL" in out
    assert "install the version" in out
