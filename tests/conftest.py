"""Fixtures: a real database per test on SQLite and on PostgreSQL, real keys, a real app.

PostgreSQL runs when FRONTLINE_TEST_POSTGRES_URL names a database (``.ci/run`` makes a
fresh one); without it those tests are skipped and the reason printed.

The tests run on two workers (pytest-xdist, ``-n`` in pyproject.toml): every browser test on
one of them, in file order (Chromium is heavy and its timings are the flakiest), the rest
shared out; each worker has its own PostgreSQL database beside the one named, and the
tests that share a Redis database take turns. ``-n 0`` runs everything in one process.

Markers for the developer loop (``pytest -m "not slow and not browser"``, README): ``browser``
and ``postgres`` are applied here from the fixtures a test uses; ``slow`` is set in each file
beside the tests it names, where the reason can be read.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, make_url, text

import crypto
from backend import create_app
from backend.core import migrate
from backend.core.config import Config
from backend.core.db import make_engine, make_sessionmaker
from backend.models import tables_on
from tests.browser.chromium import browser, live_server

PG_URL = os.environ.get("FRONTLINE_TEST_POSTGRES_URL")
KEEP_TABLES = {"roles", "alembic_version", "audit_head"}  # migration data tests need
BROWSER_FIXTURES = {"browser", "live_server"}
HERE = Path(__file__).parent


@pytest.hookimpl(tryfirst=True)  # before xdist reads the groups
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark browser tests (Chromium or the live server) and the PostgreSQL half of each test."""
    for item in items:
        fixtures = set(getattr(item, "fixturenames", ()))
        if fixtures & BROWSER_FIXTURES or (HERE / "browser") in Path(item.path).parents:
            item.add_marker(pytest.mark.browser)
            item.add_marker(pytest.mark.xdist_group("browser"))
        callspec = getattr(item, "callspec", None)
        if callspec is not None and callspec.params.get("database_url") == "postgresql":
            item.add_marker(pytest.mark.postgres)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.db"
    engine = make_engine(f"sqlite:///{path}")
    migrate.upgrade(engine)
    engine.dispose()  # closing the last connection checkpoints the WAL into the file
    assert not path.with_name(path.name + "-wal").exists()
    return path


@pytest.fixture(scope="session")
def pg_migrated(worker_id: str) -> Iterator[str]:
    """The named database, migrated; under xdist, a database of this worker's own beside it."""
    if not PG_URL:
        pytest.skip("PostgreSQL: FRONTLINE_TEST_POSTGRES_URL is not set (.ci/run sets it)")
    url, drop = PG_URL, None
    if worker_id != "master":
        url, drop = pg_database_beside(PG_URL, f"{make_url(PG_URL).database}_{worker_id}")
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    migrate.upgrade(engine)
    engine.dispose()
    yield url
    if drop is not None:
        drop()


def pg_database_beside(url: str, name: str) -> tuple[str, Callable[[], None]]:
    """Create the empty database ``name`` on ``url``'s server; return its URL and a dropper."""
    admin = make_engine(
        make_url(url).set(database="postgres").render_as_string(hide_password=False),
        isolation_level="AUTOCOMMIT",
    )
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return make_url(url).set(database=name).render_as_string(hide_password=False), drop


def _truncate(engine: Engine) -> None:
    tables = [t.name for t in tables_on(engine.dialect.name) if t.name not in KEEP_TABLES]
    with engine.begin() as conn:
        # The audit tables refuse TRUNCATE by trigger; between tests the DBA's way round it
        # (triggers off for this transaction only) is the honest one.
        conn.execute(text("SET LOCAL session_replication_role = replica"))
        conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        conn.execute(text("UPDATE audit_head SET seq = 0, hash = :genesis"), {"genesis": bytes(32)})


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A migrated, empty database of each engine for one test."""
    if request.param == "sqlite":
        template = request.getfixturevalue("sqlite_template")
        path = tmp_path / "frontline.db"
        shutil.copyfile(template, path)
        yield f"sqlite:///{path}"
        return
    url = request.getfixturevalue("pg_migrated")
    yield url
    engine = make_engine(url)
    _truncate(engine)
    engine.dispose()


@pytest.fixture
def keyring() -> crypto.KeyRing:
    return crypto.generate_keyring()


@pytest.fixture
def config(tmp_path: Path, database_url: str, keyring: crypto.KeyRing) -> Config:
    instance = tmp_path / "instance"
    crypto.save_keyring_file(keyring, instance / "keyring")
    return Config.from_env(
        {
            "FRONTLINE_ENV": "test",
            "FRONTLINE_INSTANCE": str(instance),
            "DATABASE_URL": database_url,
            "FRONTLINE_SECRET_KEY": "test-secret-" + "x" * 40,
        }
    )


@pytest.fixture
def app(config: Config):  # type: ignore[no-untyped-def]
    application = create_app(config)
    yield application
    application.extensions["frontline"].engine.dispose()


@pytest.fixture
def client(app):  # type: ignore[no-untyped-def]
    return app.test_client()


@pytest.fixture
def sessions(app):  # type: ignore[no-untyped-def]
    return app.extensions["frontline"].sessions


@pytest.fixture
def engine_for(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


__all__ = ["browser", "live_server", "make_sessionmaker"]
