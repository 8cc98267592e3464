"""Web Push: subscriptions, messages without personal data, retries, and revocation."""

from __future__ import annotations

import json
import os
import threading
import time
from dataclasses import replace
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import http_ece
import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from joserfc import jwt
from joserfc.jwk import ECKey
from prometheus_client import REGISTRY
from sqlalchemy import delete, func, select, text

from backend import create_app
from backend.core.later import db_write_waiting
from backend.models import Delivery, Notification, PushSubscription, utcnow
from backend.services.concerns.push import db_queue_messages, db_queue_push, send_due
from backend.services.records.audit import db_audit
from crypto.encoding import b64url_decode, b64url_encode
from tests.factories import H, envelope, make_concern, person, sync


class PushService:
    """A stand-in push service on localhost that records what it is sent."""

    def __init__(self) -> None:
        self.received: list[tuple[dict[str, str], bytes]] = []
        self.answer = 201
        service = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - the http.server hook
                body = self.rfile.read(int(self.headers["Content-Length"]))
                service.received.append((dict(self.headers), body))
                self.send_response(service.answer)
                if 300 <= service.answer < 400:
                    self.send_header("Location", service.url + "/moved")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("localhost", 0), Handler)
        self.url = f"http://localhost:{self.server.server_address[1]}/push/device-1"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def service():  # type: ignore[no-untyped-def]
    found = PushService()
    yield found
    found.close()


@pytest.fixture
def push_app(config):  # type: ignore[no-untyped-def]
    application = create_app(replace(config, push_hosts=("localhost",)))
    yield application
    application.extensions["frontline"].engine.dispose()


def browser_subscription(endpoint: str) -> tuple[dict[str, Any], ec.EllipticCurvePrivateKey, bytes]:
    """What a browser's PushManager.subscribe() gives: an endpoint and its keys."""
    key = ec.generate_private_key(ec.SECP256R1())
    auth = os.urandom(16)
    point = key.public_key().public_bytes(Encoding.X962, PublicFormat.UncompressedPoint)
    body = {
        "endpoint": endpoint,
        "expirationTime": None,
        "keys": {"p256dh": b64url_encode(point), "auth": b64url_encode(auth)},
    }
    return body, key, auth


def mash_member(app: Any) -> tuple[Any, dict[str, Any]]:
    client, _, me = person(
        app,
        agency="Riverside Children's Social Care",
        roles=("inbox_member",),
        inboxes=("MASH",),
        name="MASH member",
    )
    return client, me


def count(sessions: Any, model: Any) -> int:
    with sessions() as s:
        return int(s.scalar(select(func.count()).select_from(model)))


def test_a_serious_delivery_notifies_inbox_devices_without_personal_data(  # type: ignore[no-untyped-def]
    push_app, service
) -> None:
    state = push_app.extensions["frontline"]
    member, _ = mash_member(push_app)
    sub, key, auth = browser_subscription(service.url)
    elsewhere = dict(sub, endpoint="http://intranet.example/admin")
    refused = member.post("/api/v1/me/push", json=elsewhere, headers=H)
    assert (refused.status_code, refused.get_json()["code"]) == (422, "push.endpoint_refused")
    assert member.post("/api/v1/me/push", json=sub, headers=H).status_code == 204
    with state.sessions() as s:
        stored = s.scalar(select(PushSubscription))
        assert service.url.encode() not in stored.crypto_subscription

    recorder, device, _ = person(push_app, roles=("recorder",), name="PC Push")
    low = make_concern(categories=["neglect"], level="early_help")
    serious = make_concern(categories=["neglect"], level="significant_harm")
    results = sync(recorder, envelope(push_app, device, low), envelope(push_app, device, serious))
    assert [r["status"] for r in results] == ["accepted", "accepted"]
    assert count(state.sessions, Notification) == 1  # early help does not wake anyone

    assert send_due(state.sessions, state.keyring, contact="mailto:ops@example.org") == {
        "sent": 1,
        "failed": 0,
        "dropped": 0,
    }
    ((headers, body),) = service.received
    headers = {k.lower(): v for k, v in headers.items()}
    message = json.loads(
        http_ece.decrypt(body, private_key=key, auth_secret=auth, version="aes128gcm")
    )
    assert message["title"] == "New concern in MASH"
    assert message["body"] == "Significant harm"
    for personal in ("Zoë", "O'Brien", "Ricky", "07700", "Oakview", "PC Push"):
        assert personal not in json.dumps(message)
    # The VAPID header names our key and is signed by it (RFC 8292).
    scheme, params = headers["authorization"].split(" ", 1)
    fields = dict(p.strip().split("=", 1) for p in params.split(","))
    assert scheme == "vapid"
    public = member.get("/api/v1/push/key").get_json()["public_key"]
    assert fields["k"] == public
    raw = b64url_decode(public)
    jwk = ECKey.import_key(
        {"kty": "EC", "crv": "P-256", "x": b64url_encode(raw[1:33]), "y": b64url_encode(raw[33:])}
    )
    claims = jwt.decode(fields["t"], jwk).claims
    assert claims["sub"] == "mailto:ops@example.org"
    assert claims["aud"] == service.url.split("/push")[0]
    # Sent once: a second run has nothing to do.
    assert send_due(state.sessions, state.keyring, contact="mailto:ops@example.org")["sent"] == 0


