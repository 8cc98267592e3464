"""Sealed envelopes: JWE compact serialisation with ECDH-ES and A256GCM on P-256.

Standards: RFC 7516 (JWE, compact serialisation, protected header as AAD), RFC 7518
section 4.6 (ECDH-ES in direct key agreement mode, Concat KDF of NIST SP 800-56A with
SHA-256) and section 5.3 (AES-256-GCM), RFC 7517/7518 section 6.2 (EC public JWKs).
"""

from __future__ import annotations

import json
import os
import struct
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.hashes import SHA256
from cryptography.hazmat.primitives.kdf.concatkdf import ConcatKDFHash

from crypto.encoding import b64url_decode, b64url_encode, is_b64url
from crypto.errors import (
    DecryptionFailed,
    EnvelopeMalformed,
    EnvelopeTooLarge,
    InvalidEphemeralKey,
    UnknownKey,
    UnsupportedAlgorithm,
)
from crypto.keyring import KeyKind, KeyRing

MAX_ENVELOPE_BYTES = 256 * 1024  # docs/contract.md: an envelope over 256 KiB is refused
ALG = "ECDH-ES"
ENC = "A256GCM"
# Only what ECDH-ES + A256GCM needs. jku/jwk/x5u/x5c would let a sender name its own key
# material, zip invites decompression bombs, crit invites semantics we do not implement.
_ALLOWED_HEADER = frozenset({"alg", "enc", "kid", "epk", "apu", "apv", "typ", "cty"})
_IV_BYTES = 12
_TAG_BYTES = 16
_COORDINATE_BYTES = 32  # P-256


@dataclass(frozen=True)
class OpenedEnvelope:
    """The result of opening an envelope: which key opened it, its header and plaintext."""

    kid: str
    header: dict[str, Any]
    plaintext: bytes


def _concat_kdf(shared: bytes, header: dict[str, Any], apu: bytes, apv: bytes) -> bytes:
    # RFC 7518 section 4.6.2: in direct key agreement the AlgorithmID is the "enc" value.
    alg_id = ENC.encode("ascii")
    other_info = b"".join(
        (
            struct.pack(">I", len(alg_id)),
            alg_id,
            struct.pack(">I", len(apu)),
            apu,
            struct.pack(">I", len(apv)),
            apv,
            struct.pack(">I", 256),
        )
    )
    return ConcatKDFHash(algorithm=SHA256(), length=32, otherinfo=other_info).derive(shared)


def public_jwk(public_key: ec.EllipticCurvePublicKey, kid: str | None = None) -> dict[str, str]:
    """Return an EC P-256 public key as a JWK (RFC 7518 section 6.2.1)."""
    numbers = public_key.public_numbers()
    jwk = {
        "kty": "EC",
        "crv": "P-256",
        "x": b64url_encode(numbers.x.to_bytes(32, "big")),
        "y": b64url_encode(numbers.y.to_bytes(32, "big")),
    }
    if kid is not None:
        jwk = {"kid": kid, **jwk, "use": "enc", "alg": ALG}
    return jwk


def public_jwks(ring: KeyRing) -> dict[str, list[dict[str, str]]]:
    """Return the sealing public keys as a JWK set, current key first.

    Previous keys stay published during their grace period so that a phone holding an
    older key set still seals to a key the server can open.
    """
    return {
        "keys": [
            public_jwk(ring.sealing_private_key(e.id).public_key(), kid=e.id)
            for e in ring.of_kind(KeyKind.SEAL)
        ]
    }


def _load_epk(value: object) -> ec.EllipticCurvePublicKey:
    if not isinstance(value, dict) or set(value) - {"kty", "crv", "x", "y"}:
        raise InvalidEphemeralKey("epk must be a bare EC public JWK")
    if value.get("kty") != "EC" or value.get("crv") != "P-256":
        raise InvalidEphemeralKey("epk must be an EC key on P-256")
    try:
        x = b64url_decode(str(value["x"]))
        y = b64url_decode(str(value["y"]))
    except (KeyError, ValueError):
        raise InvalidEphemeralKey("epk coordinates are not base64url") from None
    # RFC 7518 section 6.2.1.2 asks for the full 32 bytes, but some JOSE libraries write a
    # coordinate as the shortest big-endian integer, dropping its leading zero bytes (about
    # 1 key in 128). The value is the same integer, so it is padded back; the header is the
    # AAD, so no one can re-spell a sealed envelope's key. Longer or empty is refused.
    if not (0 < len(x) <= _COORDINATE_BYTES and 0 < len(y) <= _COORDINATE_BYTES):
        raise InvalidEphemeralKey("epk coordinates must be at most 32 bytes each")
    x = x.rjust(_COORDINATE_BYTES, b"\0")
    y = y.rjust(_COORDINATE_BYTES, b"\0")
    try:
        # from_encoded_point checks that the point lies on the curve (invalid-curve attacks).
        return ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), b"\x04" + x + y)
    except ValueError:
        raise InvalidEphemeralKey("epk is not a point on P-256") from None


