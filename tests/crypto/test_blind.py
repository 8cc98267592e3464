"""Normalisation rules and blind indexes: equal spellings link, different identifiers do not."""

from __future__ import annotations

import hashlib
import re
from datetime import date

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import crypto
from crypto import normalise as n
from crypto.blind import IdentifierKind

RING = crypto.generate_keyring()


def idx(kind: IdentifierKind, value: str) -> str:
    return crypto.blind_index(RING, kind, value)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("O'Brien", "obrien"),
        ("O’Brien", "O Brien"),
        ("Mary-Jane", "Mary Jane"),
        ("  mary   jane ", "MARYJANE"),
        ("Zoë", "Zoe"),
        ("Chloé", "CHLOE"),
        ("Þórunn", "thorunn"),
        ("Søren", "Soren"),
        ("Łukasz", "Lukasz"),
        ("Straße", "Strasse"),
        ("Æthelflæd", "aethelflaed"),
        ("Наталья", "Natalya"),
        ("Ｋｉｅｒａｎ", "Kieran"),  # full-width
    ],
)
def test_name_spellings_normalise_equal(a: str, b: str) -> None:
    assert n.name(a) == n.name(b)


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("Robert", "R163"),
        ("Rupert", "R163"),
        ("Rubin", "R150"),
        ("Ashcraft", "A261"),
        ("Ashcroft", "A261"),
        ("Tymczak", "T522"),
        ("Pfister", "P236"),
        ("Honeyman", "H555"),
        ("Smith", "S530"),
        ("Smyth", "S530"),
        ("Mohammed", "M530"),
        ("Muhammad", "M530"),
    ],
)
def test_soundex_follows_the_national_archives_rules(name: str, code: str) -> None:
    assert n.soundex(name) == code


def test_phonetic_key_links_near_spellings_with_the_same_birth_year() -> None:
    assert n.phonetic_year("Smith", 2010) == n.phonetic_year("Smyth", 2010)
    assert n.phonetic_year("Smith", 2010) != n.phonetic_year("Smith", 2011)


def test_name_dob() -> None:
    dob = date(2011, 3, 9)
    assert n.name_dob("Mary-Jane", "O'Brien", dob) == n.name_dob("mary jane", "OBRIEN", dob)
    assert n.name_dob("Mary", "Jane", dob) != n.name_dob("Maryj", "ane", dob)
    assert n.name_dob("Amy", "Lee", dob) != n.name_dob("Amy", "Lee", date(2011, 3, 10))


@pytest.mark.parametrize("good", ["943 476 5919", "9434765919", "943-476-5919", "4010232137"])
def test_nhs_numbers_with_valid_check_digit(good: str) -> None:
    assert n.nhs_number(good) == good.replace(" ", "").replace("-", "")


@pytest.mark.parametrize("bad", ["9434765918", "943476591", "94347659190", "abcdefghij", ""])
def test_nhs_numbers_with_bad_check_digit_or_shape_are_refused(bad: str) -> None:
    with pytest.raises(crypto.InvalidIdentifier):
        n.nhs_number(bad)


@pytest.mark.parametrize(
    ("a", "b"),
    [("ab12 cde", "AB12CDE"), ("AB12-CDE", "ab12cde"), (" a b 1 2 c d e ", "AB12CDE")],
)
def test_vehicle_registrations(a: str, b: str) -> None:
    assert n.vehicle_registration(a) == n.vehicle_registration(b) == "AB12CDE"


@pytest.mark.parametrize(
    "spelling",
    [
        "07700 900123",
        "07700900123",
        "+44 7700 900123",
        "+44 (0)7700 900123",
        "0044 7700 900 123",
        "447700900123",
        "+44-7700-900-123",
        "(07700) 900123",
    ],
)
def test_phone_numbers_become_e164(spelling: str) -> None:
    assert n.phone_number(spelling) == "+447700900123"


@pytest.mark.parametrize("bad", ["123", "phone", "+0123456789", ""])
def test_bad_phone_numbers_are_refused(bad: str) -> None:
    with pytest.raises(crypto.InvalidIdentifier):
        n.phone_number(bad)


@pytest.mark.parametrize(
    ("a", "b"), [("ox4 1aa", "OX41AA"), ("SW1A 1AA", "sw1a1aa"), ("m1 1ae", "M1 1AE")]
)
def test_postcodes(a: str, b: str) -> None:
    assert n.postcode(a) == n.postcode(b)


@pytest.mark.parametrize("bad", ["OX4", "12345", "OX4 1CI", "ZZZZ"])
def test_bad_postcodes_are_refused(bad: str) -> None:
    with pytest.raises(crypto.InvalidIdentifier):
        n.postcode(bad)


def test_online_accounts_and_addresses() -> None:
    assert n.online_account("Instagram", "@Some.Name") == n.online_account("instagram", "some.name")
    assert n.online_account("Snapchat", "x") != n.online_account("Instagram", "x")
    assert n.address("12 Cowley Rd, Oxford") == n.address("12 cowley road oxford")


def test_kinds_are_separated() -> None:
    assert idx(IdentifierKind.NICKNAME, "shorty") != idx(IdentifierKind.PERSON_NAME, "shorty")


