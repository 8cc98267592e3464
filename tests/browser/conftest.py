"""Browser tests: the real server as a subprocess, Debian's Chromium driven by Playwright.

Chromium comes from the system (``apt-get install chromium``; .ci/run installs it), never
from ``playwright install``. WebAuthn needs the origin http://localhost:PORT.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@dataclass
class LiveServer:
    origin: str
    env: dict[str, str]
    invites: list[dict[str, Any]]

    def invite(self, name: str) -> str:
        return next(i["url"] for i in self.invites if i["name"] == name)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def live_server(tmp_path: Path, database_url: str) -> Iterator[LiveServer]:
    port = _free_port()
    origin = f"http://localhost:{port}"
    env = {
        **os.environ,
        "FRONTLINE_ENV": "development",
        "FRONTLINE_INSTANCE": str(tmp_path / "instance"),
        "DATABASE_URL": database_url,
        "FRONTLINE_ORIGINS": origin,
    }
    cli = [sys.executable, "-m", "backend.cli"]
    demo = subprocess.run(
        [*cli, "demo", "--json"], env=env, capture_output=True, text=True, check=True
    )
    invites = json.loads(demo.stdout)["invites"]
    proc = subprocess.Popen(
        [*cli, "serve", "--port", str(port), "--workers", "1", "--threads", "4"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/keys", timeout=2):
                break
        except OSError as exc:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                raise RuntimeError(
                    "server did not start: " + (proc.stderr.read() if proc.stderr else "")
                ) from exc
            time.sleep(0.2)
    yield LiveServer(origin=origin, env=env, invites=invites)
    proc.terminate()
    try:
        proc.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        pytest.skip("Chromium is not installed (apt-get install -y chromium; .ci/run does)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        instance = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield instance
        instance.close()


def add_authenticator(page: Any) -> tuple[Any, str]:
    """Give a page a platform authenticator with user verification and resident keys."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable", {"enableUI": False})
    result = cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
                "automaticPresenceSimulation": True,
                "hasPrf": True,
            }
        },
    )
    return cdp, result["authenticatorId"]
