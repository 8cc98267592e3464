"""Routing rules of the partnership, for its admins (CONTRACT.md, /api/v1/admin)."""

from flask import Response, jsonify

from backend.api import bp
from backend.api.common import me
from backend.db import db_session
from backend.errors import Problem
from backend.openapi import operation
from backend.schemas.inbox import RulesLoadSchema, RulesSchema
from backend.services import rules, step_up
from backend.services.step_up import STEP_UP
from backend.web import json_body


def _partnership_admin() -> None:
    if not me().partnership_admin:
        raise Problem(
            403, "forbidden.partnership_admin", "Only the partnership's admins manage its rules."
        )


@bp.get("/admin/rules")
@operation(
    summary="The live routing rules of the partnership, with their version",
    tags=["admin"],
    responses={200: ("The rules", RulesSchema), 404: ("None loaded", None)},
)
def admin_rules() -> Response:
    _partnership_admin()
    return jsonify(RulesSchema().dump(rules.current(db_session(), actor=me().actor)))


@bp.post("/admin/rules")
@operation(
    summary="Load a new version of the routing rules (TOML); every mistake is reported",
    tags=["admin"],
    request=RulesLoadSchema,
    responses={
        200: ("Unchanged: the same as the live rules", RulesSchema),
        201: ("Loaded as a new version", RulesSchema),
        422: ("The file has problems; nothing changed", None),
        **STEP_UP,
    },
)
def admin_rules_load() -> Response:
    _partnership_admin()
    step_up.require_recent(me().verified_at)
    body = json_body(RulesLoadSchema())
    record, new = rules.load(db_session(), actor=me().actor, text=body["source"])
    return jsonify(RulesSchema().dump(record)), 201 if new else 200  # type: ignore[return-value]
