"""Step-up: prove the passkey again, in this session, before a sensitive change.

A session can stay open for a shift; a phone left unlocked on a desk must not let
someone else add their own passkey to the account, revoke the owner's, disable a
colleague or take an export. Those actions need a user-verified assertion made in this
session within ``WINDOW`` — signing in counts, so a person who has just signed in is not
asked twice.
"""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.core.errors import Malformed, NotAuthenticated, NotPermitted
from backend.models import CeremonyPurpose, Passkey, StaffSession, utcnow
from backend.services.identity.identity import db_accept_assertion
from backend.services.identity.sessions import token_hash
from backend.services.identity.webauthn_rp import (
    RelyingParty,
    WebAuthnOptions,
    authentication_options,
    credential_id_of,
    db_new_ceremony,
    take_ceremony,
    verify_assertion,
)
from backend.services.records.audit import Actor, db_audit

WINDOW = timedelta(minutes=5)


@dataclass(frozen=True)
class SteppedUp:
    verified_at: datetime
    token: str  # the session's new cookie value
    expires_at: datetime


# For the API description of every operation that asks for it.
STEP_UP: dict[int, tuple[str, None]] = {
    403: ("Not allowed, or a fresh passkey proof is needed first (auth.step_up_required)", None)
}


def require_recent(verified_at: datetime) -> None:
    """Refuse unless this session's passkey was proved within ``WINDOW``."""
    if utcnow() - verified_at > WINDOW:
        raise NotPermitted(
            "auth.step_up_required",
            "Confirm it is you with your passkey (POST /api/v1/auth/step-up/begin), then again.",
        )


def begin(
    session: Session, rp: RelyingParty, *, user_id: uuid.UUID
) -> tuple[uuid.UUID, WebAuthnOptions]:
    """Request options naming the person's own live passkeys only."""
    ceremony = db_new_ceremony(session, CeremonyPurpose.STEP_UP, user_id=user_id)
    mine = session.scalars(
        select(Passkey.credential_id).where(
            Passkey.user_id == user_id, Passkey.revoked_at.is_(None)
        )
    )
    options = authentication_options(rp, ceremony, allow=list(mine))
    session.commit()
    return ceremony.id, options


def finish(
    session: Session,
    rp: RelyingParty,
    *,
    actor: Actor,
    session_id: uuid.UUID,
    ceremony_id: str | None,
    credential: dict[str, Any],
) -> SteppedUp:
    """Verify the assertion as this person's, with one of their live passkeys; note the
    time on this session and give it a new token."""
    ceremony = take_ceremony(session, ceremony_id, CeremonyPurpose.STEP_UP)
    if ceremony.user_id != actor.user_id:
        raise Malformed("webauthn.challenge_invalid", "This was begun by someone else.")
    passkey = session.scalar(
        select(Passkey).where(Passkey.credential_id == credential_id_of(credential))
    )
    if passkey is None or passkey.user_id != actor.user_id or passkey.revoked_at is not None:
        # Another person's passkey, even a valid one, proves nothing about this session.
        raise NotAuthenticated("webauthn.invalid", "Use one of your own passkeys.")
    verified = verify_assertion(
        rp, challenge=ceremony.challenge, credential=credential, public_key=passkey.public_key
    )
    db_accept_assertion(session, passkey, credential, verified, actor)
    record = session.get(StaffSession, session_id)
    assert record is not None  # noqa: S101 - the request's own session
    record.verified_at = utcnow()
    # A new token for the raised session: one seen before the proof is worth nothing after.
    token = secrets.token_urlsafe(32)
    record.token_hash = token_hash(token)
    db_audit(
        session,
        "identity.stepped_up",
        actor=Actor(user_id=actor.user_id, agency_id=actor.agency_id, passkey_id=passkey.id),
        records=[("session", session_id), ("passkey", passkey.id)],
    )
    session.commit()
    return SteppedUp(record.verified_at, token, record.expires_at)
