"""Prometheus metrics: counters that move with real syncs, gauges read from the database,
a listener apart from the app, several workers added up, and no personal data anywhere."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from prometheus_client import start_http_server
from prometheus_client.parser import text_string_to_metric_families

from backend.core.metrics import exposition, scrape_registry
from backend.models import utcnow
from backend.services.records.backlog import read_backlog
from tests.factories import envelope, make_concern, person, sync


def _reader(app):  # type: ignore[no-untyped-def]
    sessions = app.extensions["frontline"].sessions

    def read():  # type: ignore[no-untyped-def]
        with sessions() as session:
            return read_backlog(session)

    return read


def _samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def _sync_count(samples, status: str, code: str = "") -> float:  # type: ignore[no-untyped-def]
    key = ("frontline_sync_results_total", (("code", code), ("status", status)))
    return samples.get(key, 0.0)


def test_sync_results_move_and_no_personal_data_is_exposed(app) -> None:  # type: ignore[no-untyped-def]
    registry = scrape_registry(_reader(app))
    before = _samples(exposition(registry).decode())
    client, device, _ = person(app, name="PC Canary Constable")
    marker = f"CANARY-{uuid.uuid4().hex}"
    subject = {**make_concern()["subject"], "known_as": [f"Known{marker}"]}
    concern = make_concern(subject=subject, narrative=f"Narrative {marker} in the car park.")
    sealed = envelope(app, device, concern)
    (first,) = sync(client, sealed)
    (again,) = sync(client, sealed)
    (bad,) = sync(client, {"client_id": "not-a-uuid", "jwe": "x"})
    assert (first["status"], again["status"], bad["error"]["code"]) == (
        "accepted",
        "duplicate",
        "envelope.malformed",
    )
    r = client.get(f"/api/v1/concerns/{first['concern_id']}?purpose=check_own_record")
    assert r.status_code == 200

    text = exposition(registry).decode()
    after = _samples(text)
    assert _sync_count(after, "accepted") == _sync_count(before, "accepted") + 1
    assert _sync_count(after, "duplicate") == _sync_count(before, "duplicate") + 1
    rejected = _sync_count(after, "rejected", "envelope.malformed")
    assert rejected == _sync_count(before, "rejected", "envelope.malformed") + 1
    # Latency by route template: the concern's id never becomes a label.
    assert 'route="/api/v1/concerns/<uuid:concern_id>"' in text
    assert 'route="/api/v1/sync"' in text
    assert first["concern_id"] not in text
    for secret in (marker, "PC Canary Constable", "Zoë", "O'Brien", "grey car", "943 476 5919"):
        assert secret not in text, secret
    assert after[("frontline_quarantine_size", ())] == 0
    assert after[("frontline_backlog_readable", ())] == 1


def test_backlog_counts_overdue_deliveries_and_the_sweeps_lag(app, sessions) -> None:  # type: ignore[no-untyped-def]
    client, device, _ = person(app)
    sync(client, envelope(app, device, make_concern()))
    with sessions() as session:
        now = read_backlog(session)
        later = read_backlog(session, now=utcnow() + timedelta(days=60))
    assert (now.deliveries_overdue, now.escalation_lag_seconds) == (0, 0.0)
    assert later.deliveries_overdue >= 4  # every routed inbox missed its deadline
    assert later.escalation_lag_seconds > 0


def test_a_database_that_does_not_answer_is_a_gauge_not_an_error() -> None:
    def down():  # type: ignore[no-untyped-def]
        raise ConnectionError("postgresql://user:hunter2@db.internal/frontline")

    text = exposition(scrape_registry(down)).decode()
    assert "frontline_backlog_readable 0.0" in text
    assert "hunter2" not in text
    assert "db.internal" not in text


def test_metrics_are_served_apart_from_the_app(app, client) -> None:  # type: ignore[no-untyped-def]
    # The app's own listener has no metrics: only the separate one does.
    assert client.get("/metrics").status_code == 404
    server, thread = start_http_server(0, addr="127.0.0.1", registry=scrape_registry(_reader(app)))
    try:
        port = server.server_port
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics") as r:  # noqa: S310
            body = r.read().decode()
        assert "frontline_quarantine_size" in body
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def test_importing_the_command_line_leaves_prometheus_unimported() -> None:
    # serve must set the multiprocess folder before prometheus_client is first imported.
    code = "import sys, backend.cli.main; print('prometheus_client' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _get(url: str) -> str:
    with urllib.request.urlopen(url, timeout=5) as r:  # noqa: S310
        return r.read().decode()


@pytest.mark.slow  # starts gunicorn with two workers: about 4 s
def test_serve_adds_up_every_workers_counts(tmp_path: Path, database_url: str) -> None:
    port, metrics_port = _free_port(), _free_port()
    env = {
        **os.environ,
        "FRONTLINE_ENV": "development",
        "FRONTLINE_INSTANCE": str(tmp_path / "instance"),
        "DATABASE_URL": database_url,
    }
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    args = ["serve", "--port", str(port), "--workers", "2", "--metrics-port", str(metrics_port)]
    proc = subprocess.Popen(
        [sys.executable, "-m", "backend.cli", *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                _get(f"http://127.0.0.1:{port}/healthz")
                break
            except OSError:
                assert proc.poll() is None, proc.stdout.read() if proc.stdout else ""
                assert time.monotonic() < deadline
                time.sleep(0.2)
        for _ in range(40):  # new connections: gunicorn hands them to both workers
            _get(f"http://127.0.0.1:{port}/healthz")
        samples = _samples(_get(f"http://127.0.0.1:{metrics_port}/metrics"))
        count = samples[
            ("frontline_request_seconds_count", (("method", "GET"), ("route", "/healthz")))
        ]
        assert count >= 41
        assert samples[("frontline_quarantine_size", ())] == 0
    finally:
        proc.terminate()
        output, _ = proc.communicate(timeout=30)
    assert "Metrics for Prometheus at http://127.0.0.1:" in output
