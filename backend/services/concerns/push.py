"""Web Push: subscriptions per device, a durable outbox, and a sender that retries.

Messages name an inbox and a level, never a child or a person ("New concern in MASH —
immediate danger"). Queueing happens in the transaction that makes the delivery; sending
happens later, outside any request, so a slow or failing push service never blocks ingest.
"""

from __future__ import annotations

import hashlib
import json
import logging
import uuid
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import Select, delete, literal, select, union_all
from sqlalchemy.orm import Session, sessionmaker

import crypto
from backend.core.errors import Invalid
from backend.core.metrics import PUSH_FAILURES
from backend.models import (
    NO_DEADLINE,
    Membership,
    Notification,
    PushSubscription,
    User,
    UserRole,
    UserStatus,
    insert_into,
    utcnow,
)
from backend.models.people import RoleName
from backend.services.concerns.deliveries import DeliveryRow
from backend.services.records.sealed import db_data_key, seal, unseal

log = logging.getLogger("frontline.push")

URGENT_RANK = 3  # significant_harm and above notify at once (docs/domain/routing.md)
MAX_ATTEMPTS = 6
LEVEL_WORDS = {
    "immediate_danger": "immediate danger",
    "significant_harm": "significant harm",
    "child_in_need": "child in need",
    "early_help": "early help",
    "information": "information",
}


def _allowed_endpoint(endpoint: str, hosts: Iterable[str]) -> bool:
    parts = urlsplit(endpoint)
    host = (parts.hostname or "").lower()
    if parts.scheme != "https" and not (parts.scheme == "http" and host == "localhost"):
        return False
    return any(host == h or (h.startswith(".") and host.endswith(h)) for h in hosts)


def subscribe(
    session: Session,
    ring: crypto.KeyRing,
    *,
    user_id: uuid.UUID,
    passkey_id: uuid.UUID,
    subscription: dict[str, Any],
    hosts: Iterable[str],
) -> PushSubscription:
    """Store (or refresh) this device's subscription, sealed under its owner's key."""
    endpoint = subscription["endpoint"]
    if not _allowed_endpoint(endpoint, hosts):
        raise Invalid(
            "push.endpoint_refused",
            "That push service is not one this server sends to.",
            errors={"endpoint": ["not an allowed push service"]},
        )
    user = session.get(User, user_id)
    assert user is not None  # noqa: S101 - the signed-in person exists
    digest = hashlib.sha256(endpoint.encode()).hexdigest()
    session.execute(delete(PushSubscription).where(PushSubscription.endpoint_sha256 == digest))
    record = PushSubscription(user_id=user_id, passkey_id=passkey_id, endpoint_sha256=digest)
    record.id = uuid.uuid4()
    record.crypto_subscription = seal(
        db_data_key(session, ring, user.data_key_id),
        json.dumps(subscription),
        table="push_subscriptions",
        row_id=record.id,
        field="subscription",
    )
    session.add(record)
    session.commit()
    return record


def unsubscribe(session: Session, *, user_id: uuid.UUID, endpoint: str) -> bool:
    digest = hashlib.sha256(endpoint.encode()).hexdigest()
    found = session.scalar(
        select(PushSubscription).where(
            PushSubscription.endpoint_sha256 == digest, PushSubscription.user_id == user_id
        )
    )
    if found is not None:
        session.delete(found)
    session.commit()
    return found is not None


def db_forget_device(session: Session, passkey_id: uuid.UUID) -> None:
    """Remove a revoked device's subscriptions: it must hear nothing more."""
    session.execute(delete(PushSubscription).where(PushSubscription.passkey_id == passkey_id))


def _recipients(row: DeliveryRow, n: int) -> Select[uuid.UUID, int]:
    """Subscriptions of the people who see a delivery, each tagged ``n``."""
    query = select(PushSubscription.id, literal(n)).join(User, User.id == PushSubscription.user_id)
    query = query.where(User.status == UserStatus.ACTIVE)
    role: str | None = RoleName.AGENCY_LEAD.value
    if row["audience"] == "agency_leads":
        query = query.where(User.agency_id == row["agency_id"])
    else:
        query = query.join(Membership, Membership.user_id == User.id).where(
            Membership.inbox_id == row["inbox_id"]
        )
        role = RoleName.INBOX_SUPERVISOR.value if row["audience"] == "supervisors" else None
    if role is not None:
        query = query.join(UserRole, UserRole.user_id == User.id).where(UserRole.role == role)
    return query


