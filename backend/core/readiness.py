"""Readiness: may this process take requests? The database answers, its schema is at the
head of the migrations, the key ring holds a current key of every kind work needs, and
Redis answers when it is configured.

Each check reports a fixed word, never an exception's text: a message from a driver can
carry a host, a user name or a connection string, and readiness answers anyone who asks.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import Engine

import crypto

# The kinds without which the server cannot open, store, index or audit a concern.
NEEDED_KINDS = (crypto.KeyKind.SEAL, crypto.KeyKind.KEK, crypto.KeyKind.BLIND, crypto.KeyKind.AUDIT)
REDIS_TIMEOUT_SECONDS = 1.0


@dataclass(frozen=True)
class Readiness:
    """Each check's state: "ok", "not configured", or a short word saying what failed."""

    checks: dict[str, str] = field(default_factory=dict)

    @property
    def failed(self) -> list[str]:
        return [name for name, state in self.checks.items() if state not in _FINE]

    @property
    def ready(self) -> bool:
        return not self.failed


_FINE = frozenset({"ok", "not configured"})


def schema_state(engine: Engine, head: str | None) -> tuple[str, str]:
    """(database, migrations) states, from one query on a raw connection.

    A raw connection, not a Session: on SQLite every transaction of ours begins by taking
    the write lock (``backend.core.db``), and a probe must never queue behind the writers.
    """
    try:
        raw = engine.raw_connection()
    except Exception:  # noqa: BLE001 - any failure to connect is "unreachable"
        return "unreachable", "unknown"
    try:
        cursor = raw.cursor()
        try:
            cursor.execute("SELECT version_num FROM alembic_version")
            revisions = {row[0] for row in cursor.fetchall()}
        except Exception:  # noqa: BLE001 - no table: a database never migrated
            return "ok", "not migrated"
        finally:
            cursor.close()
    finally:
        raw.close()
    if revisions == {head}:
        return "ok", "ok"
    return "ok", "behind head" if revisions else "not migrated"


def keyring_state(ring: crypto.KeyRing | None) -> str:
    if ring is None:
        return "not loaded"
    return "ok" if all(ring.has(kind) for kind in NEEDED_KINDS) else "incomplete"


def redis_state(url: str | None) -> str:
    if not url:
        return "not configured"
    import redis

    client = redis.Redis.from_url(
        url, socket_connect_timeout=REDIS_TIMEOUT_SECONDS, socket_timeout=REDIS_TIMEOUT_SECONDS
    )
    try:
        return "ok" if client.ping() else "unreachable"
    except Exception:  # noqa: BLE001 - refused, timed out, wrong password: all "unreachable"
        return "unreachable"
    finally:
        client.close()


def check(
    engine: Engine, ring: crypto.KeyRing | None, *, head: str | None, redis_url: str | None
) -> Readiness:
    """Run every check once."""
    database, migrations = schema_state(engine, head)
    return Readiness(
        {
            "database": database,
            "migrations": migrations,
            "keyring": keyring_state(ring),
            "redis": redis_state(redis_url),
        }
    )


class CachedCheck:
    """One check at a time per process, its answer reused for ``ttl`` seconds.

    Probes and anyone else may ask as often as they like: the database and Redis see at
    most one question per process per ``ttl``, so asking cannot be turned into load.
    """

    def __init__(self, run: Callable[[], Readiness], *, ttl: float = 2.0) -> None:
        self._run = run
        self._ttl = ttl
        self._lock = threading.Lock()
        self._last: tuple[float, Readiness] | None = None

    def __call__(self) -> Readiness:
        with self._lock:
            now = time.monotonic()
            if self._last is None or now - self._last[0] >= self._ttl:
                self._last = (now, self._run())
            return self._last[1]
