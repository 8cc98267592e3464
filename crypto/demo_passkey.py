"""A passkey made in memory, for the demo's history only: it enrols and signs as a phone's
authenticator would, so the demo's records are proven like any recorder's.

WebAuthn Level 3: the registration answers ``navigator.credentials.create()`` with a
"none" attestation (section 8.7); an assertion answers ``navigator.credentials.get()``
(section 6.3.3), as the browser's ``toJSON()`` writes both. The key is P-256 (ES256).

WARNING: demo only. The private key lives in this object and nowhere else: it is never
written, logged or returned. Call ``discard`` once the demo's records are signed, and
revoke the passkey on the server, so that nobody can sign as its person again.
"""

from __future__ import annotations

import hashlib
import json
import os
import struct
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

from crypto.encoding import b64url_decode, b64url_encode

# Authenticator data flags (WebAuthn section 6.1): user present, user verified, attested
# credential data included.
_UP, _UV, _AT = 0x01, 0x04, 0x40
_COSE_EC2, _COSE_ES256, _COSE_P256 = 2, -7, 1


def _cbor(value: int | bytes | str | dict[Any, Any]) -> bytes:
    """The few CBOR items (RFC 8949) a registration holds: integers, byte and text strings,
    maps, in the order given."""

    def head(major: int, n: int) -> bytes:
        if n < 24:
            return bytes([major << 5 | n])
        if n < 0x100:
            return bytes([major << 5 | 24, n])
        return bytes([major << 5 | 25]) + struct.pack(">H", n)

    if isinstance(value, int):
        return head(0, value) if value >= 0 else head(1, -1 - value)
    if isinstance(value, bytes):
        return head(2, len(value)) + value
    if isinstance(value, str):
        return head(3, len(value.encode())) + value.encode()
    return head(5, len(value)) + b"".join(_cbor(k) + _cbor(v) for k, v in value.items())


class DemoPasskey:
    """One passkey, its private key in memory only (WARNING above)."""

    def __init__(self, *, origin: str) -> None:
        self.origin = origin
        self.credential_id = os.urandom(32)
        self._key: ec.EllipticCurvePrivateKey | None = ec.generate_private_key(ec.SECP256R1())
        self._rp_id = ""
        self._user_handle = b""
        self._sign_count = 0

    def _private(self) -> ec.EllipticCurvePrivateKey:
        if self._key is None:
            raise RuntimeError("this demo passkey was discarded")
        return self._key

    def _client_data(self, kind: str, challenge: str) -> bytes:
        body = {"type": kind, "challenge": challenge, "origin": self.origin, "crossOrigin": False}
        return json.dumps(body).encode()

    def register(self, options: dict[str, Any]) -> dict[str, Any]:
        """Answer WebAuthn creation options (as the server sends them) with the new credential."""
        self._rp_id = options["rp"]["id"]
        self._user_handle = b64url_decode(options["user"]["id"])
        numbers = self._private().public_key().public_numbers()
        cose = _cbor(
            {
                1: _COSE_EC2,
                3: _COSE_ES256,
                -1: _COSE_P256,
                -2: numbers.x.to_bytes(32, "big"),
                -3: numbers.y.to_bytes(32, "big"),
            }
        )
        auth_data = (
            hashlib.sha256(self._rp_id.encode()).digest()
            + bytes([_UP | _UV | _AT])
            + struct.pack(">I", self._sign_count)
            + bytes(16)  # no AAGUID: a "none" attestation names no model
            + struct.pack(">H", len(self.credential_id))
            + self.credential_id
            + cose
        )
        attestation = _cbor({"fmt": "none", "attStmt": {}, "authData": auth_data})
        client_data = self._client_data("webauthn.create", options["challenge"])
        return self._credential(
            {
                "clientDataJSON": b64url_encode(client_data),
                "attestationObject": b64url_encode(attestation),
                "transports": ["internal"],
            }
        )

    def sign(self, challenge: bytes) -> dict[str, Any]:
        """A user-verified assertion over ``challenge`` (a record's proof challenge)."""
        self._sign_count += 1
        auth_data = (
            hashlib.sha256(self._rp_id.encode()).digest()
            + bytes([_UP | _UV])
            + struct.pack(">I", self._sign_count)
        )
        client_data = self._client_data("webauthn.get", b64url_encode(challenge))
        signature = self._private().sign(
            auth_data + hashlib.sha256(client_data).digest(), ec.ECDSA(hashes.SHA256())
        )
        return self._credential(
            {
                "clientDataJSON": b64url_encode(client_data),
                "authenticatorData": b64url_encode(auth_data),
                "signature": b64url_encode(signature),
                "userHandle": b64url_encode(self._user_handle),
            }
        )

    def _credential(self, response: dict[str, Any]) -> dict[str, Any]:
        """The credential as the browser's ``toJSON()`` writes it, around ``response``."""
        return {
            "id": b64url_encode(self.credential_id),
            "rawId": b64url_encode(self.credential_id),
            "type": "public-key",
            "response": response,
            "clientExtensionResults": {},
            "authenticatorAttachment": "platform",
        }

    def discard(self) -> None:
        """Drop the private key: nothing signs as this passkey again."""
        self._key = None
