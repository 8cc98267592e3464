"""The deployment drill: the recipe's nginx, with a self-signed certificate for localhost,
in front of two `frontline serve` processes (production settings, the scheduler on) sharing
one PostgreSQL database and one Redis. Chromium enrols over https, records and syncs; one
server is killed while it holds the phone's sync, and the sync completes through the other;
the rate limits hold across both; escalation sweeps on both at once climb each chain once.

Skipped, with the reason, where nginx, Redis or PostgreSQL is missing (.ci/run installs and
starts them). Prints how long each step took.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from playwright.sync_api import expect

from tests.browser.chromium import ARGS, CHROMIUM
from tests.browser.pwa import Phone, open_phone, record_concern
from tests.conftest import PG_URL, pg_database_beside
from tests.drill import Nginx, nginx_binary, redis_answers, redis_flush
from tests.live import Server, free_port

pytestmark = pytest.mark.slow  # two servers, nginx and Chromium: about a minute

REDIS_DB = 12  # the drill's own Redis database: other tests use 9, 14 and 15
ENROL_LIMIT = 10  # backend/http/limits.py, api.enrol_begin per client address


class Clock:
    def __init__(self) -> None:
        self.start = self.last = time.monotonic()
        self.steps: dict[str, float] = {}

    def lap(self, name: str) -> None:
        now = time.monotonic()
        self.steps[name] = round(now - self.last, 2)
        self.last = now

    def report(self) -> str:
        total = round(time.monotonic() - self.start, 2)
        return json.dumps({**self.steps, "total": total})


@pytest.fixture
def drill_database() -> Iterator[str]:
    if not PG_URL:
        pytest.skip("PostgreSQL: FRONTLINE_TEST_POSTGRES_URL is not set (.ci/run sets it)")
    url, drop = pg_database_beside(
        PG_URL, f"{sa.make_url(PG_URL).database}_drill_{uuid.uuid4().hex[:8]}"
    )
    yield url
    drop()


def _requirements() -> None:
    if nginx_binary() is None:
        pytest.skip("nginx is not installed (apt-get install -y nginx; .ci/run does)")
    if not redis_answers():
        pytest.skip("Redis: nothing answers at 127.0.0.1:6379 (.ci/run starts it)")
    if not Path(CHROMIUM).exists():
        pytest.skip("Chromium is not installed (apt-get install -y chromium; .ci/run does)")


def _spki_hash(cert: Path) -> str:
    """What Chromium's --ignore-certificate-errors-spki-list takes: trust this key only."""
    public = x509.load_pem_x509_certificate(cert.read_bytes()).public_key()
    der = public.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return base64.b64encode(hashlib.sha256(der).digest()).decode()


def _hosts(tmp_path: Path, database_url: str, origin: str) -> tuple[Server, Server]:
    """Two hosts as the recipe sets them up: the same settings, secret and key ring."""
    settings = {
        "FRONTLINE_ENV": "production",
        "FRONTLINE_ORIGINS": origin,
        "FRONTLINE_RP_ID": "localhost",
        "FRONTLINE_SECRET_KEY": secrets.token_urlsafe(32),
        "FRONTLINE_TRUSTED_PROXIES": "1",
        "FRONTLINE_REDIS_URL": f"redis://127.0.0.1:6379/{REDIS_DB}",
        "FRONTLINE_SCHEDULER": "1",
    }
    a = Server(tmp_path / "host-a" / "instance", database_url, **settings)
    b = Server(tmp_path / "host-b" / "instance", database_url, **settings)
    for server in (a, b):
        server.log = server.log.parent.parent / f"server-{server.port}.log"
        Path(server.env["FRONTLINE_INSTANCE"]).mkdir(parents=True)
    return a, b


def _enrol_begin_until_refused(nginx: Nginx, tries: int) -> list[int]:
    """POST enrol/begin through the proxy, each with a different forged X-Forwarded-For."""
    statuses = []
    for n in range(tries):
        request = urllib.request.Request(
            f"https://localhost:{nginx.port}/api/v1/auth/enrol/begin",
            data=json.dumps({"invite": f"no-such-invite-{n}"}).encode(),
            method="POST",
            headers={
                "Content-Type": "application/json",
                "X-Requested-With": "frontline",
                "X-Forwarded-For": f"198.51.100.{n + 1}",
            },
        )
        try:
            with urllib.request.urlopen(request, context=nginx.https(), timeout=10) as r:
                statuses.append(r.status)
        except urllib.error.HTTPError as error:
            statuses.append(error.code)
        if statuses[-1] == 429:
            break
    return statuses


def _sent(phone: Phone) -> int:
    return int(phone.page.locator("#concerns li.sent").count())


