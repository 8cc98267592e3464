"""The server's VAPID identity for Web Push (RFC 8292), from the key ring's push key."""

from __future__ import annotations

from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
)

from crypto.encoding import b64url_encode
from crypto.keyring import KeyRing


def vapid_public_key(ring: KeyRing) -> str:
    """Return the applicationServerKey a browser subscribes with (uncompressed P-256, b64url)."""
    point = (
        ring.push_private_key()
        .public_key()
        .public_bytes(Encoding.X962, PublicFormat.UncompressedPoint)
    )
    return b64url_encode(point)


def vapid_private_pem(ring: KeyRing) -> bytes:
    """Return the VAPID signing key as PKCS#8 PEM, for the Web Push sender only.

    WARNING: key material; never log it or hand it to anything but the sender.
    """
    return ring.push_private_key().private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())
