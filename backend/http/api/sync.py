"""POST /api/v1/sync and addenda: sealed envelopes in, one result per envelope out."""

import uuid
from typing import Any

from flask import Response, jsonify

from backend.http.api import bp
from backend.http.api.common import me, state
from backend.http.db_session import db_session
from backend.http.openapi import operation
from backend.http.problems import Problem
from backend.http.web import json_body
from backend.models import Concern
from backend.pipeline.ingest import MAX_ENVELOPES, Context, ingest
from backend.schemas.sync import (
    AddendumRequestSchema,
    AddendumResultSchema,
    SyncRequestSchema,
    SyncResponseSchema,
)
from backend.services.concerns.concerns import db_may_read


def pipeline() -> Context:
    s = state()
    return Context.of(s.config, s.keyring, s.sessions)


def _envelopes(body: Any) -> list[Any]:
    if (
        not isinstance(body, dict)
        or set(body) != {"envelopes"}
        or not isinstance(body["envelopes"], list)
    ):
        raise Problem(
            422,
            "validation.failed",
            'Send {"envelopes": [...]}.',
            errors={"envelopes": ["a list of {client_id, jwe}"]},
        )
    if len(body["envelopes"]) > MAX_ENVELOPES:
        raise Problem(413, "sync.too_many", f"At most {MAX_ENVELOPES} envelopes per request.")
    return body["envelopes"]  # type: ignore[no-any-return]


@bp.post("/sync")
@operation(
    summary="Deliver sealed concerns; one result per envelope, in order",
    tags=["sync"],
    request=SyncRequestSchema,
    responses={
        200: ("Results", SyncResponseSchema),
        413: ("Over 50 envelopes", None),
        422: ("Not an envelope list", None),
    },
)
def sync() -> Response:
    who = me()
    items = _envelopes(json_body())
    results = ingest(pipeline(), items, user_id=who.user_id, passkey_id=who.passkey_id)
    return jsonify(SyncResponseSchema().dump({"results": results}))


@bp.post("/concerns/<uuid:concern_id>/addenda")
@operation(
    summary="Add a sealed addendum to a concern (the concern never changes)",
    tags=["concerns"],
    request=AddendumRequestSchema,
    responses={200: ("Result", AddendumResultSchema), 404: ("No such concern", None)},
)
def addenda(concern_id: uuid.UUID) -> Response:
    who = me()
    item = json_body()
    db = db_session()
    concern = db.get(Concern, concern_id)
    if concern is None or not db_may_read(db, concern, who.actor):
        raise Problem(404, "not_found", "There is no such concern for you.")
    db.rollback()  # release the request's transaction before the pipeline opens its own
    (result,) = ingest(
        pipeline(),
        [item],
        user_id=who.user_id,
        passkey_id=who.passkey_id,
        kind="addendum",
        target_concern_id=concern_id,
    )
    return jsonify(AddendumResultSchema().dump(result))
