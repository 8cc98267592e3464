"""Canonical JSON is RFC 8785 byte for byte; the chain hash depends on order and content."""

from __future__ import annotations

import rfc8785
from hypothesis import given, settings
from hypothesis import strategies as st

import crypto
from crypto import digest

scalars = st.none() | st.booleans() | st.integers(-(2**53) + 1, 2**53 - 1) | st.text()
plain_json = st.recursive(
    scalars,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=20,
)
any_json = st.recursive(
    scalars | st.floats(allow_nan=False, allow_infinity=False),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=20,
)


@settings(max_examples=400)
@given(plain_json)
def test_fast_path_equals_rfc8785(value) -> None:  # type: ignore[no-untyped-def]
    assert crypto.canonical_json(value) == rfc8785.dumps(value)


@settings(max_examples=200)
@given(any_json)
def test_any_json_equals_rfc8785(value) -> None:  # type: ignore[no-untyped-def]
    assert crypto.canonical_json(value) == rfc8785.dumps(value)


def test_control_characters_and_astral_keys() -> None:
    tricky = {"\u00e9": 1, "\U0001f600": 2, "\ufb01": 3, "a\u0000b": '\u001f\u2028"\\\n\t'}
    assert crypto.canonical_json(tricky) == rfc8785.dumps(tricky)


def test_proof_challenge_ignores_proof_and_key_order() -> None:
    a = {"b": 1, "a": [1, 2], "proof": {"x": 1}}
    b = {"a": [1, 2], "b": 1}
    assert crypto.proof_challenge(a) == crypto.proof_challenge(b)
    assert crypto.proof_challenge(a) != crypto.proof_challenge({"a": [2, 1], "b": 1})


def test_chain_hash_binds_previous_and_entry() -> None:
    h1 = crypto.chain_hash(crypto.GENESIS, {"seq": 1})
    assert crypto.chain_hash(h1, {"seq": 2}) != crypto.chain_hash(crypto.GENESIS, {"seq": 2})
    assert crypto.chain_hash(crypto.GENESIS, {"seq": 1}) == h1


def _plain_by_definition(value) -> bool:  # type: ignore[no-untyped-def]
    if isinstance(value, dict):
        return all(k.isascii() and _plain_by_definition(v) for k, v in value.items())
    if isinstance(value, list):
        return all(_plain_by_definition(v) for v in value)
    return not isinstance(value, float)


@settings(max_examples=200)
@given(any_json)
def test_plain_check_is_its_definition(value) -> None:  # type: ignore[no-untyped-def]
    # The fast path's gate: no float anywhere, and every key ASCII, however deep.
    assert digest._plain(value) is _plain_by_definition(value)
    assert digest._plain({"outer": [value]}) is _plain_by_definition(value)
