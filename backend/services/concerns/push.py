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

from sqlalchemy import Select, bindparam, delete, select
from sqlalchemy.orm import Session, sessionmaker

import crypto
from backend.core.errors import Invalid
from backend.core.later import db_at_commit
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
    new_id,
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

OUTCOME_WORDS = {
    "no_further_action": "no further action",
    "early_help": "early help",
    "child_in_need_assessment": "child in need assessment",
    "strategy_discussion": "strategy discussion",
    "immediate_protection": "immediate protection",
    "referred_elsewhere": "referred elsewhere",
}
# The devices of one person (the recorder told of a decision).
_DEVICES_OF = (
    select(PushSubscription.id)
    .join(User, User.id == PushSubscription.user_id)
    .where(PushSubscription.user_id == bindparam("uid"), User.status == UserStatus.ACTIVE)
)


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
    record.id = new_id()
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
    session.info.pop("subscribers", None)
    session.execute(delete(PushSubscription).where(PushSubscription.passkey_id == passkey_id))


def _subscribers(*, role: RoleName | None, by_agency: bool) -> Select[uuid.UUID, uuid.UUID]:
    """Active people's subscriptions, each with the inbox (or, ``by_agency``, the agency)
    through which they see a delivery; with ``role``, only people who hold it."""
    through = User.agency_id if by_agency else Membership.inbox_id
    query = select(PushSubscription.id, through).join(User, User.id == PushSubscription.user_id)
    if not by_agency:
        query = query.join(Membership, Membership.user_id == User.id)
    if role is not None:
        query = query.join(UserRole, UserRole.user_id == User.id).where(UserRole.role == role)
    return query.where(
        User.status == UserStatus.ACTIVE, through.in_(bindparam("ids", expanding=True))
    )


# Built once (queueing runs for most concerns): who sees a delivery, by its audience, and
# whether the audience is found by inbox or by agency.
_AUDIENCES: dict[str, tuple[Select[uuid.UUID, uuid.UUID], str]] = {
    "agency_leads": (_subscribers(role=RoleName.AGENCY_LEAD, by_agency=True), "agency_id"),
    "supervisors": (_subscribers(role=RoleName.INBOX_SUPERVISOR, by_agency=False), "inbox_id"),
    "members": (_subscribers(role=None, by_agency=False), "inbox_id"),
}


def _recipients(session: Session, rows: list[DeliveryRow]) -> list[list[uuid.UUID]]:
    """The subscriptions of the people who see each delivery: one query per audience, for
    the inboxes and agencies not yet asked about in this transaction (the pipeline's
    envelopes share one on SQLite; ``backend/core/db.py`` drops the cache at its end)."""
    seen: dict[tuple[str, uuid.UUID], list[uuid.UUID]] = session.info.setdefault("subscribers", {})
    for audience, (query, column) in _AUDIENCES.items():
        wanted = {r[column] for r in rows if _audience(r) == audience}
        ids = sorted((i for i in wanted if (audience, i) not in seen), key=str)
        for through in ids:
            seen[(audience, through)] = []
        if ids:
            for sub, through in session.execute(query, {"ids": ids}):
                seen[(audience, through)].append(sub)
    return [seen[(_audience(r), r[_AUDIENCES[_audience(r)][1]])] for r in rows]


def _audience(row: DeliveryRow) -> str:
    return row["audience"] if row["audience"] in ("agency_leads", "supervisors") else "members"


def _message(
    sub: uuid.UUID, *, delivery_id: uuid.UUID | None, title: str, body: str, now: datetime
) -> dict[str, Any]:
    """One queued notification row; the words are cut to what a notice shows."""
    return {
        "id": new_id(),
        "subscription_id": sub,
        "delivery_id": delivery_id,
        "title": title[:120],
        "body": body[:200],
        "created_at": now,
        "attempts": 0,
        "next_attempt_at": now,
    }


def _db_insert(session: Session, messages: list[dict[str, Any]]) -> int:
    # Read only by the sender, after the commit: written then, with the other envelopes'.
    db_at_commit(session, insert_into(Notification), messages)
    return len(messages)


def db_queue_messages(
    session: Session,
    subscriptions: Iterable[uuid.UUID],
    *,
    title: str,
    body: str,
    delivery_id: uuid.UUID | None = None,
) -> int:
    """Queue one message to each of these devices; return how many."""
    now = utcnow()
    return _db_insert(
        session,
        [
            _message(sub, delivery_id=delivery_id, title=title, body=body, now=now)
            for sub in subscriptions
        ],
    )


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
    messages: list[dict[str, Any]] = []
    for row, subscriptions in zip(told, _recipients(session, told), strict=True):
        label = labels[row["id"]]
        title = f"Escalated to {label}" if escalation else f"New concern in {label}"
        body = LEVEL_WORDS[row["level"]].capitalize()
        messages.extend(
            _message(sub, delivery_id=row["id"], title=title, body=body, now=now)
            for sub in subscriptions
        )
    return _db_insert(session, messages)


def db_push_to(
    session: Session,
    targets: Iterable[tuple[str, uuid.UUID | None, uuid.UUID]],
    *,
    title: str,
    body: str,
) -> int:
    """Queue one message to every device that sees any of ``targets`` (audience, inbox id,
    agency id), as it would see a delivery to them; each device once. For records that are
    not deliveries (a suspicion), so the message names no delivery. Return how many."""
    rows = [{"audience": a, "inbox_id": i, "agency_id": g} for a, i, g in targets]
    subscriptions = sorted({s for subs in _recipients(session, rows) for s in subs}, key=str)
    return db_queue_messages(session, subscriptions, title=title, body=body)


def db_tell_person(session: Session, user_id: uuid.UUID, *, title: str, body: str) -> int:
    """Queue one message to one person's devices; return how many."""
    devices = session.scalars(_DEVICES_OF, {"uid": user_id})
    return db_queue_messages(session, devices, title=title, body=body)


def db_tell_recorder(
    session: Session, *, recorder_id: uuid.UUID, delivery_id: uuid.UUID, outcome: str
) -> int:
    """Queue "a decision on a concern you recorded" to the recorder's devices: the outcome
    only; the feedback itself is read in the app. Return how many were queued."""
    return db_queue_messages(
        session,
        session.scalars(_DEVICES_OF, {"uid": recorder_id}),
        title="Decision on a concern you recorded",
        body=OUTCOME_WORDS[outcome].capitalize(),
        delivery_id=delivery_id,
    )


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
