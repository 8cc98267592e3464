"""Re-verify, at any time, that a stored concern is exactly what its recorder signed."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

import crypto
from backend.core.errors import Conflict, DomainError
from backend.models import Concern, Passkey
from backend.services.identity.webauthn_rp import RelyingParty, verify_assertion
from backend.services.records.audit import SYSTEM, Actor, db_audit
from backend.services.records.sealed import db_data_key, unseal


class VerificationFailed(Conflict):
    """The stored content and the recorder's proof do not match."""

    def __init__(self, detail: str) -> None:
        super().__init__("concern.proof_failed", detail)


@dataclass(frozen=True, slots=True)
class Verified:
    """What a verification established: whose passkey signed the concern, over which
    content, and whether that passkey has been revoked since (it was live when it signed)."""

    concern_id: uuid.UUID
    recorder_id: uuid.UUID
    passkey_id: uuid.UUID
    passkey_revoked_since: datetime | None
    sign_count: int
    content_sha256: str
    recorded_at: datetime


def verify_concern(
    session: Session,
    ring: crypto.KeyRing,
    rp: RelyingParty,
    concern_id: uuid.UUID,
    *,
    actor: Actor = SYSTEM,
) -> Verified:
    """Check the stored document against its WebAuthn proof; raise VerificationFailed if not."""
    concern = session.get(Concern, concern_id)
    if concern is None:
        raise VerificationFailed(f"there is no concern {concern_id}")
    key = db_data_key(session, ring, concern.data_key_id)
    document = json.loads(
        unseal(key, concern.crypto_document, table="concerns", row_id=concern.id, field="document")
    )
    challenge = crypto.proof_challenge(document)
    if challenge.hex() != concern.content_sha256:
        raise VerificationFailed("the stored content is not what was received")
    passkey = session.get(Passkey, concern.passkey_id)
    if passkey is None or passkey.user_id != concern.recorder_id:
        raise VerificationFailed("the recorder's passkey is missing")
    try:
        verify_assertion(
            rp,
            challenge=challenge,
            credential=document["proof"]["credential"],
            public_key=passkey.public_key,
        )
    except (DomainError, KeyError) as exc:
        raise VerificationFailed(f"the proof does not verify: {exc}") from None
    db_audit(session, "concern.proof_verified", actor=actor, records=[("concern", concern.id)])
    session.commit()
    return Verified(
        concern_id=concern.id,
        recorder_id=concern.recorder_id,
        passkey_id=passkey.id,
        passkey_revoked_since=passkey.revoked_at,
        sign_count=concern.proof_sign_count,
        content_sha256=concern.content_sha256,
        recorded_at=concern.recorded_at,
    )
