"""Anti-automation: rate limits on enrolment and sign-in, shared through Redis when set.

Keys are the client address Werkzeug sees: X-Forwarded-For counts only when
FRONTLINE_TRUSTED_PROXIES says a proxy sets it, so a spoofed header cannot buy retries.
"""

from __future__ import annotations

from flask import Flask
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

from backend.config import Config

# endpoint -> limit; per client address
LIMITS = {
    "api.enrol_begin": "10/minute",
    "api.enrol_finish": "10/minute",
    "api.login_begin": "20/minute",
    "api.login_finish": "20/minute",
}


def init_app(app: Flask, config: Config) -> Limiter:
    app.config["RATELIMIT_STORAGE_URI"] = config.redis_url or "memory://"
    app.config["RATELIMIT_KEY_PREFIX"] = "frontline"
    app.config["RATELIMIT_HEADERS_ENABLED"] = True
    limiter = Limiter(key_func=get_remote_address, app=app, default_limits=[])
    for endpoint, rate in LIMITS.items():
        # The check runs inside the wrapper, so the wrapper replaces the registered view.
        app.view_functions[endpoint] = limiter.limit(rate)(app.view_functions[endpoint])  # type: ignore[assignment]
    app.extensions["frontline.limiter"] = limiter
    return limiter
