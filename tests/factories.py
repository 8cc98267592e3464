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
from backend.services.identity.invites import INVITE_TTL, db_create_invite
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


def make_concern(**overrides: Any) -> dict[str, Any]:
    """A realistic, valid missing-from-care concern; override any top-level field."""
    import uuid as _uuid
    from datetime import UTC, datetime

    concern: dict[str, Any] = {
        "schema": "frontline.concern/1",
        "client_id": str(_uuid.uuid4()),
        "recorded_at": datetime.now(UTC).replace(microsecond=0).isoformat(),
        "setting": "patrol",
        "location": {"postcode": "OX4 1AA", "description": "Car park behind the takeaway"},
        "subject": {
            "given_name": "Zoë",
            "family_name": "O'Brien",
            "known_as": ["Zee"],
            "date_of_birth": "2011-03-09",
            "sex": "female",
            "nhs_number": "943 476 5919",
            "legal_status": "looked_after",
            "placing_authority": "Northshire",
        },
        "categories": ["missing", "sexual_exploitation"],
        "source": "observed",
        "child_words": "He said I owe him for the phone.",
        "narrative": "Found at 02:10 getting out of a grey car driven by an adult male.",
        "indicators": [
            {"code": "cars_with_unknown_adults", "present": "yes", "basis": "observed"},
            {
                "code": "unexplained_gifts_money",
                "present": "possible",
                "basis": "reported",
                "note": "new phone",
            },
        ],
        "level": "significant_harm",
        "rationale": "Repeat missing, adult male, new phone: possible exploitation.",
        "missing": {"missing_from": "Oakview Children's Home", "police_risk": "high"},
        "associated": [
            {"kind": "adult_of_concern", "nickname": "Ricky", "approx_age": 30},
            {"kind": "vehicle", "registration": "ab12 cde", "description": "grey Astra"},
            {"kind": "phone", "number": "07700 900123"},
        ],
        "actions_taken": ["place_of_safety"],
        "sharing": {"consent": "not_sought", "not_sought_reason": "risk_to_child"},
    }
    concern.update(overrides)
    return concern


def seal_payload(
    app: Any, device: SoftAuthenticator, payload: dict[str, Any], *, prove: bool = True
) -> str:
    """Add the recorder's WebAuthn proof over the payload and seal it to the server's key."""
    import json as _json

    from crypto.encoding import b64url_encode

    body = {k: v for k, v in payload.items() if k != "proof"}
    if prove:
        challenge = crypto.proof_challenge(body)
        body["proof"] = {
            "type": "webauthn",
            "credential": device.get({"challenge": b64url_encode(challenge)}),
        }
    ring = app.extensions["frontline"].keyring
    return crypto.seal_to_ring(_json.dumps(body, ensure_ascii=False).encode(), ring)


def envelope(app: Any, device: SoftAuthenticator, payload: dict[str, Any]) -> dict[str, str]:
    return {"client_id": payload["client_id"], "jwe": seal_payload(app, device, payload)}


def sync(client: FlaskClient, *envelopes: dict[str, str]) -> list[dict[str, Any]]:
    r = client.post("/api/v1/sync", json={"envelopes": list(envelopes)}, headers=H)
    assert r.status_code == 200, r.get_json()
    return r.get_json()["results"]  # type: ignore[no-any-return]


def approved(app: Any, action: str, ids: tuple[str, ...] = ()) -> str:
    """An operator action asked for by one partnership admin and approved by another (four
    eyes, backend/services/identity/approvals.py); returns the approval's id for ``--approval``."""
    import uuid as _uuid

    partnership = "Riverside Safeguarding Children Partnership"
    asker, approver = (
        person(app, agency=partnership, roles=("agency_admin",), name=f"Admin {_uuid.uuid4()}")[0]
        for _ in range(2)
    )
    asked = asker.post(
        "/api/v1/admin/approvals", json={"action": action, "ids": list(ids)}, headers=H
    )
    assert asked.status_code == 201, asked.get_json()
    approval = asked.get_json()["id"]
    r = approver.post(f"/api/v1/admin/approvals/{approval}/approve", headers=H)
    assert r.status_code == 200, r.get_json()
    return str(approval)
