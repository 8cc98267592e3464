"""Configuration read once from the environment into a frozen object."""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

DEFAULT_ORIGIN = "http://localhost:8000"
DEFAULT_PUSH_HOSTS = (
    "fcm.googleapis.com",
    "updates.push.services.mozilla.com",
    "web.push.apple.com",
    ".notify.windows.com",
)
_PLACEHOLDERS = {"changeme", "secret", "dev", "development", "password", "frontline"}
_MIN_SECRET = 32


class ConfigError(Exception):
    """The configuration is unusable; the message names the variable and the fix."""


@dataclass(frozen=True)
class Config:
    """Everything the server reads from its environment (docs/contract.md, "configuration")."""

    env: str
    instance_path: Path
    database_url: str
    secret_key: str = field(repr=False)
    rp_id: str = "localhost"
    origins: tuple[str, ...] = (DEFAULT_ORIGIN,)
    keyring_text: str | None = field(default=None, repr=False)
    redis_url: str | None = field(default=None, repr=False)
    max_request_bytes: int = 13 * 1024 * 1024
    seal_grace_days: int = 30
    trusted_proxies: int = 0
    log_level: str = "INFO"
    session_policy: dict[str, tuple[timedelta, timedelta]] | None = None
    receipt_lease: timedelta = timedelta(seconds=30)
    # How long a request may wait for SQLite's write lock, all waits together: under the
    # phone's patience for a batch (30 s, pwa/sync.js) and the server's timeout (60 s).
    write_wait: timedelta = timedelta(seconds=20)
    # Web Push: the services the server may post to (a subscription names any URL, so an
    # allow-list keeps the server from being pointed at internal hosts), and who runs it.
    push_hosts: tuple[str, ...] = DEFAULT_PUSH_HOSTS
    push_contact: str = "mailto:safeguarding-systems@example.invalid"
    scheduler: bool = False  # run escalation sweeps and push sending every minute

    @property
    def production(self) -> bool:
        return self.env == "production"

    @property
    def keyring_path(self) -> Path:
        return self.instance_path / "keyring"

    @property
    def local_only(self) -> bool:
        """True when every origin is plain-HTTP localhost (development on one machine)."""
        return all(o.startswith("http://localhost") for o in self.origins)

    @property
    def secure_cookies(self) -> bool:
        return not self.local_only

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: object) -> Config:
        """Read the configuration, refusing unsafe production settings with a clear message."""
        env = dict(os.environ if environ is None else environ)
        mode = env.get("FRONTLINE_ENV", "production")
        if mode not in ("production", "development", "test"):
            raise ConfigError("FRONTLINE_ENV must be production, development or test")
        instance = Path(env.get("FRONTLINE_INSTANCE", "instance")).resolve()
        origins = tuple(
            o.strip().rstrip("/")
            for o in env.get("FRONTLINE_ORIGINS", DEFAULT_ORIGIN).split(",")
            if o.strip()
        )
        _check_origins(origins, production=mode == "production")
        values: dict[str, object] = {
            "env": mode,
            "instance_path": instance,
            "database_url": env.get("DATABASE_URL") or f"sqlite:///{instance / 'frontline.db'}",
            "secret_key": _secret(env, instance, production=mode == "production"),
            "rp_id": env.get("FRONTLINE_RP_ID", "localhost"),
            "origins": origins,
            "keyring_text": env.get("FRONTLINE_KEYRING") or None,
            "redis_url": env.get("FRONTLINE_REDIS_URL") or None,
            "max_request_bytes": _int(env, "FRONTLINE_MAX_REQUEST_BYTES", 13 * 1024 * 1024),
            "seal_grace_days": _int(env, "FRONTLINE_SEAL_GRACE_DAYS", 30),
            "trusted_proxies": _int(env, "FRONTLINE_TRUSTED_PROXIES", 0),
            "log_level": env.get("FRONTLINE_LOG_LEVEL", "INFO").upper(),
            "session_policy": _session_policy(env.get("FRONTLINE_SESSION_TIMEOUTS", "")),
            "receipt_lease": timedelta(seconds=_int(env, "FRONTLINE_RECEIPT_LEASE_SECONDS", 30)),
            "write_wait": timedelta(seconds=_int(env, "FRONTLINE_WRITE_WAIT_SECONDS", 20)),
            "push_hosts": tuple(
                h.strip().lower()
                for h in env.get("FRONTLINE_PUSH_HOSTS", ",".join(DEFAULT_PUSH_HOSTS)).split(",")
                if h.strip()
            ),
            "push_contact": env.get("FRONTLINE_PUSH_CONTACT", cls.push_contact),
            "scheduler": env.get("FRONTLINE_SCHEDULER", "0").lower() in ("1", "true", "yes"),
        }
        values.update(overrides)
        return cls(**values)  # type: ignore[arg-type]


