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
    purpose_code = fields.String(
        allow_none=True,
        required=True,
        metadata={
            "description": "why a record was read, as its code; 'uncoded' for an entry "
            "written before purposes were codes"
        },
    )
    purpose = fields.String(
        allow_none=True,
        required=True,
        metadata={"description": "the purpose code in words; never free text"},
    )
    records = fields.List(fields.Nested(_Record), required=True)
    detail = fields.Dict(
        required=True,
        metadata={
            "description": "codes and ids only: recipients of a disclosure, the phone's "
            "time of a collection (device_at), the rule of an erasure"
        },
    )


class AccessesSchema(Schema):
    accesses = fields.List(fields.Nested(AccessSchema), required=True)


class ReviewQuerySchema(Schema):
    format = fields.String(load_default="json", validate=validate.OneOf(["json", "csv"]))


class DashboardSchema(Schema):
    period = fields.Dict(required=True)
    suppressed_below = fields.Integer(
        required=True, metadata={"description": "counts from 1 to this minus one are null"}
    )
    concerns = fields.Dict(required=True, metadata={"description": "total, by category, level"})
    weeks = fields.List(fields.Dict(), required=True, metadata={"description": "per ISO week"})
    deadlines = fields.Dict(required=True)
    escalations = fields.Dict(required=True)
    alerts_open = fields.Dict(required=True)
    alerts_per_1000 = fields.Dict(
        required=True,
        metadata={"description": "alerts raised per 1,000 concerns: concerns, total, by_kind"},
    )
    missing = fields.Dict(required=True)
    language = fields.List(fields.Dict(), required=True)
    challenges = fields.List(
        fields.Dict(),
        required=True,
        metadata={
            "description": "challenges to decisions by deciding agency and stage: open and "
            "resolved (counts 1 to 4 null)"
        },
    )
    time_to_leadership = fields.List(
        fields.Dict(),
        required=True,
        metadata={
            "description": "per network alert: raised_at, status, first_sign_at, seen_at "
            "(first read by a partnership lead) and days between (so far, if unseen)"
        },
    )
    suspicions = fields.List(
        fields.Dict(),
        required=True,
        metadata={
            "description": "suspicions by the agency of the inbox that owns them: open, "
            "reopened (each within its deadline), overdue (waiting past it), answered (in "
            "the period); each suspicion in one cell (counts 1 to 4 null)"
        },
    )
