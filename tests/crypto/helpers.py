"""Small factories for crypto tests."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from joserfc import jwe, util
from joserfc._rfc7518 import ec_key as joserfc_ec_key
from joserfc.jwk import ECKey

import crypto
from crypto.encoding import b64url_decode, b64url_encode
from crypto.jwe import public_jwk

VECTORS = json.loads((Path(__file__).parents[1] / "vectors" / "jwe.json").read_text())


def ring_with_seal_key(kid: str, d: str) -> crypto.KeyRing:
    """A fresh ring whose current sealing key is the given test key."""
    base = crypto.generate_keyring()
    entries = [
        replace(e, id=kid, material=b64url_decode(d)) if e.kind is crypto.KeyKind.SEAL else e
        for e in base.entries
    ]
    return crypto.KeyRing(entries)


def vector_ring() -> crypto.KeyRing:
    return ring_with_seal_key(VECTORS["recipient"]["kid"], VECTORS["recipient"]["jwk"]["d"])


# Scalars (found by counting up from 1) whose public point on P-256 has a short coordinate,
# by (x bytes, y bytes) in the shortest big-endian form; tests check they still do.
SHORT_EPK_SCALARS = {(31, 32): 379, (32, 31): 43, (30, 32): 40393, (32, 30): 2376, (31, 31): 49350}

Encoder = Callable[[int, int | None], str]


def shortest_integer(num: int, byte_count: int | None = None) -> str:
    """An integer as the shortest big-endian bytes, leading zero bytes dropped: how some JOSE
    libraries write EC coordinates."""
    return util.int_to_base64(num)


def seal_with_joserfc(
    monkeypatch: pytest.MonkeyPatch,
    ring: crypto.KeyRing,
    plaintext: bytes,
    scalar: int,
    encoder: Encoder = shortest_integer,
) -> str:
    """Seal with joserfc (its key agreement, Concat KDF and AES-GCM), its ephemeral key made
    from ``scalar`` and its coordinates written by ``encoder``."""
    ephemeral = ECKey.import_key(ec.derive_private_key(scalar, ec.SECP256R1()))
    monkeypatch.setattr(ECKey, "generate_key", classmethod(lambda cls, *a, **k: ephemeral))
    monkeypatch.setattr(joserfc_ec_key, "int_to_base64", encoder)
    kid = ring.current(crypto.KeyKind.SEAL).id
    recipient = ECKey.import_key(public_jwk(ring.sealing_private_key(kid).public_key()))
    protected = {"alg": "ECDH-ES", "enc": "A256GCM", "kid": kid}
    return jwe.encrypt_compact(protected, plaintext, recipient)


def epk_lengths(token: str) -> tuple[int, int]:
    """The byte lengths of the envelope's epk.x and epk.y, as written."""
    epk = json.loads(b64url_decode(token.split(".")[0]))["epk"]
    return len(b64url_decode(epk["x"])), len(b64url_decode(epk["y"]))


def with_epk(token: str, **changes: str) -> str:
    """The envelope with epk members changed (the tag no longer verifies)."""
    header_b64, *rest = token.split(".")
    header = json.loads(b64url_decode(header_b64))
    header["epk"] = {**header["epk"], **changes}
    return ".".join([b64url_encode(json.dumps(header).encode()), *rest])
