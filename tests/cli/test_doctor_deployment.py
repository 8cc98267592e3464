"""``frontline doctor`` on what a several-host deployment adds: the metrics listener's
address, and the settings file the units read (deploy/systemd), with its mode."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

import crypto
from backend.cli import main

SECRET = "FRONTLINE_SECRET_KEY=k3y-" + "abcdefghij" * 4


@pytest.fixture
def env(tmp_path: Path, database_url: str) -> dict[str, str]:
    env = {
        "FRONTLINE_ENV": "development",
        "FRONTLINE_INSTANCE": str(tmp_path / "instance"),
        "DATABASE_URL": database_url,
        "FRONTLINE_REDIS_URL": "",
        "FRONTLINE_METRICS_PORT": "",
        "FRONTLINE_METRICS_HOST": "",
    }
    assert CliRunner(env=env).invoke(main, ["init"]).exit_code == 0
    return env


def _doctor(env: dict[str, str], *args: str) -> tuple[int, str]:
    result = CliRunner(env=env).invoke(main, ["doctor", "--workers", "1", *args])
    return result.exit_code, result.output


@pytest.mark.parametrize(
    ("host", "unsafe"),
    [
        ("127.0.0.1", False),
        ("::1", False),
        ("10.0.0.11", False),  # an internal interface, behind a firewall rule
        ("0.0.0.0", True),  # noqa: S104 - every interface, the public one too
        ("::", True),
        ("203.0.113.9", True),
        ("metrics.example.org", True),  # a name: whatever it resolves to
    ],
)
def test_metrics_listener_only_on_loopback_or_internal(
    env: dict[str, str], host: str, unsafe: bool
) -> None:
    code, out = _doctor({**env, "FRONTLINE_METRICS_PORT": "9100", "FRONTLINE_METRICS_HOST": host})
    assert (f"metrics listener on {host} answers whoever reaches it" in out) is unsafe, out
    assert code == (1 if unsafe else 0), out


def test_metrics_default_host_is_loopback(env: dict[str, str]) -> None:
    code, out = _doctor({**env, "FRONTLINE_METRICS_PORT": "9100"})
    assert (code, "metrics: on 127.0.0.1, this host only" in out) == (0, True), out


def test_settings_file_is_read_and_its_mode_checked(env: dict[str, str], tmp_path: Path) -> None:
    settings = tmp_path / "frontline.env"
    settings.write_text(
        "# the units' settings\n"
        f"{SECRET}\n"
        "FRONTLINE_WORKERS_NOTE='quoted value'\n"
        "FRONTLINE_METRICS_PORT=9100\nFRONTLINE_METRICS_HOST=0.0.0.0\n"
    )
    settings.chmod(0o640)
    code, out = _doctor(env, "--env-file", str(settings))
    # The file's settings count: its metrics address is flagged although the shell has none.
    assert (code, "metrics listener on 0.0.0.0" in out) == (1, True), out
    assert f"settings file {settings}: mode 640" in out

    settings.write_text(f"{SECRET}\n")
    settings.chmod(0o644)
    code, out = _doctor(env, "--env-file", str(settings))
    assert code == 1, out
    assert "holds FRONTLINE_SECRET_KEY and anyone on the host can read it (mode 644)" in out

    settings.chmod(0o662)
    code, out = _doctor(env, "--env-file", str(settings))
    assert (code, "mode 662, writable by others" in out) == (1, True), out


def test_password_in_a_world_readable_file_is_unsafe_not_in_the_environment(
    env: dict[str, str], tmp_path: Path
) -> None:
    url = "redis://:s3cret-password@127.0.0.1:6379/0"
    settings = tmp_path / "frontline.env"
    settings.write_text(f"FRONTLINE_REDIS_URL={url}\n")
    settings.chmod(0o644)
    code, out = _doctor(env, "--env-file", str(settings))
    assert "holds FRONTLINE_REDIS_URL and anyone on the host can read it" in out, out
    assert code == 1
    # The same password given in the environment (from a private file) is no finding.
    code, out = _doctor({**env, "FRONTLINE_REDIS_URL": url})
    assert "anyone on the host" not in out
    # A world-readable file with no secret in it is fine.
    settings.write_text("FRONTLINE_TRUSTED_PROXIES=1\n")
    code, out = _doctor(env, "--env-file", str(settings))
    assert (code, f"settings file {settings}: mode 644" in out) == (0, True), out


def test_a_host_with_a_ring_of_its_own_is_refused_and_unsafe(
    env: dict[str, str], tmp_path: Path
) -> None:
    """A second host started before the ring was copied to it would make its own: init (and
    serve) refuse to over sealed records, and doctor names a ring that is not the one the
    stored data keys are wrapped under."""
    from sqlalchemy.orm import Session

    from backend.core.db import make_engine
    from backend.models import DataKeyRecord

    ring = crypto.load_keyring_file(Path(env["FRONTLINE_INSTANCE"]) / "keyring")
    kek = ring.current(crypto.KeyKind.KEK).id
    engine = make_engine(env["DATABASE_URL"])
    with Session(engine) as session:  # a concern's data key, wrapped on the first host
        session.add(DataKeyRecord(kek_id=kek, crypto_wrapped=b"\0" * 40))
        session.commit()
    engine.dispose()
    code, out = _doctor(env)
    assert (code, "not the one the data was written with" in out) == (0, False), out

    second = {**env, "FRONTLINE_INSTANCE": str(tmp_path / "second-host")}
    refused = CliRunner(env=second).invoke(main, ["init"])
    assert refused.exit_code == 1
    assert f"holds records sealed under one ({kek}): copy the ring" in refused.output
    assert not (tmp_path / "second-host" / "keyring").exists()
    (tmp_path / "second-host").mkdir(exist_ok=True)  # a ring of its own, put there by hand
    crypto.save_keyring_file(crypto.generate_keyring(), tmp_path / "second-host" / "keyring")
    code, out = _doctor(second)
    assert code == 1, out
    assert f"data keys are wrapped under {kek}, which it lacks" in out
