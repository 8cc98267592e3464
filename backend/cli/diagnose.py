"""``frontline doctor``: what in this deployment's settings is unsafe, and how to fix it.

It reads what the server reads (the environment, the key ring, the database) and what the
servers recorded seeing in use (backend/services/records/deployment.py); it changes nothing. Each
finding is ``unsafe`` (the command then exits non-zero) or ``ok``.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from sqlalchemy.engine import make_url

from backend.core.config import Config, ConfigError


@dataclass(frozen=True)
class Finding:
    unsafe: bool
    what: str


def _ok(what: str) -> Finding:
    return Finding(False, what)


def _unsafe(what: str) -> Finding:
    return Finding(True, what)


def diagnose(env: Mapping[str, str], *, workers: int, hosts: int) -> list[Finding]:
    """Check the deployment ``env`` describes, served by ``workers`` per host on ``hosts``."""
    try:
        config = Config.from_env(env)
    except ConfigError as exc:  # production without a secret key, http origins, ...
        return [_unsafe(f"the server refuses to start: {exc}")]
    found = [_mode(config), *_origins(config), _limits(config, workers * hosts)]
    found += [_database(config, hosts), *_keyring(config)]
    found += _observed(config)
    return found


def _mode(config: Config) -> Finding:
    if config.production:
        return _ok("FRONTLINE_ENV is production (secret key and https origins enforced)")
    if config.local_only:
        return _ok(f"FRONTLINE_ENV is {config.env}, on this machine only (localhost origins)")
    return _unsafe(
        f"FRONTLINE_ENV is {config.env} while serving {', '.join(config.origins)}: "
        "set FRONTLINE_ENV=production"
    )


def _origins(config: Config) -> list[Finding]:
    plain = [
        o
        for o in config.origins
        if urlsplit(o).scheme == "http"
        and urlsplit(o).hostname not in ("localhost", "127.0.0.1", "::1")
    ]
    if plain:
        # Passkeys and session cookies would cross the network in the clear.
        return [_unsafe(f"plain-http origins beyond localhost: {', '.join(plain)}; use https")]
    return [_ok("origins: https, or localhost")]


def _limits(config: Config, processes: int) -> Finding:
    if config.redis_url or processes <= 1:
        return _ok("rate limits are shared by every worker")
    # Each worker would count on its own: the limits multiply by the number of workers.
    return _unsafe(
        f"{processes} worker processes without FRONTLINE_REDIS_URL: each counts rate "
        "limits alone, so a client gets that many times the limit; set FRONTLINE_REDIS_URL"
    )


def _database(config: Config, hosts: int) -> Finding:
    url = make_url(config.database_url)
    if url.get_backend_name() != "sqlite":
        return _ok(f"database: {url.get_backend_name()}")
    if hosts > 1:
        return _unsafe(
            f"SQLite serves one host, not {hosts}: its file cannot be shared safely; "
            "use PostgreSQL (DATABASE_URL)"
        )
    return _ok("database: SQLite on one host")


def _keyring(config: Config) -> list[Finding]:
    from backend.core.state import load_keyring
    from backend.services.records.keys import rotation_due

    found = []
    if not config.keyring_text:
        path = config.keyring_path
        if not path.exists():
            return [_unsafe(f"no key ring at {path}: run 'frontline init'")]
        mode = stat.S_IMODE(path.stat().st_mode)
        if mode & 0o077:
            found.append(_unsafe(f"key ring {path} has mode {mode:o}: chmod 600 it"))
        database = make_url(config.database_url).database
        if config.production and database and _inside(path, Path(database).resolve().parent):
            # A backup of the database's folder would carry the keys that open it.
            found.append(
                _unsafe(
                    f"key ring {path} is in the database's folder, so a backup of one is a backup "
                    "of both: move it, or set FRONTLINE_KEYRING"
                )
            )
    try:
        ring = load_keyring(config)
    except ConfigError as exc:
        return [*found, _unsafe(str(exc))]
    due = rotation_due(ring)
    found += [
        _unsafe(
            f"key {e.id} ({e.kind.value}) is past its rotation period: "
            f"'frontline keys rotate --kind {e.kind.value}'"
        )
        for e in due
    ]
    if not found:
        found.append(_ok("key ring: private, apart from the data, within rotation periods"))
    return found


def _inside(path: Path, folder: Path) -> bool:
    return path.resolve().parent == folder or folder in path.resolve().parents


def _observed(config: Config) -> list[Finding]:
    from backend.core.db import make_engine, make_sessionmaker
    from backend.services.records.deployment import FORWARDED_UNTRUSTED, observed

    engine = make_engine(config.database_url)
    try:
        with make_sessionmaker(engine)() as session:
            seen = observed(session)
    except Exception:  # noqa: BLE001 - an unreachable or unmigrated database is a finding
        return [_unsafe("the database cannot be read: check DATABASE_URL, run 'frontline init'")]
    finally:
        engine.dispose()
    if FORWARDED_UNTRUSTED in seen and not config.trusted_proxies:
        _, last = seen[FORWARDED_UNTRUSTED]
        return [
            _unsafe(
                f"requests arrived through a proxy (X-Forwarded-For, last {last:%Y-%m-%d %H:%M} "
                "UTC) but FRONTLINE_TRUSTED_PROXIES is 0: every client shares the proxy's address "
                "and one can use up the sign-in limits for all; set it to the number of proxies"
            )
        ]
    return [_ok("client addresses: no undeclared proxy seen")]


def environment() -> dict[str, str]:
    return dict(os.environ)
