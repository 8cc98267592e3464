"""The key ring escrowed to a passphrase: it opens with that passphrase only, and every byte
of its header is bound to the ciphertext."""

from __future__ import annotations

import json

import pytest

import crypto
from crypto.escrow import escrow_keyring, escrowed_key_ids, recover_keyring

PASSPHRASE = "lantern quarry seventeen oboe"
CHEAP = 2**14  # the lowest cost an escrow may name: real scrypt, quick in tests


@pytest.fixture
def ring() -> crypto.KeyRing:
    return crypto.generate_keyring().rotate(crypto.KeyKind.KEK)


def test_the_whole_ring_comes_back_previous_keys_too(ring: crypto.KeyRing) -> None:
    text = escrow_keyring(ring, PASSPHRASE, n=CHEAP)
    assert recover_keyring(text, PASSPHRASE).to_json() == ring.to_json()
    assert escrowed_key_ids(text) == sorted(e.id for e in ring.entries)
    for entry in ring.entries:  # no key material in the clear
        assert crypto.encoding.b64url_encode(entry.material) not in text


def test_a_wrong_passphrase_is_refused(ring: crypto.KeyRing) -> None:
    text = escrow_keyring(ring, PASSPHRASE, n=CHEAP)
    with pytest.raises(crypto.EscrowError, match="wrong passphrase"):
        recover_keyring(text, PASSPHRASE + " ")


@pytest.mark.parametrize(
    ("field", "value"),
    [("key_ids", ["kek-1-000000"]), ("kdf", None), ("nonce", None)],
)
def test_a_changed_header_breaks_the_seal(ring: crypto.KeyRing, field: str, value: object) -> None:
    doc = json.loads(escrow_keyring(ring, PASSPHRASE, n=CHEAP))
    if field == "kdf":
        doc["kdf"]["salt"] = crypto.encoding.b64url_encode(bytes(16))
    elif field == "nonce":
        doc["nonce"] = crypto.encoding.b64url_encode(bytes(12))
    else:
        doc[field] = value
    with pytest.raises(crypto.EscrowError):
        recover_keyring(json.dumps(doc), PASSPHRASE)


def test_a_lowered_cost_is_refused_before_any_guess(ring: crypto.KeyRing) -> None:
    doc = json.loads(escrow_keyring(ring, PASSPHRASE, n=CHEAP))
    doc["kdf"]["n"] = 2
    with pytest.raises(crypto.EscrowError, match="cost"):
        recover_keyring(json.dumps(doc), PASSPHRASE)


def test_a_short_passphrase_is_refused(ring: crypto.KeyRing) -> None:
    with pytest.raises(crypto.EscrowError, match="at least 16"):
        escrow_keyring(ring, "short", n=CHEAP)


def test_what_is_not_an_escrow_says_so() -> None:
    with pytest.raises(crypto.EscrowError, match="not a key ring escrow"):
        recover_keyring('{"format": "frontline.keyring/1", "keys": []}', PASSPHRASE)
