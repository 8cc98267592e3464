"""Schemas of inboxes, deliveries and the actions on them (docs/contract.md, inbox endpoints)."""

from marshmallow import Schema, fields, validate

from backend.models import Outcome
from backend.services.concerns.inbox import STATUS_FILTERS

STATUSES = ["new", "acknowledged", "decided", "escalated"]


class InboxSchema(Schema):
    id = fields.UUID(required=True)
    name = fields.String(required=True)
    agency = fields.String(required=True)
    kind = fields.String(
        required=True,
        validate=validate.OneOf(["inbox", "agency_lead"]),
        metadata={
            "description": "agency_lead: the agency's safeguarding lead queue (its id is "
            "the agency's)"
        },
    )
    new = fields.Integer(required=True, metadata={"description": "not yet acknowledged"})
    overdue = fields.Integer(required=True, metadata={"description": "open, past its deadline"})


class InboxesSchema(Schema):
    inboxes = fields.List(fields.Nested(InboxSchema), required=True)


class DeliverySchema(Schema):
    id = fields.UUID(required=True)
    concern_id = fields.UUID(required=True)
    status = fields.String(required=True, validate=validate.OneOf(STATUSES))
    level = fields.String(required=True)
    ack_due = fields.DateTime(required=True)
    decision_due = fields.DateTime(allow_none=True, required=True)
    created_at = fields.DateTime(required=True)
    inbox = fields.String(required=True)
    audience = fields.String(required=True)
    overdue = fields.Boolean(required=True)
    acknowledged_at = fields.DateTime(allow_none=True, required=True)
    decided_at = fields.DateTime(allow_none=True, required=True)
    outcome = fields.String(allow_none=True, required=True)
    escalated_at = fields.DateTime(allow_none=True, required=True)
    closed_at = fields.DateTime(allow_none=True, required=True)
    closed_reason = fields.String(allow_none=True, required=True)
    step = fields.Integer(required=True, metadata={"description": "0 routed; n: escalation step"})
    reason = fields.String(required=True, metadata={"description": "why it came here"})
    why = fields.String(
        required=True,
        metadata={
            "description": "why it came here in words: a routed delivery's rules by their "
            "descriptions (as routed), never their ids; any other reason as it is"
        },
    )
    notes = fields.List(fields.String(), required=True)
    categories = fields.List(fields.String(), required=True)


class DeliveriesSchema(Schema):
    items = fields.List(fields.Nested(DeliverySchema), required=True)
    next = fields.String(allow_none=True, required=True)


class DeliveriesQuerySchema(Schema):
    status = fields.String(load_default="open", validate=validate.OneOf(STATUS_FILTERS))
    next = fields.String()
    limit = fields.Integer(load_default=50, validate=validate.Range(1, 200))


class DecisionSchema(Schema):
    outcome = fields.String(required=True, validate=validate.OneOf([o.value for o in Outcome]))
    reasons = fields.String(required=True, validate=validate.Length(min=3, max=20_000))
    feedback = fields.String(
        required=True,
        validate=validate.Length(
            min=3, max=1_000, error="Feedback for the referrer: 3 to 1,000 characters."
        ),
        metadata={
            "description": "Written for the person who recorded the concern: the outcome and "
            "why, in plain words, without other people's details"
        },
    )


class ReassignSchema(Schema):
    inbox = fields.UUID(required=True)


class RulesSchema(Schema):
    number = fields.Integer(required=True)
    label = fields.String(required=True)
    sha256 = fields.String(required=True)
    loaded_at = fields.DateTime(required=True)
    source = fields.String(required=True)


class RulesLoadSchema(Schema):
    source = fields.String(required=True, validate=validate.Length(min=1, max=1_000_000))


class PushKeySchema(Schema):
    public_key = fields.String(
        allow_none=True,
        required=True,
        metadata={"description": "VAPID applicationServerKey, base64url; null if push is off"},
    )


class _PushKeys(Schema):
    p256dh = fields.String(required=True, validate=validate.Length(max=200))
    auth = fields.String(required=True, validate=validate.Length(max=100))


class PushSubscriptionSchema(Schema):
    endpoint = fields.Url(required=True, require_tld=False, validate=validate.Length(max=1000))
    expirationTime = fields.Raw(allow_none=True)  # noqa: N815 - the browser's own field name
    keys = fields.Nested(_PushKeys, required=True)


class PushUnsubscribeSchema(Schema):
    endpoint = fields.String(required=True, validate=validate.Length(max=1000))
