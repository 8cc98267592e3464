"""Web Push subscriptions of the signed-in person's device."""

from flask import Response, jsonify

import crypto
from backend.http.api import bp
from backend.http.api.common import me, state
from backend.http.db_session import db_session
from backend.http.openapi import operation
from backend.http.web import json_body
from backend.schemas.inbox import PushKeySchema, PushSubscriptionSchema, PushUnsubscribeSchema
from backend.services.concerns import push


@bp.get("/push/key")
@operation(
    summary="The server's VAPID public key to subscribe with",
    tags=["push"],
    responses={200: ("The key", PushKeySchema)},
)
def push_key() -> Response:
    ring = state().keyring
    key = crypto.vapid_public_key(ring) if ring.has(crypto.KeyKind.PUSH) else None
    return jsonify(PushKeySchema().dump({"public_key": key}))


@bp.post("/me/push")
@operation(
    summary="Subscribe this device to notifications (the browser's PushSubscription JSON)",
    tags=["push"],
    request=PushSubscriptionSchema,
    responses={204: ("Subscribed", None), 422: ("Not an allowed push service", None)},
)
def push_subscribe() -> Response:
    who = me()
    body = json_body(PushSubscriptionSchema())
    push.subscribe(
        db_session(),
        state().keyring,
        user_id=who.user_id,
        passkey_id=who.passkey_id,
        subscription={"endpoint": body["endpoint"], "keys": body["keys"]},
        hosts=state().config.push_hosts,
    )
    return Response(status=204)


@bp.post("/me/push/unsubscribe")
@operation(
    summary="Stop notifications to a device",
    tags=["push"],
    request=PushUnsubscribeSchema,
    responses={204: ("Done (also when there was nothing to stop)", None)},
)
def push_unsubscribe() -> Response:
    body = json_body(PushUnsubscribeSchema())
    push.unsubscribe(db_session(), user_id=me().user_id, endpoint=body["endpoint"])
    return Response(status=204)
