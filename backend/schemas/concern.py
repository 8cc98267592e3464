"""The concern and the addendum as the phone seals them (docs/contract.md, "The concern").

Every enumeration and limit of the contract is checked; unknown fields are refused at
every level. A custom check's message starts with its stable code, ``code|message``;
``backend.pipeline.validate`` turns messages into codes.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from backend.domain import vocab
from crypto import InvalidIdentifier
from crypto import normalise as norm

TEXT_LIMIT = 20_000  # narrative and child_words (docs/contract.md)
MAX_ASSOCIATED = 50
MAX_AGE = 25  # a subject over 25 is not a child or care leaver in scope
FUTURE_SKEW = timedelta(minutes=5)
# No record, report or return is dated before it: far enough from year 1 that any offset
# still has a UTC time.
EARLIEST_YEAR = 1900


def _one_of(values: tuple[str, ...]) -> validate.OneOf:
    return validate.OneOf(values, error="concern.value_not_allowed|Must be one of: {choices}.")


def _text(limit: int, **kwargs: Any) -> fields.String:
    return fields.String(
        validate=validate.Length(max=limit, error="concern.too_long|Longer than {max} characters."),
        **kwargs,
    )


def _identifier(check: Any, code: str) -> Any:
    def run(value: str) -> None:
        try:
            check(value)
        except InvalidIdentifier as exc:
            raise ValidationError(f"{code}|{exc}") from None

    return run


class StrictInteger(fields.Integer):
    """An integer as JSON writes one: never a string, a boolean or a float."""

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> Any:
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.make_error("invalid")
        return super()._deserialize(value, attr, data, **kwargs)


class StrictBoolean(fields.Boolean):
    """A JSON true or false: never a string or a number ("yes" is not a choice made)."""

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> Any:
        if not isinstance(value, bool):
            raise self.make_error("invalid")
        return value


class StrictFloat(fields.Float):
    """A JSON number: never a string or a boolean, never NaN or infinite."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(allow_nan=False, **kwargs)

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> Any:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.make_error("invalid")
        return super()._deserialize(value, attr, data, **kwargs)


class Location(Schema):
    postcode = fields.String(validate=_identifier(norm.postcode, "concern.postcode_invalid"))
    description = _text(500)
    lat = StrictFloat(validate=validate.Range(-90, 90))
    lon = StrictFloat(validate=validate.Range(-180, 180))


class Subject(Schema):
    given_name = _text(100)
    family_name = _text(100)
    known_as = fields.List(_text(100), validate=validate.Length(max=10))
    date_of_birth = fields.Date()
    approx_age = StrictInteger(
        validate=validate.Range(
            0, MAX_AGE, error="concern.subject_over_25|A subject is 0 to 25 years old."
        )
    )
    sex = fields.String(validate=_one_of(vocab.SEX))
    nhs_number = fields.String(validate=_identifier(norm.nhs_number, "concern.nhs_number_invalid"))
    upn = _text(13)
    address_postcode = fields.String(
        validate=_identifier(norm.postcode, "concern.postcode_invalid")
    )
    school = _text(200)
    legal_status = fields.String(validate=_one_of(vocab.LEGAL_STATUS))
    placing_authority = _text(200)

    @validates_schema
    def _identifiable(self, data: dict[str, Any], **_: Any) -> None:
        if not (
            data.get("given_name")
            or data.get("family_name")
            or data.get("known_as")
            or data.get("nhs_number")
        ):
            raise ValidationError(
                "concern.subject_unidentifiable|Give a name, a known-as name or an NHS number."
            )
        dob = data.get("date_of_birth")
        if dob is None and data.get("approx_age") is None:
            raise ValidationError(
                "concern.subject_age_missing|Give a date of birth or an approximate age."
            )
        if dob is not None:
            today = datetime.now(UTC).date()
            if dob > today:
                raise ValidationError(
                    "concern.dob_in_future|The date of birth is in the future.",
                    field_name="date_of_birth",
                )
            if age_on(dob, today) > MAX_AGE:
                raise ValidationError(
                    "concern.subject_over_25|A subject is 0 to 25 years old.",
                    field_name="date_of_birth",
                )


def age_on(dob: date, day: date) -> int:
    """Whole years between a date of birth and a day."""
    return day.year - dob.year - ((day.month, day.day) < (dob.month, dob.day))


class Indicator(Schema):
    code = fields.String(required=True, validate=_one_of(vocab.INDICATORS))
    present = fields.String(required=True, validate=_one_of(vocab.PRESENT))
    basis = fields.String(required=True, validate=_one_of(vocab.BASIS))
    note = _text(1000)


