"""Structured JSON logs with a request id on every line, and no personal data.

Only fixed messages and allow-listed fields are written: method, route pattern (never
the query string), status, duration. Request bodies, headers and cookies are never logged.
"""

from __future__ import annotations

import json
import logging
import sys
import time
import uuid
from typing import Any

from flask import Flask, Response, g, has_request_context, request

from backend.services.records.audit import REQUEST_ID

_FIELDS = (
    "request_id",
    "method",
    "route",
    "status",
    "duration_ms",
    "code",
    "command",
    # security events (CSP reports): codes, origins and paths only
    "event",
    "directive",
    "blocked",
    "page",
    "line",
    "disposition",
)


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": self.formatTime(record, "%Y-%m-%dT%H:%M:%S") + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        if has_request_context() and "request_id" in g:
            entry["request_id"] = g.request_id
        for name in _FIELDS:
            if hasattr(record, name):
                entry[name] = getattr(record, name)
        if record.exc_info and record.exc_info[0] is not None:
            # The exception type and where it was raised; never its message, which may hold
            # values from the request.
            entry["error"] = record.exc_info[0].__name__
            tb = record.exc_info[2]
            while tb is not None and tb.tb_next is not None:
                tb = tb.tb_next
            if tb is not None:
                entry["at"] = f"{tb.tb_frame.f_code.co_filename}:{tb.tb_lineno}"
        return json.dumps(entry)


class _StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Write to whatever ``sys.stderr`` is at the time of the log call."""

    @property  # type: ignore[override]
    def stream(self) -> Any:
        return sys.stderr

    @stream.setter
    def stream(self, _value: Any) -> None:
        pass


def configure(level: str = "INFO") -> None:
    """Send every Frontline log line to stderr as JSON."""
    handler = _StderrHandler()
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("frontline")
    logger.handlers[:] = [handler]
    # A level logging does not know (a typo in FRONTLINE_LOG_LEVEL) logs at INFO.
    logger.setLevel(level if isinstance(logging.getLevelName(level), int) else "INFO")
    logger.propagate = False
    logging.Formatter.converter = time.gmtime


def init_app(app: Flask) -> None:
    access = logging.getLogger("frontline.access")

    @app.before_request
    def _start() -> None:
        g.request_id = uuid.uuid4().hex
        g.started = time.perf_counter()
        REQUEST_ID.set(g.request_id)

    @app.teardown_request
    def _end(_exc: BaseException | None) -> None:
        # The thread serves other requests next: no later audit entry may name this one.
        REQUEST_ID.set(None)

    @app.after_request
    def _log(response: Response) -> Response:
        response.headers["X-Request-Id"] = g.get("request_id", "")
        access.info(
            "request",
            extra={
                "method": request.method,
                "route": request.url_rule.rule if request.url_rule else "(unmatched)",
                "status": response.status_code,
                "duration_ms": round((time.perf_counter() - g.get("started", 0)) * 1000, 1),
            },
        )
        return response
