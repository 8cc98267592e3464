"""Ephemeral keys whose coordinates come without their leading zero bytes.

Some JOSE libraries write each coordinate of the ``epk`` as the shortest big-endian integer
rather than the 32 bytes RFC 7518 asks for: about 1 key in 128 then has a 31-byte x or y,
1 in 32,768 a 30-byte one. The envelopes below are sealed by joserfc itself (its key
agreement, Concat KDF and AES-GCM), with its ephemeral key fixed to a scalar whose point has
such a coordinate and its integer encoder writing as those libraries do.
"""

from __future__ import annotations

import json

import pytest
from joserfc import jwe, util
from joserfc.jwk import ECKey

import crypto
from crypto.encoding import b64url_decode, b64url_encode
from tests.crypto.helpers import SHORT_EPK_SCALARS as SHORT
from tests.crypto.helpers import epk_lengths, seal_with_joserfc, with_epk

PLAINTEXT = "Zoë said: “he took me”".encode()


def _with_zero_byte(num: int, byte_count: int | None = None) -> str:
    """An integer as 33 bytes: one leading zero byte too many."""
    return b64url_encode(num.to_bytes(33, "big"))


@pytest.mark.parametrize("lengths", list(SHORT), ids=lambda n: f"x{n[0]}-y{n[1]}")
def test_short_coordinates_from_joserfc_open(
    keyring: crypto.KeyRing, monkeypatch: pytest.MonkeyPatch, lengths: tuple[int, int]
) -> None:
    token = seal_with_joserfc(monkeypatch, keyring, PLAINTEXT, SHORT[lengths])
    assert epk_lengths(token) == lengths  # the envelope really carries the short form
    assert crypto.open_envelope(token, keyring).plaintext == PLAINTEXT
    # joserfc itself opens what it sealed: the envelope is sound, only the spelling differs.
    d = keyring.sealing_private_key(keyring.current(crypto.KeyKind.SEAL).id)
    assert jwe.decrypt_compact(token, ECKey.import_key(d)).plaintext == PLAINTEXT


def test_full_length_coordinates_from_the_same_keys_open(
    keyring: crypto.KeyRing, monkeypatch: pytest.MonkeyPatch
) -> None:
    for scalar in SHORT.values():
        token = seal_with_joserfc(monkeypatch, keyring, PLAINTEXT, scalar, util.int_to_base64)
        assert epk_lengths(token) == (32, 32)
        assert crypto.open_envelope(token, keyring).plaintext == PLAINTEXT


def test_a_33_byte_coordinate_is_refused(
    keyring: crypto.KeyRing, monkeypatch: pytest.MonkeyPatch
) -> None:
    token = seal_with_joserfc(monkeypatch, keyring, PLAINTEXT, SHORT[(31, 32)], _with_zero_byte)
    assert epk_lengths(token) == (33, 33)
    with pytest.raises(crypto.InvalidEphemeralKey) as caught:
        crypto.open_envelope(token, keyring)
    assert caught.value.code == "envelope.epk_invalid"


def test_a_short_coordinate_still_has_to_be_on_the_curve(
    keyring: crypto.KeyRing, monkeypatch: pytest.MonkeyPatch
) -> None:
    token = seal_with_joserfc(monkeypatch, keyring, PLAINTEXT, SHORT[(32, 31)])
    epk = json.loads(b64url_decode(token.split(".")[0]))["epk"]
    y = int.from_bytes(b64url_decode(epk["y"]), "big")
    off_curve = with_epk(token, y=b64url_encode((y + 1).to_bytes(31, "big")))
    with pytest.raises(crypto.InvalidEphemeralKey, match="not a point"):
        crypto.open_envelope(off_curve, keyring)


@pytest.mark.parametrize("coordinate", ["x", "y"])
def test_an_empty_coordinate_is_refused(
    keyring: crypto.KeyRing, monkeypatch: pytest.MonkeyPatch, coordinate: str
) -> None:
    sealed = seal_with_joserfc(monkeypatch, keyring, PLAINTEXT, SHORT[(31, 31)])
    with pytest.raises(crypto.InvalidEphemeralKey):
        crypto.open_envelope(with_epk(sealed, **{coordinate: ""}), keyring)


def test_a_short_coordinate_is_padded_not_stretched(
    keyring: crypto.KeyRing, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The same bytes read as the high end of the coordinate are another point: refused.
    token = seal_with_joserfc(monkeypatch, keyring, PLAINTEXT, SHORT[(31, 32)])
    x = b64url_decode(json.loads(b64url_decode(token.split(".")[0]))["epk"]["x"])
    with pytest.raises(crypto.EnvelopeInvalid):
        crypto.open_envelope(with_epk(token, x=b64url_encode(x + b"\0")), keyring)
