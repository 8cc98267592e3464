"""Schemas of alerts, network graphs, chronologies and possible matches."""

from marshmallow import Schema, fields, validate

KINDS = ["repeated_missing", "multi_agency", "cumulative", "network", "young_child_high_risk"]


class _Evidence(Schema):
    identifier_kind = fields.String(required=True)
    concerns = fields.List(fields.String(), required=True)


class AlertSchema(Schema):
    id = fields.UUID(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(KINDS))
    status = fields.String(required=True)
    raised_at = fields.DateTime(required=True)
    updated_at = fields.DateTime(required=True)
    subjects = fields.List(fields.String(), required=True)
    concerns = fields.List(fields.String(), required=True)
    evidence = fields.List(fields.Nested(_Evidence), required=True)
    inboxes = fields.List(fields.String(), required=True)
    suspicions = fields.List(
        fields.String(),
        metadata={"description": "suspicions it counts as evidence: they name what it rests on"},
    )
    why = fields.String(
        required=True,
        metadata={"description": "why it was raised, in one line: what links whom, over how long"},
    )
    strength = fields.String(
        required=True,
        validate=validate.OneOf(["strong", "medium", "weak"]),
        metadata={"description": "the strongest link it rests on (the rules' strengths)"},
    )
    level = fields.String(
        required=True, allow_none=True, metadata={"description": "the level it was delivered at"}
    )


class AlertsSchema(Schema):
    alerts = fields.List(
        fields.Nested(AlertSchema),
        required=True,
        metadata={"description": "strongest first, then the most serious level, then the latest"},
    )


class AlertsQuerySchema(Schema):
    status = fields.String(load_default="open", validate=validate.OneOf(["open", "all"]))


def _described(text: str) -> fields.List:
    return fields.List(fields.Dict(), required=True, metadata={"description": text})


class NetworkSchema(Schema):
    alert_id = fields.UUID(required=True)
    nodes = _described("children and entities (adult, vehicle, phone, address, account)")
    edges = _described("child -> entity, with the concerns that link them")


class ChronologySchema(Schema):
    subject_id = fields.UUID(required=True)
    items = _described("concerns and addenda in event-time order; full, or a summary")


class _Side(Schema):
    concerns = fields.Integer(required=True, metadata={"description": "how many"})
    agencies = fields.List(
        fields.String(), required=True, metadata={"description": "the recorders' agencies"}
    )
    first_recorded_at = fields.DateTime(allow_none=True, required=True)
    last_recorded_at = fields.DateTime(allow_none=True, required=True)


class _Sides(Schema):
    subject = fields.Nested(_Side, required=True)
    candidate = fields.Nested(_Side, required=True)


class MatchSchema(Schema):
    id = fields.UUID(required=True)
    subject_id = fields.UUID(required=True)
    candidate_id = fields.UUID(required=True)
    kinds = fields.List(fields.String(), required=True)
    created_at = fields.DateTime(required=True)
    concerns = fields.Dict(
        required=True,
        metadata={"description": "concern ids about each record (subject, candidate)"},
    )
    sides = fields.Nested(
        _Sides,
        required=True,
        metadata={
            "description": "each record in brief, to decide without opening content: how many "
            "concerns, from which agencies, first and last recorded (no content, no names)"
        },
    )
    conflict = fields.Dict(
        allow_none=True,
        required=True,
        metadata={
            "description": "set when one concern's strong keys pointed at both records and "
            "they disagree: concern_id, matched (record -> kinds), differs (kinds), words"
        },
    )


class MatchesSchema(Schema):
    matches = fields.List(fields.Nested(MatchSchema), required=True)


class MatchDecisionSchema(Schema):
    id = fields.UUID(required=True)
    status = fields.String(required=True)
    patterns = fields.Integer(required=True, metadata={"description": "alerts raised or updated"})


class SplitSchema(Schema):
    subject_id = fields.UUID(required=True)
    was_merged_into = fields.UUID(required=True)
    concerns_moved = fields.Integer(required=True)
    alerts_withdrawn = fields.Integer(required=True)
    alerts_rebuilt = fields.Integer(required=True)


class MergeSchema(Schema):
    id = fields.UUID(required=True)
    subject_id = fields.UUID(required=True, metadata={"description": "the record kept"})
    merged_id = fields.UUID(required=True, metadata={"description": "the record merged into it"})
    how = fields.String(required=True, validate=validate.OneOf(["automatic", "confirmed"]))
    kinds = fields.List(fields.String(), required=True)
    made_at = fields.DateTime(required=True)
    confirmed_at = fields.DateTime(allow_none=True, required=True)
    split_at = fields.DateTime(allow_none=True, required=True)
    summary = fields.String(required=True)


class MergesSchema(Schema):
    merges = fields.List(fields.Nested(MergeSchema), required=True)
