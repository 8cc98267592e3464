"""Against the real server: SIGKILL mid-batch loses nothing; racing replays store once."""

from __future__ import annotations

import contextlib
import json
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

import crypto
from backend.core.db import make_engine, make_sessionmaker
from backend.models import Concern, Receipt, ReceiptStatus
from backend.services.linking.alerts import held
from crypto.encoding import b64url_encode
from tests.authenticator import SoftAuthenticator
from tests.factories import make_concern
from tests.live import Client, Server

FINAL = {"accepted", "duplicate"}


def _batch(client: Client, device: SoftAuthenticator, n: int) -> list[dict[str, str]]:
    kid, key = client.sealing_key()
    items = []
    for _ in range(n):
        payload = make_concern()
        challenge = crypto.proof_challenge(payload)
        payload["proof"] = {
            "type": "webauthn",
            "credential": device.get({"challenge": b64url_encode(challenge)}),
        }
        jwe = crypto.seal_envelope(json.dumps(payload).encode(), key, kid=kid)
        items.append({"client_id": payload["client_id"], "jwe": jwe})
    return items


def _recorder(server: Server) -> tuple[Client, SoftAuthenticator]:
    invites = server.demo_invites()
    token = next(i["token"] for i in invites if i["name"] == "PC Sam Okafor")
    client = Client(server.origin)
    device = SoftAuthenticator(origin=server.origin)
    client.enrol(token, device)
    return client, device


def _sync_until_settled(client: Client, batch: list[dict[str, str]]) -> dict[str, str]:
    """Retry like the phone's outbox: until every envelope has a final answer."""
    concern_of: dict[str, str] = {}
    deadline = time.monotonic() + 120
    while len(concern_of) < len(batch):
        assert time.monotonic() < deadline, "the outbox never settled"
        pending = [i for i in batch if i["client_id"] not in concern_of]
        try:
            status, body = client.call("POST", "/sync", {"envelopes": pending}, timeout=30)
        except OSError:
            time.sleep(0.5)
            continue
        assert status == 200, body
        for result in body["results"]:
            if result["status"] in FINAL:
                concern_of[result["client_id"]] = result["concern_id"]
            else:
                assert result["error"]["code"] in (
                    "envelope.in_progress",
                    "envelope.quarantined",
                ), result
        time.sleep(0.3)
    return concern_of


def _assert_exactly_once(
    database_url: str, batch: list[dict[str, str]], concern_of: dict[str, str]
) -> None:
    engine = make_engine(database_url)
    with make_sessionmaker(engine)() as s:
        rows = s.execute(select(Concern.client_id, Concern.id)).all()
        open_receipts = s.scalar(
            select(func.count())
            .select_from(Receipt)
            .where(Receipt.status.not_in([ReceiptStatus.ACCEPTED, ReceiptStatus.DUPLICATE]))
        )
    engine.dispose()
    stored = {str(c): str(i) for c, i in rows}
    assert len(rows) == len(batch) == len(stored)  # none lost, none doubled
    assert stored == concern_of
    assert open_receipts == 0


@pytest.mark.slow  # about 14 s: a real server, killed mid-batch
def test_2_3_3_sigkill_mid_batch_loses_and_doubles_nothing(
    tmp_path: Path, database_url: str
) -> None:
    server = Server(tmp_path / "instance", database_url, FRONTLINE_RECEIPT_LEASE_SECONDS="1")
    server.start(workers=2, threads=4)
    try:
        client, device = _recorder(server)
        batch = _batch(client, device, 50)
        for delay in (0.05, 0.15, 0.4):
            sender = threading.Thread(
                target=lambda: _ignore(client.call, "POST", "/sync", {"envelopes": batch})
            )
            sender.start()
            time.sleep(delay)
            server.kill()  # mid-flight: some received, some stored, some not yet seen
            sender.join(timeout=60)
            time.sleep(1.1)  # let the dead worker's leases run out
            server.start(workers=2, threads=4)
        concern_of = _sync_until_settled(client, batch)
    finally:
        server.stop()
    _assert_exactly_once(database_url, batch, concern_of)


def _ignore(fn: Any, *args: Any) -> None:
    with contextlib.suppress(OSError):  # the server dies under it, as intended
        fn(*args, timeout=30)


@pytest.mark.slow  # about 6 s: racing threads over a real server
def test_2_3_4_racing_replays_store_each_concern_once(tmp_path: Path, database_url: str) -> None:
    server = Server(tmp_path / "instance", database_url)
    server.start(workers=2, threads=8)
    try:
        client, device = _recorder(server)
        batch = _batch(client, device, 20)
        answers: list[list[dict[str, Any]]] = []
        start = threading.Barrier(8)

        def replay() -> None:
            start.wait()
            status, body = client.call("POST", "/sync", {"envelopes": batch})
            assert status == 200, body
            answers.append(body["results"])

        threads = [threading.Thread(target=replay) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)
        assert len(answers) == 8
        accepted = [r["client_id"] for a in answers for r in a if r["status"] == "accepted"]
        assert len(accepted) == len(set(accepted))  # no envelope accepted twice
        concern_of = _sync_until_settled(client, batch)
    finally:
        server.stop()
    _assert_exactly_once(database_url, batch, concern_of)


def test_2_3_4_first_concerns_about_one_child_at_once_make_one_subject_and_one_alert(  # type: ignore[no-untyped-def]
    app, sessions
) -> None:
    """Six recorders sync their first concerns about one new child at the same moment, and
    six more about six children seen in one car: one subject, one network alert."""
    from backend.models import Alert, Subject
    from tests.factories import H, envelope, person

    app.extensions["frontline.limiter"].enabled = False
    phones = [person(app, name=f"Recorder {n}") for n in range(6)]
    same_child = [
        envelope(app, device, make_concern(subject={**make_concern()["subject"]}, associated=[]))
        for _, device, _ in phones
    ]
    same_car = []
    for n, (_, device, _) in enumerate(phones):
        subject = {"given_name": f"Child{n}", "family_name": "Other", "approx_age": 14}
        same_car.append(
            envelope(
                app,
                device,
                make_concern(
                    subject=subject, associated=[{"kind": "vehicle", "registration": "KX19 QZJ"}]
                ),
            )
        )
    for batch in (same_child, same_car):
        start = threading.Barrier(len(phones))
        answers: list[Any] = []

        def send(
            n: int,
            batch: list[dict[str, str]] = batch,
            start: Any = start,
            answers: list[Any] = answers,
        ) -> None:
            start.wait()
            client = phones[n][0]
            answers.append(client.post("/api/v1/sync", json={"envelopes": [batch[n]]}, headers=H))

        threads = [threading.Thread(target=send, args=(n,)) for n in range(len(phones))]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert [a.get_json()["results"][0]["status"] for a in answers] == ["accepted"] * 6
    with sessions() as s:
        child = {
            s.scalar(
                select(Concern.subject_id).where(Concern.client_id == uuid.UUID(e["client_id"]))
            )
            for e in same_child
        }
        assert len(child) == 1
        assert s.scalar(select(func.count()).select_from(Subject)) == 1 + 6
        networks = s.scalars(select(Alert).where(Alert.kind == "network")).all()
        assert len(networks) == 1
        assert len(held(s, [networks[0].id])[networks[0].id].subjects) == 6
