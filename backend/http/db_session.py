"""The session-per-request pattern.

Views get a session from ``db_session()``; only the service entry point commits. The
session is closed (and rolled back if still open) when the application context ends.
"""

from __future__ import annotations

import time
from contextlib import ExitStack

from flask import Flask, current_app, g
from sqlalchemy.orm import Session

from backend.core.db import write_deadline


def db_session() -> Session:
    """Return this request's session, opening it on first use."""
    if "db_session" not in g:
        g.db_session = current_app.extensions["frontline"].sessions()
    session: Session = g.db_session
    return session


def init_app(app: Flask) -> None:
    wait = app.extensions["frontline"].config.write_wait.total_seconds()

    @app.before_request
    def _deadline() -> None:
        # On SQLite every transaction waits for the one write lock: all of this request's
        # waits end together, before the client or the server gives up on it.
        g.write_deadline = ExitStack()
        g.write_deadline.enter_context(write_deadline(time.monotonic() + wait))

    @app.teardown_request
    def _no_deadline(_exc: BaseException | None) -> None:
        deadline = g.pop("write_deadline", None)
        if deadline is not None:
            deadline.close()

    @app.teardown_appcontext
    def _close(_exc: BaseException | None) -> None:
        session = g.pop("db_session", None)
        if session is not None:
            session.close()
