"""Schemas of missing episodes (docs/contract.md, "Missing episodes")."""

from marshmallow import Schema, fields, validate

RETURN_STATUSES = ["not_due", "due", "overdue", "held", "declined", "not_reached"]


class ReturnInterviewSchema(Schema):
    due = fields.DateTime(
        required=True,
        allow_none=True,
        metadata={"description": "72 hours after the child's return; null while missing"},
    )
    status = fields.String(
        required=True,
        validate=validate.OneOf(RETURN_STATUSES),
        metadata={
            "description": "held, declined or not_reached: how the latest return interview "
            "recorded went; until one is, not_due while the child is missing, then due, then "
            "overdue, counted from the return"
        },
    )


class EpisodeSchema(Schema):
    id = fields.UUID(required=True)
    subject_id = fields.UUID(required=True)
    concern_id = fields.UUID(required=True, metadata={"description": "the report that opened it"})
    reported_at = fields.DateTime(required=True)
    found_at = fields.DateTime(required=True, allow_none=True)
    hours_missing = fields.Float(required=True, allow_none=True)
    profile_id = fields.UUID(required=True, allow_none=True)
    return_interview = fields.Nested(ReturnInterviewSchema, required=True)
    child = fields.String(
        required=True, allow_none=True, metadata={"description": "as the opening report names"}
    )
    found_where = fields.String(
        required=True, allow_none=True, metadata={"description": "as the return was reported"}
    )
    found_with = fields.String(
        required=True, allow_none=True, metadata={"description": "as the return was reported"}
    )


class EpisodesSchema(Schema):
    items = fields.List(
        fields.Nested(EpisodeSchema), required=True, metadata={"description": "latest report first"}
    )
    next = fields.String(
        allow_none=True, required=True, metadata={"description": "the next page's cursor"}
    )


class EpisodesQuerySchema(Schema):
    status = fields.String(load_default="open", validate=validate.OneOf(["open", "closed"]))
    next = fields.String()
    limit = fields.Integer(load_default=50, validate=validate.Range(1, 200))
