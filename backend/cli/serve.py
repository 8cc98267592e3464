"""The production server behind ``frontline serve``: gunicorn with pre-forked workers.

gunicorn is a mature pre-fork WSGI server: several worker processes use every core, a
crashed worker is replaced, and graceful restarts drain requests. Each worker builds its
own application (no preloading), so no database connection crosses a fork.

With ``--metrics-port``, the arbiter (the process that forks the workers) also serves
Prometheus metrics on a listener of its own (docs/operations.md, "Metrics"): the workers
write their counters to a folder of files (prometheus_client's multiprocess mode) and a
scrape adds them up with the gauges read from the database there and then.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from typing import Any

from gunicorn.app.base import BaseApplication

from backend.core.config import Config

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"  # backend.core.metrics reads it at import


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


def prepare_metrics() -> str:
    """Give this server's workers a fresh, private folder for their counters.

    Call before anything imports prometheus_client: the library picks per-process or
    multiprocess values once, at import, and the workers inherit the choice by fork.
    """
    if "prometheus_client" in sys.modules:
        raise RuntimeError("prometheus_client was imported before the metrics folder was set")
    folder = tempfile.mkdtemp(prefix="frontline-metrics-")  # 0700: counts only, still ours
    os.environ[MULTIPROC_ENV] = folder
    return folder


def _backlog_reader(config: Config) -> Callable[[], Any]:
    """Read the queue sizes for one scrape, on a connection opened and closed for it.

    No pool in the arbiter: a pooled connection would be inherited by every worker forked
    after a scrape, and a socket two processes use is a broken one.
    """
    from sqlalchemy.pool import NullPool

    from backend.core.db import make_engine, make_sessionmaker, write_deadline
    from backend.services.records.backlog import read_backlog

    sessions = make_sessionmaker(make_engine(config.database_url, poolclass=NullPool))

    def read() -> Any:
        with write_deadline(time.monotonic() + 2), sessions() as session:
            return read_backlog(session)

    return read


def _metrics_hooks(config: Config, host: str, port: int, folder: str) -> dict[str, Any]:
    def when_ready(_arbiter: Any) -> None:
        from prometheus_client import start_http_server

        from backend.core.metrics import scrape_registry

        start_http_server(port, addr=host, registry=scrape_registry(_backlog_reader(config)))

    def child_exit(_arbiter: Any, worker: Any) -> None:
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)

    def on_exit(_arbiter: Any) -> None:
        shutil.rmtree(folder, ignore_errors=True)

    return {"when_ready": when_ready, "child_exit": child_exit, "on_exit": on_exit}


def run(
    config: Config,
    *,
    host: str,
    port: int,
    workers: int,
    threads: int,
    metrics: tuple[str, int, str] | None = None,
) -> None:
    """Serve until stopped; ``metrics`` is (host, port, folder from ``prepare_metrics``)."""
    options: dict[str, Any] = {
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
    }
    if metrics is not None:
        options.update(_metrics_hooks(config, *metrics))
    FrontlineServer(config, options).run()
