"""An agency admin's own agency: its passkey policy (SECURITY.md, "Synced passkeys")."""

from flask import Response, jsonify

from backend.http.api import bp
from backend.http.api.common import me
from backend.http.db_session import db_session
from backend.http.openapi import operation
from backend.http.web import json_body
from backend.schemas.identity import AgencyPolicySchema, AgencyPolicySetSchema
from backend.services.identity import passkey_policy, step_up
from backend.services.identity.step_up import STEP_UP


@bp.get("/admin/agency")
@operation(
    summary="Your agency's passkey policy, and how many live passkeys are synced",
    tags=["admin"],
    responses={200: ("The policy", AgencyPolicySchema)},
)
def admin_agency() -> Response:
    who = me()
    return jsonify(AgencyPolicySchema().dump(passkey_policy.view(db_session(), who.agency_id)))


@bp.post("/admin/agency/passkey-policy")
@operation(
    summary="Require device-bound passkeys (no synced ones) from now on, or allow synced again",
    tags=["admin"],
    request=AgencyPolicySetSchema,
    responses={200: ("The policy", AgencyPolicySchema), 422: ("Invalid body", None), **STEP_UP},
)
def admin_agency_passkey_policy() -> Response:
    who = me()
    step_up.require_recent(who.verified_at)
    body = json_body(AgencyPolicySetSchema())
    view = passkey_policy.set_policy(
        db_session(), actor=who.actor, device_bound_only=body["device_bound_only"]
    )
    return jsonify(AgencyPolicySchema().dump(view))
