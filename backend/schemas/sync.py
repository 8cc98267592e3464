"""Schemas of sync, the recorder's list, one concern, and the quarantine."""

from typing import Any

from marshmallow import Schema, fields, post_dump, validate


class EnvelopeSchema(Schema):
    client_id = fields.UUID(required=True)
    jwe = fields.String(required=True, metadata={"description": "JWE compact serialisation"})


class SyncRequestSchema(Schema):
    envelopes = fields.List(
        fields.Nested(EnvelopeSchema), required=True, validate=validate.Length(max=50)
    )


class _Error(Schema):
    code = fields.String(required=True)
    detail = fields.String(required=True)


class _Contact(Schema):
    inbox = fields.String(required=True)
    agency = fields.String(required=True)


class _Known(Schema):
    contact = fields.List(
        fields.Nested(_Contact),
        required=True,
        metadata={
            "description": "the partnership's front door (the rules' fallback inbox), then "
            "inboxes of the recorder's own agency that hold records about the child; never "
            "another agency's specialist teams, never alert kinds"
        },
    )


class SyncResultSchema(Schema):
    client_id = fields.String(allow_none=True, required=True)
    status = fields.String(
        required=True, validate=validate.OneOf(["accepted", "duplicate", "rejected"])
    )
    concern_id = fields.UUID(allow_none=True)
    kind = fields.String(
        validate=validate.OneOf(["return_interview"]),
        metadata={
            "description": "a record other than a concern: what it is, given with "
            "record_id instead of concern_id"
        },
    )
    record_id = fields.UUID(metadata={"description": "that record's id"})
    error = fields.Nested(_Error, allow_none=True)
    known = fields.Nested(_Known, allow_none=True)

    @post_dump
    def _other_records(self, data: dict[str, Any], **_: Any) -> dict[str, Any]:
        """A concern's result names no kind; another record's names no concern_id."""
        if data.get("kind") is None:
            data.pop("kind", None)
            data.pop("record_id", None)
        else:
            data.pop("concern_id", None)
        return data


class SyncResponseSchema(Schema):
    results = fields.List(fields.Nested(SyncResultSchema), required=True)


class AddendumResultSchema(SyncResultSchema):
    addendum_id = fields.UUID()


class AddendumRequestSchema(EnvelopeSchema):
    jwe = fields.String(
        required=True,
        metadata={
            "description": "JWE compact serialisation of a frontline.addendum/1: schema, "
            "concern_id, client_id, recorded_at, text, optional missing, associated, "
            "indicators, and for_referrer (boolean, default false: share it with the "
            "concern's recorder when they are of another agency), with proof"
        },
    )


class _Delivery(Schema):
    id = fields.UUID(
        required=True,
        metadata={"description": "The delivery: what POST /deliveries/{id}/challenge names"},
    )
    inbox = fields.String(required=True)
    agency = fields.String(required=True)
    status = fields.String(
        required=True, validate=validate.OneOf(["new", "acknowledged", "decided", "escalated"])
    )
    kind = fields.String(
        required=True,
        validate=validate.OneOf(["routed", "escalation", "alert", "re_referral"]),
        metadata={
            "description": "alert: a pattern alert about the child that this concern raised, "
            "shown only to those it was delivered to; never to the concern's recorder. "
            "re_referral: to an inbox that lately decided no further action about the child"
        },
    )
    delivered_at = fields.DateTime(required=True)
    acknowledged_at = fields.DateTime(allow_none=True, required=True)
    decided_at = fields.DateTime(allow_none=True, required=True)
    outcome = fields.String(allow_none=True, required=True)
    escalated_at = fields.DateTime(allow_none=True, required=True)
    closed_at = fields.DateTime(
        allow_none=True,
        required=True,
        metadata={"description": "An escalation made moot: acknowledged or decided elsewhere"},
    )
    feedback = fields.String(
        allow_none=True,
        dump_default=None,
        metadata={
            "description": "What the decision wrote for the referrer; only in "
            "GET /concerns/mine, to the concern's recorder"
        },
    )


class MineItemSchema(Schema):
    concern_id = fields.UUID(required=True)
    client_id = fields.UUID(required=True)
    recorded_at = fields.DateTime(required=True)
    received_at = fields.DateTime(required=True)
    deliveries = fields.List(fields.Nested(_Delivery), required=True)


class MineSchema(Schema):
    items = fields.List(fields.Nested(MineItemSchema), required=True)
    next = fields.String(allow_none=True, required=True)


class ConcernViewSchema(Schema):
    concern_id = fields.UUID(required=True)
    subject_id = fields.UUID(
        allow_none=True, required=True, metadata={"description": "the child, for the chronology"}
    )
    received_at = fields.DateTime(required=True)
    late = fields.Boolean(required=True)
    recorder = fields.Dict(required=True)
    proof = fields.Dict(required=True)
    concern = fields.Dict(required=True, metadata={"description": "as recorded, without proof"})
    addenda = fields.List(
        fields.Dict(),
        required=True,
        metadata={
            "description": "to its recorder: their own agency's, and another agency's only "
            "where marked for_referrer; to its recipients: all"
        },
    )
    routing = fields.Dict(
        allow_none=True,
        required=True,
        metadata={"description": "Which rules, in which version, sent it where, and why"},
    )
    deliveries = fields.List(fields.Nested(_Delivery), required=True)


class QuarantineItemSchema(Schema):
    id = fields.UUID(required=True)
    client_id = fields.UUID(required=True)
    kind = fields.String(required=True)
    user_id = fields.UUID(required=True)
    received_at = fields.DateTime(required=True)
    status = fields.String(required=True)
    attempts = fields.Integer(required=True)
    error_code = fields.String(allow_none=True)
    error_detail = fields.String(allow_none=True)
    sealed_kept = fields.Boolean(required=True)


class QuarantineSchema(Schema):
    items = fields.List(fields.Nested(QuarantineItemSchema), required=True)
