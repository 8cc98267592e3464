"""The recorder's concerns, and one concern opened for a stated purpose (audited)."""

import uuid

from flask import Response, jsonify, request

from backend.http.api import bp
from backend.http.api.common import me, state
from backend.http.api.purpose import purpose_args
from backend.http.db_session import db_session
from backend.http.openapi import operation
from backend.http.problems import Problem
from backend.schemas.purpose import PurposeQuerySchema
from backend.schemas.sync import ConcernViewSchema, MineSchema
from backend.services.concerns import concerns


@bp.get("/concerns/mine")
@operation(
    summary="What I recorded, newest first, and where each concern went",
    tags=["concerns"],
    responses={200: ("A page of concerns", MineSchema)},
)
def concerns_mine() -> Response:
    who = me()
    try:
        limit = min(max(int(request.args.get("limit", 50)), 1), 200)
    except ValueError:
        raise Problem(400, "request.bad_limit", "limit must be a whole number.") from None
    items, nxt = concerns.mine(
        db_session(), state().keyring, actor=who.actor, cursor=request.args.get("next"), limit=limit
    )
    return jsonify(MineSchema().dump({"items": items, "next": nxt}))


@bp.get("/concerns/<uuid:concern_id>")
@operation(
    summary="Open a concern, decrypted; give ?purpose=<code> and any ?purpose_note= (audited)",
    tags=["concerns"],
    query=PurposeQuerySchema,
    responses={
        200: ("The concern and its addenda", ConcernViewSchema),
        400: ("No purpose, an unknown code, or 'other' without a note", None),
        404: ("No such concern", None),
    },
)
def concern(concern_id: uuid.UUID) -> Response:
    who = me()
    purpose = purpose_args()
    body = concerns.read(
        db_session(), state().keyring, actor=who.actor, concern_id=concern_id, purpose=purpose
    )
    return jsonify(ConcernViewSchema().dump(body))
