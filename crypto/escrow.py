"""The key ring escrowed to a passphrase kept offline, for recovery after losing the server.

scrypt (RFC 7914) stretches the passphrase into a 256-bit key; AES-256-GCM seals the ring's
JSON under it. Everything needed to open the file but the passphrase is written beside the
ciphertext (the scrypt cost and salt, the nonce, the ids of the keys inside) and all of it
is the AEAD's associated data, so lowering the cost or swapping the key list breaks the tag.

Why a passphrase and not a recovery key pair: recovery must work from what sits in a safe,
with no other key to keep alive for years; scrypt's memory cost (128 MiB a guess at the
default) makes guessing a long passphrase hopeless.
"""

from __future__ import annotations

import json
import secrets
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from crypto.encoding import b64url_decode, b64url_encode
from crypto.errors import EscrowError
from crypto.keyring import KeyRing

FORMAT = "frontline.keyring-escrow/1"
SCRYPT_N = 2**17  # 128 MiB and about half a second per try on a server core
SCRYPT_R = 8
SCRYPT_P = 1
MIN_PASSPHRASE = 16  # characters; several random words, written down and kept offline


def _key(passphrase: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return Scrypt(salt=salt, length=32, n=n, r=r, p=p).derive(passphrase.encode("utf-8"))


def _header_bytes(header: dict[str, Any]) -> bytes:
    return json.dumps(header, sort_keys=True, separators=(",", ":")).encode()


def escrow_keyring(ring: KeyRing, passphrase: str, *, n: int = SCRYPT_N) -> str:
    """Seal the whole ring (every key, previous ones too) under ``passphrase``.

    WARNING: the result opens every record with the passphrase alone: keep the file and the
    passphrase apart, both offline.
    """
    if len(passphrase) < MIN_PASSPHRASE:
        raise EscrowError(f"the passphrase must have at least {MIN_PASSPHRASE} characters")
    salt, nonce = secrets.token_bytes(16), secrets.token_bytes(12)
    header = {
        "format": FORMAT,
        "kdf": {
            "name": "scrypt",
            "n": n,
            "r": SCRYPT_R,
            "p": SCRYPT_P,
            "salt": b64url_encode(salt),
        },
        "cipher": "A256GCM",
        "nonce": b64url_encode(nonce),
        "key_ids": sorted(e.id for e in ring.entries),
    }
    key = _key(passphrase, salt, n, SCRYPT_R, SCRYPT_P)
    sealed = AESGCM(key).encrypt(nonce, ring.to_json().encode(), _header_bytes(header))
    return json.dumps({**header, "ciphertext": b64url_encode(sealed)}, indent=2) + "\n"


def escrowed_key_ids(text: str) -> list[str]:
    """The ids of the keys an escrow holds, read without the passphrase."""
    return list(_parse(text)[0]["key_ids"])


def _parse(text: str) -> tuple[dict[str, Any], bytes]:
    try:
        doc = json.loads(text)
        header = {k: doc[k] for k in ("format", "kdf", "cipher", "nonce", "key_ids")}
        sealed = b64url_decode(doc["ciphertext"])
    except (ValueError, KeyError, TypeError):
        raise EscrowError("this is not a key ring escrow") from None
    if header["format"] != FORMAT or header["cipher"] != "A256GCM":
        raise EscrowError(f"this is not a {FORMAT} escrow")
    return header, sealed


def recover_keyring(text: str, passphrase: str) -> KeyRing:
    """Open an escrow; raise EscrowError for a wrong passphrase or an altered file."""
    header, sealed = _parse(text)
    kdf = header["kdf"]
    try:
        if kdf["name"] != "scrypt" or int(kdf["n"]) < 2**14:
            raise EscrowError("the escrow's scrypt cost is not one this version writes")
        key = _key(
            passphrase, b64url_decode(kdf["salt"]), int(kdf["n"]), int(kdf["r"]), int(kdf["p"])
        )
        plain = AESGCM(key).decrypt(b64url_decode(header["nonce"]), sealed, _header_bytes(header))
    except InvalidTag:
        raise EscrowError("wrong passphrase, or the escrow was altered") from None
    except (KeyError, TypeError, ValueError):
        raise EscrowError("the escrow's header is malformed") from None
    return KeyRing.from_json(plain.decode("utf-8"))
