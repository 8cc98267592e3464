"""The suspicion as the phone seals it (docs/contract.md, "Suspicion"), and the owner's
answer to it.

Checked like a concern: every enumeration and limit, unknown fields refused at every level;
its ``children[]`` are shaped as a concern's subject and its ``associated[]`` entries
exactly a concern's. Codes come out under ``suspicion.`` (``backend.pipeline.validate``).
"""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from backend.domain import vocab
from backend.schemas.concern import (
    MAX_ASSOCIATED,
    TEXT_LIMIT,
    Associated,
    Proof,
    Subject,
    _not_ahead,
    _one_of,
)

SCHEMA = "frontline.suspicion/1"
MAX_CHILDREN = 20
ANSWER_LIMIT = 2000


class Suspicion(Schema):
    schema = fields.String(
        required=True,
        validate=validate.Equal(SCHEMA, error=f"concern.schema_unknown|Only {SCHEMA}."),
    )
    client_id = fields.UUID(required=True)
    recorded_at = fields.AwareDateTime(required=True, validate=_not_ahead)
    narrative = fields.String(
        required=True,
        validate=validate.Length(
            min=1, max=TEXT_LIMIT, error="concern.narrative_length|1 to {max} characters."
        ),
    )
    basis = fields.String(required=True, validate=_one_of(vocab.SUSPICION_BASES))
    level = fields.String(required=True, validate=_one_of(tuple(v.value for v in vocab.Level)))
    children = fields.List(
        fields.Nested(Subject),
        load_default=list,
        validate=validate.Length(
            max=MAX_CHILDREN, error="concern.too_many_children|At most {max} children."
        ),
    )
    associated = fields.List(
        fields.Nested(Associated),
        load_default=list,
        validate=validate.Length(
            max=MAX_ASSOCIATED, error="concern.too_many_associated|At most {max} entries."
        ),
    )
    proof = fields.Nested(Proof, required=True)

    @validates_schema
    def _names_someone(self, data: dict[str, Any], **_: Any) -> None:
        if not data.get("children") and not data.get("associated"):
            raise ValidationError(
                "concern.names_no_one|Name at least one child, person, vehicle, phone, "
                "place or account.",
                field_name="associated",
            )
        recorded = data.get("recorded_at")
        for child in data.get("children") or []:
            dob = child.get("date_of_birth")
            if recorded is not None and dob is not None and dob > recorded.date():
                raise ValidationError(
                    "concern.dob_after_event|Born after the event recorded.",
                    field_name="children",
                )


class AnswerSchema(Schema):
    """``POST /api/v1/suspicions/{id}/answer``: the owner's written answer."""

    answer = fields.String(
        required=True,
        validate=validate.Length(
            min=1, max=ANSWER_LIMIT, error=f"1 to {ANSWER_LIMIT} characters, for the record."
        ),
    )
    outcome = fields.String(required=True, validate=validate.OneOf(vocab.SUSPICION_OUTCOMES))


class SuspicionOwnerSchema(Schema):
    inbox = fields.String()
    agency = fields.String()


class SuspicionItemSchema(Schema):
    id = fields.UUID()
    status = fields.String(metadata={"enum": ["open", "answered", "reopened"]})
    owner = fields.Nested(SuspicionOwnerSchema)
    due = fields.AwareDateTime()
    matches = fields.Integer(metadata={"description": "later records naming what it names"})
    answered_at = fields.AwareDateTime(allow_none=True)
    recorded_at = fields.AwareDateTime()
    basis = fields.String()
    level = fields.String()
    outcome = fields.String(allow_none=True)
    escalated = fields.Integer(metadata={"description": "escalation steps climbed"})
    yours = fields.Boolean(metadata={"description": "the caller recorded it"})
    can_answer = fields.Boolean(metadata={"description": "the caller is in the owner inbox"})


class SuspicionsSchema(Schema):
    items = fields.List(fields.Nested(SuspicionItemSchema))


class SuspicionViewSchema(SuspicionItemSchema):
    """One suspicion opened for a purpose: its sealed content and the owner's answer."""

    suspicion = fields.Dict(metadata={"description": "the suspicion as sealed, less its proof"})
    answer = fields.String(allow_none=True)
    recipients = fields.List(fields.String())
