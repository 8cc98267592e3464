"""Routing rules of the partnership, for its admins (docs/contract.md, /api/v1/admin)."""

from flask import Response, jsonify

from backend.http.api import bp
from backend.http.api.common import me, state
from backend.http.db_session import db_session
from backend.http.openapi import operation
from backend.http.problems import Problem
from backend.http.web import json_body
from backend.schemas.identity import ApprovalSchema
from backend.schemas.inbox import RulesLoadSchema, RulesSchema
from backend.services.concerns import rules, rules_change
from backend.services.identity import step_up
from backend.services.identity.approval_views import db_view
from backend.services.identity.step_up import STEP_UP


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
    summary="Propose a new version of the routing rules (TOML); every mistake is reported; "
    "it is loaded when a second partnership admin approves this exact text",
    tags=["admin"],
    request=RulesLoadSchema,
    responses={
        200: ("Unchanged: the same as the live rules", RulesSchema),
        202: ("Asked: waiting for a second partnership admin", ApprovalSchema),
        422: ("The file has problems; nothing changed", None),
        **STEP_UP,
    },
)
def admin_rules_load() -> Response:
    _partnership_admin()
    who = me()
    step_up.require_recent(who.verified_at)
    body = json_body(RulesLoadSchema())
    db = db_session()
    live, approval = rules_change.propose(db, actor=who.actor, text=body["source"])
    if approval is None:
        return jsonify(RulesSchema().dump(live))
    view = db_view(db, state().keyring, approval, who.user_id)
    db.commit()
    return jsonify(ApprovalSchema().dump(view)), 202  # type: ignore[return-value]
