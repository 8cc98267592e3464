"""Canonical JSON and the hashes built on it.

- canonical JSON: RFC 8785 (JSON Canonicalization Scheme), so that the phone's JavaScript
  and the server hash byte-identical text;
- proof challenge: SHA-256 of the canonical concern without its ``proof`` member
  (docs/contract.md, "The concern");
- audit chain: each entry's hash is SHA-256 over the previous entry's hash and the entry's
  canonical JSON, so altering, removing, reordering or inserting an entry breaks the chain.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

import rfc8785

GENESIS = bytes(32)  # the "previous hash" of the first audit entry


def _plain(value: Any) -> bool:
    """True when the value has no floats and only ASCII keys (see canonical_json).

    A walk with a stack of the values still to look at, not a recursion of generators: it
    runs three times for each envelope, and took a third of canonical_json's time."""
    waiting = [value]
    take, add = waiting.pop, waiting.extend
    while waiting:
        item = take()
        kind = type(item)
        if kind is str or kind is int or kind is bool or item is None:
            continue  # the scalars a document is made of, first
        if isinstance(item, dict):
            if not "".join(item).isascii():
                return False
            add(item.values())
        elif isinstance(item, list):
            add(item)
        elif isinstance(item, float):
            return False
    return True


def canonical_json(value: Any) -> bytes:
    """Serialise a JSON value per RFC 8785.

    Without floats (whose RFC 8785 form needs the ECMAScript number algorithm) and with ASCII
    keys (where code-point order equals RFC 8785's UTF-16 order), sorted compact
    ``json.dumps`` yields exactly the RFC 8785 bytes: the same escapes, the same integers.
    That covers audit entries and most concerns, and is many times faster than the general
    serialiser, which handles everything else. A property test holds the two equal.
    """
    if _plain(value):
        return json.dumps(
            value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
        ).encode("utf-8")
    return rfc8785.dumps(value)


def proof_challenge(document: Mapping[str, Any]) -> bytes:
    """Return the WebAuthn challenge that proves a concern: SHA-256 of it without ``proof``."""
    body = {k: v for k, v in document.items() if k != "proof"}
    return hashlib.sha256(canonical_json(body)).digest()


def chain_hash(previous: bytes, entry: Mapping[str, Any]) -> bytes:
    """Return the audit-chain hash of an entry that follows ``previous``."""
    return chain_digest(previous, canonical_json(dict(entry)))


def chain_digest(previous: bytes, body: bytes) -> bytes:
    """Return the audit-chain hash of an entry stored as ``body``, its canonical JSON."""
    return hashlib.sha256(previous + body).digest()
