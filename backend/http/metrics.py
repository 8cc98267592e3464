"""Each request's latency for the metrics, by method and route template.

The metrics themselves are served by ``frontline serve --metrics-port`` on a listener of
their own, never by this app (docs/operations.md, "Metrics").
"""

from __future__ import annotations

import time

from flask import Flask, Response, g, request

from backend.core.metrics import REQUEST_SECONDS

# Any other method a client sends is one label, not a series of its own.
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


def init_app(app: Flask) -> None:
    @app.after_request
    def _observe(response: Response) -> Response:
        started = g.get("started")  # set first thing by backend.http.logs
        if started is not None:
            # The route's template (/api/v1/concerns/<uuid:concern_id>), never the path: a
            # path carries ids, and every distinct one would be a new series.
            route = request.url_rule.rule if request.url_rule else "(unmatched)"
            method = request.method if request.method in _METHODS else "OTHER"
            REQUEST_SECONDS.labels(method=method, route=route).observe(
                time.perf_counter() - started
            )
        return response
