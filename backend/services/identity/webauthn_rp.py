"""The relying party: WebAuthn ceremonies with py_webauthn, challenges kept server-side.

Spec: https://www.w3.org/TR/webauthn-3/ (registration 7.1, authentication 7.2). Every
ceremony requires user verification; attestation is "none" (we trust the person, vouched
for by their invite, not the authenticator model); challenges are 32 random bytes, single
use, bound to the browser that asked (its ceremony cookie) and valid for 5 minutes.
"""

from __future__ import annotations

import json
import secrets
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, TypeAlias

from sqlalchemy import update
from sqlalchemy.orm import Session
from webauthn import (
    generate_authentication_options,
    generate_registration_options,
    options_to_json,
    verify_authentication_response,
    verify_registration_response,
)
from webauthn.helpers import base64url_to_bytes, bytes_to_base64url, parse_authenticator_data
from webauthn.helpers.cose import COSEAlgorithmIdentifier
from webauthn.helpers.exceptions import WebAuthnException
from webauthn.helpers.structs import (
    AuthenticatorSelectionCriteria,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from backend.core.errors import Malformed, NotAuthenticated
from backend.models import Ceremony, CeremonyPurpose, utcnow

CEREMONY_TTL = timedelta(minutes=5)
# ES256 and EdDSA preferred; RS256 for platform authenticators that offer nothing else.
ALGORITHMS = [
    COSEAlgorithmIdentifier.ECDSA_SHA_256,
    COSEAlgorithmIdentifier.EDDSA,
    COSEAlgorithmIdentifier.RSASSA_PKCS1_v1_5_SHA_256,
]

# Options for navigator.credentials.create() or .get(), exactly as py_webauthn's
# options_to_json writes them (W3C PublicKeyCredentialCreationOptionsJSON or
# ...RequestOptionsJSON). They go to the browser as they are, members and all, so they
# stay the JSON document the standard defines rather than a view of ours.
WebAuthnOptions: TypeAlias = dict[str, Any]


@dataclass(frozen=True)
class RelyingParty:
    id: str
    origins: list[str]
    name: str = "Frontline"


def db_new_ceremony(
    session: Session,
    purpose: CeremonyPurpose,
    *,
    invite_id: uuid.UUID | None = None,
    user_id: uuid.UUID | None = None,
) -> Ceremony:
    now = utcnow()
    ceremony = Ceremony(
        purpose=purpose,
        challenge=secrets.token_bytes(32),
        invite_id=invite_id,
        user_id=user_id,
        created_at=now,
        expires_at=now + CEREMONY_TTL,
    )
    session.add(ceremony)
    return ceremony


def take_ceremony(session: Session, ceremony_id: str | None, purpose: CeremonyPurpose) -> Ceremony:
    """Consume a ceremony for good (even if what follows fails) and return it.

    WARNING: commits: a challenge is burned by its first use, successful or not.
    """
    try:
        cid = uuid.UUID(ceremony_id or "")
    except ValueError:
        raise Malformed("webauthn.no_ceremony", "Start again: no sign-in was begun here.") from None
    burned = session.execute(
        update(Ceremony)
        .where(
            Ceremony.id == cid,
            Ceremony.purpose == purpose,
            Ceremony.used_at.is_(None),
            Ceremony.expires_at > utcnow(),
        )
        .values(used_at=utcnow())
    )
    session.commit()
    ceremony = session.get(Ceremony, cid)
    if burned.rowcount != 1 or ceremony is None:  # type: ignore[attr-defined]
        raise Malformed(
            "webauthn.challenge_invalid", "This challenge was used or expired; start again."
        )
    return ceremony


def registration_options(
    rp: RelyingParty,
    ceremony: Ceremony,
    *,
    user_name: str,
    exclude: Sequence[str] = (),
) -> WebAuthnOptions:
    assert ceremony.user_id is not None  # noqa: S101 - set by the caller that began it
    options = generate_registration_options(
        rp_id=rp.id,
        rp_name=rp.name,
        user_id=ceremony.user_id.bytes,
        user_name=user_name,
        challenge=ceremony.challenge,
        timeout=int(CEREMONY_TTL.total_seconds() * 1000),
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.REQUIRED,
            user_verification=UserVerificationRequirement.REQUIRED,
        ),
        exclude_credentials=[
            PublicKeyCredentialDescriptor(id=base64url_to_bytes(c)) for c in exclude
        ],
        supported_pub_key_algs=ALGORITHMS,
    )
    return json.loads(options_to_json(options))  # type: ignore[no-any-return]


def authentication_options(
    rp: RelyingParty, ceremony: Ceremony, allow: list[str] | None = None
) -> WebAuthnOptions:
    """Request options; with no ``allow`` (credential ids, base64url) any discoverable
    credential of this site may answer and no username is typed."""
    options = generate_authentication_options(
        rp_id=rp.id,
        challenge=ceremony.challenge,
        timeout=int(CEREMONY_TTL.total_seconds() * 1000),
        user_verification=UserVerificationRequirement.REQUIRED,
        allow_credentials=[
            PublicKeyCredentialDescriptor(id=base64url_to_bytes(c)) for c in allow or ()
        ],
    )
    return json.loads(options_to_json(options))  # type: ignore[no-any-return]


def verify_registration(rp: RelyingParty, ceremony: Ceremony, credential: dict[str, Any]) -> Any:
    try:
        return verify_registration_response(
            credential=credential,
            expected_challenge=ceremony.challenge,
            expected_rp_id=rp.id,
            expected_origin=rp.origins,
            require_user_verification=True,
            supported_pub_key_algs=ALGORITHMS,
        )
    except (WebAuthnException, ValueError, KeyError, TypeError) as exc:
        raise Malformed("webauthn.invalid", f"The passkey was not accepted: {exc}") from None


def verify_assertion(
    rp: RelyingParty,
    *,
    challenge: bytes,
    credential: dict[str, Any],
    public_key: bytes,
) -> Any:
    """Verify an assertion's signature, origin, RP id, challenge and user verification.

    The sign count is compared by the caller (a regression must be audited, and offline
    proofs arrive out of order), so py_webauthn is given 0 here.
    """
    try:
        return verify_authentication_response(
            credential=credential,
            expected_challenge=challenge,
            expected_rp_id=rp.id,
            expected_origin=rp.origins,
            credential_public_key=public_key,
            credential_current_sign_count=0,
            require_user_verification=True,
        )
    except (WebAuthnException, ValueError, KeyError, TypeError) as exc:
        raise NotAuthenticated("webauthn.invalid", f"The passkey was not accepted: {exc}") from None


def credential_id_of(credential: dict[str, Any]) -> str:
    """Return the credential id (base64url) a browser response names."""
    raw = credential.get("rawId") or credential.get("id")
    if not isinstance(raw, str):
        raise Malformed("webauthn.invalid", "The credential has no id.")
    try:
        return bytes_to_base64url(base64url_to_bytes(raw))
    except ValueError:
        raise Malformed("webauthn.invalid", "The credential id is not base64url.") from None


def asserted_sign_count(credential: dict[str, Any]) -> int:
    """Return the sign count in an assertion's authenticator data."""
    data = base64url_to_bytes(credential["response"]["authenticatorData"])
    return int(parse_authenticator_data(data).sign_count)


def user_handle_of(credential: dict[str, Any]) -> bytes | None:
    handle = credential.get("response", {}).get("userHandle")
    return base64url_to_bytes(handle) if handle else None
