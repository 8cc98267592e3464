"""JSON parsed as RFC 8259 says and no more loosely, for request bodies and sealed payloads."""

from __future__ import annotations

import json
from typing import Any


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    keys = [k for k, _ in pairs]
    if len(set(keys)) != len(keys):
        raise ValueError("a key appears twice in one object")
    return dict(pairs)


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def strict_json(raw: bytes | str) -> Any:
    """Parse JSON as RFC 8259 says and no more loosely: no NaN or Infinity, and no object
    with a key twice (parsers disagree on which copy wins). Raises ValueError."""
    return json.loads(raw, object_pairs_hook=_unique_keys, parse_constant=_no_constant)
