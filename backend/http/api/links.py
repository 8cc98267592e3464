"""Alerts, networks, chronologies and possible matches (docs/contract.md)."""

import uuid

from flask import Response, jsonify

from backend.http.api import bp
from backend.http.api.common import me, query_args, state
from backend.http.api.purpose import purpose_args
from backend.http.db_session import db_session
from backend.http.openapi import operation
from backend.schemas.links import (
    AlertsQuerySchema,
    AlertsSchema,
    ChronologySchema,
    MatchDecisionSchema,
    MatchesSchema,
    MergeSchema,
    MergesSchema,
    NetworkSchema,
    SplitSchema,
)
from backend.schemas.purpose import PurposeQuerySchema
from backend.services.linking import chronology as chronologies
from backend.services.linking import links, merge_actions


@bp.get("/alerts")
@operation(
    summary="Pattern alerts delivered to my inboxes (all of them for partnership leads)",
    tags=["links"],
    query=AlertsQuerySchema,
    responses={200: ("Alerts", AlertsSchema)},
)
def alerts() -> Response:
    args = query_args(AlertsQuerySchema())
    found = links.alerts(db_session(), actor=me().actor, status=args["status"])
    return jsonify(AlertsSchema().dump({"alerts": found}))


@bp.get("/alerts/<uuid:alert_id>/network")
@operation(
    summary="The graph of an alert: children and the adults, vehicles, phones, places linking them",
    tags=["links"],
    responses={200: ("The graph", NetworkSchema), 404: ("Not an alert of yours", None)},
)
def alert_network(alert_id: uuid.UUID) -> Response:
    return jsonify(
        NetworkSchema().dump(links.network(db_session(), actor=me().actor, alert_id=alert_id))
    )


@bp.get("/subjects/<uuid:subject_id>/chronology")
@operation(
    summary="Everything about a child across agencies, in event-time order; give ?purpose=<code>",
    tags=["links"],
    query=PurposeQuerySchema,
    responses={
        200: ("The chronology", ChronologySchema),
        400: ("No purpose, an unknown code, or 'other' without a note", None),
        404: ("Not a child of yours", None),
    },
)
def chronology(subject_id: uuid.UUID) -> Response:
    purpose = purpose_args()
    body = chronologies.chronology(
        db_session(), state().keyring, actor=me().actor, subject_id=subject_id, purpose=purpose
    )
    return jsonify(ChronologySchema().dump(body))


@bp.get("/matches")
@operation(
    summary="Possible matches between children's records, for the MASH to decide",
    tags=["links"],
    responses={200: ("Open possible matches", MatchesSchema), 403: ("Not in the MASH", None)},
)
def matches() -> Response:
    return jsonify(MatchesSchema().dump({"matches": links.matches(db_session(), actor=me().actor)}))


@bp.post("/matches/<uuid:match_id>/confirm")
@operation(
    summary="The same child: merge the records (reversible) and look again for patterns",
    tags=["links"],
    responses={200: ("Decided", MatchDecisionSchema), 409: ("Already decided", None)},
)
def match_confirm(match_id: uuid.UUID) -> Response:
    found = links.decide_match(db_session(), actor=me().actor, match_id=match_id, same=True)
    return jsonify(MatchDecisionSchema().dump(found))


@bp.post("/matches/<uuid:match_id>/reject")
@operation(
    summary="Different children: keep the records apart",
    tags=["links"],
    responses={200: ("Decided", MatchDecisionSchema), 409: ("Already decided", None)},
)
def match_reject(match_id: uuid.UUID) -> Response:
    found = links.decide_match(db_session(), actor=me().actor, match_id=match_id, same=False)
    return jsonify(MatchDecisionSchema().dump(found))


@bp.post("/subjects/<uuid:subject_id>/split")
@operation(
    summary="Undo a merge: the record stands for its own child again",
    tags=["links"],
    responses={200: ("Split", SplitSchema), 409: ("Not merged", None)},
)
def subject_split(subject_id: uuid.UUID) -> Response:
    found = merge_actions.split(db_session(), actor=me().actor, subject_id=subject_id)
    return jsonify(SplitSchema().dump(found))


@bp.get("/merges")
@operation(
    summary="Automatic merges of children's records the MASH has not confirmed yet",
    tags=["links"],
    responses={200: ("Unconfirmed merges", MergesSchema), 403: ("Not in the MASH", None)},
)
def merges() -> Response:
    found = merge_actions.merges(db_session(), actor=me().actor)
    return jsonify(MergesSchema().dump({"merges": found}))


@bp.post("/merges/<uuid:merge_id>/confirm")
@operation(
    summary="The same child: confirm an automatic merge (undo one with a split instead)",
    tags=["links"],
    responses={
        200: ("Confirmed", MergeSchema),
        403: ("Not in the MASH", None),
        409: ("Already confirmed, or split", None),
    },
)
def merge_confirm(merge_id: uuid.UUID) -> Response:
    found = merge_actions.confirm_merge(db_session(), actor=me().actor, merge_id=merge_id)
    return jsonify(MergeSchema().dump(found))
