"""Canonical JSON and the hashes built on it.

- canonical JSON: RFC 8785 (JSON Canonicalization Scheme), so that the phone's JavaScript
  and the server hash byte-identical text;
- proof challenge: SHA-256 of the canonical concern without its ``proof`` member
  (CONTRACT.md, "proof");
- audit chain: each entry's hash is SHA-256 over the previous entry's hash and the entry's
  canonical JSON, so altering, removing, reordering or inserting an entry breaks the chain.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

import rfc8785

GENESIS = bytes(32)  # the "previous hash" of the first audit entry


def canonical_json(value: Any) -> bytes:
    """Serialise a JSON value per RFC 8785."""
    return rfc8785.dumps(value)


def proof_challenge(document: Mapping[str, Any]) -> bytes:
    """Return the WebAuthn challenge that proves a concern: SHA-256 of it without ``proof``."""
    body = {k: v for k, v in document.items() if k != "proof"}
    return hashlib.sha256(canonical_json(body)).digest()


def chain_hash(previous: bytes, entry: Mapping[str, Any]) -> bytes:
    """Return the audit-chain hash of an entry that follows ``previous``."""
    return hashlib.sha256(previous + canonical_json(dict(entry))).digest()