def _one_of_each(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    if len({k for k, _ in pairs}) != len(pairs):
        raise ValueError("a header parameter appears twice")
    return dict(pairs)


def _parse_header(text: str) -> dict[str, Any]:
    try:
        header = json.loads(b64url_decode(text), object_pairs_hook=_one_of_each)
    except (ValueError, RecursionError):  # nesting deep enough to exhaust the parser's stack
        raise EnvelopeMalformed("protected header is not base64url JSON") from None
    if not isinstance(header, dict):
        raise EnvelopeMalformed("protected header is not a JSON object")
    if header.get("alg") != ALG or header.get("enc") != ENC:
        raise UnsupportedAlgorithm(f"only alg {ALG} with enc {ENC} is accepted")
    extra = set(header) - _ALLOWED_HEADER
    if extra:
        raise UnsupportedAlgorithm(f"header parameters not accepted: {', '.join(sorted(extra))}")
    return header


def check_sealed_form(compact: str, *, max_bytes: int = MAX_ENVELOPE_BYTES) -> dict[str, Any]:
    """Check, without any key, that ``compact`` has the form of an envelope we accept (five
    base64url parts, our algorithms, no other header parameters); return its header.

    A string that fails is not ciphertext we made the rules for, so it may hold plain text:
    the server refuses it before storing anything.
    """
    if len(compact) > max_bytes:
        raise EnvelopeTooLarge(f"envelope is over {max_bytes} bytes")
    parts = compact.split(".")
    if len(parts) != 5:
        raise EnvelopeMalformed("a JWE compact serialisation has five parts")
    if not all(is_b64url(part) for part in parts):
        raise EnvelopeMalformed("a part is not strict base64url")
    header = _parse_header(parts[0])
    if parts[1] != "":
        raise EnvelopeMalformed("ECDH-ES direct agreement has an empty encrypted key")
    return header


def open_envelope(
    compact: str, ring: KeyRing, *, max_bytes: int = MAX_ENVELOPE_BYTES
) -> OpenedEnvelope:
    """Open a JWE sealed to one of the ring's sealing keys and return its plaintext.

    Each refusal raises its own EnvelopeInvalid subclass (see crypto.errors).
    """
    header = check_sealed_form(compact, max_bytes=max_bytes)
    header_b64, _, iv_b64, ct_b64, tag_b64 = compact.split(".")
    kid = header.get("kid")
    if not isinstance(kid, str) or ring.find(kid, KeyKind.SEAL) is None:
        raise UnknownKey("kid names no sealing key of this server")
    epk = _load_epk(header.get("epk"))
    try:
        apu = b64url_decode(header.get("apu", ""))
        apv = b64url_decode(header.get("apv", ""))
        iv = b64url_decode(iv_b64)
        ciphertext = b64url_decode(ct_b64)
        tag = b64url_decode(tag_b64)
    except (ValueError, TypeError):
        raise EnvelopeMalformed("a part is not strict base64url") from None
    if len(iv) != _IV_BYTES or len(tag) != _TAG_BYTES:
        raise EnvelopeMalformed("A256GCM needs a 96-bit IV and a 128-bit tag")
    shared = ring.sealing_private_key(kid).exchange(ec.ECDH(), epk)
    cek = _concat_kdf(shared, header, apu, apv)
    try:
        plaintext = AESGCM(cek).decrypt(iv, ciphertext + tag, header_b64.encode("ascii"))
    except InvalidTag:
        raise DecryptionFailed("authentication tag does not verify") from None
    return OpenedEnvelope(kid=kid, header=header, plaintext=plaintext)


def seal_envelope(
    plaintext: bytes,
    recipient: ec.EllipticCurvePublicKey,
    *,
    kid: str,
    extra_header: dict[str, Any] | None = None,
) -> str:
    """Seal bytes to a P-256 public key as a JWE compact serialisation (ECDH-ES, A256GCM)."""
    ephemeral = ec.generate_private_key(ec.SECP256R1())
    header: dict[str, Any] = {
        "alg": ALG,
        "enc": ENC,
        "kid": kid,
        "epk": public_jwk(ephemeral.public_key()),
        **(extra_header or {}),
    }
    header_b64 = b64url_encode(json.dumps(header, separators=(",", ":")).encode("utf-8"))
    apu = b64url_decode(header.get("apu", ""))
    apv = b64url_decode(header.get("apv", ""))
    cek = _concat_kdf(ephemeral.exchange(ec.ECDH(), recipient), header, apu, apv)
    iv = os.urandom(_IV_BYTES)
    sealed = AESGCM(cek).encrypt(iv, plaintext, header_b64.encode("ascii"))
    return ".".join(
        (
            header_b64,
            "",
            b64url_encode(iv),
            b64url_encode(sealed[:-_TAG_BYTES]),
            b64url_encode(sealed[-_TAG_BYTES:]),
        )
    )


def seal_to_ring(
    plaintext: bytes, ring: KeyRing, *, kid: str | None = None, cty: str | None = None
) -> str:
    """Seal bytes to the ring's current sealing key (or the named one); ``cty`` names the
    plaintext's media type in the protected header, as a photo's envelope does."""
    key_id = kid or ring.current(KeyKind.SEAL).id
    public = ring.sealing_private_key(key_id).public_key()
    return seal_envelope(plaintext, public, kid=key_id, extra_header={"cty": cty} if cty else None)
