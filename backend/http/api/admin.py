"""Agency admins: invitations, people and their passkeys (docs/contract.md, /api/v1/admin)."""

import uuid
from typing import Any

from flask import Response, jsonify
from marshmallow import Schema

from backend.http.api import bp
from backend.http.api.common import me, state
from backend.http.api.sync import pipeline
from backend.http.db_session import db_session
from backend.http.openapi import operation
from backend.http.problems import Problem
from backend.http.web import json_body
from backend.models import UserStatus
from backend.pipeline.ingest import process
from backend.schemas.identity import (
    AdminUserListSchema,
    AdminUserSchema,
    ApprovalListSchema,
    ApprovalRequestSchema,
    ApprovalSchema,
    InviteCreateSchema,
    InviteIssuedSchema,
    InviteListSchema,
    PasskeySchema,
    RecoveryCreateSchema,
)
from backend.schemas.sync import AddendumResultSchema, QuarantineSchema
from backend.services.concerns import concerns
from backend.services.identity import (
    approval_decisions,
    approvals,
    passkeys,
    people,
    recovery,
    step_up,
)
from backend.services.identity.admin_scope import db_governed
from backend.services.identity.approval_views import db_view
from backend.services.identity.invites import IssuedInvite
from backend.services.identity.step_up import STEP_UP
from backend.services.records.audit import db_audit


@bp.post("/admin/invites")
@operation(
    summary="Invite a person with roles and inbox memberships",
    tags=["admin"],
    request=InviteCreateSchema,
    responses={
        201: ("Issued; the token is shown this once", InviteIssuedSchema),
        403: ("Not your agency or role", None),
        422: ("Invalid body", None),
    },
)
def admin_invite_create() -> Response:
    who = me()
    step_up.require_recent(who.verified_at)
    body = json_body(InviteCreateSchema())
    issued = people.create_invite(
        db_session(),
        state().keyring,
        actor=who.actor,
        partnership_admin=who.partnership_admin,
        agency_id=body.get("agency_id"),
        name=body["name"],
        roles=body["roles"],
        inbox_ids=body["inboxes"],
    )
    return _issued(issued)


def _ticket(issued: IssuedInvite, *, recovery: bool = False) -> dict[str, Any]:
    url = f"{state().config.origins[0]}/enrol#invite={issued.token}"
    if recovery:  # the app greets the person as someone getting back in, not a newcomer
        url += "&recovery"
    return {
        "id": issued.invite_id,
        "token": issued.token,
        "url": url,
        "expires_at": issued.expires_at,
    }


def _issued(issued: IssuedInvite) -> Response:
    return jsonify(InviteIssuedSchema().dump(_ticket(issued))), 201  # type: ignore[return-value]


@bp.post("/admin/users/<uuid:user_id>/recovery")
@operation(
    summary="Ask for a recovery of someone whose passkeys are all revoked; a second admin "
    "approves it and is then shown the single-use link (24 hours), never the asker",
    tags=["admin"],
    request=RecoveryCreateSchema,
    responses={
        202: ("Asked; waiting for a second admin", ApprovalSchema),
        404: ("No such person in your agency", None),
        409: (
            "A passkey is still live, the person is disabled, it is you, or a recovery for "
            "them already waits (recovery.already_asked)",
            None,
        ),
        422: ("Invalid body", None),
        **STEP_UP,
    },
)
def admin_recovery_issue(user_id: uuid.UUID) -> Response:
    who = me()
    step_up.require_recent(who.verified_at)
    body = json_body(RecoveryCreateSchema())
    db = db_session()
    approval = recovery.request(
        db,
        actor=who.actor,
        partnership_admin=who.partnership_admin,
        user_id=user_id,
        identity_check=recovery.IdentityCheck(body["identity_check"]),
    )
    view = db_view(db, state().keyring, approval, who.user_id)
    db.commit()
    return jsonify(ApprovalSchema().dump(view)), 202  # type: ignore[return-value]


