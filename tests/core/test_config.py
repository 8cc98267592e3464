"""Configuration: production refuses missing or unsafe secrets and says which variable."""

from __future__ import annotations

from pathlib import Path

import pytest

from backend.core.config import Config, ConfigError


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    return {"FRONTLINE_INSTANCE": str(tmp_path), **extra}


def test_production_is_the_default_and_needs_a_secret(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="FRONTLINE_SECRET_KEY is not set"):
        Config.from_env(_env(tmp_path))


@pytest.mark.parametrize("secret", ["short", "changeme", "a" * 40, "password"])
def test_production_refuses_unsafe_secrets(tmp_path: Path, secret: str) -> None:
    with pytest.raises(ConfigError, match="FRONTLINE_SECRET_KEY is unsafe"):
        Config.from_env(_env(tmp_path, FRONTLINE_SECRET_KEY=secret))


def test_production_refuses_plain_http_origins(tmp_path: Path) -> None:
    env = _env(
        tmp_path,
        FRONTLINE_SECRET_KEY="k" * 20 + "abcdefghijklmnop",
        FRONTLINE_ORIGINS="http://frontline.example",
    )
    with pytest.raises(ConfigError, match="must use https"):
        Config.from_env(env)


def test_production_with_a_good_secret(tmp_path: Path) -> None:
    env = _env(
        tmp_path,
        FRONTLINE_SECRET_KEY="Zr8x2P0qLw7v-NcA5mYt3Ks9dBfHj1Ue",
        FRONTLINE_ORIGINS="https://frontline.example",
    )
    config = Config.from_env(env)
    assert config.production
    assert config.secure_cookies
    assert "Zr8x" not in repr(config)


def test_development_makes_one_secret_per_instance(tmp_path: Path) -> None:
    a = Config.from_env(_env(tmp_path, FRONTLINE_ENV="development"))
    b = Config.from_env(_env(tmp_path, FRONTLINE_ENV="development"))
    assert a.secret_key == b.secret_key
    assert len(a.secret_key) >= 32
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0
    assert a.database_url == f"sqlite:///{tmp_path / 'frontline.db'}"
    assert not a.secure_cookies  # every origin is http://localhost


def test_app_refuses_to_start_without_a_keyring(tmp_path: Path) -> None:
    from backend import create_app

    config = Config.from_env(_env(tmp_path, FRONTLINE_ENV="development"))
    with pytest.raises(ConfigError, match="frontline init"):
        create_app(config)
    (tmp_path / "keyring").write_text("{}")
    (tmp_path / "keyring").chmod(0o644)
    with pytest.raises(ConfigError, match="readable by others"):
        create_app(config)
    (tmp_path / "keyring").chmod(0o600)
    with pytest.raises(ConfigError, match="format"):
        create_app(config)


def test_keyring_from_environment_variable(tmp_path: Path) -> None:
    import crypto
    from backend import create_app

    ring = crypto.generate_keyring()
    config = Config.from_env(
        _env(tmp_path, FRONTLINE_ENV="development", FRONTLINE_KEYRING=ring.to_json())
    )
    app = create_app(config)
    kid = app.test_client().get("/api/v1/keys").get_json()["keys"][0]["kid"]
    assert kid == ring.current(crypto.KeyKind.SEAL).id
    assert ring.to_json() not in repr(config)
    app.extensions["frontline"].engine.dispose()
