"""The deployment drill's parts: a self-signed certificate for ``localhost``, nginx running
deploy/nginx/frontline.conf (the recipe's own file) in a folder of its own in front of given
ports, and a reader of its access log.

Used by tests/browser/test_drill_https.py; nothing here is installed or started system-wide.
"""

from __future__ import annotations

import datetime as dt
import getpass
import ipaddress
import os
import re
import shutil
import signal
import socket
import ssl
import subprocess
import time
import urllib.request
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

ROOT = Path(__file__).resolve().parents[1]
RECIPE = ROOT / "deploy" / "nginx" / "frontline.conf"


def nginx_binary() -> str | None:
    return shutil.which("nginx") or next(
        (p for p in ("/usr/sbin/nginx",) if os.access(p, os.X_OK)), None
    )


def redis_answers(host: str = "127.0.0.1", port: int = 6379) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1) as s:
            s.sendall(b"PING\r\n")
            return s.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def redis_flush(db: int, host: str = "127.0.0.1", port: int = 6379) -> None:
    """Empty one Redis database (the drill's own number), so no count carries over."""
    with socket.create_connection((host, port), timeout=2) as s:
        s.sendall(f"SELECT {db}\r\nFLUSHDB\r\n".encode())
        reply = b""
        while reply.count(b"\r\n") < 2:
            reply += s.recv(64)
        assert reply == b"+OK\r\n+OK\r\n", reply


def self_signed(folder: Path) -> tuple[Path, Path]:
    """A certificate for localhost (and 127.0.0.1), valid for a day; return (cert, key)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "fullchain.pem", folder / "privkey.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    key_path.chmod(0o600)
    return cert_path, key_path


def render(
    *, port: int, upstreams: list[int], cert: Path, key: Path, folder: Path, redirect_port: int
) -> str:
    """The recipe's site file with this machine's ports, certificate and log in place."""
    site = RECIPE.read_text()
    servers = "".join(
        f"    server 127.0.0.1:{p} max_fails=1 fail_timeout=10s;\n" for p in upstreams
    )
    site, n = re.subn(r"(    server 10\.0\.0\.\d+:8000 [^\n]*\n)+", servers, site)
    assert n == 1, "the recipe's upstream block has changed shape"
    replacements = {
        "frontline.example.org": "localhost",
        "listen 443 ssl http2;": f"listen 127.0.0.1:{port} ssl http2;",
        "listen [::]:443 ssl http2;\n": "",
        "listen 80;": f"listen 127.0.0.1:{redirect_port};",
        "listen [::]:80;\n": "",
        "/etc/ssl/frontline/fullchain.pem": str(cert),
        "/etc/ssl/frontline/privkey.pem": str(key),
        "/var/log/nginx/frontline.access.log": str(folder / "access.log"),
    }
    for old, new in replacements.items():
        assert old in site, f"the recipe no longer says {old!r}"
        site = site.replace(old, new)
    user = f"user {getpass.getuser()};\n" if os.geteuid() == 0 else ""
    temp = "".join(
        f"    {kind}_temp_path {folder / kind};\n"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    return (
        f"{user}worker_processes 1;\npid {folder / 'nginx.pid'};\n"
        f"error_log {folder / 'error.log'} warn;\nevents {{ worker_connections 256; }}\n"
        f"http {{\n{temp}{site}}}\n"
    )


class Nginx:
    """nginx in the foreground of its own process, configured from the recipe."""

    def __init__(self, folder: Path, upstreams: list[int], port: int, redirect_port: int) -> None:
        self.folder = folder
        self.port = port
        folder.mkdir(parents=True, exist_ok=True)
        cert, key = self_signed(folder)
        self.cert = cert
        self.conf = folder / "nginx.conf"
        self.conf.write_text(
            render(
                port=port,
                upstreams=upstreams,
                cert=cert,
                key=key,
                folder=folder,
                redirect_port=redirect_port,
            )
        )
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        binary = nginx_binary()
        assert binary
        check = subprocess.run(
            [binary, "-t", "-q", "-p", str(self.folder), "-c", str(self.conf)],
            capture_output=True,
            text=True,
            check=False,
        )
        assert check.returncode == 0, check.stderr
        with (self.folder / "stderr.log").open("w") as stderr:
            self.proc = subprocess.Popen(
                [binary, "-p", str(self.folder), "-c", str(self.conf), "-g", "daemon off;"],
                stdout=subprocess.DEVNULL,
                stderr=stderr,
                start_new_session=True,
            )
        deadline = time.monotonic() + 20
        while True:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return
            except OSError:
                assert self.proc.poll() is None, (self.folder / "error.log").read_text()
                assert time.monotonic() < deadline, "nginx did not listen"
                time.sleep(0.05)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGQUIT)  # graceful: finish what is in flight
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)

    def log(self, uri: str) -> list[dict[str, str]]:
        """The access log's lines for one route: status, upstreams tried and their answers."""
        path = self.folder / "access.log"
        lines = path.read_text().splitlines() if path.exists() else []
        out = []
        for line in lines:
            m = re.match(r"\S+ (\S+) (\S+) (\d+) (\S+) upstream=(.*) upstream_status=(.*)$", line)
            if m and m.group(2) == uri:
                out.append(
                    {
                        "method": m.group(1),
                        "status": m.group(3),
                        "upstream": m.group(5),
                        "upstream_status": m.group(6),
                    }
                )
        return out

    def https(self) -> ssl.SSLContext:
        """A client context that trusts exactly this drill's certificate."""
        return ssl.create_default_context(cafile=str(self.cert))

    def get(self, path: str, timeout: float = 10) -> int:
        request = urllib.request.Request(f"https://localhost:{self.port}{path}")
        with urllib.request.urlopen(request, context=self.https(), timeout=timeout) as response:
            return int(response.status)