def db_queue_push(
    session: Session,
    rows: list[DeliveryRow],
    *,
    labels: dict[uuid.UUID, str],
    escalation: bool = False,
) -> int:
    """Queue a message to every device that sees each new delivery; return how many.

    Routed deliveries notify at significant harm and above; escalations always do.
    """
    now = utcnow()
    told = [row for row in rows if escalation or row["rank"] >= URGENT_RANK]
    if not told:
        return 0
    # Everyone who sees any of these deliveries, in one query.
    queries = [_recipients(row, n) for n, row in enumerate(told)]
    found = session.execute(queries[0] if len(queries) == 1 else union_all(*queries)).all()
    messages = []
    for sub, n in sorted(found, key=lambda f: f[1]):
        row = told[n]
        label = labels[row["id"]]
        title = f"Escalated to {label}" if escalation else f"New concern in {label}"
        messages.append(
            {
                "id": uuid.uuid4(),
                "subscription_id": sub,
                "delivery_id": row["id"],
                "title": title[:120],
                "body": LEVEL_WORDS[row["level"]].capitalize(),
                "created_at": now,
                "attempts": 0,
                "next_attempt_at": now,
            }
        )
    if messages:
        session.execute(insert_into(Notification), messages)
    return len(messages)


Sender = Callable[[dict[str, Any], str, bytes, str], int]


def _webpush(subscription: dict[str, Any], data: str, vapid_pem: bytes, contact: str) -> int:
    """Post one encrypted message (RFC 8291) with an RFC 8292 VAPID header; return the status."""
    import requests
    from py_vapid import Vapid02
    from pywebpush import WebPushException, webpush

    class NoRedirects(requests.Session):
        """A push service answers the post itself; a redirect is never followed elsewhere."""

        def request(self, *args: Any, **kwargs: Any) -> requests.Response:
            kwargs["allow_redirects"] = False
            return super().request(*args, **kwargs)

    try:
        with NoRedirects() as http:
            response = webpush(
                subscription_info=subscription,
                data=data,
                vapid_private_key=Vapid02.from_pem(vapid_pem),
                vapid_claims={"sub": contact},
                ttl=3600,
                timeout=10,
                requests_session=http,
            )
    except WebPushException as exc:
        return exc.response.status_code if exc.response is not None else 599
    return int(getattr(response, "status_code", 201))


def send_due(
    sessions: sessionmaker[Session],
    ring: crypto.KeyRing,
    *,
    contact: str,
    now: datetime | None = None,
    sender: Sender = _webpush,
    batch: int = 100,
) -> dict[str, int]:
    """Send queued messages whose time has come; return counts of sent, failed, dropped."""
    counts = {"sent": 0, "failed": 0, "dropped": 0}
    if not ring.has(crypto.KeyKind.PUSH):
        log.warning("push.no_key", extra={"fix": "run frontline init to add a push key"})
        return counts
    now = now or utcnow()
    pem = crypto.vapid_private_pem(ring)
    with sessions() as session:
        due = list(
            session.scalars(
                select(Notification)
                .where(Notification.sent_at.is_(None), Notification.next_attempt_at <= now)
                .order_by(Notification.next_attempt_at)
                .limit(batch)
            )
        )
        for message in due:
            sub = session.get(PushSubscription, message.subscription_id)
            user = session.get(User, sub.user_id) if sub is not None else None
            if sub is None or user is None:
                session.delete(message)
                counts["dropped"] += 1
                continue
            info = json.loads(
                unseal(
                    db_data_key(session, ring, user.data_key_id),
                    sub.crypto_subscription,
                    table="push_subscriptions",
                    row_id=sub.id,
                    field="subscription",
                )
            )
            body = json.dumps({"title": message.title, "body": message.body, "url": "/inbox"})
            try:
                status = sender(info, body, pem, contact)
            except Exception as exc:  # noqa: BLE001 - any failure is retried, never raised
                status, message.error = 599, exc.__class__.__name__
            message.attempts += 1
            if 200 <= status < 300:
                message.sent_at, message.error = now, None
                counts["sent"] += 1
            elif status in (404, 410):
                # The browser dropped the subscription: forget it (RFC 8030 section 7.3).
                session.delete(sub)
                counts["dropped"] += 1
            else:
                message.error = message.error or f"http {status}"
                counts["failed"] += 1
                if message.attempts >= MAX_ATTEMPTS:
                    PUSH_FAILURES.labels(outcome="gave_up").inc()
                    message.next_attempt_at = NO_DEADLINE
                    log.error("push.gave_up", extra={"notification": str(message.id)})
                else:
                    PUSH_FAILURES.labels(outcome="retry").inc()
                    message.next_attempt_at = now + timedelta(minutes=2**message.attempts)
                    log.warning("push.retry", extra={"notification": str(message.id)})
        session.commit()
    return counts