@bp.get("/admin/invites")
@operation(
    summary="Invitations of your agency (all, for partnership admins)",
    tags=["admin"],
    responses={200: ("Invitations, newest first", InviteListSchema)},
)
def admin_invites() -> Response:
    who = me()
    items = people.list_invites(
        db_session(), state().keyring, actor=who.actor, partnership_admin=who.partnership_admin
    )
    return jsonify(InviteListSchema().dump({"items": items}))


@bp.post("/admin/invites/<uuid:invite_id>/withdraw")
@operation(
    summary="Withdraw an unused invitation",
    tags=["admin"],
    responses={
        204: ("Withdrawn", None),
        404: ("No such invite", None),
        409: ("Used already", None),
    },
)
def admin_invite_withdraw(invite_id: uuid.UUID) -> Response:
    who = me()
    people.withdraw_invite(
        db_session(), actor=who.actor, partnership_admin=who.partnership_admin, invite_id=invite_id
    )
    return Response(status=204)


@bp.get("/admin/users")
@operation(
    summary="People of your agency with their passkeys",
    tags=["admin"],
    responses={200: ("People", AdminUserListSchema)},
)
def admin_users() -> Response:
    who = me()
    items = people.list_users(
        db_session(), state().keyring, actor=who.actor, partnership_admin=who.partnership_admin
    )
    return jsonify(AdminUserListSchema().dump({"items": items}))


def _set_status(user_id: uuid.UUID, status: UserStatus) -> Response:
    who = me()
    if status is UserStatus.ACTIVE:  # disabling protects and must be quick; enabling not
        step_up.require_recent(who.verified_at)
    db = db_session()
    user = people.set_status(
        db, actor=who.actor, partnership_admin=who.partnership_admin, user_id=user_id, status=status
    )
    return jsonify(AdminUserSchema().dump(people.user_view(db, state().keyring, user)))


@bp.post("/admin/users/<uuid:user_id>/disable")
@operation(
    summary="Disable a person: every session of theirs ends at once, their push subscriptions go",
    tags=["admin"],
    responses={
        200: ("The person, disabled", AdminUserSchema),
        404: ("No such person in your agency", None),
        409: ("Your own account", None),
    },
)
def admin_user_disable(user_id: uuid.UUID) -> Response:
    return _set_status(user_id, UserStatus.DISABLED)


@bp.post("/admin/users/<uuid:user_id>/enable")
@operation(
    summary="Enable a disabled person again; their unrevoked passkeys sign in",
    tags=["admin"],
    responses={
        200: ("The person, active", AdminUserSchema),
        404: ("No such person in your agency", None),
        409: ("Your own account", None),
        **STEP_UP,
    },
)
def admin_user_enable(user_id: uuid.UUID) -> Response:
    return _set_status(user_id, UserStatus.ACTIVE)


@bp.post("/admin/passkeys/<uuid:passkey_id>/revoke")
@operation(
    summary="Revoke a passkey (a lost phone); its sessions end at once",
    tags=["admin"],
    responses={200: ("Revoked", PasskeySchema), 404: ("No such passkey", None), **STEP_UP},
)
def admin_passkey_revoke(passkey_id: uuid.UUID) -> Response:
    who = me()
    # Revoking every passkey of a colleague is the first step of taking over their account
    # by recovery: an unlocked admin desk must not be enough.
    step_up.require_recent(who.verified_at)
    passkey = passkeys.admin_revoke(
        db_session(),
        actor=who.actor,
        partnership_admin=who.partnership_admin,
        passkey_id=passkey_id,
    )
    return jsonify(PasskeySchema().dump(people.passkey_view(passkey, None)))


@bp.get("/admin/quarantine")
@operation(
    summary="Envelopes not accepted yet: quarantined, rejected or stuck",
    tags=["admin"],
    responses={200: ("Receipts, oldest first; never their content", QuarantineSchema)},
)
def admin_quarantine() -> Response:
    who = me()
    db = db_session()
    items = concerns.quarantine(db, agency_ids=db_governed(db, who.actor, who.partnership_admin))
    return jsonify(QuarantineSchema().dump({"items": items}))


