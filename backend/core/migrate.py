"""Schema migrations through Alembic; the only path that creates or changes tables."""

from __future__ import annotations

import functools
from pathlib import Path

from alembic import command
from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, text

MIGRATIONS = Path(__file__).resolve().parents[1] / "migrations"


def alembic_config(engine: Engine) -> AlembicConfig:
    """Return an Alembic configuration bound to this engine (no alembic.ini needed)."""
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["engine"] = engine
    return cfg


# Any fixed number: the lock two hosts starting at once take to migrate one after the other.
MIGRATION_LOCK = 0x46524F4E544C494E  # "FRONTLIN"


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Create or upgrade the schema to ``revision``.

    On PostgreSQL under a session advisory lock, held on a connection of its own: every
    host runs this on start (``frontline serve``), and two starting together would
    otherwise run the same migration twice and one would fail. The second waits, then
    finds the schema at its revision. (SQLite serves one host.)
    """
    if engine.dialect.name != "postgresql":
        command.upgrade(alembic_config(engine), revision)
        return
    with engine.connect() as lock:
        lock.execute(text("SELECT pg_advisory_lock(:k)"), {"k": MIGRATION_LOCK})
        try:
            command.upgrade(alembic_config(engine), revision)
        finally:
            lock.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": MIGRATION_LOCK})
            lock.commit()


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def head_revision(engine: Engine) -> str | None:
    """The code's head revision: where its migration files end, whatever the database holds."""
    return _code_head()


@functools.cache
def _code_head() -> str | None:
    # Read once a process: alembic compiles every migration file to find it (1 ms a file).
    scripts = AlembicConfig()
    scripts.set_main_option("script_location", str(MIGRATIONS))
    return ScriptDirectory.from_config(scripts).get_current_head()