def _subscribed_and_due(app: Any, service: Any) -> None:
    """A MASH member's device subscribed, and an immediate-danger concern that notifies it."""
    member, _ = mash_member(app)
    sub, _, _ = browser_subscription(service.url)
    member.post("/api/v1/me/push", json=sub, headers=H)
    recorder, device, _ = person(app, roles=("recorder",), name="PC Push")
    sync(recorder, envelope(app, device, make_concern(level="immediate_danger")))


def _push_retries() -> float:
    return REGISTRY.get_sample_value("frontline_push_failures_total", {"outcome": "retry"}) or 0.0


def test_failures_are_retried_later_and_gone_subscriptions_forgotten(push_app, service) -> None:  # type: ignore[no-untyped-def]
    state = push_app.extensions["frontline"]
    _subscribed_and_due(push_app, service)
    service.answer = 503
    now = utcnow()
    retries = _push_retries()
    first = send_due(state.sessions, state.keyring, contact="mailto:x@example.org", now=now)
    assert first["failed"] == 1
    assert _push_retries() == retries + 1  # and the metric counts it
    # Not before its backoff (two minutes after the first failure) ...
    soon = now + timedelta(minutes=1)
    assert send_due(state.sessions, state.keyring, contact="mailto:x@example.org", now=soon) == {
        "sent": 0,
        "failed": 0,
        "dropped": 0,
    }
    # ... then the service says the subscription is gone: it is forgotten.
    service.answer = 410
    later = now + timedelta(minutes=3)
    gone = send_due(state.sessions, state.keyring, contact="mailto:x@example.org", now=later)
    assert gone["dropped"] == 1
    assert count(state.sessions, PushSubscription) == 0
    assert len(service.received) == 2


def test_15_3_2_a_redirect_from_the_push_service_is_not_followed(push_app, service) -> None:  # type: ignore[no-untyped-def]
    state = push_app.extensions["frontline"]
    _subscribed_and_due(push_app, service)
    for status in (307, 302):
        service.answer = status
        service.received.clear()
        result = send_due(
            state.sessions,
            state.keyring,
            contact="mailto:x@example.org",
            now=utcnow() + timedelta(hours=1 if status == 302 else 0),
        )
        assert result["failed"] == 1, result
        assert len(service.received) == 1  # the post itself; never the redirect's target
        assert service.received[0][0]["Host"].startswith("localhost")


def test_revoking_a_device_removes_its_subscriptions(push_app, service) -> None:  # type: ignore[no-untyped-def]
    state = push_app.extensions["frontline"]
    member, me = mash_member(push_app)
    sub, _, _ = browser_subscription(service.url)
    member.post("/api/v1/me/push", json=sub, headers=H)
    assert count(state.sessions, PushSubscription) == 1
    passkey = me["passkeys"][0]["id"]
    assert member.post(f"/api/v1/me/passkeys/{passkey}/revoke", headers=H).status_code == 200
    assert count(state.sessions, PushSubscription) == 0