def _not_ahead(value: datetime) -> None:
    if value.year < EARLIEST_YEAR:
        raise ValidationError(f"concern.time_out_of_range|A time before {EARLIEST_YEAR}.")
    if value > datetime.now(UTC) + FUTURE_SKEW:
        raise ValidationError(
            "concern.recorded_at_in_future|recorded_at is more than 5 minutes ahead of the server."
        )


def _missing_time(value: datetime) -> None:
    """A missing child's report or return happened by the time it is recorded: not ahead of
    the server. The years are compared before any arithmetic: at the ends of the calendar
    (year 1 at +14:00, 9999 at -10:00) a time has no UTC, and every later step would fail
    on it, for good, as if the server had."""
    if value.year < EARLIEST_YEAR:
        raise ValidationError(f"concern.time_out_of_range|A time before {EARLIEST_YEAR}.")
    if value.year > datetime.now(UTC).year + 1 or value > datetime.now(UTC) + FUTURE_SKEW:
        raise ValidationError(
            "concern.missing_time_in_future|A missing time is more than 5 minutes ahead of "
            "the server."
        )


class Missing(Schema):
    missing_from = _text(200)
    reported_at = fields.AwareDateTime(validate=_missing_time)
    found_at = fields.AwareDateTime(validate=_missing_time)
    found_where = _text(500)
    found_with = _text(500)
    returned_how = _text(500)
    police_risk = fields.String(validate=_one_of(vocab.POLICE_RISK))
    police_ref = _text(50)


class Associated(Schema):
    kind = fields.String(required=True, validate=_one_of(vocab.ASSOCIATED_KINDS))
    name = _text(200)
    nickname = _text(100)
    approx_age = StrictInteger(validate=validate.Range(0, 120))
    description = _text(1000)
    registration = fields.String(
        validate=_identifier(norm.vehicle_registration, "concern.registration_invalid")
    )
    number = fields.String(validate=_identifier(norm.phone_number, "concern.phone_invalid"))
    postcode = fields.String(validate=_identifier(norm.postcode, "concern.postcode_invalid"))
    address = _text(500)
    platform = _text(100)
    handle = _text(200)

    @validates_schema
    def _something(self, data: dict[str, Any], **_: Any) -> None:
        if len(data) <= 1:
            raise ValidationError("concern.associated_empty|Describe the person, vehicle or place.")


class Sharing(Schema):
    consent = fields.String(required=True, validate=_one_of(vocab.CONSENT))
    not_sought_reason = fields.String(validate=_one_of(vocab.NOT_SOUGHT_REASONS))
    protect_identity_of = fields.List(_text(200), validate=validate.Length(max=20))

    @validates_schema
    def _reason(self, data: dict[str, Any], **_: Any) -> None:
        # Golden rule: record every decision to share without consent, with its reason.
        if data.get("consent") == "not_sought" and not data.get("not_sought_reason"):
            raise ValidationError(
                "concern.consent_reason_required|Say why consent was not sought.",
                field_name="not_sought_reason",
            )


def _encoded(
    limit: int, *, required: bool = True, allow_none: bool = False, least: int = 1
) -> fields.String:
    """A base64url value of a browser's assertion, at most ``limit`` characters; py_webauthn
    decodes and checks it."""
    return fields.String(
        required=required, allow_none=allow_none, validate=validate.Length(min=least, max=limit)
    )


class AssertionResponse(Schema):
    """What WebAuthn's ``toJSON()`` gives of an assertion's response (AuthenticatorAssertion
    ResponseJSON), and nothing more."""

    clientDataJSON = _encoded(4096)  # noqa: N815 - the browser's own names
    authenticatorData = _encoded(2048)  # noqa: N815
    signature = _encoded(1024)  # an RSA-4096 signature is 683 characters
    # Empty where the authenticator gave none: Safari 15.4 to 17.4 writes "" then.
    userHandle = _encoded(128, required=False, allow_none=True, least=0)  # noqa: N815
    attestationObject = _encoded(8192, required=False, allow_none=True)  # noqa: N815


def _no_extension_results(value: dict[str, Any]) -> None:
    # The phone empties them: a PRF output there would be its vault's secret (pwa/passkey.js).
    if value:
        raise ValidationError("concern.proof_extensions|A proof carries no extension results.")


