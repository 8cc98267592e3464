"""CSP violation reports from browsers (ASVS 3.4.7, 16.3.3): each becomes one security log
event, with nothing personal in it.

Browsers post them without our headers or cookies, so the endpoint lives outside
``/api/v1`` (whose every route needs a session or is one of the contract's public ones).
What is logged: the directive, the blocked resource's origin only (a path or query string
may carry anything), the page's path without its query or fragment, and the line. Never
the script sample, which can quote what was on the page. Bodies over 8 KiB are refused
unread; a client address may send 30 a minute.
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, Response, request

from backend.core.jsontext import strict_json

log = logging.getLogger("frontline.security")

bp = Blueprint("csp", __name__)

MAX_BYTES = 8 * 1024
PATH = "/csp-report"
TYPES = ("application/csp-report", "application/reports+json", "application/json")


def _text(value: Any, limit: int) -> str:
    """A string field as sent, cut to ``limit``; anything else (a number, an object) is
    not what a browser sends, and is logged as nothing."""
    return value[:limit] if isinstance(value, str) else ""


def _origin(value: Any) -> str:
    """The origin of a URL, or the keyword a browser sends instead (inline, eval, data)."""
    text = _text(value, 200)
    try:
        parts = urlsplit(text)
        if parts.scheme in ("http", "https") and parts.hostname:
            port = f":{parts.port}" if parts.port else ""
            return f"{parts.scheme}://{parts.hostname}{port}"
    except ValueError:  # a bracketed host or a port that is no port: log no origin
        return ""
    return text.split(":", 1)[0][:20] if text else ""


def _path(value: Any) -> str:
    try:
        return urlsplit(_text(value, 500)).path[:200]
    except ValueError:
        return ""


def _line(value: Any) -> int:
    # Only a whole number as browsers send it; bools are ints to Python, and are not lines.
    ok = isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 10**9
    return value if ok else 0


def _reports(body: Any) -> list[dict[str, Any]]:
    """Both formats: report-uri's {"csp-report": {...}}, Reporting API's [{"body": {...}}]."""
    if isinstance(body, dict) and isinstance(body.get("csp-report"), dict):
        return [body["csp-report"]]
    if isinstance(body, list):
        return [r["body"] for r in body if isinstance(r, dict) and isinstance(r.get("body"), dict)]
    return []


@bp.post(PATH)
def csp_report() -> Response:
    if request.mimetype not in TYPES:
        return Response(status=415)
    if (request.content_length or 0) > MAX_BYTES:
        return Response(status=413)
    raw = request.get_data(cache=False)
    if len(raw) > MAX_BYTES:
        return Response(status=413)
    try:
        # Strict and depth-capped (backend/core/jsontext.py): nesting deep enough to exhaust
        # the parser's stack is a 400 like any other bad body, never a 500.
        reports = _reports(strict_json(raw))
    except ValueError:
        return Response(status=400)
    for report in reports[:10]:
        get = report.get
        log.warning(
            "csp violation",
            extra={
                "event": "csp.violation",
                "directive": _text(
                    get("effective-directive")
                    or get("effectiveDirective")
                    or get("violated-directive"),
                    60,
                ),
                "blocked": _origin(get("blocked-uri") or get("blockedURL")),
                "page": _path(get("document-uri") or get("documentURL")),
                "line": _line(get("line-number") or get("lineNumber")),
                "disposition": _text(get("disposition"), 10) or "enforce",
            },
        )
    return Response(status=204)
