"""Access review answers (what the audit log says), for auditors."""

from __future__ import annotations

from marshmallow import Schema, fields, validate


class _Record(Schema):
    kind = fields.String(required=True)
    id = fields.String(required=True)


class AccessSchema(Schema):
    seq = fields.Integer(required=True)
    at = fields.String(required=True, metadata={"description": "server time, ISO 8601"})
    action = fields.String(required=True)
    kind = fields.String(
        required=True,
        metadata={
            "description": "collection, alteration, consultation, disclosure, "
            "combination or erasure (DPA 2018 s.62)"
        },
    )
    person_id = fields.String(allow_none=True, required=True)
    person = fields.String(required=True)
    agency = fields.String(allow_none=True, required=True)
    passkey_id = fields.String(allow_none=True, required=True)
    purpose = fields.String(allow_none=True, required=True)
    records = fields.List(fields.Nested(_Record), required=True)


class AccessesSchema(Schema):
    accesses = fields.List(fields.Nested(AccessSchema), required=True)


class ReviewQuerySchema(Schema):
    format = fields.String(load_default="json", validate=validate.OneOf(["json", "csv"]))
