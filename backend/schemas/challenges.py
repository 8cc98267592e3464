"""Schemas of challenges to decisions (docs/contract.md, "Decisions, feedback, challenges
and re-referrals")."""

from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from backend.models import ChallengeOutcome, Outcome
from backend.services.concerns.challenges import NOTE_MAX, REASON_MAX

_OUTCOMES = [o.value for o in Outcome]


def _said(limit: int, what: str) -> list[Any]:
    """Some words, not just spaces, and not too many."""
    message = f"{what}: 3 to {limit:,} characters."
    return [
        validate.Length(min=3, max=limit, error=message),
        validate.Regexp(r"\S", error=message),
    ]


class ChallengeRequestSchema(Schema):
    reason = fields.String(
        required=True,
        validate=_said(REASON_MAX, "Say why you disagree"),
        metadata={"description": "Why the decision is wrong, for the stage's owner; sealed"},
    )


class OwnerSchema(Schema):
    inbox = fields.String(
        required=True,
        metadata={
            "description": "The owner as people read it, as a delivery's inbox: an inbox "
            "('Partnership Leads'), its supervisors ('MASH (supervisors)') or an agency's "
            "safeguarding leads ('<agency> safeguarding lead')"
        },
    )
    agency = fields.String(required=True)


class ChallengeRaisedSchema(Schema):
    challenge_id = fields.UUID(required=True)
    stage = fields.Integer(required=True)
    owner = fields.Nested(OwnerSchema, required=True)
    due = fields.DateTime(required=True)


class ChallengeSchema(Schema):
    id = fields.UUID(required=True)
    concern_id = fields.UUID(required=True)
    delivery_id = fields.UUID(required=True)
    stage = fields.Integer(required=True)
    status = fields.String(required=True, validate=validate.OneOf(["open", "resolved"]))
    owner = fields.Nested(OwnerSchema, required=True)
    due = fields.DateTime(required=True, metadata={"description": "the stage's deadline"})
    overdue = fields.Boolean(required=True)
    raised_at = fields.DateTime(required=True)
    outcome = fields.String(
        allow_none=True, required=True, validate=validate.OneOf([o.value for o in ChallengeOutcome])
    )
    decided_in = fields.String(required=True, metadata={"description": "whose decision"})
    decision = fields.String(required=True, metadata={"description": "the outcome challenged"})
    new_decision = fields.String(allow_none=True, required=True)
    reason = fields.String(allow_none=True, required=True)
    note = fields.String(
        allow_none=True, required=True, metadata={"description": "the resolution, in words"}
    )
    resolved_at = fields.DateTime(allow_none=True, required=True)
    raised_by_me = fields.Boolean(required=True)
    can_resolve = fields.Boolean(required=True)


class ChallengesSchema(Schema):
    items = fields.List(fields.Nested(ChallengeSchema), required=True)


class ChallengesQuerySchema(Schema):
    status = fields.String(load_default="all", validate=validate.OneOf(["open", "resolved", "all"]))


class ResolveSchema(Schema):
    outcome = fields.String(
        required=True, validate=validate.OneOf([o.value for o in ChallengeOutcome])
    )
    note = fields.String(
        required=True,
        validate=_said(NOTE_MAX, "Say what was decided and why"),
        metadata={"description": "For the challenger, in plain words; sealed"},
    )
    decision = fields.String(
        load_default=None,
        validate=validate.OneOf(_OUTCOMES),
        metadata={"description": "The new decision; required when outcome is 'changed'"},
    )

    @validates_schema
    def _decision_with_change(self, data: dict[str, Any], **_: Any) -> None:
        changed = data.get("outcome") == ChallengeOutcome.CHANGED.value
        if changed and data.get("decision") is None:
            raise ValidationError("Choose the new decision.", "decision")
        if not changed and data.get("decision") is not None:
            raise ValidationError("Only a changed decision has a new one.", "decision")