def test_each_audience_hears_of_its_deliveries_and_no_one_else(push_app, service) -> None:  # type: ignore[no-untyped-def]
    """A delivery to an inbox's members, to its supervisors, or to an agency's leads wakes
    the devices of exactly those people (one query per audience, built once)."""
    state = push_app.extensions["frontline"]
    children = "Riverside Children's Social Care"
    people = {
        "member": person(push_app, agency=children, roles=("inbox_member",), inboxes=("MASH",)),
        "supervisor": person(
            push_app, agency=children, roles=("inbox_supervisor",), inboxes=("MASH",)
        ),
        "lead": person(push_app, agency=children, roles=("agency_lead",)),
        "police lead": person(push_app, roles=("agency_lead",)),
    }
    device_of = {}
    for who, (client, _, me) in people.items():
        sub, _, _ = browser_subscription(f"{service.url}/{who.replace(' ', '-')}")
        assert client.post("/api/v1/me/push", json=sub, headers=H).status_code == 204
        device_of[me["user"]["id"]] = who
    recorder, device, _ = person(push_app, roles=("recorder",), name="PC Push")
    sync(recorder, envelope(push_app, device, make_concern(level="early_help")))
    with state.sessions() as s:
        delivery = s.scalar(select(Delivery).where(Delivery.inbox_id.is_not(None)))
        base = {
            "inbox_id": delivery.inbox_id,
            "agency_id": delivery.agency_id,
            "level": delivery.level,
            "rank": delivery.rank,
        }
        heard = {}
        for audience in ("members", "supervisors", "agency_leads"):
            s.execute(delete(Notification))
            row = {**base, "id": delivery.id, "audience": audience}
            db_queue_push(s, [row], labels={delivery.id: "MASH"}, escalation=True)
            db_write_waiting(s)  # as the commit would (``backend/core/later.py``)
            heard[audience] = sorted(
                device_of[str(user)]
                for user in s.scalars(
                    select(PushSubscription.user_id).join(
                        Notification, Notification.subscription_id == PushSubscription.id
                    )
                )
            )
        s.rollback()
    # A supervisor is a member of the inbox too; the other agency's lead hears nothing.
    assert heard == {
        "members": ["member", "supervisor"],
        "supervisors": ["supervisor"],
        "agency_leads": ["lead"],
    }


def test_a_message_waiting_for_a_revoked_device_holds_no_audited_write_up(
    push_app: Any, service: PushService
) -> None:
    """A message queued for a device whose subscription another transaction is deleting
    (its device revoked, its owner disabled) waits for that row at the commit: before the
    audit chain's head is taken, so the revocation's own audit entry goes in at once,
    where it would otherwise wait on the head and PostgreSQL break the deadlock."""
    state = push_app.extensions["frontline"]
    if state.engine.dialect.name != "postgresql":
        pytest.skip("SQLite lets one writer in at a time: no row lock to wait for")
    member, _ = mash_member(push_app)
    sub, _, _ = browser_subscription(service.url)
    assert member.post("/api/v1/me/push", json=sub, headers=H).status_code == 204
    with state.sessions() as s:
        device = s.scalar(select(PushSubscription.id))
    revoking, telling = state.sessions(), state.sessions()
    failed: dict[str, BaseException] = {}

    def commit() -> None:
        try:
            telling.commit()
        except Exception as exc:  # noqa: BLE001 - the test reads what it was
            failed["telling"] = exc
            telling.rollback()

    thread = threading.Thread(target=commit)
    try:
        revoking.execute(delete(PushSubscription).where(PushSubscription.id == device))
        db_audit(telling, "concern.collected")
        db_queue_messages(telling, [device], title="New concern in MASH", body="Significant harm")
        thread.start()
        _wait_for_a_row_lock_wait(revoking, failed)
        revoking.execute(text("SET LOCAL lock_timeout = '5s'"))  # a held head fails, not hangs
        db_audit(revoking, "passkey.revoked")
        revoking.commit()  # raised, were the head held by the waiting commit
    finally:
        revoking.rollback()  # nothing, after the commit; the row, after a failure
        if thread.ident is not None:
            thread.join(10)
        telling.close()
        revoking.close()
    # The device is gone: the message to it fails its commit, which the pipeline takes
    # again (``ingest._process_together``), asking afresh whose devices hear of it.
    assert "ForeignKeyViolation" in repr(failed["telling"])


def _wait_for_a_row_lock_wait(other: Any, failed: dict[str, BaseException]) -> None:
    """Until another session waits for a row lock (the commit, on the deleted device)."""
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and not failed:
        other.execute(text("SELECT pg_stat_clear_snapshot()"))  # else read once a transaction
        waiting = other.scalar(
            text(
                "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
                " AND pid <> pg_backend_pid()"
            )
        )
        if waiting:
            return
        time.sleep(0.05)
    raise AssertionError(f"the commit never waited for the deleted device's row: {failed}")
