"""GET /api/v1/keys: the sealing public keys phones seal concerns to."""

from flask import Response, current_app, jsonify

import crypto
from backend.http.api import bp
from backend.http.openapi import operation
from backend.schemas.keys import KeySetSchema


@bp.get("/keys")
@operation(
    summary="Sealing public keys (JWK set), current key first",
    tags=["keys"],
    responses={200: ("The JWK set", KeySetSchema)},
    public=True,
)
def keys() -> Response:
    ring = current_app.extensions["frontline"].keyring
    return jsonify(KeySetSchema().dump(crypto.public_jwks(ring)))
