"""JSON parsed as RFC 8259 says and no more loosely, for request bodies and sealed payloads."""

from __future__ import annotations

import json
import re
from typing import Any, TypeAlias

# A JSON object kept whole, as it is stored: a concern or addendum as its recorder sealed
# it (or a part of one), a routing trace. A document, not a view to type field by field:
# it is stored as JSON, and a sealed one is hashed and signed as JSON (its canonical form
# is what the recorder's passkey signed); a concern's shape is the contract's
# (docs/contract.md), checked by backend/schemas/concern.py when it arrives.
Document: TypeAlias = dict[str, Any]

# Arrays and objects inside one another: the contract's deepest shape (a concern's proof:
# concern > proof > credential > response) is 4, so 32 is never reached by honest input.
# Deeper input is refused before anything walks it: Python's parser and every recursive
# walker after it (schemas, canonical JSON) would otherwise run out of stack (ASVS 15.2.2).
MAX_DEPTH = 32


class TooDeep(ValueError):
    """Arrays and objects nest deeper than MAX_DEPTH."""

    def __init__(self) -> None:
        super().__init__(f"Arrays and objects nest deeper than {MAX_DEPTH} levels.")


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    found = dict(pairs)
    if len(found) != len(pairs):  # a key twice: the dict kept one copy of it
        raise ValueError("a key appears twice in one object")
    return found


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _check_depth(value: Any, depth: int = 1) -> None:
    # Recursive, but never deeper than MAX_DEPTH + 1 frames: it stops there, far inside
    # Python's own limit, before it could run out of stack.
    if depth > MAX_DEPTH:
        raise TooDeep()
    for child in value.values() if isinstance(value, dict) else value:
        if isinstance(child, (dict, list)):  # a tuple: faster than a union here
            _check_depth(child, depth + 1)


# An escaped UTF-16 surrogate ("\\ud83d"): half of a pair, or the whole of a lone one.
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


def _check_text(value: Any) -> None:
    """Every string and key is Unicode text: no lone surrogate, which JSON's escapes can
    spell (JavaScript writes one for text cut in the middle of an emoji) but which no
    UTF-8 can hold, so that the canonical form, the database and every reader would fail
    on it, for good, long after it was accepted."""
    waiting = [value]
    while waiting:
        item = waiting.pop()
        if isinstance(item, str):
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                raise ValueError("a string holds half of a UTF-16 surrogate pair") from None
        elif isinstance(item, dict):
            waiting.extend(item)
            waiting.extend(item.values())
        elif isinstance(item, list):
            waiting.extend(item)


def strict_json(raw: bytes | str) -> Any:
    """Parse JSON as RFC 8259 says and no more loosely: UTF-8 only (not the UTF-16 or -32
    that ``json.loads`` would guess from bytes, nor the surrogates it would let through),
    no NaN or Infinity, no object with a key twice (parsers disagree on which copy wins),
    no nesting deeper than MAX_DEPTH, no lone surrogate spelt as an escape. Raises
    ValueError (TooDeep for nesting; UnicodeDecodeError for bytes that are not UTF-8)."""
    text = raw.decode("utf-8") if isinstance(raw, bytes | bytearray) else raw
    try:
        value = json.loads(text, object_pairs_hook=_unique_keys, parse_constant=_no_constant)
    except RecursionError:
        # The parser gave up far deeper than MAX_DEPTH (about a thousand levels).
        raise TooDeep() from None
    if isinstance(value, dict | list):
        _check_depth(value)
    # Looked for only where an escape could have made one: honest text rarely has any.
    if "\\u" in text and _SURROGATE_ESCAPE.search(text):
        _check_text(value)
    return value
