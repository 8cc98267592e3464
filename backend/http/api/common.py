"""What every view needs: the app state, the relying party, the signed-in principal, its
query string checked."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from flask import Response, current_app, jsonify, request, session
from marshmallow import Schema, ValidationError

from backend.core.state import Frontline
from backend.http.auth import Principal, principal
from backend.http.db_session import db_session
from backend.http.problems import Problem
from backend.schemas.identity import MeSchema
from backend.services.identity.people import profile
from backend.services.identity.webauthn_rp import RelyingParty


def query_args(schema: Schema) -> dict[str, Any]:
    """Load the query string with ``schema``; a bad one is 400 ``request.bad_query``.

    A parameter given twice is refused: which copy counts would be a guess (HTTP parameter
    pollution).
    """
    repeated = sorted(k for k, values in request.args.lists() if len(values) > 1)
    if repeated:
        raise Problem(
            400,
            "request.bad_query",
            "A query parameter is given more than once.",
            errors={k: ["Given more than once."] for k in repeated},
        )
    try:
        return schema.load(request.args.to_dict())  # type: ignore[no-any-return]
    except ValidationError as exc:
        raise Problem(
            400,
            "request.bad_query",
            "Some query parameters are not valid.",
            errors=exc.normalized_messages(),
        ) from None


def state() -> Frontline:
    return current_app.extensions["frontline"]  # type: ignore[no-any-return]


def relying_party() -> RelyingParty:
    config = state().config
    return RelyingParty(id=config.rp_id, origins=list(config.origins))


def me() -> Principal:
    """Return the signed-in principal (the access gate has already required one)."""
    who = principal()
    if who is None:  # pragma: no cover - the gate answers 401 first
        raise Problem(401, "auth.required", "Sign in first.")
    return who


def profile_response(
    user_id: uuid.UUID, passkey_id: uuid.UUID, expires_at: datetime, idle_seconds: int
) -> Response:
    """Answer with the signed-in person's profile (GET /api/v1/me and sign-in)."""
    body = profile(
        db_session(),
        state().keyring,
        user_id=user_id,
        passkey_id=passkey_id,
        session_expires_at=expires_at,
        idle_seconds=idle_seconds,
    )
    return jsonify(MeSchema().dump(body))


def remember_ceremony(ceremony_id: object) -> None:
    """Bind a WebAuthn challenge to this browser: only its id travels, in a signed cookie."""
    session.clear()
    session["ceremony"] = str(ceremony_id)
    session.permanent = True
