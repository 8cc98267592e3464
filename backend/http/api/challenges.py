"""Challenges to decisions: raise, list, resolve (docs/contract.md)."""

import uuid

from flask import Response, jsonify

from backend.http.api import bp
from backend.http.api.common import me, query_args, state
from backend.http.db_session import db_session
from backend.http.openapi import operation
from backend.http.web import json_body
from backend.schemas.challenges import (
    ChallengeRaisedSchema,
    ChallengeRequestSchema,
    ChallengeSchema,
    ChallengesQuerySchema,
    ChallengesSchema,
    ResolveSchema,
)
from backend.services.concerns import challenge_views, challenges


@bp.post("/deliveries/<uuid:delivery_id>/challenge")
@operation(
    summary="Challenge the decision on a delivery, with a reason (sealed); its first stage's "
    "owner is told",
    tags=["challenges"],
    request=ChallengeRequestSchema,
    responses={
        201: ("The challenge", ChallengeRaisedSchema),
        404: ("Not a delivery you may know of", None),
        409: ("Not decided yet, or already challenged", None),
        422: ("No reason, or too long", None),
    },
)
def delivery_challenge(delivery_id: uuid.UUID) -> tuple[Response, int]:
    body = json_body(ChallengeRequestSchema())
    raised = challenges.raise_challenge(
        db_session(),
        state().keyring,
        actor=me().actor,
        delivery_id=delivery_id,
        reason=body["reason"].strip(),
    )
    return jsonify(ChallengeRaisedSchema().dump(raised)), 201


@bp.get("/challenges")
@operation(
    summary="The challenges I raised, own or supervise, open first; audited",
    tags=["challenges"],
    query=ChallengesQuerySchema,
    responses={200: ("Challenges", ChallengesSchema)},
)
def challenge_list() -> Response:
    args = query_args(ChallengesQuerySchema())
    found = challenge_views.challenges(
        db_session(), state().keyring, actor=me().actor, status=args["status"]
    )
    return jsonify(ChallengesSchema().dump({"items": found}))


@bp.post("/challenges/<uuid:challenge_id>/resolve")
@operation(
    summary="Resolve a challenge at its stage: upheld, or the decision changed (the "
    "challenger and the referrer told)",
    tags=["challenges"],
    request=ResolveSchema,
    responses={
        200: ("The challenge", ChallengeSchema),
        403: ("Not the owner of its stage", None),
        404: ("Not a challenge you may know of", None),
        409: ("Already resolved", None),
        422: ("Invalid body", None),
    },
)
def challenge_resolve(challenge_id: uuid.UUID) -> Response:
    body = json_body(ResolveSchema())
    found = challenges.resolve(
        db_session(),
        state().keyring,
        actor=me().actor,
        challenge_id=challenge_id,
        outcome=body["outcome"],
        note=body["note"].strip(),
        decision=body["decision"],
    )
    return jsonify(ChallengeSchema().dump(found))
