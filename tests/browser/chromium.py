"""Chromium for the browser tests: the real server as a subprocess, Debian's Chromium
driven by Playwright. The fixtures are registered in tests/conftest.py, so one browser
serves every directory.

Chromium comes from the system (``apt-get install chromium``; .ci/run installs it), never
from ``playwright install``. WebAuthn needs the origin http://localhost:PORT.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.live import Server

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
    invites: list[dict[str, Any]]
    log: Path | None = None  # the server's stderr
    server: Server | None = None

    def invite(self, name: str) -> str:
        return next(i["url"] for i in self.invites if i["name"] == name)

    def cli(self, *args: str) -> str:
        """Run ``frontline ARGS`` against this server's database and instance; its output."""
        assert self.server is not None  # noqa: S101 - a fixture's server
        return self.server.cli(*args)


@pytest.fixture
def live_server(tmp_path: Path, database_url: str) -> Iterator[LiveServer]:
    server = Server(tmp_path / "instance", database_url)
    invites = server.demo_invites()
    server.start()
    yield LiveServer(origin=server.origin, invites=invites, log=server.log, server=server)
    server.stop()


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        pytest.skip("Chromium is not installed (apt-get install -y chromium; .ci/run does)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        instance = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield instance
        instance.close()


def new_authenticator(cdp: Any, *, prf: bool = True) -> str:
    """Add a platform authenticator with user verification and resident keys (and the PRF
    extension unless ``prf`` is false) to a DevTools session; return its id."""
    options = {
        "protocol": "ctap2",
        "transport": "internal",
        "hasResidentKey": True,
        "hasUserVerification": True,
        "isUserVerified": True,
        "automaticPresenceSimulation": True,
        "hasPrf": prf,
    }
    result = cdp.send("WebAuthn.addVirtualAuthenticator", {"options": options})
    return result["authenticatorId"]  # type: ignore[no-any-return]


def add_authenticator(page: Any) -> tuple[Any, str]:
    """Give a page a platform authenticator with user verification and resident keys."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable", {"enableUI": False})
    return cdp, new_authenticator(cdp)
