"""/healthz and /readyz: what a load balancer and an orchestrator ask, on both engines."""

from __future__ import annotations

import dataclasses

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import text

from backend import create_app
from backend.core import migrate
from backend.core.config import Config
from backend.core.db import make_engine

SECRETS = ("postgres@", "127.0.0.1", "6379", "sqlite:", "frontline.db", "/instance", "tmp")


def _readyz(config: Config):  # type: ignore[no-untyped-def]
    app = create_app(config)
    try:
        return app.test_client().get("/readyz")
    finally:
        app.extensions["frontline"].engine.dispose()


def _plain(body: bytes) -> None:
    """Nothing that names where the database, Redis or the key ring are."""
    for word in SECRETS:
        assert word not in body.decode(), word


def test_healthz_answers_without_the_database(config: Config) -> None:
    app = create_app(config)
    engine = app.extensions["frontline"].engine
    engine.dispose()
    statements: list[str] = []
    from sqlalchemy import event

    event.listen(engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
    r = app.test_client().get("/healthz")
    assert r.status_code == 200
    assert r.get_json() == {"status": "alive"}
    assert r.headers["Cache-Control"] == "no-store"
    assert statements == []
    assert engine.pool.checkedout() == 0  # not even a connection was taken
    engine.dispose()


def test_readyz_names_each_check_without_secrets(app, client) -> None:  # type: ignore[no-untyped-def]
    r = client.get("/readyz")
    assert r.status_code == 200, r.get_json()
    assert r.get_json() == {
        "status": "ready",
        "checks": {
            "database": "ok",
            "migrations": "ok",
            "keyring": "ok",
            "redis": "not configured",
        },
    }
    _plain(r.data)


def test_probes_need_no_session_nor_csrf_header_and_refuse_writes(client) -> None:  # type: ignore[no-untyped-def]
    assert client.get("/healthz", headers={"Sec-Fetch-Site": "cross-site"}).status_code == 200
    assert client.post("/readyz").status_code == 405
    assert client.post("/healthz").status_code == 405


def test_readyz_503_when_the_schema_is_a_revision_behind(config: Config) -> None:
    engine = make_engine(config.database_url)
    head = migrate.head_revision(engine)
    previous = ScriptDirectory.from_config(migrate.alembic_config(engine)).get_revision(head)
    with engine.begin() as conn:
        conn.execute(
            text("UPDATE alembic_version SET version_num = :v"), {"v": previous.down_revision}
        )
    try:
        r = _readyz(config)
        assert r.status_code == 503
        body = r.get_json()
        assert body["status"] == "not ready"
        assert body["failed"] == ["migrations"]
        assert body["checks"]["migrations"] == "behind head"
        assert body["checks"]["database"] == "ok"
        _plain(r.data)
    finally:
        with engine.begin() as conn:
            conn.execute(text("UPDATE alembic_version SET version_num = :v"), {"v": head})
        engine.dispose()


def test_readyz_503_when_redis_is_set_but_unreachable(config: Config) -> None:
    # Port 1 on this machine: nothing listens, the connection is refused at once.
    down = dataclasses.replace(config, redis_url="redis://:hunter2@127.0.0.1:1/9")
    r = _readyz(down)
    assert r.status_code == 503
    assert r.get_json()["failed"] == ["redis"]
    assert r.get_json()["checks"]["redis"] == "unreachable"
    assert b"hunter2" not in r.data
    _plain(r.data)


def test_readyz_ok_with_a_reachable_redis(config: Config) -> None:
    redis = pytest.importorskip("redis")
    url = "redis://127.0.0.1:6379/9"
    try:
        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except redis.RedisError:
        pytest.skip("Redis: nothing answers at 127.0.0.1:6379 (.ci/run starts it)")
    r = _readyz(dataclasses.replace(config, redis_url=url))
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["checks"]["redis"] == "ok"


def test_readyz_checks_once_however_often_it_is_asked(app, client) -> None:  # type: ignore[no-untyped-def]
    check = app.extensions["frontline.readiness"]
    runs = []
    real = check._run
    check._run = lambda: runs.append(1) or real()
    for _ in range(50):
        assert client.get("/readyz").status_code == 200
    assert len(runs) == 1  # the database and Redis saw one question, not fifty


def test_readyz_503_when_the_database_does_not_answer(config: Config) -> None:
    # Nothing listens on port 1: the connection is refused, and the answer says only that.
    gone = dataclasses.replace(
        config, database_url="postgresql+psycopg://frontline:hunter2@127.0.0.1:1/frontline"
    )
    r = _readyz(gone)
    assert r.status_code == 503
    body = r.get_json()
    assert body["checks"]["database"] == "unreachable"
    assert "database" in body["failed"]
    assert b"hunter2" not in r.data
    _plain(r.data)