@bp.post("/admin/quarantine/<uuid:receipt_id>/retry")
@operation(
    summary="Retry one kept envelope through the pipeline",
    tags=["admin"],
    responses={
        200: ("Its new result", AddendumResultSchema),
        404: ("No such receipt", None),
        409: ("Its sealed bytes are no longer kept", None),
    },
)
def admin_quarantine_retry(receipt_id: uuid.UUID) -> Response:
    who = me()
    db = db_session()
    # Only envelopes of recorders this admin governs: never another partnership's.
    scope = db_governed(db, who.actor, who.partnership_admin)
    found = concerns.quarantine(db, agency_ids=scope, receipt_id=receipt_id)
    if not found:
        raise Problem(404, "not_found", "There is no such kept envelope for you.")
    if not found[0].sealed_kept:  # refused, and its sealed bytes dropped (docs/retention.md)
        raise Problem(
            409,
            "quarantine.nothing_kept",
            "Its sealed envelope is no longer kept: only its phone can send it again.",
        )
    db_audit(db, "pipeline.retry_requested", actor=who.actor, records=[("receipt", receipt_id)])
    db.commit()
    result = process(pipeline(), receipt_id, claimed=False, force=True)
    return jsonify(AddendumResultSchema().dump(result))


@bp.get("/admin/approvals")
@operation(
    summary="High-value actions waiting for a second admin, and recent ones",
    tags=["admin"],
    responses={200: ("Approvals you may see", ApprovalListSchema)},
)
def admin_approvals() -> Response:
    who = me()
    items = approval_decisions.listing(
        db_session(), state().keyring, actor=who.actor, partnership_admin=who.partnership_admin
    )
    return jsonify(ApprovalListSchema().dump({"items": items}))


@bp.post("/admin/approvals")
@operation(
    summary="Ask for an operator action (KEK rotation, erasure, subject export) to be approved",
    tags=["admin"],
    request=ApprovalRequestSchema,
    responses={
        201: ("Asked", ApprovalSchema),
        422: ("Invalid body, or it names no record of your partnership", None),
        **STEP_UP,
    },
)
def admin_approval_request() -> Response:
    who = me()
    step_up.require_recent(who.verified_at)
    body = json_body(ApprovalRequestSchema())
    db = db_session()
    approval = approvals.request(
        db,
        actor=who.actor,
        partnership_admin=who.partnership_admin,
        action=body["action"],
        ids=body["ids"],
    )
    view = db_view(db, state().keyring, approval, who.user_id)
    db.commit()
    return jsonify(ApprovalSchema().dump(view)), 201  # type: ignore[return-value]


def _decide(approval_id: uuid.UUID, approve: bool) -> Response:
    who = me()
    step_up.require_recent(who.verified_at)
    view, ticket = approval_decisions.decide(
        db_session(),
        state().keyring,
        actor=who.actor,
        partnership_admin=who.partnership_admin,
        approval_id=approval_id,
        approve=approve,
    )
    body = ApprovalSchema().dump(view)
    if ticket is not None:  # a recovery: the link goes to this approver, once
        body["ticket"] = InviteIssuedSchema().dump(_ticket(ticket, recovery=True))
    return jsonify(body)


_DECIDE: dict[int, tuple[str, type[Schema] | None]] = {
    200: ("Decided; an approved recovery carries its link, this once", ApprovalSchema),
    404: ("No such approval for you", None),
    409: (
        "You are not independent of the asker, it is decided already or stale, or it names "
        "records outside your partnership",
        None,
    ),
    422: ("Approved rules no longer check; nothing loaded", None),
    **STEP_UP,
}


@bp.post("/admin/approvals/<uuid:approval_id>/approve")
@operation(summary="Approve an action another admin asked for", tags=["admin"], responses=_DECIDE)
def admin_approval_approve(approval_id: uuid.UUID) -> Response:
    return _decide(approval_id, True)


@bp.post("/admin/approvals/<uuid:approval_id>/reject")
@operation(summary="Refuse it (an invitation is withdrawn)", tags=["admin"], responses=_DECIDE)
def admin_approval_reject(approval_id: uuid.UUID) -> Response:
    return _decide(approval_id, False)
