"""Children's profiles and their photos (docs/contract.md, "Profile", "Attachments")."""

import uuid

from flask import Response, jsonify

from backend.http.api import bp
from backend.http.api.common import me, state
from backend.http.api.purpose import purpose_args
from backend.http.db_session import db_session
from backend.http.openapi import operation
from backend.http.problems import Problem
from backend.http.web import json_body
from backend.schemas.profile import (
    AttachmentRequestSchema,
    AttachmentResultSchema,
    ProfilesSchema,
    ProfileViewSchema,
)
from backend.schemas.purpose import PurposeQuerySchema
from backend.services.profiles import attachments, views

_404 = ("No such profile for you", None)


@bp.get("/profiles")
@operation(
    summary="The profiles my agency keeps, review overdue first (audited)",
    tags=["profiles"],
    responses={200: ("The home's profiles", ProfilesSchema)},
)
def profiles() -> Response:
    items = views.mine(db_session(), state().keyring, actor=me().actor)
    return jsonify(ProfilesSchema().dump({"items": items}))


@bp.get("/profiles/<uuid:profile_id>")
@operation(
    summary="Open a child's profile (the latest version); ?purpose= required (audited)",
    tags=["profiles"],
    query=PurposeQuerySchema,
    responses={200: ("The profile", ProfileViewSchema), 404: _404},
)
def profile(profile_id: uuid.UUID) -> Response:
    purpose = purpose_args(notes=False)
    body = views.read(
        db_session(), state().keyring, actor=me().actor, profile_id=profile_id, purpose=purpose
    )
    return jsonify(ProfileViewSchema().dump(body))


@bp.get("/subjects/<uuid:subject_id>/profile")
@operation(
    summary="Open a child's profile by the child's record; ?purpose= required (audited)",
    tags=["profiles"],
    query=PurposeQuerySchema,
    responses={200: ("The profile", ProfileViewSchema), 404: _404},
)
def subject_profile(subject_id: uuid.UUID) -> Response:
    purpose = purpose_args(notes=False)
    body = views.read_for_subject(
        db_session(), state().keyring, actor=me().actor, subject_id=subject_id, purpose=purpose
    )
    return jsonify(ProfileViewSchema().dump(body))


@bp.post("/attachments")
@operation(
    summary="Upload one sealed photo (the JWE's plaintext is the image); idempotent",
    tags=["profiles"],
    request=AttachmentRequestSchema,
    responses={
        200: ("Accepted, or a duplicate of an earlier upload", AttachmentResultSchema),
        409: ("The client_id was used for another upload", None),
        413: ("Over 2 MiB sealed", None),
        422: ("Not an image, metadata left in, or not the image its record names", None),
    },
)
def attachment_upload() -> Response:
    who = me()
    body = json_body()
    jwe = body.get("jwe") if isinstance(body, dict) else None
    if isinstance(jwe, str) and len(jwe) > attachments.MAX_SEALED:
        raise Problem(413, "attachment.too_large", "A photo is at most 2 MiB sealed.")
    loaded = json_body(AttachmentRequestSchema())
    done = attachments.upload(
        db_session(),
        state().keyring,
        actor=who.actor,
        client_id=loaded["client_id"],
        jwe=loaded["jwe"],
    )
    return jsonify(
        AttachmentResultSchema().dump({"attachment_id": done.attachment_id, "status": done.status})
    )


@bp.get("/attachments/<uuid:attachment_id>")
@operation(
    summary="A photo, to a reader of a record that names it (audited, never cached)",
    tags=["profiles"],
    responses={200: ("The image", None), 404: ("No such photo for you", None)},
)
def attachment(attachment_id: uuid.UUID) -> Response:
    served = attachments.serve(
        db_session(), state().keyring, actor=me().actor, attachment_id=attachment_id
    )
    response = Response(served.image, mimetype=served.content_type)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "no-store"
    response.headers["Content-Disposition"] = "inline"
    return response