def _escalate_on_both(a: Server, b: Server, at: str) -> list[dict[str, int]]:
    command = [sys.executable, "-m", "backend.cli", "escalate", "--at", at]
    procs = [
        subprocess.Popen(command, env=s.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        for s in (a, b)
    ]
    out = []
    for proc in procs:
        stdout, stderr = proc.communicate(timeout=60)
        assert proc.returncode == 0, stderr.decode()
        out.append(json.loads(stdout))
    return out


def test_two_hosts_behind_tls(tmp_path: Path, browser: Any, drill_database: str) -> None:
    _requirements()
    clock = Clock()
    redis_flush(REDIS_DB)
    port = free_port()
    a, b = _hosts(tmp_path, drill_database, f"https://localhost:{port}")
    invites = {i["name"]: i["url"] for i in a.demo_invites()}  # init + demo, on host A
    shutil.copy2(a.env["FRONTLINE_INSTANCE"] + "/keyring", b.env["FRONTLINE_INSTANCE"])
    nginx = Nginx(tmp_path / "nginx", [a.port, b.port], port, free_port())
    chromium = None
    try:
        a.start()
        b.start()
        nginx.start()
        clock.lap("start two servers and nginx")
        assert nginx.get("/readyz") == 200
        assert {line["upstream"] for line in nginx.log("/readyz")} <= {
            f"127.0.0.1:{a.port}",
            f"127.0.0.1:{b.port}",
        }

        chromium = browser.browser_type.launch(
            executable_path=CHROMIUM,
            args=[*ARGS, f"--ignore-certificate-errors-spki-list={_spki_hash(nginx.cert)}"],
        )
        phone, _ = open_phone(chromium, invites["PC Sam Okafor"])
        assert phone.page.url.startswith(f"https://localhost:{port}/")
        record_concern(phone, dob="2012-04-01")
        expect(phone.page.locator("#concerns li.sent")).to_have_count(1, timeout=20_000)
        clock.lap("enrol over https, record, sync")

        # Rate limits: one count in Redis for both hosts, keyed by the address nginx saw.
        # Counted from nothing: the phone's own enrolment may be a window ago on a slow run.
        redis_flush(REDIS_DB)
        statuses = _enrol_begin_until_refused(nginx, 2 * ENROL_LIMIT + 2)
        served = {line["upstream"] for line in nginx.log("/api/v1/auth/enrol/begin")}
        assert served == {f"127.0.0.1:{a.port}", f"127.0.0.1:{b.port}"}, served
        # Ten, then refused, though each host saw about half, and each request claimed
        # another address.
        assert statuses == [404] * ENROL_LIMIT + [429], statuses
        clock.lap("rate limit shared by both hosts")

        held_at_a = _sync_through_a_killed_server(phone, a, nginx)
        phone.screenshot("drill-https-after-a-host-died")  # what the recorder saw: all sent
        sync_lines = nginx.log("/api/v1/sync")
        retried = [
            line
            for line in sync_lines
            if line["upstream"] == f"127.0.0.1:{a.port}, 127.0.0.1:{b.port}"
        ]
        assert retried, sync_lines  # A, then B: nginx sent the held sync on
        assert retried[-1]["status"] == "200", sync_lines
        clock.lap(f"sync through the other host after SIGKILL (attempt {held_at_a})")

        engine = sa.create_engine(drill_database)
        with engine.connect() as conn:
            concerns = conn.execute(sa.text("SELECT count(*) FROM concerns")).scalar_one()
            due = conn.execute(
                sa.text("SELECT count(*) FROM deliveries WHERE next_deadline IS NOT NULL")
            ).scalar_one()
        assert concerns == _sent(phone) == held_at_a + 1  # every one once, none twice
        assert due > 0

        at = (datetime.now(UTC) + timedelta(days=30)).strftime("%Y-%m-%dT%H:%M:%S%z")
        first = _escalate_on_both(a, b, at)
        again = _escalate_on_both(a, b, at)
        with engine.connect() as conn:
            doubled = conn.execute(
                sa.text(
                    "SELECT count(*) FROM (SELECT root_id, cause, step, agency_id, inbox_id,"
                    " audience FROM deliveries WHERE root_id IS NOT NULL GROUP BY root_id,"
                    " cause, step, agency_id, inbox_id, audience HAVING count(*) > 1) d"
                )
            ).scalar_one()
        engine.dispose()
        assert sum(r["chains"] for r in first) >= due, first
        assert sum(r["escalations"] for r in first) > 0, first
        assert doubled == 0
        assert [r["chains"] for r in again] == [0, 0], again
        clock.lap(f"escalation sweeps on both at once {first}")

        b.cli("audit", "verify")  # the schedulers' checkpoints on both hosts, one chain
        for server in (a, b):
            assert "scheduler.job_failed" not in server.log.read_text()
        clock.lap("audit verify")
    finally:
        if chromium is not None:
            chromium.close()
        nginx.stop()
        for server in (a, b):
            server.stop()
    print(f"\ndrill timings (s): {clock.report()}")


def _sync_through_a_killed_server(phone: Phone, a: Server, nginx: Nginx) -> int:
    """Record offline, freeze host A, come back online: the sync is held at A; SIGKILL A.

    nginx takes its hosts in turn (one worker, equal weights), so while A is frozen the
    drill asks for /healthz until host B answers one: the next request goes to A, and the
    first request the phone makes on coming back online is its sync. Should the phone's
    sync still be answered before A dies, A is thawed and the next concern tries again.
    Returns how many concerns that took.
    """
    page = phone.page
    assert a.proc is not None
    for attempt in range(1, 4):
        answered = len(nginx.log("/api/v1/sync"))
        page.context.set_offline(True)
        record_concern(phone, dob=f"2012-04-0{attempt + 1}")
        os.killpg(a.proc.pid, signal.SIGSTOP)
        for _ in range(4):
            try:
                nginx.get("/healthz", timeout=1)  # host B: A is next
                break
            except OSError:  # held at A, frozen: given up
                continue
        page.context.set_offline(False)
        page.wait_for_timeout(2_000)
        if len(nginx.log("/api/v1/sync")) > answered:  # host B answered: not this time
            os.killpg(a.proc.pid, signal.SIGCONT)
            continue
        a.kill()  # the sync is in A's socket, unanswered: A dies with it
        expect(page.locator("#concerns li.sent")).to_have_count(1 + attempt, timeout=30_000)
        return attempt
    raise AssertionError("no sync went to host A in three tries")
