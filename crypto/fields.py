"""Encryption at rest: one data key per record, wrapped by the key ring's current KEK.

Constructions:
- field ciphertext: AES-256-GCM (NIST SP 800-38D) with a random 96-bit nonce under the
  record's own data key; the associated data names the table, row id and field, so a
  ciphertext moved to another row or field fails authentication;
- data-key wrapping: AES-256-GCM key wrap as in JWE ``A256GCMKW`` (RFC 7518 section 4.7),
  with associated data binding the wrapped key to its data-key id and KEK id.
Deleting a record's wrapped data key destroys every field sealed under it
(crypto-shredding).
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from crypto.errors import DataKeyUnavailable, FieldDecryptionFailed
from crypto.keyring import KeyKind, KeyRing

_VERSION = b"\x01"
_NONCE = 12
_WRAP_AAD = b"frontline.datakey/1\x00"


class DataKey:
    """An unwrapped per-record AES-256-GCM key; its bytes never appear in ``repr``."""

    __slots__ = ("id", "_aead")

    def __init__(self, key_id: str, material: bytes) -> None:
        self.id = key_id
        self._aead = AESGCM(material)

    def __repr__(self) -> str:
        return f"DataKey({self.id})"


@dataclass(frozen=True)
class WrappedKey:
    """A data key as stored: the id of the KEK that wrapped it and the wrapped bytes."""

    kek_id: str
    blob: bytes


def _field_aad(table: str, row_id: str, field: str) -> bytes:
    return f"frontline.field/1\x00{table}\x00{row_id}\x00{field}".encode()


def _wrap_aad(data_key_id: str, kek_id: str) -> bytes:
    return _WRAP_AAD + data_key_id.encode() + b"\x00" + kek_id.encode()


def new_data_key(ring: KeyRing, data_key_id: str) -> tuple[DataKey, WrappedKey]:
    """Make a fresh data key and return it with its wrapping under the current KEK."""
    material = AESGCM.generate_key(bit_length=256)
    return DataKey(data_key_id, material), _wrap(ring, data_key_id, material)


def _wrap(ring: KeyRing, data_key_id: str, material: bytes) -> WrappedKey:
    kek = ring.current(KeyKind.KEK)
    nonce = os.urandom(_NONCE)
    blob = AESGCM(kek.material).encrypt(nonce, material, _wrap_aad(data_key_id, kek.id))
    return WrappedKey(kek_id=kek.id, blob=_VERSION + nonce + blob)


def _unwrap_material(ring: KeyRing, data_key_id: str, wrapped: WrappedKey) -> bytes:
    kek = ring.find(wrapped.kek_id, KeyKind.KEK)
    if kek is None:
        raise DataKeyUnavailable(f"KEK {wrapped.kek_id} is not in the key ring")
    blob = wrapped.blob
    if blob[:1] != _VERSION or len(blob) != 1 + _NONCE + 32 + 16:
        raise DataKeyUnavailable("wrapped data key has an unknown format")
    try:
        return AESGCM(kek.material).decrypt(
            blob[1 : 1 + _NONCE], blob[1 + _NONCE :], _wrap_aad(data_key_id, kek.id)
        )
    except InvalidTag:
        raise DataKeyUnavailable("wrapped data key does not authenticate") from None


def unwrap_data_key(ring: KeyRing, data_key_id: str, wrapped: WrappedKey) -> DataKey:
    """Unwrap a stored data key with whichever KEK wrapped it."""
    return DataKey(data_key_id, _unwrap_material(ring, data_key_id, wrapped))


def rewrap_data_key(ring: KeyRing, data_key_id: str, wrapped: WrappedKey) -> WrappedKey:
    """Return the data key wrapped under the current KEK; bodies sealed with it are untouched."""
    return _wrap(ring, data_key_id, _unwrap_material(ring, data_key_id, wrapped))


def seal_field(key: DataKey, value: str, *, table: str, row_id: str, field: str) -> bytes:
    """Encrypt one text field of one row under that row's data key."""
    nonce = os.urandom(_NONCE)
    sealed = key._aead.encrypt(nonce, value.encode("utf-8"), _field_aad(table, row_id, field))
    return _VERSION + nonce + sealed


def seal_bytes(key: DataKey, value: bytes, *, table: str, row_id: str, field: str) -> bytes:
    """Encrypt one binary field (an image) of one row under that row's data key."""
    nonce = os.urandom(_NONCE)
    return _VERSION + nonce + key._aead.encrypt(nonce, value, _field_aad(table, row_id, field))


def open_bytes(key: DataKey, blob: bytes, *, table: str, row_id: str, field: str) -> bytes:
    """Decrypt one stored binary field, refusing it if it was altered or moved."""
    try:
        if blob[0] != 1:
            raise FieldDecryptionFailed("stored ciphertext has an unknown format")
        return key._aead.decrypt(blob[1:13], blob[13:], _field_aad(table, row_id, field))
    except (InvalidTag, IndexError, ValueError):
        raise FieldDecryptionFailed(f"{table}.{field} of {row_id} does not authenticate") from None


def open_field(key: DataKey, blob: bytes, *, table: str, row_id: str, field: str) -> str:
    """Decrypt one stored field, refusing it if it was altered or moved."""
    # A truncated blob needs no length check: its short nonce or tag fails authentication.
    try:
        if blob[0] != 1:
            raise FieldDecryptionFailed("stored ciphertext has an unknown format")
        plain = key._aead.decrypt(
            blob[1:13], blob[13:], f"frontline.field/1\x00{table}\x00{row_id}\x00{field}".encode()
        )
    except (InvalidTag, IndexError, ValueError):
        raise FieldDecryptionFailed(f"{table}.{field} of {row_id} does not authenticate") from None
    return plain.decode()
