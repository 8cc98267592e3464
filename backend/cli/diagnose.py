"""``frontline doctor``: what in this deployment's settings is unsafe, and how to fix it.

It reads what the server reads (the environment, the key ring, the database) and what the
servers recorded seeing in use (backend/services/records/deployment.py); it changes nothing. Each
finding is ``unsafe`` (the command then exits non-zero) or ``ok``.
"""

from __future__ import annotations

import ipaddress
import os
import stat
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
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


# Settings that open something: a file holding any of them is as secret as the key ring.
SECRET_SETTINGS = ("FRONTLINE_SECRET_KEY", "FRONTLINE_KEYRING", "FRONTLINE_ESCROW_PASSPHRASE")
PASSWORD_URLS = ("DATABASE_URL", "FRONTLINE_REDIS_URL")
# Addresses no router forwards from the internet (RFC 1918, RFC 4193).
INTERNAL = tuple(
    ipaddress.ip_network(n) for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7")
)


def diagnose(
    env: Mapping[str, str], *, workers: int, hosts: int, env_file: Path | None = None
) -> list[Finding]:
    """Check the deployment ``env`` describes, served by ``workers`` per host on ``hosts``;
    ``env_file`` is the file the service manager reads the settings from (already in ``env``)."""
    found = [*_settings_file(env_file, env), _metrics(env)]
    try:
        config = Config.from_env(env)
    except ConfigError as exc:  # production without a secret key, http origins, ...
        return [*found, _unsafe(f"the server refuses to start: {exc}")]
    found += [_mode(config), *_origins(config), _limits(config, workers * hosts)]
    found += [_database(config, hosts), *_keyring(config)]
    found += _observed(config)
    return found


def read_env_file(path: Path) -> dict[str, str]:
    """``KEY=VALUE`` lines as systemd's EnvironmentFile= reads them (comments, blank lines
    and matching outer quotes aside)."""
    out = {}
    for line in path.read_text().splitlines():
        line = line.strip()
        if not line or line.startswith(("#", ";")) or "=" not in line:
            continue
        key, _, value = line.partition("=")
        value = value.strip()
        if len(value) > 1 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        out[key.strip()] = value
    return out


def _settings_file(path: Path | None, env: Mapping[str, str]) -> list[Finding]:
    if path is None:
        return []
    held = [k for k in SECRET_SETTINGS if env.get(k)] + [
        k for k in PASSWORD_URLS if env.get(k) and _password_in(env[k])
    ]
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o022:
        # Whoever can change it can point the servers at a database or proxy of their own.
        return [_unsafe(f"settings file {path} has mode {mode:o}, writable by others: chmod 640")]
    if held and mode & 0o004:
        return [
            _unsafe(
                f"settings file {path} holds {', '.join(held)} and anyone on the host can "
                f"read it (mode {mode:o}): chmod 640, owned by root, group frontline"
            )
        ]
    return [_ok(f"settings file {path}: mode {mode:o}")]


def _password_in(url: str) -> bool:
    try:
        return bool(make_url(url).password)
    except Exception:  # noqa: BLE001 - not a URL SQLAlchemy reads; redis:// is checked below
        return bool(urlsplit(url).password)


def _metrics(env: Mapping[str, str]) -> Finding:
    """The metrics listener has no token: only who can reach it can read it."""
    if not env.get("FRONTLINE_METRICS_PORT"):
        return _ok("metrics: no listener (FRONTLINE_METRICS_PORT is not set)")
    host = env.get("FRONTLINE_METRICS_HOST") or "127.0.0.1"
    try:
        address = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        address = None
    if address is not None and address.is_loopback:
        return _ok(f"metrics: on {host}, this host only")
    if address is not None and any(address in net for net in INTERNAL):
        return _ok(
            f"metrics: on the internal address {host}; let a firewall rule admit Prometheus only"
        )
    return _unsafe(
        f"metrics listener on {host} answers whoever reaches it, with no token: set "
        "FRONTLINE_METRICS_HOST=127.0.0.1, or an internal address only Prometheus reaches"
    )


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
    from backend.core.state import load_keyring
    from backend.services.records.deployment import foreign_keks, observed

    try:
        held: list[str] | None = [e.id for e in load_keyring(config).entries]
    except ConfigError:  # said above, under the key ring
        held = None
    engine = make_engine(config.database_url)
    try:
        with make_sessionmaker(engine)() as session:
            seen = observed(session)
            foreign = foreign_keks(session, held) if held is not None else []
    except Exception:  # noqa: BLE001 - an unreachable or unmigrated database is a finding
        return [_unsafe("the database cannot be read: check DATABASE_URL, run 'frontline init'")]
    finally:
        engine.dispose()
    found = []
    if foreign:
        # A host started before the ring was copied to it made a ring of its own.
        found.append(
            _unsafe(
                f"this key ring is not the one the data was written with: data keys are "
                f"wrapped under {', '.join(foreign[:3])}, which it lacks; copy the ring from "
                "a host that has them (every host needs the same ring)"
            )
        )
    return found + _proxies(config, seen)


def _proxies(config: Config, seen: dict[str, tuple[datetime, datetime]]) -> list[Finding]:
    from backend.services.records.deployment import FORWARDED_UNTRUSTED

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