def test_index_is_128_bits_of_hex_and_keyed() -> None:
    value = idx(IdentifierKind.VEHICLE, "AB12CDE")
    # 16 bytes as 32 lowercase hex digits: the column's width, and what equality compares.
    assert re.fullmatch(r"[0-9a-f]{32}", value), value
    # Keyed: without the ring's blind key the index cannot be recomputed from a guess
    # (identifiers are low-entropy), so it is not a bare hash of the normalised value.
    bare = hashlib.sha256(b"vehicle\x00AB12CDE").hexdigest()
    assert value not in bare
    other_ring = crypto.generate_keyring()
    assert crypto.blind_index(other_ring, IdentifierKind.VEHICLE, "AB12CDE") != value
    # Per normalised value: one character changes it; the same value gives the same index.
    assert idx(IdentifierKind.VEHICLE, "AB12CDF") != value
    assert idx(IdentifierKind.VEHICLE, n.vehicle_registration("ab12 cde")) == value
    rotated = RING.rotate(crypto.KeyKind.BLIND)
    old_id = RING.current(crypto.KeyKind.BLIND).id
    assert crypto.blind_index(rotated, IdentifierKind.VEHICLE, "AB12CDE", key_id=old_id) == value


# -- properties --------------------------------------------------------------------------

letters = st.text(alphabet=st.sampled_from("abcdefghijklmnopqrstuvwxyz"), min_size=1, max_size=12)


def _respell(word: str, data: st.DataObject) -> str:
    """Change case, add spaces, hyphens, apostrophes and accents, but not the letters."""
    accents = {"a": "áàâä", "e": "éèêë", "i": "íìîï", "o": "óòôö", "u": "úùûü", "c": "ç", "n": "ñ"}
    out = []
    for ch in word:
        choice = data.draw(st.integers(0, 5))
        if choice == 1:
            ch = ch.upper()
        elif choice == 2 and ch in accents:
            ch = data.draw(st.sampled_from(accents[ch]))
        out.append(ch)
        if data.draw(st.integers(0, 6)) == 0:
            out.append(data.draw(st.sampled_from([" ", "-", "'", "’", "  ", "."])))
    return "".join(out)


@settings(max_examples=200)
@given(letters, st.data())
def test_equivalent_name_spellings_give_equal_indexes(word: str, data: st.DataObject) -> None:
    respelt = _respell(word, data)
    assert idx(IdentifierKind.PERSON_NAME, n.name(respelt)) == idx(
        IdentifierKind.PERSON_NAME, n.name(word)
    )


@settings(max_examples=200)
@given(letters, letters)
def test_different_names_give_different_indexes(a: str, b: str) -> None:
    assume(a != b)
    assert idx(IdentifierKind.PERSON_NAME, n.name(a)) != idx(IdentifierKind.PERSON_NAME, n.name(b))


reg = st.from_regex(r"[A-Z]{2}[0-9]{2}[A-Z]{3}", fullmatch=True)


@settings(max_examples=200)
@given(reg, st.data())
def test_registration_spellings_link(mark: str, data: st.DataObject) -> None:
    spaced = "".join(c + data.draw(st.sampled_from(["", "", " ", "-"])) for c in mark)
    lowered = spaced.lower() if data.draw(st.booleans()) else spaced
    assert idx(IdentifierKind.VEHICLE, n.vehicle_registration(lowered)) == idx(
        IdentifierKind.VEHICLE, n.vehicle_registration(mark)
    )


@settings(max_examples=200)
@given(reg, reg)
def test_different_registrations_do_not_link(a: str, b: str) -> None:
    assume(a != b)
    assert idx(IdentifierKind.VEHICLE, n.vehicle_registration(a)) != idx(
        IdentifierKind.VEHICLE, n.vehicle_registration(b)
    )


@settings(max_examples=200)
@given(
    st.from_regex(r"7[0-9]{9}", fullmatch=True),
    st.sampled_from(["0{}", "+44{}", "0044{}", "+44 (0){}"]),
)
def test_uk_mobile_spellings_link(number: str, form: str) -> None:
    spelt = form.format(number[:4] + " " + number[4:])
    assert n.phone_number(spelt) == "+44" + number


@settings(max_examples=200)
@given(st.from_regex(r"[0-9]{9}", fullmatch=True))
def test_every_valid_nhs_number_round_trips(stem: str) -> None:
    total = sum(int(d) * w for d, w in zip(stem, range(10, 1, -1), strict=True))
    check = (11 - total % 11) % 11
    assume(check != 10)
    number = stem + str(check)
    assert n.nhs_number(f"{number[:3]} {number[3:6]} {number[6:]}") == number
    wrong = stem + str((check + 1) % 10)
    with pytest.raises(crypto.InvalidIdentifier):
        n.nhs_number(wrong)


def test_indexer_matches_the_function_and_names_its_key() -> None:
    indexer = crypto.BlindIndexer(RING)
    assert indexer.index(IdentifierKind.PHONE, "+447700900123") == idx(
        IdentifierKind.PHONE, "+447700900123"
    )
    assert indexer.key_id == RING.current(crypto.KeyKind.BLIND).id
    assert RING.current(crypto.KeyKind.BLIND).material.hex() not in repr(indexer)
    with pytest.raises(KeyError):
        crypto.BlindIndexer(RING, "blind-9-nope")
