"""The restore drill: concerns recorded through the real pipeline, a backup and an escrow,
the database and the key ring destroyed, both restored; then every concern opens, the audit
log verifies, and a phone re-sending what it sent before is told "duplicate" while what
waited in its outbox is accepted. Without the escrowed ring, the same backup reads nothing."""

from __future__ import annotations

import json
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

import crypto
from backend import create_app
from backend.cli import main
from backend.core.config import Config
from backend.models import Concern
from backend.services.concerns.concerns import read
from backend.services.concerns.purposes import purpose_of
from backend.services.records.audit import Actor
from tests.conftest import pg_database_beside
from tests.factories import envelope, make_concern, person, sign_in, sync

PASSPHRASE = "lantern quarry seventeen oboe"

pytestmark = pytest.mark.slow  # a real scrypt escrow and recovery, and pg_dump on PostgreSQL


def run(env: dict[str, str], *args: str, ok: bool = True) -> str:
    result = CliRunner(env=env).invoke(main, list(args), catch_exceptions=False)
    assert (result.exit_code == 0) == ok, result.output
    return result.output


@pytest.fixture
def tools(database_url: str) -> None:
    if database_url.startswith("postgresql") and not (
        shutil.which("pg_dump") and shutil.which("pg_restore")
    ):
        pytest.skip("pg_dump and pg_restore are not on PATH (apt-get install postgresql-client)")


@pytest.fixture
def fresh_url(database_url: str, tmp_path: Path) -> Iterator[str]:
    """An empty database to restore onto: a new SQLite file, or a new PostgreSQL database."""
    if not database_url.startswith("postgresql"):
        yield f"sqlite:///{tmp_path / 'restored' / 'frontline.db'}"
        return
    url, drop = pg_database_beside(database_url, f"restore_{uuid.uuid4().hex[:12]}")
    yield url
    drop()


def _env(config: Config, url: str, instance: Path) -> dict[str, str]:
    return {
        "FRONTLINE_ENV": "test",
        "FRONTLINE_INSTANCE": str(instance),
        "DATABASE_URL": url,
        "FRONTLINE_SECRET_KEY": config.secret_key,
        "FRONTLINE_ESCROW_PASSPHRASE": PASSPHRASE,
    }


def _record(app) -> tuple[object, list[dict[str, str]], list[str], dict[str, str]]:  # type: ignore[no-untyped-def]
    _, device, _ = person(app, name="PC Drill Okafor")
    client = app.test_client()
    assert sign_in(client, device).status_code == 200
    concerns = [make_concern(narrative=f"Drill {n}: seen in a grey car.") for n in range(3)]
    sealed = [envelope(app, device, c) for c in concerns]
    results = sync(client, *sealed)
    assert {r["status"] for r in results} == {"accepted"}
    ids = [r["concern_id"] for r in results]
    return device, sealed, ids, {i: c["narrative"] for i, c in zip(ids, concerns, strict=True)}


def _backup(app, config: Config, tmp_path: Path) -> tuple[Path, Path]:  # type: ignore[no-untyped-def]
    env = _env(config, config.database_url, config.instance_path)
    folder, escrow = tmp_path / "backup", tmp_path / "escrow.json"
    out = run(env, "backup", "--to", str(folder))
    assert "backed up: database." in out
    run(env, "keys", "escrow", "--to", str(escrow))
    assert escrow.stat().st_mode & 0o777 == 0o600
    assert PASSPHRASE not in escrow.read_text()
    # Lose everything: the server's engine, its key ring, its SQLite file if it has one.
    app.extensions["frontline"].engine.dispose()
    config.keyring_path.unlink()
    if config.database_url.startswith("sqlite"):
        for path in Path(config.database_url.removeprefix("sqlite:///")).parent.glob(
            "frontline.db*"
        ):
            path.unlink()
    return folder, escrow


def test_a_backup_and_the_escrowed_ring_restore_every_concern(  # type: ignore[no-untyped-def]
    app, config: Config, tmp_path: Path, fresh_url: str, tools: None
) -> None:
    device, sealed, ids, narratives = _record(app)
    # A concern sealed on the phone out of signal, still in its outbox when the server is lost.
    waiting = make_concern(narrative="Drill 3: sealed while the server was down.")
    waiting_sealed = envelope(app, device, waiting)
    folder, escrow = _backup(app, config, tmp_path)
    env = _env(config, fresh_url, tmp_path / "new-instance")

    assert "restored: revision" in run(env, "restore", "--from", str(folder))
    assert "recovered" in run(env, "keys", "recover", "--from", str(escrow))
    verdict = json.loads(run(env, "audit", "verify").strip().splitlines()[-1])
    assert verdict["ok"] is True
    assert verdict["entries"] > 0

    restored = create_app(Config.from_env(env))
    try:
        client = restored.test_client()
        assert sign_in(client, device).status_code == 200  # the passkey is known again
        for concern_id in ids:  # read through the service that decrypts, audited
            r = client.get(f"/api/v1/concerns/{concern_id}?purpose=check_own_record")
            assert r.status_code == 200, r.get_json()
            assert r.get_json()["concern"]["narrative"] == narratives[concern_id]
        # The phone sends again what it sent before the loss, and what waited in its outbox:
        # nothing doubled, nothing lost.
        again = sync(client, *sealed, waiting_sealed)
        assert [r["status"] for r in again] == ["duplicate"] * 3 + ["accepted"]
        assert [r["concern_id"] for r in again[:3]] == ids
        late = again[3]["concern_id"]
        r = client.get(f"/api/v1/concerns/{late}?purpose=check_own_record")
        assert r.get_json()["concern"]["narrative"] == waiting["narrative"]
        with restored.extensions["frontline"].sessions() as session:
            assert session.scalar(select(func.count()).select_from(Concern)) == 4
    finally:
        restored.extensions["frontline"].engine.dispose()
    assert json.loads(run(env, "audit", "verify").strip().splitlines()[-1])["ok"] is True


def test_a_backup_restored_without_the_escrowed_ring_reads_nothing(  # type: ignore[no-untyped-def]
    app, config: Config, tmp_path: Path, fresh_url: str, tools: None
) -> None:
    _, _, ids, _ = _record(app)
    folder, _ = _backup(app, config, tmp_path)
    env = _env(config, fresh_url, tmp_path / "new-instance")
    out = run(env, "restore", "--from", str(folder))
    assert "lacks" in out  # no ring here at all: every key the backup needs is missing
    # init will not make a ring over sealed records (it would open none of them)...
    refused = CliRunner(env=env).invoke(main, ["init"])
    assert refused.exit_code != 0
    assert "holds records sealed under one" in refused.output
    # ...so a different ring is put there by hand: the backup's rows, under the wrong keys.
    Path(env["FRONTLINE_INSTANCE"]).mkdir(parents=True, exist_ok=True)
    crypto.save_keyring_file(crypto.generate_keyring(), Path(env["FRONTLINE_INSTANCE"]) / "keyring")
    restored = create_app(Config.from_env(env))
    try:
        state = restored.extensions["frontline"]
        with state.sessions() as session:
            for concern_id in ids:
                concern = session.get(Concern, uuid.UUID(concern_id))
                assert concern is not None  # the rows are there...
                with pytest.raises(crypto.CryptoError):  # ...and nothing in them opens
                    read(
                        session,
                        state.keyring,
                        actor=Actor(user_id=concern.recorder_id),
                        concern_id=concern.id,
                        purpose=purpose_of("check_own_record", None),
                    )
    finally:
        restored.extensions["frontline"].engine.dispose()
