"""Health for the platform that runs the server: ``/healthz`` (the process answers) and
``/readyz`` (it can do its work).

Both probes sit outside ``/api/``: they need no session and no CSRF header, and are GET
only. ``/healthz`` touches nothing. ``/readyz`` runs its checks at most once per process
every two seconds (``backend.core.readiness.CachedCheck``), so a flood of probes costs the
database and Redis nothing more, and its answer names checks and states, never a host, a
URL or an error's text.
"""

from __future__ import annotations

from flask import Blueprint, Flask, Response, current_app, jsonify

from backend.core import migrate, readiness

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz() -> Response:
    return _no_store(jsonify({"status": "alive"}))


@bp.get("/readyz")
def readyz() -> Response:
    verdict = current_app.extensions["frontline.readiness"]()
    if verdict.ready:
        return _no_store(jsonify({"status": "ready", "checks": verdict.checks}))
    body = {"status": "not ready", "failed": verdict.failed, "checks": verdict.checks}
    response = jsonify(body)
    response.status_code = 503
    return _no_store(response)


def _no_store(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    return response


def init_app(app: Flask) -> None:
    state = app.extensions["frontline"]
    head = migrate.head_revision(state.engine)  # the code's head, read once from its files
    app.extensions["frontline.readiness"] = readiness.CachedCheck(
        lambda: readiness.check(
            state.engine, state.keyring, head=head, redis_url=state.config.redis_url
        )
    )
    app.register_blueprint(bp)
