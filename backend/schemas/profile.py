"""The child's profile as the phone seals it (docs/contract.md, "Profile"), and as read.

Checked like a concern: every limit, unknown fields refused at every level; its subject and
associates exactly a concern's. Custom messages start with their stable code
(``code|message``); ``backend.pipeline.validate`` turns them into codes under ``profile.``.
"""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from backend.schemas.concern import (
    MAX_ASSOCIATED,
    Associated,
    Proof,
    StrictInteger,
    Subject,
    _identifier,
    _not_ahead,
    _text,
)
from crypto import normalise as norm

SCHEMA = "frontline.profile/1"
MAX_PHOTOS = 10
MAX_ENTRIES = 50
SHA256_HEX = r"^[0-9a-f]{64}$"


class Description(Schema):
    height_cm = StrictInteger(validate=validate.Range(30, 250))
    build = _text(200)
    hair = _text(200)
    eyes = _text(200)
    skin = _text(200)
    distinguishing_features = _text(2000)
    usual_clothing = _text(2000)
    languages = _text(500)


class Health(Schema):
    needs = _text(2000)
    medication = _text(2000)
    allergies = _text(2000)


class Place(Schema):
    name = _text(200)
    description = _text(1000)
    postcode = fields.String(validate=_identifier(norm.postcode, "concern.postcode_invalid"))
    address = _text(500)

    @validates_schema
    def _something(self, data: dict[str, Any], **_: Any) -> None:
        if not data:
            raise ValidationError("concern.place_empty|Name or describe the place.")


class Account(Schema):
    platform = _text(100, required=True)
    handle = _text(200, required=True)


class Photo(Schema):
    attachment = fields.UUID(required=True, metadata={"description": "the attachment's client_id"})
    sha256 = fields.String(
        required=True,
        validate=validate.Regexp(
            SHA256_HEX, error="concern.photo_hash_invalid|64 lower-case hex digits."
        ),
    )
    taken_at = fields.AwareDateTime(required=True, validate=_not_ahead)
    caption = _text(200)


def _entries(schema: type[Schema] | fields.Field, most: int = MAX_ENTRIES) -> fields.List:
    inner = fields.Nested(schema) if isinstance(schema, type) else schema
    return fields.List(
        inner,
        load_default=list,
        validate=validate.Length(max=most, error="concern.too_many_entries|At most {max}."),
    )


class Profile(Schema):
    schema = fields.String(
        required=True,
        validate=validate.Equal(SCHEMA, error=f"concern.schema_unknown|Only {SCHEMA}."),
    )
    client_id = fields.UUID(required=True)
    profile_id = fields.UUID(required=True)
    recorded_at = fields.AwareDateTime(required=True, validate=_not_ahead)
    subject = fields.Nested(Subject, required=True)
    description = fields.Nested(Description, required=True)
    health = fields.Nested(Health)
    associates = _entries(Associated, MAX_ASSOCIATED)
    places = _entries(Place)
    phones = _entries(
        fields.String(validate=_identifier(norm.phone_number, "concern.phone_invalid"))
    )
    accounts = _entries(Account)
    photos = _entries(Photo, MAX_PHOTOS)
    review_due = fields.Date(required=True)
    proof = fields.Nested(Proof, required=True)

    @validates_schema
    def _photos_once(self, data: dict[str, Any], **_: Any) -> None:
        named = [p["attachment"] for p in data.get("photos") or []]
        if len(set(named)) != len(named):
            raise ValidationError("concern.photo_repeated|Each photo once.", field_name="photos")


class ProfilePhotoSchema(Schema):
    attachment_id = fields.UUID(required=True)
    # The client_id the profile names it by: a phone editing the profile keeps it.
    attachment = fields.UUID(required=True)
    caption = fields.String(allow_none=True)


class ProfileViewSchema(Schema):
    profile_id = fields.UUID(required=True)
    subject_id = fields.UUID(allow_none=True)
    version = fields.Integer(required=True)
    recorded_at = fields.AwareDateTime(required=True)
    review_due = fields.Date(required=True)
    review_overdue = fields.Boolean(required=True)
    profile = fields.Dict(required=True)
    photos = fields.List(fields.Nested(ProfilePhotoSchema), required=True)


class ProfileItemSchema(Schema):
    profile_id = fields.UUID(required=True)
    version = fields.Integer(required=True)
    name = fields.String(allow_none=True)
    recorded_at = fields.AwareDateTime(required=True)
    review_due = fields.Date(required=True)
    review_overdue = fields.Boolean(required=True)


class ProfilesSchema(Schema):
    items = fields.List(fields.Nested(ProfileItemSchema), required=True)


class AttachmentRequestSchema(Schema):
    client_id = fields.UUID(required=True)
    jwe = fields.String(required=True)


class AttachmentResultSchema(Schema):
    attachment_id = fields.UUID(required=True)
    status = fields.String(required=True, validate=validate.OneOf(("accepted", "duplicate")))
