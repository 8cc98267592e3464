"""Enrolment from an invite, passkey sign-in and sign-out (docs/contract.md, "Endpoints")."""

from flask import Response, jsonify, session

from backend.core.errors import DomainError
from backend.http import limits
from backend.http.api import bp
from backend.http.api.common import me, profile_response, relying_party, remember_ceremony, state
from backend.http.auth import clear_session_cookie, session_token, set_session_cookie
from backend.http.db_session import db_session
from backend.http.openapi import operation
from backend.http.problems import Problem
from backend.http.web import json_body
from backend.schemas.identity import (
    EnrolBeginSchema,
    EnrolFinishSchema,
    LoginFinishSchema,
    MeSchema,
    SteppedUpSchema,
    WebAuthnOptionsSchema,
)
from backend.services.identity import identity, step_up
from backend.services.identity.identity import SignedIn
from backend.services.identity.webauthn_rp import credential_id_of

_OPTIONS = ("WebAuthn options for the browser", WebAuthnOptionsSchema)
_FAIL = {
    400: ("Bad request or stale challenge", None),
    401: ("Passkey refused", None),
    410: ("Invite used, withdrawn or expired", None),
    422: ("Invalid body", None),
    429: ("Too many attempts", None),
}


def _signed_in(result: SignedIn) -> Response:
    session.clear()
    record = result.started.record
    response = profile_response(
        result.user.id, result.passkey.id, record.expires_at, record.idle_seconds
    )
    set_session_cookie(response, result.started.token, record.expires_at)
    return response


@bp.post("/auth/enrol/begin")
@operation(
    summary="Begin making a passkey from an invite",
    tags=["auth"],
    request=EnrolBeginSchema,
    responses={200: _OPTIONS, **_FAIL},
    public=True,
)
def enrol_begin() -> Response:
    body = json_body(EnrolBeginSchema())
    ceremony, options = identity.enrol_begin(
        db_session(), state().keyring, relying_party(), token=body["invite"]
    )
    remember_ceremony(ceremony.id)
    return jsonify(options)


@bp.post("/auth/enrol/finish")
@operation(
    summary="Register the passkey and sign in",
    tags=["auth"],
    request=EnrolFinishSchema,
    responses={200: ("Signed in", MeSchema), 409: ("Passkey exists", None), **_FAIL},
    public=True,
)
def enrol_finish() -> Response:
    body = json_body(EnrolFinishSchema())
    result = identity.enrol_finish(
        db_session(),
        state().keyring,
        relying_party(),
        ceremony_id=session.get("ceremony"),
        token=body["invite"],
        credential=body["credential"],
        name=body.get("name"),
        policy=state().config.session_policy,
    )
    return _signed_in(result)


@bp.post("/auth/login/begin")
@operation(
    summary="Begin signing in with any passkey (no username)",
    tags=["auth"],
    responses={200: _OPTIONS, 429: ("Too many attempts", None)},
    public=True,
)
def login_begin() -> Response:
    ceremony, options = identity.login_begin(db_session(), relying_party())
    remember_ceremony(ceremony.id)
    return jsonify(options)


@bp.post("/auth/login/finish")
@operation(
    summary="Verify the passkey and sign in",
    tags=["auth"],
    request=LoginFinishSchema,
    responses={200: ("Signed in", MeSchema), **_FAIL},
    public=True,
)
def login_finish() -> Response:
    from flask import request

    body = json_body(LoginFinishSchema())
    credential_id = credential_id_of(body["credential"])
    if limits.credential_blocked(credential_id):
        raise Problem(
            429,
            "rate_limited",
            "Too many failed attempts with this passkey; wait a minute.",
            headers={"Retry-After": "60"},
        )
    try:
        result = identity.login_finish(
            db_session(),
            relying_party(),
            ceremony_id=session.get("ceremony"),
            credential=body["credential"],
            replaced_token=session_token(request),
            policy=state().config.session_policy,
        )
    except DomainError as refused:
        if refused.code in limits.FAILURE_CODES:
            limits.count_credential_failure(credential_id)
        raise
    return _signed_in(result)


@bp.post("/auth/logout")
@operation(summary="End this session", tags=["auth"], responses={204: ("Signed out", None)})
def logout() -> Response:
    who = me()
    identity.logout(db_session(), session_id=who.session_id, actor=who.actor)
    response = Response(status=204)
    clear_session_cookie(response)
    return response


@bp.post("/auth/step-up/begin")
@operation(
    summary="Begin proving your passkey again before a sensitive change",
    tags=["auth"],
    responses={200: _OPTIONS, 429: ("Too many attempts", None)},
)
def step_up_begin() -> Response:
    who = me()
    ceremony_id, options = step_up.begin(db_session(), relying_party(), user_id=who.user_id)
    remember_ceremony(ceremony_id)
    return jsonify(options)


@bp.post("/auth/step-up/finish")
@operation(
    summary="Verify it: sensitive changes are then open to this session for five minutes",
    tags=["auth"],
    request=LoginFinishSchema,
    responses={200: ("Proved", SteppedUpSchema), **_FAIL},
)
def step_up_finish() -> Response:
    who = me()
    body = json_body(LoginFinishSchema())
    done = step_up.finish(
        db_session(),
        relying_party(),
        actor=who.actor,
        session_id=who.session_id,
        ceremony_id=session.pop("ceremony", None),
        credential=body["credential"],
    )
    at = done.verified_at
    response = jsonify(SteppedUpSchema().dump({"verified_at": at, "until": at + step_up.WINDOW}))
    set_session_cookie(response, done.token, done.expires_at)
    return response
