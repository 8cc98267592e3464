"""Step 2, open: decrypt the envelope with the key ring; the payload must be a JSON object.

Opening needs no database, and neither does the language check of the narrative, so both
run before the envelope's write transaction begins: on SQLite that transaction holds the
one write lock, and no envelope's CPU work may keep everyone else's writes waiting.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import crypto
from backend.core.jsontext import Document, TooDeep, strict_json
from backend.domain import language
from backend.pipeline.errors import Rejected
from backend.schemas.concern import TEXT_LIMIT


def open_payload(ring: crypto.KeyRing, jwe: str) -> Document:
    """The sealed payload, parsed: a JSON document kept whole, not a view, since its
    canonical JSON is what the recorder's passkey signed and what is stored."""
    try:
        opened = crypto.open_envelope(jwe, ring)
    except crypto.EnvelopeInvalid as exc:
        raise Rejected(exc.code, str(exc)) from None
    try:
        payload = strict_json(opened.plaintext.decode("utf-8"))
    except TooDeep:
        # Refused for good, never quarantined: retrying cannot make it shallower.
        raise Rejected("concern.too_deep", str(TooDeep())) from None
    except (UnicodeDecodeError, ValueError):
        raise Rejected(
            "envelope.payload_not_json", "The sealed payload is not UTF-8 JSON."
        ) from None
    if not isinstance(payload, dict):
        raise Rejected("envelope.payload_not_json", "The sealed payload is not a JSON object.")
    return payload


@dataclass(frozen=True)
class Opened:
    """An envelope opened before its transaction: the payload, or why it was refused."""

    payload: Document = field(default_factory=dict)
    refused: Rejected | None = None
    language_flags: dict[str, int] = field(default_factory=dict)


def open_before_storing(ring: crypto.KeyRing, jwe: str, *, count_language: bool) -> Opened:
    """Open the envelope and, if its kind keeps them (``kinds.py``), count the narrative's
    language flags, outside any transaction."""
    try:
        payload = open_payload(ring, jwe)
    except Rejected as refused:
        return Opened(refused=refused)
    narrative = payload.get("narrative")
    flags: dict[str, int] = {}
    # Only a narrative validation will accept is worth reading; the rest is refused later.
    if count_language and isinstance(narrative, str) and len(narrative) <= TEXT_LIMIT:
        flags = language.counts(narrative)
    return Opened(payload=payload, language_flags=flags)
