"""Missing episodes: the partnership's, and one child's (docs/contract.md)."""

import uuid

from flask import Response, jsonify

from backend.http.api import bp
from backend.http.api.common import me, query_args, state
from backend.http.db_session import db_session
from backend.http.openapi import operation
from backend.schemas.missing import EpisodesQuerySchema, EpisodesSchema
from backend.services.missing import views


@bp.get("/episodes")
@operation(
    summary="Missing episodes, open or closed, latest report first; the return interview "
    "counted from the child's return; audited",
    tags=["missing"],
    query=EpisodesQuerySchema,
    responses={
        200: ("A page", EpisodesSchema),
        403: ("Not a reader of missing episodes", None),
    },
)
def episodes() -> Response:
    args = query_args(EpisodesQuerySchema())
    items, nxt = views.episodes(
        db_session(),
        state().keyring,
        actor=me().actor,
        status=args["status"],
        cursor=args.get("next"),
        limit=args["limit"],
    )
    return jsonify(EpisodesSchema().dump({"items": items, "next": nxt}))


@bp.get("/subjects/<uuid:subject_id>/missing")
@operation(
    summary="A child's missing episodes, latest first; audited",
    tags=["missing"],
    responses={
        200: ("The child's episodes", EpisodesSchema),
        403: ("Not a reader of missing episodes", None),
        404: ("Not a child of yours", None),
    },
)
def subject_missing(subject_id: uuid.UUID) -> Response:
    items = views.subject_episodes(
        db_session(), state().keyring, actor=me().actor, subject_id=subject_id
    )
    return jsonify(EpisodesSchema().dump({"items": items, "next": None}))
