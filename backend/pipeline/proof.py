"""Step 3, proof: the signed-in recorder's passkey signed exactly this content.

The challenge is SHA-256 of the RFC 8785 canonical JSON of the payload without ``proof``
(docs/contract.md). Proofs made offline arrive out of order, so the sign count is recorded,
not required to increase.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

import crypto
from backend.core.errors import DomainError
from backend.core.jsontext import Document
from backend.models import Passkey
from backend.pipeline.errors import Rejected, rejected_from
from backend.services.identity.webauthn_rp import (
    RelyingParty,
    asserted_sign_count,
    credential_id_of,
    verify_assertion,
)

_PASSKEY = select(Passkey).where(Passkey.credential_id == bindparam("cid"))  # built once


@dataclass(frozen=True)
class Proven:
    passkey: Passkey
    sign_count: int
    content_sha256: str


def verify_proof(
    session: Session,
    rp: RelyingParty,
    payload: Document,
    *,
    user_id: uuid.UUID,
    challenge: bytes | None = None,
) -> Proven:
    """``challenge``: the payload's proof challenge, when the caller has computed it."""
    proof = payload.get("proof")
    if (
        not isinstance(proof, dict)
        or proof.get("type") != "webauthn"
        or not isinstance(proof.get("credential"), dict)
    ):
        raise Rejected("proof.missing", "The concern carries no WebAuthn proof.")
    credential = proof["credential"]
    try:
        cred_id = credential_id_of(credential)
    except DomainError as exc:
        raise rejected_from(exc, "proof.invalid") from None
    # Read once per transaction (a request's envelopes on SQLite share one, and one phone's
    # passkey signs them all); a transaction's end, or a savepoint rolled back, clears it.
    held: dict[str, Passkey | None] = session.info.setdefault("passkeys", {})
    if cred_id not in held:
        held[cred_id] = session.scalar(_PASSKEY, {"cid": cred_id})
    passkey = held[cred_id]
    if passkey is None or passkey.user_id != user_id:
        raise Rejected("proof.not_yours", "The proof was not made with a passkey of yours.")
    if passkey.revoked_at is not None:
        raise Rejected("proof.passkey_revoked", "The proof was made with a revoked passkey.")
    if challenge is None:
        challenge = crypto.proof_challenge(payload)
    try:
        verify_assertion(
            rp, challenge=challenge, credential=credential, public_key=passkey.public_key
        )
        count = asserted_sign_count(credential)
    except DomainError as exc:
        raise rejected_from(exc, "proof.invalid") from None
    except (KeyError, ValueError):
        raise Rejected("proof.invalid", "malformed assertion") from None
    return Proven(passkey=passkey, sign_count=count, content_sha256=challenge.hex())
