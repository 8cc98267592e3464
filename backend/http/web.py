"""Request plumbing: JSON parsing with specific errors, the access gate, security headers."""

from __future__ import annotations

from typing import Any

from flask import Flask, Response, current_app, g, request
from marshmallow import Schema, ValidationError
from werkzeug.exceptions import MethodNotAllowed, NotFound

from backend.core.jsontext import TooDeep, strict_json
from backend.http import access
from backend.http.auth import principal
from backend.http.problems import Problem

_REFUSALS = {
    "device.revoked": "This device's passkey was revoked; sign in with another.",
    "session.expired": "Your session timed out; sign in again.",
    "session.ended": "You signed out; sign in again.",
    "session.ended_elsewhere": "This session was ended from another of your devices.",
    "user.disabled": "This account is disabled.",
}
STATE_CHANGING = frozenset({"POST", "PUT", "PATCH", "DELETE"})
CSRF_HEADER = ("X-Requested-With", "frontline")

# API answers are data, never documents: nothing in them may load, run or be framed.
API_CSP = "default-src 'none'; frame-ancestors 'none'; sandbox"
CSP = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "worker-src 'self'",
        "manifest-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        # Violations are reported (backend/http/csp_reports.py): a blocked script is an attack
        # or a bug, and either should be seen. report-uri, not report-to: browsers queue
        # Reporting API reports for up to a minute, and the Reporting-Endpoints header is
        # then sent on every page for nothing.
        "report-uri /csp-report",
    )
)
PERMISSIONS = "camera=(), microphone=(), geolocation=(self), payment=(), usb=(), interest-cohort=()"


def json_body(schema: Schema | None = None) -> Any:
    """Parse the request body as JSON (and load it with ``schema``), with a specific error.

    WARNING: call it only from views; it raises Problem, which the API maps to its status.
    """
    if request.mimetype != "application/json":
        raise Problem(415, "request.unsupported_media_type", "Send the body as application/json.")
    try:
        data = strict_json(request.get_data(cache=True))
    except TooDeep as exc:
        raise Problem(400, "request.too_deep", str(exc)) from None
    except ValueError:
        data = None
    if data is None:
        raise Problem(400, "request.malformed_json", "The body is not valid UTF-8 JSON.")
    if schema is None:
        return data
    try:
        return schema.load(data)
    except ValidationError as exc:
        errors = exc.messages if isinstance(exc.messages, dict) else {"_schema": exc.messages}
        raise Problem(
            422, "validation.failed", "Some fields are not valid.", errors=errors
        ) from None


def init_app(app: Flask) -> None:
    @app.before_request
    def _gate() -> None:
        if not request.path.startswith("/api/"):
            return
        if request.endpoint is None:
            # Routing failed: let Flask raise its own 404 or 405 (docs/contract.md: unknown
            # paths answer 404).
            return
        if request.endpoint == "static":
            # The app shell is served from the site root; it has no files under /api/. An API
            # path that exists for other methods (GET /auth/logout) answers 405, not 404.
            adapter = current_app.url_map.bind_to_environ(request.environ)
            others = set(adapter.allowed_methods(request.path)) - {"GET", "HEAD", "OPTIONS"}
            if others:
                raise MethodNotAllowed(valid_methods=sorted(others))
            raise NotFound()
        if request.headers.get("Sec-Fetch-Site") == "cross-site":
            # Another site's page asked (a browser says so and a page cannot lie about it):
            # nothing of ours is for another site, reads included.
            raise Problem(403, "forbidden.cross_site", "Requests from other sites are refused.")
        if request.endpoint not in access.PUBLIC:
            who = principal()
            if who is None:
                code = g.get("auth_failure", "auth.required")
                raise Problem(401, code, _REFUSALS.get(code, "Sign in first."))
            if not access.allowed(request.endpoint, who.roles):
                raise Problem(403, "forbidden.role", "Your role does not allow this.")
        if request.method in STATE_CHANGING and (
            request.headers.get(CSRF_HEADER[0]) != CSRF_HEADER[1]
        ):
            raise Problem(
                403, "csrf.header_missing", "State-changing requests need X-Requested-With."
            )

    @app.after_request
    def _headers(response: Response) -> Response:
        h = response.headers
        h["Content-Security-Policy"] = API_CSP if request.path.startswith("/api/") else CSP
        h["X-Content-Type-Options"] = "nosniff"
        h["Referrer-Policy"] = "no-referrer"
        h["Permissions-Policy"] = PERMISSIONS
        h["X-Frame-Options"] = "DENY"
        h["Cross-Origin-Opener-Policy"] = "same-origin"
        h["Cross-Origin-Resource-Policy"] = "same-origin"
        if request.path.startswith("/api/"):
            h["Cache-Control"] = "no-store"
        if request.is_secure:
            h["Strict-Transport-Security"] = "max-age=63072000; includeSubDomains"
        return response
