"""Schemas shared by every resource: the problem document."""

from marshmallow import Schema, fields


class ProblemSchema(Schema):
    """An RFC 9457 problem document with Frontline's stable machine code."""

    type = fields.String(required=True)
    title = fields.String(required=True)
    status = fields.Integer(required=True)
    detail = fields.String(required=True)
    code = fields.String(required=True, metadata={"example": "envelope.kid_unknown"})
    errors = fields.Dict(
        keys=fields.String(),
        values=fields.Raw(),
        metadata={"description": "field -> messages, for validation failures"},
    )
