"""Signed checkpoints of the audit chain (Ed25519, RFC 8032).

A checkpoint says "at this time, entry ``seq`` of the chain had this hash", signed with the
key ring's current audit key. Whoever rewrites the log without that key (even recomputing
every later hash so that the chain itself verifies) cannot make the checkpoints agree.
"""

from __future__ import annotations

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric import ed25519

from crypto.digest import canonical_json
from crypto.keyring import KeyKind, KeyRing


def checkpoint_message(*, seq: int, digest: bytes, at: str) -> bytes:
    """Return the bytes a checkpoint signs: canonical JSON of its sequence, hash and time."""
    return canonical_json({"at": at, "hash": digest.hex(), "seq": seq, "type": "audit.checkpoint"})


def sign_checkpoint(ring: KeyRing, *, seq: int, digest: bytes, at: str) -> tuple[str, bytes]:
    """Sign a checkpoint with the current audit key; return the key id and the signature."""
    entry = ring.current(KeyKind.AUDIT)
    signature = ring.audit_private_key(entry.id).sign(
        checkpoint_message(seq=seq, digest=digest, at=at)
    )
    return entry.id, signature


def audit_public_key(ring: KeyRing, key_id: str) -> ed25519.Ed25519PublicKey | None:
    """Return the public half of an audit key, or None when the ring has no such key."""
    if ring.find(key_id, KeyKind.AUDIT) is None:
        return None
    return ring.audit_private_key(key_id).public_key()


def verify_checkpoint(
    ring: KeyRing, *, key_id: str, seq: int, digest: bytes, at: str, signature: bytes
) -> bool:
    """Return whether the signature is the named audit key's over this checkpoint."""
    public = audit_public_key(ring, key_id)
    if public is None:
        return False
    try:
        public.verify(signature, checkpoint_message(seq=seq, digest=digest, at=at))
    except InvalidSignature:
        return False
    return True
