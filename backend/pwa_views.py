"""Serve the progressive web app's shell; its files are static and need no build step."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, send_from_directory

bp = Blueprint("pwa", __name__)


@bp.get("/")
@bp.get("/enrol")
def shell() -> Response:
    """Serve the app shell; the client-side code reads the invite from the URL fragment."""
    return send_from_directory(current_app.static_folder or "", "index.html", max_age=0)
