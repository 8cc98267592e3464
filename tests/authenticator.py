"""A software WebAuthn authenticator for server-side tests: real ES256 keys, real CBOR.

It builds exactly what a browser returns from ``credential.toJSON()`` (WebAuthn Level 3,
sections 5.2.1 and 5.2.2) so the server's py_webauthn verification runs for real. Knobs let
a test make it misbehave: no user verification, another origin or RP id, a stale counter.
"""

from __future__ import annotations

import hashlib
import json
import os
import struct
from dataclasses import dataclass, field
from typing import Any

import cbor2
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

from crypto.encoding import b64url_decode, b64url_encode

UP, UV, BE, BS, AT = 0x01, 0x04, 0x08, 0x10, 0x40


@dataclass
class Credential:
    id: bytes
    key: ec.EllipticCurvePrivateKey
    rp_id: str
    user_handle: bytes
    sign_count: int = 0


# name -> (curve, COSE alg, COSE crv, coordinate bytes)
CURVES: dict[str, tuple[ec.EllipticCurve, int, int, int]] = {
    "P-256": (ec.SECP256R1(), -7, 1, 32),
    "P-384": (ec.SECP384R1(), -35, 2, 48),
}


@dataclass
class SoftAuthenticator:
    origin: str = "http://localhost:8000"
    rp_id: str = "localhost"
    user_verified: bool = True
    synced: bool = False
    credentials: list[Credential] = field(default_factory=list)

    def _flags(self, extra: int = 0) -> int:
        flags = UP | extra
        if self.user_verified:
            flags |= UV
        if self.synced:
            flags |= BE | BS
        return flags

    def _client_data(self, kind: str, challenge: str, origin: str | None) -> bytes:
        return json.dumps(
            {
                "type": kind,
                "challenge": challenge,
                "origin": origin or self.origin,
                "crossOrigin": False,
            }
        ).encode()

    def create(
        self,
        options: dict[str, Any],
        *,
        origin: str | None = None,
        rp_id: str | None = None,
        curve: str = "P-256",
    ) -> dict[str, Any]:
        """Answer navigator.credentials.create() options with a 'none' attestation (an ES256
        key; ``curve="P-384"`` makes an ES384 one, which our server does not accept)."""
        curve_of, alg, crv, size = CURVES[curve]
        key = ec.generate_private_key(curve_of)
        cred = Credential(
            id=os.urandom(32),
            key=key,
            rp_id=options["rp"]["id"],
            user_handle=b64url_decode(options["user"]["id"]),
        )
        numbers = key.public_key().public_numbers()
        cose = cbor2.dumps(
            {
                1: 2,
                3: alg,
                -1: crv,
                -2: numbers.x.to_bytes(size, "big"),
                -3: numbers.y.to_bytes(size, "big"),
            }
        )
        rp_hash = hashlib.sha256((rp_id or cred.rp_id).encode()).digest()
        auth_data = (
            rp_hash
            + bytes([self._flags(AT)])
            + struct.pack(">I", 0)
            + bytes(16)
            + struct.pack(">H", len(cred.id))
            + cred.id
            + cose
        )
        attestation = cbor2.dumps({"fmt": "none", "attStmt": {}, "authData": auth_data})
        self.credentials.append(cred)
        return {
            "id": b64url_encode(cred.id),
            "rawId": b64url_encode(cred.id),
            "type": "public-key",
            "response": {
                "clientDataJSON": b64url_encode(
                    self._client_data("webauthn.create", options["challenge"], origin)
                ),
                "attestationObject": b64url_encode(attestation),
                "transports": ["internal"],
            },
            "clientExtensionResults": {},
            "authenticatorAttachment": "platform",
        }

    def get(
        self,
        options: dict[str, Any],
        *,
        credential: Credential | None = None,
        origin: str | None = None,
        rp_id: str | None = None,
        sign_count: int | None = None,
        ceremony: str = "webauthn.get",
    ) -> dict[str, Any]:
        """Answer navigator.credentials.get() options with an assertion (``ceremony`` names
        the clientData type; only a test of the server's check sets it)."""
        cred = credential or self.credentials[-1]
        cred.sign_count = cred.sign_count + 1 if sign_count is None else sign_count
        rp_hash = hashlib.sha256((rp_id or cred.rp_id).encode()).digest()
        auth_data = rp_hash + bytes([self._flags()]) + struct.pack(">I", cred.sign_count)
        client_data = self._client_data(ceremony, options["challenge"], origin)
        digest = hashes.SHA384() if isinstance(cred.key.curve, ec.SECP384R1) else hashes.SHA256()
        signature = cred.key.sign(
            auth_data + hashlib.sha256(client_data).digest(), ec.ECDSA(digest)
        )
        return {
            "id": b64url_encode(cred.id),
            "rawId": b64url_encode(cred.id),
            "type": "public-key",
            "response": {
                "clientDataJSON": b64url_encode(client_data),
                "authenticatorData": b64url_encode(auth_data),
                "signature": b64url_encode(signature),
                "userHandle": b64url_encode(cred.user_handle),
            },
            "clientExtensionResults": {},
            "authenticatorAttachment": "platform",
        }
