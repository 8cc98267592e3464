"""Step 2, open: decrypt the envelope with the key ring; the payload must be a JSON object."""

from __future__ import annotations

from typing import Any

import crypto
from backend.jsontext import strict_json
from backend.pipeline.errors import Rejected


def open_payload(ring: crypto.KeyRing, jwe: str) -> dict[str, Any]:
    try:
        opened = crypto.open_envelope(jwe, ring)
    except crypto.EnvelopeInvalid as exc:
        raise Rejected(exc.code, str(exc)) from None
    try:
        payload = strict_json(opened.plaintext.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise Rejected(
            "envelope.payload_not_json", "The sealed payload is not UTF-8 JSON."
        ) from None
    if not isinstance(payload, dict):
        raise Rejected("envelope.payload_not_json", "The sealed payload is not a JSON object.")
    return payload
