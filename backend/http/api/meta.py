"""GET /api/v1/openapi.json: the OpenAPI 3.1 description of this API."""

from flask import Response, current_app, jsonify

from backend.http.api import bp
from backend.http.openapi import build_spec, operation


@bp.get("/openapi.json")
@operation(
    summary="This document: the OpenAPI 3.1 description of the API",
    tags=["meta"],
    responses={200: ("The OpenAPI document", None)},
    public=True,
)
def openapi() -> Response:
    state = current_app.extensions["frontline"]
    if state.openapi is None:
        state.openapi = build_spec(current_app)
    return jsonify(state.openapi)
