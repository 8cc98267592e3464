"""Inboxes and deliveries: list, acknowledge, decide, reassign (docs/contract.md)."""

import uuid

from flask import Response, jsonify

from backend.http.api import bp
from backend.http.api.common import me, query_args, state
from backend.http.db_session import db_session
from backend.http.openapi import operation
from backend.http.web import json_body
from backend.schemas.inbox import (
    DecisionSchema,
    DeliveriesQuerySchema,
    DeliveriesSchema,
    DeliverySchema,
    InboxesSchema,
    ReassignSchema,
)
from backend.services.concerns import inbox, inbox_actions


@bp.get("/inboxes")
@operation(
    summary="The inboxes I work, with counts of new and overdue deliveries",
    tags=["inbox"],
    responses={200: ("Inboxes", InboxesSchema)},
)
def inboxes() -> Response:
    found = inbox.inboxes(db_session(), actor=me().actor)
    return jsonify(InboxesSchema().dump({"inboxes": found}))


@bp.get("/inboxes/<uuid:inbox_id>/deliveries")
@operation(
    summary="Deliveries to an inbox, most urgent first (level, then deadline); audited",
    tags=["inbox"],
    query=DeliveriesQuerySchema,
    responses={200: ("A page", DeliveriesSchema), 404: ("Not an inbox you work", None)},
)
def inbox_deliveries(inbox_id: uuid.UUID) -> Response:
    who = me()
    args = query_args(DeliveriesQuerySchema())
    items, nxt = inbox.deliveries(
        db_session(),
        actor=who.actor,
        queue_id=inbox_id,
        status=args["status"],
        cursor=args.get("next"),
        limit=args["limit"],
    )
    return jsonify(DeliveriesSchema().dump({"items": items, "next": nxt}))


@bp.post("/deliveries/<uuid:delivery_id>/acknowledge")
@operation(
    summary="Acknowledge a delivery: its acknowledgement clock stops",
    tags=["inbox"],
    responses={200: ("The delivery", DeliverySchema), 404: ("Not yours", None)},
)
def delivery_acknowledge(delivery_id: uuid.UUID) -> Response:
    found = inbox_actions.acknowledge(db_session(), actor=me().actor, delivery_id=delivery_id)
    return jsonify(DeliverySchema().dump(found))


@bp.post("/deliveries/<uuid:delivery_id>/decision")
@operation(
    summary="Record the decision on a delivery, with reasons (sealed; made once)",
    tags=["inbox"],
    request=DecisionSchema,
    responses={
        200: ("The delivery", DeliverySchema),
        404: ("Not yours", None),
        409: ("Already decided", None),
        422: ("Invalid body", None),
    },
)
def delivery_decision(delivery_id: uuid.UUID) -> Response:
    body = json_body(DecisionSchema())
    found = inbox_actions.decide(
        db_session(),
        state().keyring,
        actor=me().actor,
        delivery_id=delivery_id,
        outcome=body["outcome"],
        reasons=body["reasons"],
        feedback=body["feedback"],
    )
    return jsonify(DeliverySchema().dump(found))


@bp.post("/deliveries/<uuid:delivery_id>/reassign")
@operation(
    summary="Move an open delivery to another inbox of the same agency (deadlines stay)",
    tags=["inbox"],
    request=ReassignSchema,
    responses={
        200: ("The delivery", DeliverySchema),
        404: ("Not yours", None),
        409: ("Not open", None),
        422: ("Not an inbox of this agency", None),
    },
)
def delivery_reassign(delivery_id: uuid.UUID) -> Response:
    body = json_body(ReassignSchema())
    found = inbox_actions.reassign(
        db_session(), actor=me().actor, delivery_id=delivery_id, inbox_id=body["inbox"]
    )
    return jsonify(DeliverySchema().dump(found))
