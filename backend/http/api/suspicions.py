"""Suspicions: the ones I may see, one opened for a purpose (audited), and the owner's
answer (docs/contract.md, "Suspicion")."""

import uuid

from flask import Response, jsonify

from backend.http.api import bp
from backend.http.api.common import me, state
from backend.http.api.purpose import purpose_args
from backend.http.db_session import db_session
from backend.http.openapi import operation
from backend.http.web import json_body
from backend.schemas.purpose import PurposeQuerySchema
from backend.schemas.suspicion import (
    AnswerSchema,
    SuspicionItemSchema,
    SuspicionsSchema,
    SuspicionViewSchema,
)
from backend.services.suspicions import views


@bp.get("/suspicions")
@operation(
    summary="Suspicions I recorded, own, received or lead on; unanswered first; no content",
    tags=["suspicions"],
    responses={200: ("The suspicions", SuspicionsSchema)},
)
def suspicions() -> Response:
    items = views.listed(db_session(), actor=me().actor)
    return jsonify(SuspicionsSchema().dump({"items": items}))


@bp.get("/suspicions/<uuid:suspicion_id>")
@operation(
    summary="Open a suspicion, decrypted; give ?purpose=<code> and any ?purpose_note= (audited)",
    tags=["suspicions"],
    query=PurposeQuerySchema,
    responses={
        200: ("The suspicion and its answer", SuspicionViewSchema),
        400: ("No purpose, an unknown code, or 'other' without a note", None),
        404: ("No such suspicion for you", None),
    },
)
def suspicion(suspicion_id: uuid.UUID) -> Response:
    body = views.read(
        db_session(),
        state().keyring,
        actor=me().actor,
        suspicion_id=suspicion_id,
        purpose=purpose_args(notes=False),
    )
    return jsonify(SuspicionViewSchema().dump(body))


@bp.post("/suspicions/<uuid:suspicion_id>/answer")
@operation(
    summary="Answer a suspicion in writing, with an outcome (members of its owner inbox)",
    tags=["suspicions"],
    request=AnswerSchema,
    responses={
        200: ("The suspicion", SuspicionItemSchema),
        403: ("Not a member of the owner inbox", None),
        404: ("No such suspicion for you", None),
        409: ("Answered already", None),
        422: ("Invalid body", None),
    },
)
def suspicion_answer(suspicion_id: uuid.UUID) -> Response:
    body = json_body(AnswerSchema())
    item = views.answer(
        db_session(),
        state().keyring,
        actor=me().actor,
        suspicion_id=suspicion_id,
        text=body["answer"],
        outcome=body["outcome"],
    )
    return jsonify(SuspicionItemSchema().dump(item))
