"""Encryption at rest: round trips, tampering, moved ciphertexts, shredding, re-wrapping."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import crypto

RING = crypto.generate_keyring()


def _key(key_id: str = "dk-1") -> crypto.DataKey:
    return crypto.new_data_key(RING, key_id)[0]


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=3000), st.text(min_size=1, max_size=20))
def test_round_trip(value: str, field: str) -> None:
    key = _key()
    blob = crypto.seal_field(key, value, table="concerns", row_id="r1", field=field)
    assert crypto.open_field(key, blob, table="concerns", row_id="r1", field=field) == value


def test_ciphertext_moved_to_another_row_or_field_is_refused() -> None:
    key = _key()
    blob = crypto.seal_field(key, "Child A", table="users", row_id="row-1", field="name")
    for table, row, field in (
        ("users", "row-2", "name"),
        ("users", "row-1", "nickname"),
        ("invites", "row-1", "name"),
    ):
        with pytest.raises(crypto.FieldDecryptionFailed):
            crypto.open_field(key, blob, table=table, row_id=row, field=field)
    other_key = _key("dk-2")
    with pytest.raises(crypto.FieldDecryptionFailed):
        crypto.open_field(other_key, blob, table="users", row_id="row-1", field="name")


def test_flipping_any_byte_of_a_stored_ciphertext_is_refused() -> None:
    key = _key()
    blob = crypto.seal_field(key, "narrative text", table="t", row_id="r", field="f")
    for index in range(len(blob)):
        altered = bytearray(blob)
        altered[index] ^= 0x80
        with pytest.raises(crypto.FieldDecryptionFailed):
            crypto.open_field(key, bytes(altered), table="t", row_id="r", field="f")


def test_wrapped_key_is_bound_to_its_id_and_refuses_tampering() -> None:
    key, wrapped = crypto.new_data_key(RING, "dk-1")
    blob = crypto.seal_field(key, "x", table="t", row_id="r", field="f")
    again = crypto.unwrap_data_key(RING, "dk-1", wrapped)
    assert crypto.open_field(again, blob, table="t", row_id="r", field="f") == "x"
    with pytest.raises(crypto.DataKeyUnavailable):
        crypto.unwrap_data_key(RING, "dk-2", wrapped)  # moved to another record
    for index in range(len(wrapped.blob)):
        altered = bytearray(wrapped.blob)
        altered[index] ^= 0x01
        with pytest.raises(crypto.DataKeyUnavailable):
            crypto.unwrap_data_key(RING, "dk-1", crypto.WrappedKey(wrapped.kek_id, bytes(altered)))


def test_rotate_twice_rewrap_retire_everything_still_opens() -> None:
    ring1 = crypto.generate_keyring()
    key, wrapped = crypto.new_data_key(ring1, "dk-1")
    blob = crypto.seal_field(key, "kept", table="t", row_id="r", field="f")
    ring3 = ring1.rotate(crypto.KeyKind.KEK).rotate(crypto.KeyKind.KEK)
    rewrapped = crypto.rewrap_data_key(ring3, "dk-1", wrapped)
    assert rewrapped.kek_id == ring3.current(crypto.KeyKind.KEK).id
    first_kek = ring1.current(crypto.KeyKind.KEK).id
    ring_final = ring3.retire(first_kek)
    reopened = crypto.unwrap_data_key(ring_final, "dk-1", rewrapped)
    assert crypto.open_field(reopened, blob, table="t", row_id="r", field="f") == "kept"
    with pytest.raises(crypto.DataKeyUnavailable):
        crypto.unwrap_data_key(ring_final, "dk-1", wrapped)  # the old wrapping is dead


def test_data_key_material_never_in_repr() -> None:
    key, wrapped = crypto.new_data_key(RING, "dk-1")
    assert repr(key) == "DataKey(dk-1)"
    assert "material" not in repr(RING.current(crypto.KeyKind.KEK))
