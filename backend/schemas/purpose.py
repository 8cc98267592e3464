"""The purpose of a read, on the query string: a code, and an optional note."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from backend.services.concerns.purposes import NOTE_MAX, WORDS, ReadPurpose


class PurposeQuerySchema(Schema):
    """As documented: ``purpose`` one of the codes, ``purpose_note`` free words."""

    purpose = fields.String(
        required=True,
        validate=validate.OneOf([p.value for p in ReadPurpose]),
        metadata={
            "description": "why the record is opened; the audit log keeps this code only: "
            + "; ".join(f"{code}: {words}" for code, words in WORDS.items())
        },
    )
    purpose_note = fields.String(
        validate=validate.Length(max=NOTE_MAX),
        metadata={
            "description": "optional words on why (required with 'other'); sealed under "
            "the record's own data key, never in the audit log or access reviews"
        },
    )


class PurposeArgsSchema(Schema):
    """As loaded: both plain strings, so that each refusal gets its own problem code
    (``backend.services.concerns.purposes.purpose_of``); any other parameter is refused."""

    purpose = fields.String()
    purpose_note = fields.String()
