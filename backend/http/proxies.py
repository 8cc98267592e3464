"""Notice a proxy the server was not told about (ASVS 4.1.3, 15.3.4).

With ``FRONTLINE_TRUSTED_PROXIES`` at 0 the client address is the socket's. Behind an
undeclared proxy that is the proxy's address for everyone, and one client can use up the
pre-sign-in rate limits for all. The header is still never believed (a client could send
it); its arrival is logged as a configuration warning once per process, and recorded in
the database for ``frontline doctor`` on any host, without any address.
"""

from __future__ import annotations

import logging
import threading

from flask import Flask, current_app, request

from backend.services.records.deployment import FORWARDED_UNTRUSTED, db_observe

log = logging.getLogger("frontline.config")


def init_app(app: Flask) -> None:
    if app.extensions["frontline"].config.trusted_proxies:
        return
    noticed = threading.Event()
    lock = threading.Lock()

    @app.before_request
    def _forwarded_without_trusted_proxies() -> None:
        if noticed.is_set() or "X-Forwarded-For" not in request.headers:
            return
        with lock:
            if noticed.is_set():
                return
            noticed.set()
        log.warning(
            "X-Forwarded-For arrived but FRONTLINE_TRUSTED_PROXIES is 0: set it to the "
            "number of proxies in front of the server",
            extra={"event": "config.forwarded_untrusted"},
        )
        try:
            with current_app.extensions["frontline"].sessions() as session:
                db_observe(session, FORWARDED_UNTRUSTED)
                session.commit()
        except Exception:  # a warning must never fail the request it rode in on
            log.exception("could not record the observation")
