"""Anti-automation: rate limits, shared through Redis when set.

Before sign-in the key is the client address Werkzeug sees: X-Forwarded-For counts only when
FRONTLINE_TRUSTED_PROXIES says a proxy sets it, so a spoofed header cannot buy retries.
Signed in, the key is the person: a phone that changes network keeps its count, and people
behind one office address do not share one.
"""

from __future__ import annotations

import logging

from flask import Flask, current_app
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from limits import parse
from limits.strategies import MovingWindowRateLimiter

from backend.core.config import Config
from backend.http.auth import principal

log = logging.getLogger("frontline.security")

# endpoint -> limit; per client address before sign-in, per person after
LIMITS = {
    "api.enrol_begin": "10/minute",
    "api.enrol_finish": "10/minute",
    "api.login_begin": "20/minute",
    "api.login_finish": "20/minute",
    "api.step_up_begin": "10/minute",
    "api.step_up_finish": "10/minute",
    # A phone back in signal sends its outbox 50 envelopes a request; a shift's backlog
    # fits in a few requests, a script sending thousands does not.
    "api.sync": "60/minute",
    # Reading across a child's records, and exporting who looked: people do this a few
    # times an hour, not hundreds.
    "api.chronology": "30/minute",
    "api.audit_subject": "30/minute",
    "api.audit_person": "30/minute",
    # Browsers' CSP violation reports (no session): a page in a loop must not flood the log.
    "csp.csp_report": "30/minute",
}


# Failed assertions per passkey, from whatever addresses: someone trying one credential
# from many machines is stopped too (6.3.1). Counted only on failure, so the owner's own
# sign-ins never use it up.
CREDENTIAL_FAILURES = parse("50/minute")
FAILURE_CODES = frozenset(
    {"webauthn.invalid", "auth.unknown_credential", "auth.sign_count_regression"}
)


def _failures() -> MovingWindowRateLimiter:
    return MovingWindowRateLimiter(current_app.extensions["frontline.limiter"].storage)


def credential_blocked(credential_id: str) -> bool:
    """Whether this credential has failed too often in the last minute."""
    return not _failures().test(CREDENTIAL_FAILURES, "credential-failures", credential_id)


def count_credential_failure(credential_id: str) -> None:
    _failures().hit(CREDENTIAL_FAILURES, "credential-failures", credential_id)
    log.warning("passkey assertion refused", extra={"code": "auth.assertion_failed"})


def _key() -> str:
    who = principal()
    return f"person:{who.user_id}" if who is not None else f"address:{get_remote_address()}"


def init_app(app: Flask, config: Config) -> Limiter:
    app.config["RATELIMIT_STORAGE_URI"] = config.redis_url or "memory://"
    app.config["RATELIMIT_KEY_PREFIX"] = "frontline"
    app.config["RATELIMIT_HEADERS_ENABLED"] = True
    limiter = Limiter(key_func=_key, app=app, default_limits=[])
    for endpoint, rate in LIMITS.items():
        # The check runs inside the wrapper, so the wrapper replaces the registered view.
        app.view_functions[endpoint] = limiter.limit(rate)(app.view_functions[endpoint])  # type: ignore[assignment]
    app.extensions["frontline.limiter"] = limiter
    return limiter
