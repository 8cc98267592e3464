"""The signed-in person: profile, devices (passkeys), adding a backup, revoking one."""

import uuid

from flask import Response, jsonify, session

from backend.http.api import bp
from backend.http.api.common import me, profile_response, relying_party, remember_ceremony, state
from backend.http.auth import clear_session_cookie
from backend.http.db_session import db_session
from backend.http.openapi import operation
from backend.http.web import json_body
from backend.models import User
from backend.schemas.identity import (
    MeSchema,
    NoticesSchema,
    OwnSessionsSchema,
    PasskeyFinishSchema,
    PasskeyRenameSchema,
    PasskeySchema,
    SessionsEndedSchema,
    WebAuthnOptionsSchema,
)
from backend.services.identity import notices, own_sessions, passkeys, step_up
from backend.services.identity.people import db_user_name, passkey_view
from backend.services.identity.step_up import STEP_UP

_NOT_YOURS = {404: ("No such passkey of yours", None)}


@bp.get("/me", endpoint="me")
@operation(
    summary="Who is signed in: user, agency, roles, inboxes, passkeys",
    tags=["me"],
    responses={200: ("The profile", MeSchema)},
)
def me_view() -> Response:
    who = me()
    return profile_response(who.user_id, who.passkey_id, who.session_expires_at, who.idle_seconds)


@bp.post("/me/passkeys/begin")
@operation(
    summary="Begin adding another passkey (e.g. a backup)",
    tags=["me"],
    responses={200: ("WebAuthn options", WebAuthnOptionsSchema), **STEP_UP},
)
def passkey_add_begin() -> Response:
    who = me()
    step_up.require_recent(who.verified_at)
    db = db_session()
    user = db.get(User, who.user_id)
    assert user is not None  # noqa: S101 - the session names a live user
    ceremony_id, options = passkeys.add_begin(
        db, relying_party(), user_id=who.user_id, user_name=db_user_name(db, state().keyring, user)
    )
    remember_ceremony(ceremony_id)
    return jsonify(options)


@bp.post("/me/passkeys/finish")
@operation(
    summary="Register the additional passkey",
    tags=["me"],
    request=PasskeyFinishSchema,
    responses={
        201: ("Added", PasskeySchema),
        400: ("Refused", None),
        409: ("Exists", None),
        422: ("Invalid body", None),
    },
)
def passkey_add_finish() -> Response:
    who = me()
    body = json_body(PasskeyFinishSchema())
    passkey = passkeys.add_finish(
        db_session(),
        relying_party(),
        actor=who.actor,
        ceremony_id=session.pop("ceremony", None),
        credential=body["credential"],
        name=body.get("name"),
    )
    return jsonify(PasskeySchema().dump(passkey_view(passkey, who.passkey_id))), 201  # type: ignore[return-value]


@bp.patch("/me/passkeys/<uuid:passkey_id>")
@operation(
    summary="Rename one of your passkeys",
    tags=["me"],
    request=PasskeyRenameSchema,
    responses={200: ("Renamed", PasskeySchema), **_NOT_YOURS, 422: ("Invalid body", None)},
)
def passkey_rename(passkey_id: uuid.UUID) -> Response:
    who = me()
    body = json_body(PasskeyRenameSchema())
    passkey = passkeys.rename(
        db_session(), actor=who.actor, passkey_id=passkey_id, name=body["name"]
    )
    return jsonify(PasskeySchema().dump(passkey_view(passkey, who.passkey_id)))


@bp.post("/me/passkeys/<uuid:passkey_id>/revoke")
@operation(
    summary="Revoke one of your passkeys; its sessions end at once",
    tags=["me"],
    responses={200: ("Revoked", PasskeySchema), **_NOT_YOURS},
)
def passkey_revoke(passkey_id: uuid.UUID) -> Response:
    who = me()
    passkey = passkeys.revoke_own(db_session(), actor=who.actor, passkey_id=passkey_id)
    return jsonify(PasskeySchema().dump(passkey_view(passkey, who.passkey_id)))


@bp.get("/me/sessions")
@operation(
    summary="Where you are signed in: your open sessions, most recently used first",
    tags=["me"],
    responses={200: ("Open sessions", OwnSessionsSchema)},
)
def own_sessions_list() -> Response:
    who = me()
    listed = own_sessions.db_list(db_session(), who.user_id)
    body = {
        "sessions": [
            {
                "id": s.id,
                "passkey": {"id": s.passkey.id, "name": s.passkey.name},
                "created_at": s.created_at,
                "last_seen_at": s.last_seen_at,
                "expires_at": s.expires_at,
                "current": s.id == who.session_id,
            }
            for s in listed
        ]
    }
    return jsonify(OwnSessionsSchema().dump(body))


@bp.post("/me/sessions/<uuid:session_id>/end")
@operation(
    summary="End one of your sessions (ending this one signs you out here)",
    tags=["me"],
    responses={204: ("Ended", None), 404: ("No such open session of yours", None)},
)
def own_session_end(session_id: uuid.UUID) -> Response:
    who = me()
    own_sessions.end_one(
        db_session(), actor=who.actor, current_id=who.session_id, session_id=session_id
    )
    response = Response(status=204)
    if session_id == who.session_id:
        clear_session_cookie(response)
    return response


@bp.post("/me/sessions/end-others")
@operation(
    summary="Sign out everywhere else: end every session of yours but this one",
    tags=["me"],
    responses={200: ("How many ended", SessionsEndedSchema)},
)
def own_sessions_end_others() -> Response:
    who = me()
    ended = own_sessions.end_others(db_session(), actor=who.actor, current_id=who.session_id)
    return jsonify(SessionsEndedSchema().dump({"ended": ended}))


@bp.get("/me/notices")
@operation(
    summary="Security notices about your own account (last 30 days)",
    tags=["me"],
    responses={200: ("Notices, newest first", NoticesSchema)},
)
def own_notices() -> Response:
    who = me()
    return jsonify(NoticesSchema().dump({"notices": notices.db_list(db_session(), who.user_id)}))


@bp.post("/me/notices/read")
@operation(
    summary="Dismiss your unread security notices",
    tags=["me"],
    responses={204: ("Dismissed", None)},
)
def own_notices_read() -> Response:
    notices.mark_read(db_session(), me().user_id)
    return Response(status=204)
