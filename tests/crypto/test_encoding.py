"""Strict base64url: the byte-level checks decide exactly as the plain definition does."""

import base64
import itertools
import random
import re

import pytest

from crypto.encoding import b64url_decode, b64url_encode, is_b64url

# Characters a lax decoder lets in, beside the alphabet: the standard alphabet's two,
# padding, white space, and letters or digits of other scripts and forms.
STRAYS = "+/= \n\t\u0663\u212a\uff41\u00e9"
ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


def by_definition(text: str) -> bytes | None:
    """RFC 4648 section 5 without padding, spelt one way: what the module must decide."""
    if re.fullmatch("[A-Za-z0-9_-]*", text) is None or len(text) % 4 == 1:
        return None
    data = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    return data if base64.urlsafe_b64encode(data).rstrip(b"=").decode() == text else None


def decoded(text: str) -> bytes | None:
    try:
        return b64url_decode(text)
    except ValueError:
        return None


def test_every_short_text_is_decided_as_the_definition_decides() -> None:
    # Every text of up to two characters from the alphabet and the strays; of three and
    # four, every last character after a sample of the others: each length's remainder,
    # each last character's low bits, each stray in each place.
    every = ALPHABET + STRAYS
    some = "A_-0w+=\n\u0663"
    texts = [
        *("".join(chars) for n in range(3) for chars in itertools.product(every, repeat=n)),
        *("".join(chars) for n in (2, 3) for chars in itertools.product(some, repeat=n)),
    ]
    texts += [text + last for text in texts[-(len(some) ** 2 + len(some) ** 3) :] for last in every]
    refused = 0
    for text in texts:
        want = by_definition(text)
        assert decoded(text) == want, text
        assert is_b64url(text) == (re.fullmatch("[A-Za-z0-9_-]*", text) is not None), text
        refused += want is None
    assert 0 < refused < len(texts) > 60_000


def test_round_trips_and_one_stray_anywhere_is_refused() -> None:
    rng = random.Random(7)
    for size in [*range(40), 2375, 4096]:
        data = rng.randbytes(size)
        text = b64url_encode(data)
        assert b64url_decode(text) == data
        if text:
            at = rng.randrange(len(text))
            for stray in STRAYS:
                assert decoded(text[:at] + stray + text[at + 1 :]) is None


@pytest.mark.parametrize(
    ("text", "clean"), [("AR", "AQ"), ("AAB", "AAA"), ("_w", "_w"), ("AA_", "AA8")]
)
def test_stray_low_bits_in_the_last_character_are_a_second_spelling(text: str, clean: str) -> None:
    same = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    assert b64url_decode(clean) == same
    if text != clean:
        with pytest.raises(ValueError, match="non-canonical"):
            b64url_decode(text)


@pytest.mark.parametrize("value", [None, 5, b"AAAA", ["AAAA"]])
def test_what_is_not_text_is_a_type_error(value: object) -> None:
    with pytest.raises(TypeError):
        b64url_decode(value)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        is_b64url(value)  # type: ignore[arg-type]
