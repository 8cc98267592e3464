"""The return interview as the phone seals it (docs/contract.md, "Return interview").

Checked like a concern: every enumeration and limit, unknown fields refused at every level,
its ``associated[]`` entries exactly a concern's. Custom messages start with their stable
code (``code|message``); ``backend.pipeline.validate`` turns messages into codes, under
``return_interview.`` for this record.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from backend.domain import vocab
from backend.schemas.concern import (
    EARLIEST_YEAR,
    FUTURE_SKEW,
    MAX_ASSOCIATED,
    TEXT_LIMIT,
    Associated,
    Proof,
    StrictBoolean,
    _not_ahead,
    _one_of,
    _text,
)

SCHEMA = "frontline.return_interview/1"


def _not_later(value: datetime) -> None:
    if value.year < EARLIEST_YEAR:  # before any arithmetic: see concern._missing_time
        raise ValidationError(f"concern.time_out_of_range|A time before {EARLIEST_YEAR}.")
    if value > datetime.now(UTC) + FUTURE_SKEW:
        raise ValidationError(
            "concern.time_in_future|More than 5 minutes ahead of the server's clock."
        )


def _factors(values: tuple[str, ...]) -> fields.List:
    return fields.List(
        fields.String(validate=_one_of(values)),
        required=True,
        validate=validate.Length(max=len(values)),
    )


class ReturnInterview(Schema):
    schema = fields.String(
        required=True,
        validate=validate.Equal(SCHEMA, error=f"concern.schema_unknown|Only {SCHEMA}."),
    )
    client_id = fields.UUID(required=True)
    recorded_at = fields.AwareDateTime(required=True, validate=_not_ahead)
    concern_id = fields.UUID(
        required=True, metadata={"description": "the concern that opened the episode"}
    )
    offered_at = fields.AwareDateTime(required=True, validate=_not_later)
    independent = StrictBoolean(required=True)
    outcome = fields.String(required=True, validate=_one_of(vocab.RETURN_OUTCOMES))
    held_at = fields.AwareDateTime(validate=_not_later)
    child_words = _text(TEXT_LIMIT)
    narrative = fields.String(
        required=True,
        validate=validate.Length(
            min=1, max=TEXT_LIMIT, error="concern.narrative_length|1 to {max} characters."
        ),
    )
    push_factors = _factors(vocab.PUSH_FACTORS)
    pull_factors = _factors(vocab.PULL_FACTORS)
    associated = fields.List(
        fields.Nested(Associated),
        load_default=list,
        validate=validate.Length(
            max=MAX_ASSOCIATED, error="concern.too_many_associated|At most {max} entries."
        ),
    )
    proof = fields.Nested(Proof, required=True)

    @validates_schema
    def _coherent(self, data: dict[str, Any], **_: Any) -> None:
        held_at, offered_at = data.get("held_at"), data.get("offered_at")
        if data.get("outcome") == "held" and held_at is None:
            raise ValidationError(
                "concern.held_at_required|Say when the interview was held.", field_name="held_at"
            )
        if data.get("outcome") in ("declined", "not_reached") and held_at is not None:
            raise ValidationError(
                "concern.held_at_not_held|An interview declined or not reached was not held.",
                field_name="held_at",
            )
        if held_at is not None and offered_at is not None and held_at < offered_at:
            raise ValidationError(
                "concern.held_before_offered|Held before it was offered.", field_name="held_at"
            )
        for name in ("push_factors", "pull_factors"):
            codes = data.get(name) or []
            if len(set(codes)) != len(codes):
                raise ValidationError("concern.factor_repeated|Each factor once.", field_name=name)
