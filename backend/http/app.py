"""The Flask application factory: configuration, the request hooks and the blueprints."""

from __future__ import annotations

import os
from pathlib import Path

from flask import Flask

from backend.core import db
from backend.core.config import Config
from backend.core.state import Frontline, load_keyring
from backend.http import (
    auth,
    db_session,
    health,
    limits,
    logs,
    metrics,
    problems,
    proxies,
    web,
)
from backend.scheduler import JOBS, Job
from backend.scheduler import start as start_scheduler

PWA_DIR = Path(os.environ.get("FRONTLINE_PWA_DIR", Path(__file__).resolve().parents[2] / "pwa"))


def create_app(config: Config | None = None) -> Flask:
    """Build the application from ``config`` (default: the environment)."""
    config = config or Config.from_env()
    logs.configure(config.log_level)
    app = Flask(
        __name__,
        static_folder=str(PWA_DIR),
        static_url_path="",
        instance_path=str(config.instance_path),
    )
    app.config.update(
        SECRET_KEY=config.secret_key,
        MAX_CONTENT_LENGTH=config.max_request_bytes,
        # Flask's signed cookie carries only the id of a pending WebAuthn ceremony.
        SESSION_COOKIE_NAME=(
            "__Host-frontline_ceremony" if config.secure_cookies else "frontline_ceremony"
        ),
        PERMANENT_SESSION_LIFETIME=300,
        # Written only when a ceremony begins or ends: refreshed on every answer, a request
        # in flight as a step-up begins would put back the challenge the browser sent it
        # with (spent), and the step-up would fail.
        SESSION_REFRESH_EACH_REQUEST=False,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Strict",
        SESSION_COOKIE_SECURE=config.secure_cookies,
        JSON_SORT_KEYS=False,
        TRAP_HTTP_EXCEPTIONS=False,
    )
    app.json.sort_keys = False  # type: ignore[attr-defined]
    if config.trusted_proxies:
        from werkzeug.middleware.proxy_fix import ProxyFix

        n = config.trusted_proxies
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)  # type: ignore[method-assign]

    engine = db.make_engine(config.database_url)
    app.extensions["frontline"] = Frontline(
        config=config,
        engine=engine,
        sessions=db.make_sessionmaker(engine),
        keyring=load_keyring(config),
    )

    logs.init_app(app)  # first, so every later hook and error has a request id
    metrics.init_app(app)
    db_session.init_app(app)  # before auth: signing in reads the database, within the deadline
    auth.init_app(app)
    web.init_app(app)
    problems.init_app(app)
    proxies.init_app(app)

    from backend.http.api import bp as api_bp
    from backend.http.csp_reports import bp as csp_bp
    from backend.http.pwa_views import bp as pwa_bp

    app.register_blueprint(api_bp)
    app.register_blueprint(pwa_bp)
    app.register_blueprint(csp_bp)
    health.init_app(app)
    limits.init_app(app, config)
    if config.scheduler:
        app.extensions["frontline_scheduler"] = start_scheduler(
            app.extensions["frontline"], scheduled_jobs()
        )
    return app


def _recover(state: Frontline) -> object:
    """Retry what was kept: quarantined envelopes, and those whose worker died. A phone sends
    its own again, but one wiped or lost since would leave them to the next restart."""
    from backend.pipeline.ingest import Context
    from backend.pipeline.recovery import recover

    return len(recover(Context.of(state.config, state.keyring, state.sessions)))


def scheduled_jobs() -> tuple[Job, ...]:
    """The scheduler's sweeps, and recovery, which runs the pipeline the sweeps sit below."""
    return (*JOBS, Job("recover", 900, _recover))
