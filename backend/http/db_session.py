"""The session-per-request pattern.

Views get a session from ``db_session()``; only the service entry point commits. The
session is closed (and rolled back if still open) when the application context ends.
"""

from __future__ import annotations

from flask import Flask, current_app, g
from sqlalchemy.orm import Session


def db_session() -> Session:
    """Return this request's session, opening it on first use."""
    if "db_session" not in g:
        g.db_session = current_app.extensions["frontline"].sessions()
    session: Session = g.db_session
    return session


def init_app(app: Flask) -> None:
    @app.teardown_appcontext
    def _close(_exc: BaseException | None) -> None:
        session = g.pop("db_session", None)
        if session is not None:
            session.close()