# (idle, absolute) per role; a person with several roles gets the strictest of each.
# A constable's shift is long and the phone sleeps between uses; desk roles idle out sooner.
DEFAULT_TIMEOUTS: dict[str, tuple[timedelta, timedelta]] = {
    "recorder": (timedelta(hours=2), timedelta(hours=12)),
    "inbox_member": (timedelta(minutes=30), timedelta(hours=10)),
    "inbox_supervisor": (timedelta(minutes=30), timedelta(hours=10)),
    "agency_lead": (timedelta(minutes=30), timedelta(hours=10)),
    "partnership_lead": (timedelta(minutes=30), timedelta(hours=10)),
    "agency_admin": (timedelta(minutes=15), timedelta(hours=8)),
    "auditor": (timedelta(minutes=15), timedelta(hours=8)),
}


def _session_policy(text: str) -> dict[str, tuple[timedelta, timedelta]] | None:
    """Parse ``role=IDLE/ABSOLUTE,...`` in minutes over the defaults (``DEFAULT_TIMEOUTS``)."""
    if not text.strip():
        return None
    policy = dict(DEFAULT_TIMEOUTS)
    for item in text.split(","):
        try:
            role, minutes = item.strip().split("=")
            idle, absolute = (int(m) for m in minutes.split("/"))
        except ValueError:
            raise ConfigError(
                "FRONTLINE_SESSION_TIMEOUTS must look like 'recorder=120/720,auditor=15/480' "
                "(idle/absolute minutes per role)"
            ) from None
        if role not in policy or not 0 < idle <= absolute:
            raise ConfigError(f"FRONTLINE_SESSION_TIMEOUTS: bad entry {item.strip()!r}")
        policy[role] = (timedelta(minutes=idle), timedelta(minutes=absolute))
    return policy


def _int(env: Mapping[str, str], name: str, default: int) -> int:
    try:
        value = int(env.get(name, default))
    except ValueError:
        raise ConfigError(f"{name} must be a whole number") from None
    if value < 0:
        raise ConfigError(f"{name} must not be negative")
    return value


def _check_origins(origins: tuple[str, ...], *, production: bool) -> None:
    if not origins:
        raise ConfigError("FRONTLINE_ORIGINS must name at least one origin")
    for origin in origins:
        parts = urlsplit(origin)
        if parts.scheme not in ("http", "https") or not parts.hostname or parts.path:
            raise ConfigError(f"FRONTLINE_ORIGINS: {origin!r} is not an origin like https://host")
        # Passkeys and session cookies must never travel over plain HTTP beyond this machine.
        if production and parts.scheme == "http" and parts.hostname != "localhost":
            raise ConfigError(f"FRONTLINE_ORIGINS: {origin!r} must use https in production")


def _secret(env: Mapping[str, str], instance: Path, *, production: bool) -> str:
    value = env.get("FRONTLINE_SECRET_KEY", "")
    if production:
        if not value:
            raise ConfigError(
                "FRONTLINE_SECRET_KEY is not set: production needs at least 32 random "
                "characters, e.g. from "
                "`python -c 'import secrets; print(secrets.token_urlsafe(48))'` "
                "(or set FRONTLINE_ENV=development on a developer's machine)"
            )
        if len(value) < _MIN_SECRET or value.lower() in _PLACEHOLDERS or len(set(value)) < 8:
            raise ConfigError(
                "FRONTLINE_SECRET_KEY is unsafe: use at least 32 random characters, "
                "not a placeholder"
            )
        return value
    if value:
        return value
    # Development: one secret per instance folder, so every worker process agrees on it.
    path = instance / "secret_key"
    if not path.exists():
        instance.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_urlsafe(48))
    return path.read_text().strip()
