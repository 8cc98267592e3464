"""The real server as a subprocess (gunicorn via ``frontline serve``), and an HTTP client.

Used by tests that must cross a real socket: browsers, crash safety, concurrency.
"""

from __future__ import annotations

import http.cookiejar
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ec

from crypto.encoding import b64url_decode


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    """``frontline serve`` in its own process group, so a kill takes every worker with it."""

    def __init__(self, instance: Path, database_url: str, **env: str) -> None:
        self.port = free_port()
        self.origin = f"http://localhost:{self.port}"
        self.env = {
            **os.environ,
            "FRONTLINE_ENV": "development",
            "FRONTLINE_INSTANCE": str(instance),
            "DATABASE_URL": database_url,
            "FRONTLINE_ORIGINS": self.origin,
            **env,
        }
        self.proc: subprocess.Popen[bytes] | None = None
        # A file, not a pipe: nobody reads a pipe while the server runs, and a full one
        # would block the server's logging.
        self.log = instance.parent / f"server-{self.port}.log"

    def cli(self, *args: str) -> str:
        done = subprocess.run(
            [sys.executable, "-m", "backend.cli", *args],
            env=self.env,
            capture_output=True,
            text=True,
            check=True,
        )
        return done.stdout

    def demo_invites(self, *, history: bool = False) -> list[dict[str, Any]]:
        """Seed the demo; without its child's history unless asked (tests count what the
        inboxes and alerts hold)."""
        flag = "--history" if history else "--no-history"
        return json.loads(self.cli("demo", "--json", flag))["invites"]  # type: ignore[no-any-return]

    def start(self, *, workers: int = 1, threads: int = 4) -> None:
        command = [
            sys.executable,
            "-m",
            "backend.cli",
            "serve",
            "--port",
            str(self.port),
            "--workers",
            str(workers),
            "--threads",
            str(threads),
        ]
        with self.log.open("a") as log:
            self.proc = subprocess.Popen(
                command, env=self.env, stdout=log, stderr=log, start_new_session=True
            )
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/api/v1/keys", timeout=2):
                    return
            except OSError as exc:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    self.kill()
                    raise RuntimeError(f"server did not start: {self.stderr()}") from exc
                time.sleep(0.1)

    def stderr(self) -> str:
        return self.log.read_text()[-4000:] if self.log.exists() else ""

    def kill(self) -> None:
        """SIGKILL the whole server: master and workers, no chance to clean up."""
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=20)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()


class Client:
    """A cookie-keeping JSON client that speaks to the API like the PWA does."""

    def __init__(self, origin: str, headers: dict[str, str] | None = None) -> None:
        self.origin = origin
        self.headers = headers or {}  # e.g. X-Forwarded-For behind a trusted proxy
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )

    def call(
        self, method: str, path: str, body: Any = None, timeout: float = 60
    ) -> tuple[int, Any]:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(
            f"{self.origin}/api/v1{path}",
            data=data,
            method=method,
            headers={
                "Content-Type": "application/json",
                "X-Requested-With": "frontline",
                **self.headers,
            },
        )
        try:
            with self.opener.open(request, timeout=timeout) as response:
                raw = response.read()
                return response.status, json.loads(raw) if raw else None
        except urllib.error.HTTPError as error:
            with error:
                return error.code, json.loads(error.read() or b"{}")

    def enrol(self, token: str, device: Any) -> dict[str, Any]:
        status, options = self.call("POST", "/auth/enrol/begin", {"invite": token})
        assert status == 200, options
        status, me = self.call(
            "POST", "/auth/enrol/finish", {"invite": token, "credential": device.create(options)}
        )
        assert status == 200, me
        return me  # type: ignore[no-any-return]

    def sealing_key(self) -> tuple[str, ec.EllipticCurvePublicKey]:
        """Fetch the current sealing key as the phone does: the first of GET /keys."""
        _, body = self.call("GET", "/keys")
        jwk = body["keys"][0]
        point = b"\x04" + b64url_decode(jwk["x"]) + b64url_decode(jwk["y"])
        return jwk["kid"], ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), point)
