"""Many phones syncing at once against the production server, with faults on the way.

Each phone is a thread with its own person, passkey and session, behind a trusted proxy
that tells the server its address (as a TLS proxy would). It syncs its sealed envelopes in
small batches and retries like the PWA's outbox: after a network error, a 5xx, or an answer
of "in progress" or "quarantined", with backoff, until each envelope has a final answer.
Used by ``bench/load.py`` (200 phones) and by a bounded test.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import func, make_url, select, text

import crypto
from backend.core.db import make_engine, make_sessionmaker
from backend.models import Concern, Receipt, ReceiptStatus
from bench.workload import concern_payload
from crypto.encoding import b64url_encode
from tests.authenticator import SoftAuthenticator
from tests.factories import make_invite
from tests.live import Client, Server

FINAL = {"accepted", "duplicate"}
TRANSIENT = {"envelope.in_progress", "envelope.quarantined"}
BATCH = 3


@dataclass
class Phone:
    client: Client
    device: SoftAuthenticator
    items: list[dict[str, str]] = field(default_factory=list)
    settled: dict[str, str] = field(default_factory=dict)  # client_id -> concern_id
    rejected: dict[str, str] = field(default_factory=dict)  # client_id -> code


@dataclass
class Run:
    phones: list[Phone]
    latencies: list[float] = field(default_factory=list)  # seconds per sync request
    errors: Counter[str] = field(default_factory=Counter)  # what phones saw, by kind
    ok: list[tuple[float, float]] = field(default_factory=list)  # (sent, answered) of 200s
    faults: dict[str, tuple[float, float]] = field(default_factory=dict)  # name -> (from, to)
    last_settled: float = 0.0
    started: float = 0.0
    finished: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def recovery(self, fault: str) -> float | None:
        """Seconds from the end of a fault until a request sent after it was answered 200."""
        if fault not in self.faults:
            return None
        end = self.faults[fault][1]
        after = [answered for sent, answered in self.ok if sent >= end]
        return min(after) - end if after else None


def prepare(server: Server) -> None:
    """Create the schema, the key ring and the demo partnership (before the server starts)."""
    server.demo_invites()


def enrol_phones(server: Server, count: int) -> list[Phone]:
    """Invite and enrol ``count`` recorders, each behind its own forwarded address."""
    instance = Path(server.env["FRONTLINE_INSTANCE"])
    ring = crypto.load_keyring_file(instance / "keyring")
    engine = make_engine(server.env["DATABASE_URL"])
    sessions = make_sessionmaker(engine)
    tokens = [make_invite(sessions, ring, name=f"Load phone {n}") for n in range(count)]
    engine.dispose()
    phones = []
    for n, token in enumerate(tokens):
        address = f"10.{n // 250}.{n % 250}.{7 + n % 3}"
        client = Client(server.origin, headers={"X-Forwarded-For": address})
        device = SoftAuthenticator(origin=server.origin)
        client.enrol(token, device)
        phones.append(Phone(client, device))
    return phones


def seal(phones: list[Phone], per_phone: int, *, seed: int = 7) -> None:
    """Seal ``per_phone`` concerns on each phone, about a varied population of children."""
    rng = random.Random(seed)
    kid, key = phones[0].client.sealing_key()
    for phone in phones:
        for _ in range(per_phone):
            payload = concern_payload(rng)
            challenge = crypto.proof_challenge(payload)
            payload["proof"] = {
                "type": "webauthn",
                "credential": phone.device.get({"challenge": b64url_encode(challenge)}),
            }
            jwe = crypto.seal_envelope(json.dumps(payload).encode(), key, kid=kid)
            phone.items.append({"client_id": payload["client_id"], "jwe": jwe})


def _phone_loop(run: Run, phone: Phone, deadline: float, rng: random.Random) -> None:
    attempts = 0
    while time.monotonic() < deadline:
        done = phone.settled.keys() | phone.rejected.keys()
        pending = [i for i in phone.items if i["client_id"] not in done]
        if not pending:
            return
        t0 = time.monotonic()
        try:
            status, body = phone.client.call(
                "POST", "/sync", {"envelopes": pending[:BATCH]}, timeout=30
            )
        except OSError as exc:
            status, body = 0, None
            with run.lock:
                run.errors[f"network:{type(exc).__name__}"] += 1
        took = time.monotonic() - t0
        if status == 200:
            with run.lock:
                run.latencies.append(took)
                run.ok.append((t0, t0 + took))
            transient = False
            for result in body["results"]:
                if result["status"] in FINAL:
                    phone.settled[result["client_id"]] = result["concern_id"]
                    run.last_settled = max(run.last_settled, time.monotonic())
                elif result["error"]["code"] in TRANSIENT:
                    transient = True
                    with run.lock:
                        run.errors[result["error"]["code"]] += 1
                else:
                    phone.rejected[result["client_id"]] = result["error"]["code"]
            attempts = attempts + 1 if transient else 0
        else:
            attempts += 1
            if status:
                with run.lock:
                    run.errors[f"http:{status}"] += 1
        if attempts:
            time.sleep(min(5.0, 0.2 * 2**attempts) * (0.5 + rng.random() / 2))
        else:
            time.sleep(rng.random() * 0.05)


def workers_of(server: Server) -> list[int]:
    assert server.proc is not None
    out = subprocess.run(
        ["pgrep", "-P", str(server.proc.pid)], capture_output=True, text=True, check=False
    )
    return [int(p) for p in out.stdout.split()]


def restart_postgres(database_url: str, down: float = 2.0) -> None:
    """The database goes away and comes back, as in a restart of PostgreSQL: every
    connection to it is cut, and new ones are refused for ``down`` seconds. Only this
    database: the tests beside it on the same server (other xdist workers) keep theirs,
    which a restart of the whole server would cut in the middle of their work."""
    name = make_url(database_url).database
    admin = make_engine(
        make_url(database_url).set(database="postgres").render_as_string(hide_password=False),
        isolation_level="AUTOCOMMIT",
    )
    cut = text(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
        " WHERE datname = :name AND pid <> pg_backend_pid()"
    )
    try:
        with admin.connect() as conn:
            conn.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false'))
            conn.execute(cut, {"name": name})
            time.sleep(down)
            conn.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true'))
    finally:
        admin.dispose()


def run_load(
    phones: list[Phone],
    server: Server,
    *,
    faults: dict[str, float],
    limit: float = 600.0,
) -> Run:
    """Let every phone sync; inject faults (``kill_worker``, ``restart_postgres``) at the
    given seconds after the start."""
    run = Run(phones)
    run.started = time.monotonic()
    deadline = run.started + limit
    threads = [
        threading.Thread(target=_phone_loop, args=(run, p, deadline, random.Random(n)))
        for n, p in enumerate(phones)
    ]
    for t in threads:
        t.start()
    for name, at in sorted(faults.items(), key=lambda f: f[1]):
        time.sleep(max(0.0, run.started + at - time.monotonic()))
        began = time.monotonic()
        if name == "kill_worker":
            os.kill(workers_of(server)[0], signal.SIGKILL)
        elif name == "restart_postgres":
            restart_postgres(server.env["DATABASE_URL"])
        run.faults[name] = (began, time.monotonic())
    for t in threads:
        t.join()
    # Phones that settled everything before a fault ended sent nothing after it: ask the
    # server once more, as a phone opening its list would, to see that it came back.
    for _, ended in run.faults.values():
        if not any(sent >= ended for sent, _ in run.ok):
            _probe(run, phones[0], min(deadline, time.monotonic() + 60))
    run.finished = time.monotonic()
    return run


def _probe(run: Run, phone: Phone, deadline: float) -> None:
    """A database-backed request (the phone's list), tried until answered 200."""
    while time.monotonic() < deadline:
        t0 = time.monotonic()
        try:
            status, _ = phone.client.call("GET", "/concerns/mine", timeout=30)
        except OSError:
            status = 0
        if status == 200:
            with run.lock:
                run.ok.append((t0, time.monotonic()))
            return
        time.sleep(0.2)


def outcome(database_url: str, phones: list[Phone]) -> dict[str, Any]:
    """What the database holds for the phones' envelopes: each one concern or one kept
    receipt with its reason, none lost, none doubled."""
    sent = {i["client_id"] for p in phones for i in p.items}
    engine = make_engine(database_url)
    with make_sessionmaker(engine)() as s:
        rows = s.execute(select(Concern.client_id, Concern.id)).all()
        kept = s.execute(
            select(Receipt.client_id, Receipt.status, Receipt.error_code).where(
                Receipt.status.not_in([ReceiptStatus.ACCEPTED, ReceiptStatus.DUPLICATE])
            )
        ).all()
        receipts = s.scalar(select(func.count()).select_from(Receipt))
    engine.dispose()
    concerns = [str(c) for c, _ in rows]
    concern_of = {str(c): str(i) for c, i in rows}
    stored = Counter(concerns)
    kept_ids = {str(c) for c, _, _ in kept}
    return {
        "sent": len(sent),
        "concerns": len(concerns),
        "doubled": sorted(c for c, n in stored.items() if n > 1),
        "lost": sorted(sent - set(stored) - kept_ids),
        "kept": [(str(c), st.value, code) for c, st, code in kept],
        "unknown": sorted(set(stored) - sent),
        "receipts": receipts,
        # Each phone was told the concern the database holds for its envelope.
        "phones_agree": all(
            concern_of.get(c) == cid for p in phones for c, cid in p.settled.items()
        ),
        "unsettled": sum(len(p.items) - len(p.settled) - len(p.rejected) for p in phones),
    }


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")
