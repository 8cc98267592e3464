"""Envelopes: interop with an independent JOSE library, the vectors, every refusal."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from joserfc import jwe
from joserfc.jwk import ECKey

import crypto
from crypto.encoding import b64url_decode, b64url_encode
from crypto.jwe import public_jwk
from tests.crypto.helpers import VECTORS, vector_ring

ERRORS = {
    cls.code: cls
    for cls in (
        crypto.UnknownKey,
        crypto.UnsupportedAlgorithm,
        crypto.InvalidEphemeralKey,
        crypto.DecryptionFailed,
        crypto.EnvelopeMalformed,
        crypto.EnvelopeTooLarge,
    )
}


def _private_jwk(ring: crypto.KeyRing) -> dict[str, str]:
    kid = ring.current(crypto.KeyKind.SEAL).id
    key = ring.sealing_private_key(kid)
    d = key.private_numbers().private_value.to_bytes(32, "big")
    return {**public_jwk(key.public_key()), "d": b64url_encode(d)}


def test_joserfc_opens_what_we_seal(keyring: crypto.KeyRing) -> None:
    token = crypto.seal_to_ring("Zoë said: “he took me”".encode(), keyring)
    opened = jwe.decrypt_compact(token, ECKey.import_key(_private_jwk(keyring)))
    assert opened.plaintext.decode() == "Zoë said: “he took me”"
    assert opened.protected["kid"] == keyring.current(crypto.KeyKind.SEAL).id


def test_we_open_what_joserfc_seals(keyring: crypto.KeyRing) -> None:
    kid = keyring.current(crypto.KeyKind.SEAL).id
    public = public_jwk(keyring.sealing_private_key(kid).public_key())
    token = jwe.encrypt_compact(
        {"alg": "ECDH-ES", "enc": "A256GCM", "kid": kid},
        b"sealed elsewhere",
        ECKey.import_key(public),
    )
    opened = crypto.open_envelope(token, keyring)
    assert opened.plaintext == b"sealed elsewhere"
    assert opened.kid == kid


@pytest.mark.parametrize("vector", VECTORS["valid"], ids=lambda v: v["name"])
def test_valid_vectors_open(vector: dict[str, str]) -> None:
    opened = crypto.open_envelope(vector["jwe"], vector_ring())
    assert opened.plaintext.decode() == VECTORS["plaintext"]


@pytest.mark.parametrize("vector", VECTORS["invalid"], ids=lambda v: v["name"])
def test_invalid_vectors_are_refused_with_their_own_error(vector: dict[str, str]) -> None:
    with pytest.raises(ERRORS[vector["code"]]) as caught:
        crypto.open_envelope(vector["jwe"], vector_ring())
    assert caught.value.code == vector["code"]


def test_oversize_is_refused_before_parsing(keyring: crypto.KeyRing) -> None:
    token = crypto.seal_to_ring(b"x" * (crypto.MAX_ENVELOPE_BYTES), keyring)
    with pytest.raises(crypto.EnvelopeTooLarge):
        crypto.open_envelope(token, keyring)
    with pytest.raises(crypto.EnvelopeTooLarge):
        crypto.open_envelope("." * (crypto.MAX_ENVELOPE_BYTES + 1), keyring)


def test_a_key_of_another_kind_is_not_a_sealing_key(keyring: crypto.KeyRing) -> None:
    kek = keyring.current(crypto.KeyKind.KEK).id
    token = crypto.seal_to_ring(b"hi", keyring)
    h, *rest = token.split(".")
    header = json.loads(b64url_decode(h))
    forged = b64url_encode(json.dumps({**header, "kid": kek}).encode())
    with pytest.raises(crypto.UnknownKey):
        crypto.open_envelope(".".join([forged, *rest]), keyring)


def _flip(part: str, index: int) -> str:
    raw = bytearray(b64url_decode(part))
    raw[index] ^= 0x01
    return b64url_encode(bytes(raw))


@pytest.mark.parametrize("part", [0, 2, 3, 4], ids=["header", "iv", "ciphertext", "tag"])
def test_flipping_any_byte_of_any_part_is_refused(keyring: crypto.KeyRing, part: int) -> None:
    token = crypto.seal_to_ring(b'{"narrative": "short"}', keyring)
    parts = token.split(".")
    size = len(b64url_decode(parts[part]))
    for index in range(size):
        altered = list(parts)
        altered[part] = _flip(parts[part], index)
        with pytest.raises(crypto.EnvelopeInvalid) as caught:
            crypto.open_envelope(".".join(altered), keyring)
        if part != 0:
            # The body parts are authenticated: any change is a failed tag.
            assert isinstance(caught.value, crypto.DecryptionFailed), (part, index)


# Characters a lax alphabet check lets in: base64's other alphabet, padding, white space,
# and other scripts' digits and letters that \d, \w or a case-folding match would take.
@pytest.mark.parametrize(
    "stray", ["+", "/", "=", " ", "\n", "\u0663", "\u212a", "\uff41"], ids=repr
)
@pytest.mark.parametrize("part", [0, 2, 3, 4], ids=["header", "iv", "ciphertext", "tag"])
def test_a_character_outside_base64url_is_refused_as_malformed(
    keyring: crypto.KeyRing, part: int, stray: str
) -> None:
    parts = crypto.seal_to_ring(b'{"narrative": "short"}', keyring).split(".")
    parts[part] = parts[part] + stray
    with pytest.raises(crypto.EnvelopeMalformed, match="not strict base64url"):
        crypto.check_sealed_form(".".join(parts))


@settings(max_examples=40, deadline=None)
@given(st.binary(max_size=4096))
def test_round_trip_any_bytes(payload: bytes) -> None:
    ring = vector_ring()
    assert crypto.open_envelope(crypto.seal_to_ring(payload, ring), ring).plaintext == payload


def test_previous_sealing_key_still_opens_after_rotation(keyring: crypto.KeyRing) -> None:
    old = crypto.seal_to_ring(b"sealed offline last week", keyring)
    rotated = keyring.rotate(crypto.KeyKind.SEAL)
    assert crypto.open_envelope(old, rotated).plaintext == b"sealed offline last week"
    published = crypto.public_jwks(rotated)["keys"]
    assert published[0]["kid"] == rotated.current(crypto.KeyKind.SEAL).id
    assert len(published) == 2
    retired = rotated.retire(keyring.current(crypto.KeyKind.SEAL).id)
    with pytest.raises(crypto.UnknownKey):
        crypto.open_envelope(old, retired)
