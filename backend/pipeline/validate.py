"""Step 4, validate: the contract's schema; each refusal names the field and has a code."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, TypeAlias

from marshmallow import Schema, ValidationError

from backend.core.jsontext import Document
from backend.pipeline.errors import Rejected
from backend.schemas import fastload

# A payload as the contract's schema loaded it: the same document, its times, dates and ids
# parsed. Its shape is the schema's (backend/schemas/concern.py), which a second,
# hand-kept type would only repeat; the steps read the keys the schema guarantees.
Loaded: TypeAlias = dict[str, Any]

# marshmallow's own messages, mapped to stable codes.
_DEFAULT_CODES = (
    ("Missing data for required field", "concern.field_required"),
    ("Unknown field", "concern.field_unknown"),
    ("Field may not be null", "concern.field_required"),
    ("Not a valid", "concern.invalid_type"),
    ("Must be equal to", "concern.value_not_allowed"),
    ("Must be greater than", "concern.out_of_range"),
    ("Longer than", "concern.too_long"),
    ("Not a valid aware datetime", "concern.time_without_offset"),
)


def _flatten(messages: Any, path: str = "") -> Iterator[tuple[str, str]]:
    if isinstance(messages, dict):
        for key, value in messages.items():
            here = path if key == "_schema" else (f"{path}.{key}" if path else str(key))
            yield from _flatten(value, here)
    elif isinstance(messages, list):
        for message in messages:
            yield from _flatten(message, path)
    else:
        yield path or "(document)", str(messages)


def _code(message: str) -> tuple[str, str]:
    if "|" in message and message.split("|", 1)[0].startswith("concern."):
        code, text = message.split("|", 1)
        return code, text
    if "aware" in message:
        return "concern.time_without_offset", message
    for prefix, code in _DEFAULT_CODES:
        if message.startswith(prefix):
            return code, message
    return "concern.invalid", message


def validate(schema: Schema, payload: Document, *, codes: str = "concern") -> Loaded:
    """Load a payload, or raise Rejected with the first problem's code and every field named.

    ``codes``: the record's own prefix for the codes (``return_interview.field_required``);
    the schemas write them as a concern's. An accepted payload takes the schema's compiled
    plan (``backend.schemas.fastload``); anything the plan is unsure of is loaded by
    marshmallow, whose messages are mapped here."""
    try:
        return fastload.load(schema, payload)  # type: ignore[no-any-return]
    except ValidationError as exc:
        problems = [(path, *_code(message)) for path, message in _flatten(exc.messages)]
        path, code, _ = problems[0]
        code = codes + code.removeprefix("concern")
        detail = "; ".join(f"{p}: {text}" for p, _, text in problems)
        raise Rejected(code, detail[:2000]) from None