class AssertionCredential(Schema):
    """A browser's assertion as ``PublicKeyCredential.toJSON()`` writes it: the fields the
    proof is checked by, so that nothing unsigned rides in the sealed record beside them."""

    # A credential id is at most 1,023 bytes (WebAuthn): 1,364 characters of base64url.
    id = _encoded(1364)
    rawId = _encoded(1364)  # noqa: N815
    type = fields.String(required=True, validate=validate.Equal("public-key"))
    response = fields.Nested(AssertionResponse, required=True)
    clientExtensionResults = fields.Dict(validate=_no_extension_results)  # noqa: N815
    authenticatorAttachment = fields.String(  # noqa: N815
        allow_none=True, validate=_one_of(("platform", "cross-platform"))
    )


class Proof(Schema):
    type = fields.String(required=True, validate=validate.Equal("webauthn"))
    credential = fields.Nested(AssertionCredential, required=True)


class Concern(Schema):
    schema = fields.String(
        required=True,
        validate=validate.Equal(
            "frontline.concern/1", error="concern.schema_unknown|Only frontline.concern/1."
        ),
    )
    client_id = fields.UUID(required=True)
    recorded_at = fields.AwareDateTime(required=True, validate=_not_ahead)
    setting = fields.String(required=True, validate=_one_of(tuple(s.value for s in vocab.Setting)))
    location = fields.Nested(Location)
    subject = fields.Nested(Subject, required=True)
    categories = fields.List(
        fields.String(validate=_one_of(vocab.CATEGORIES)),
        required=True,
        validate=validate.Length(min=1, error="concern.category_required|Choose a category."),
    )
    source = fields.String(required=True, validate=_one_of(vocab.SOURCES))
    child_words = _text(TEXT_LIMIT)
    narrative = fields.String(
        required=True,
        validate=validate.Length(
            min=1, max=TEXT_LIMIT, error="concern.narrative_length|1 to {max} characters."
        ),
    )
    indicators = fields.List(
        fields.Nested(Indicator),
        load_default=list,
        validate=validate.Length(max=len(vocab.INDICATORS)),
    )
    level = fields.String(required=True, validate=_one_of(tuple(v.value for v in vocab.Level)))
    rationale = fields.String(
        required=True,
        validate=validate.Length(
            min=1, max=5000, error="concern.rationale_required|Say why this level."
        ),
    )
    missing = fields.Nested(Missing)
    associated = fields.List(
        fields.Nested(Associated),
        load_default=list,
        validate=validate.Length(
            max=MAX_ASSOCIATED, error="concern.too_many_associated|At most {max} entries."
        ),
    )
    actions_taken = fields.List(fields.String(validate=_one_of(vocab.ACTIONS)), load_default=list)
    sharing = fields.Nested(Sharing, required=True)
    proof = fields.Nested(Proof, required=True)

    @validates_schema
    def _coherent(self, data: dict[str, Any], **_: Any) -> None:
        subject = data.get("subject") or {}
        recorded = data.get("recorded_at")
        dob = subject.get("date_of_birth")
        if recorded is not None and dob is not None and dob > recorded.date():
            raise ValidationError(
                "concern.dob_after_event|Born after the event recorded.", field_name="subject"
            )
        if len(set(data.get("categories") or [])) != len(data.get("categories") or []):
            raise ValidationError(
                "concern.category_repeated|Each category once.", field_name="categories"
            )
        codes = [i["code"] for i in data.get("indicators") or []]
        if len(set(codes)) != len(codes):
            raise ValidationError(
                "concern.indicator_repeated|Each indicator once.", field_name="indicators"
            )


class Addendum(Schema):
    schema = fields.String(
        required=True,
        validate=validate.Equal(
            "frontline.addendum/1", error="concern.schema_unknown|Only frontline.addendum/1."
        ),
    )
    concern_id = fields.UUID(required=True)
    client_id = fields.UUID(required=True)
    recorded_at = fields.AwareDateTime(required=True, validate=_not_ahead)
    text = fields.String(
        required=True,
        validate=validate.Length(
            min=1, max=TEXT_LIMIT, error="concern.text_length|1 to {max} characters."
        ),
    )
    missing = fields.Nested(Missing)
    associated = fields.List(
        fields.Nested(Associated), validate=validate.Length(max=MAX_ASSOCIATED)
    )
    indicators = fields.List(
        fields.Nested(Indicator), validate=validate.Length(max=len(vocab.INDICATORS))
    )
    # Whether the author shares this addendum with the person who raised the concern when
    # they are of another agency (backend/services/concerns/referrer.py). Sealed and proven with the
    # text, so what was shared with the referrer is the author's act, not the server's.
    for_referrer = StrictBoolean()
    proof = fields.Nested(Proof, required=True)
