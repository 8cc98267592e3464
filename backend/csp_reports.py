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

import json
import logging
from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, Response, request

log = logging.getLogger("frontline.security")

bp = Blueprint("csp", __name__)

MAX_BYTES = 8 * 1024
PATH = "/csp-report"
TYPES = ("application/csp-report", "application/reports+json", "application/json")


def _origin(value: Any) -> str:
    """The origin of a URL, or the keyword a browser sends instead (inline, eval, data)."""
    text = str(value or "")[:200]
    parts = urlsplit(text)
    if parts.scheme in ("http", "https") and parts.hostname:
        port = f":{parts.port}" if parts.port else ""
        return f"{parts.scheme}://{parts.hostname}{port}"
    return text.split(":", 1)[0][:20] if text else ""


def _path(value: Any) -> str:
    return urlsplit(str(value or "")[:500]).path[:200]


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
        reports = _reports(json.loads(raw))
    except ValueError:
        return Response(status=400)
    for report in reports[:10]:
        get = report.get
        log.warning(
            "csp violation",
            extra={
                "event": "csp.violation",
                "directive": str(get("effective-directive") or get("effectiveDirective") or
                                 get("violated-directive") or "")[:60],
                "blocked": _origin(get("blocked-uri") or get("blockedURL")),
                "page": _path(get("document-uri") or get("documentURL")),
                "line": int(get("line-number") or get("lineNumber") or 0),
                "disposition": str(get("disposition") or "enforce")[:10],
            },
        )  # fmt: skip
    return Response(status=204)
