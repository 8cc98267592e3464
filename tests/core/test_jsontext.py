"""JSON text is Unicode in UTF-8: a lone surrogate spelt as an escape is refused, and so are
bytes in any other encoding; what merely looks like an escape is text like any other."""

from __future__ import annotations

import json

import pytest

from backend.core.jsontext import strict_json


@pytest.mark.parametrize(
    "text",
    ['"\\ud83d"', '"\\uDE00 after"', '{"\\udead": 1}', '[1, {"a": ["\\ud800"]}]'],
)
def test_a_lone_surrogate_is_not_text(text: str) -> None:
    with pytest.raises(ValueError, match="surrogate"):
        strict_json(text)
    with pytest.raises(ValueError, match="surrogate"):
        strict_json(text.encode("utf-8"))


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ('"\\ud83d\\ude00"', "\U0001f600"),  # a whole pair
        ('"\\\\ud83d"', "\\ud83d"),  # a backslash, then letters
        ('{"\\u00e9": "\\u2028"}', {"\u00e9": "\u2028"}),
    ],
)
def test_what_only_looks_like_a_surrogate_is_read(text: str, value: object) -> None:
    assert strict_json(text) == value
    assert strict_json(text.encode("utf-8")) == value


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be", "utf-32", "utf-8-sig"])
def test_bytes_are_utf8_only(encoding: str) -> None:
    raw = json.dumps({"a": "b"}).encode(encoding)
    with pytest.raises((UnicodeDecodeError, json.JSONDecodeError)):
        strict_json(raw)


def test_surrogates_encoded_as_utf8_bytes_are_refused() -> None:
    # CESU-style bytes for U+D83D: json.loads would let them through from bytes.
    with pytest.raises(UnicodeDecodeError):
        strict_json(b'"\xed\xa0\xbd"')
