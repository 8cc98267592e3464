"""The production server behind ``frontline serve``: gunicorn with pre-forked workers.

gunicorn is a mature pre-fork WSGI server: several worker processes use every core, a
crashed worker is replaced, and graceful restarts drain requests. Each worker builds its
own application (no preloading), so no database connection crosses a fork.
"""

from __future__ import annotations

from typing import Any

from gunicorn.app.base import BaseApplication

from backend.core.config import Config


class FrontlineServer(BaseApplication):  # type: ignore[misc]
    def __init__(self, config: Config, options: dict[str, Any]) -> None:
        self._config = config
        self._options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self._options.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        from backend.http.app import create_app

        return create_app(self._config)


def run(config: Config, *, host: str, port: int, workers: int, threads: int) -> None:
    """Serve until stopped."""
    FrontlineServer(
        config,
        {
            "bind": f"{host}:{port}",
            "workers": workers,
            "threads": threads,
            "worker_class": "gthread",
            "accesslog": None,  # the app writes its own JSON access line with the request id
            "errorlog": "-",
            "timeout": 60,
            "graceful_timeout": 20,
            "limit_request_line": 8190,
            "forwarded_allow_ips": "127.0.0.1" if config.trusted_proxies else "",
            "proc_name": "frontline",
        },
    ).run()
