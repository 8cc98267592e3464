"""Small factories for crypto tests."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import crypto
from crypto.encoding import b64url_decode

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
