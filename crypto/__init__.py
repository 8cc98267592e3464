"""Frontline's cryptographic core: pure functions, no Flask, no SQL.

This package is the only one that imports ``cryptography``. Its public names say what
they are for; the standard behind each construction is named in its module.
"""

from crypto.blind import INDEX_BYTES, BlindIndexer, IdentifierKind, blind_index
from crypto.checkpoint import (
    audit_public_key,
    checkpoint_message,
    sign_checkpoint,
    verify_checkpoint,
)
from crypto.digest import GENESIS, canonical_json, chain_digest, chain_hash, proof_challenge
from crypto.errors import (
    CryptoError,
    DataKeyUnavailable,
    DecryptionFailed,
    EnvelopeInvalid,
    EnvelopeMalformed,
    EnvelopeTooLarge,
    EscrowError,
    FieldDecryptionFailed,
    InvalidEphemeralKey,
    InvalidIdentifier,
    KeyRingError,
    UnknownKey,
    UnsupportedAlgorithm,
)
from crypto.escrow import escrow_keyring, escrowed_key_ids, recover_keyring
from crypto.fields import (
    DataKey,
    WrappedKey,
    new_data_key,
    open_bytes,
    open_field,
    rewrap_data_key,
    seal_bytes,
    seal_field,
    unwrap_data_key,
)
from crypto.jwe import (
    MAX_ENVELOPE_BYTES,
    OpenedEnvelope,
    check_sealed_form,
    open_envelope,
    public_jwks,
    seal_envelope,
    seal_to_ring,
)
from crypto.keyring import (
    OPTIONAL_KINDS,
    KeyEntry,
    KeyKind,
    KeyRing,
    generate_keyring,
    load_keyring_file,
    save_keyring_file,
)
from crypto.push import vapid_private_pem, vapid_public_key

# Lets a test prove that ``import crypto`` found this package and not a same-named
# distribution from the package index.
FRONTLINE_CRYPTO = True

__all__ = [
    "OPTIONAL_KINDS",
    "vapid_private_pem",
    "vapid_public_key",
    "FRONTLINE_CRYPTO",
    "GENESIS",
    "INDEX_BYTES",
    "MAX_ENVELOPE_BYTES",
    "BlindIndexer",
    "CryptoError",
    "DataKey",
    "DataKeyUnavailable",
    "DecryptionFailed",
    "EnvelopeInvalid",
    "EnvelopeMalformed",
    "EscrowError",
    "EnvelopeTooLarge",
    "FieldDecryptionFailed",
    "IdentifierKind",
    "InvalidEphemeralKey",
    "InvalidIdentifier",
    "KeyEntry",
    "KeyKind",
    "KeyRing",
    "KeyRingError",
    "OpenedEnvelope",
    "UnknownKey",
    "UnsupportedAlgorithm",
    "WrappedKey",
    "audit_public_key",
    "blind_index",
    "checkpoint_message",
    "canonical_json",
    "chain_digest",
    "chain_hash",
    "escrow_keyring",
    "escrowed_key_ids",
    "generate_keyring",
    "load_keyring_file",
    "new_data_key",
    "check_sealed_form",
    "open_envelope",
    "open_bytes",
    "open_field",
    "proof_challenge",
    "public_jwks",
    "recover_keyring",
    "rewrap_data_key",
    "save_keyring_file",
    "seal_envelope",
    "seal_bytes",
    "seal_field",
    "seal_to_ring",
    "sign_checkpoint",
    "unwrap_data_key",
    "verify_checkpoint",
]
