"""Plain factory functions for tests: a partnership, invites, enrolled and signed-in people."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

import crypto
from backend.models import Agency, Inbox, RoleName
from backend.services.demo import db_seed_partnership
from backend.services.invites import INVITE_TTL, db_create_invite
from tests.authenticator import SoftAuthenticator

H = {"X-Requested-With": "frontline"}


def make_partnership(sessions: sessionmaker[Session]) -> None:
    with sessions() as session:
        db_seed_partnership(session)
        session.commit()


def make_invite(
    sessions: sessionmaker[Session],
    ring: crypto.KeyRing,
    *,
    agency: str = "Riverside Police",
    roles: tuple[str, ...] = ("recorder",),
    inboxes: tuple[str, ...] = (),
    name: str = "PC Test Person",
    ttl: timedelta = INVITE_TTL,
) -> str:
    with sessions() as session:
        found = session.scalar(select(Agency).where(Agency.name == agency))
        if found is None:
            db_seed_partnership(session)
            found = session.scalar(select(Agency).where(Agency.name == agency))
        assert found is not None
        boxes = [
            session.scalar(select(Inbox).where(Inbox.agency_id == found.id, Inbox.name == n))
            for n in inboxes
        ]
        issued = db_create_invite(
            session,
            ring,
            agency=found,
            name=name,
            roles=[RoleName(r) for r in roles],
            inboxes=[b for b in boxes if b is not None],
            ttl=ttl,
        )
        session.commit()
        return issued.token


def enrol(
    client: FlaskClient, token: str, device: SoftAuthenticator, **finish: Any
) -> dict[str, Any]:
    begin = client.post("/api/v1/auth/enrol/begin", json={"invite": token}, headers=H)
    assert begin.status_code == 200, begin.get_json()
    credential = device.create(begin.get_json())
    done = client.post(
        "/api/v1/auth/enrol/finish",
        json={"invite": token, "credential": credential, **finish},
        headers=H,
    )
    assert done.status_code == 200, done.get_json()
    return done.get_json()  # type: ignore[no-any-return]


def sign_in(client: FlaskClient, device: SoftAuthenticator, **get: Any) -> Any:
    begin = client.post("/api/v1/auth/login/begin", headers=H)
    assert begin.status_code == 200, begin.get_json()
    return client.post(
        "/api/v1/auth/login/finish",
        json={"credential": device.get(begin.get_json(), **get)},
        headers=H,
    )


def person(
    app: Any,
    *,
    agency: str = "Riverside Police",
    roles: tuple[str, ...] = ("recorder",),
    inboxes: tuple[str, ...] = (),
    name: str = "PC Test Person",
) -> tuple[FlaskClient, SoftAuthenticator, dict[str, Any]]:
    """Invite and enrol someone; return their signed-in client, device and profile."""
    state = app.extensions["frontline"]
    token = make_invite(
        state.sessions, state.keyring, agency=agency, roles=roles, inboxes=inboxes, name=name
    )
    client = app.test_client()
    device = SoftAuthenticator()
    return client, device, enrol(client, token, device)
