"""Four eyes on high-value actions (ASVS 2.3.5): one admin asks, a second, independent
admin approves, and only then does the action happen — once. No single person can give
themselves, or an account they control, access to a child's records.

- An invitation that grants any role able to read records or administer (everything but a
  plain recorder's) cannot be used until another admin of its agency, or of its
  partnership, approves it.
- A recovery ticket is made only when a second admin approves the request, and is shown
  to that admin alone (backend/services/identity/recovery.py).
- New routing rules loaded over the API take effect when a second partnership admin
  approves that exact text (backend/services/concerns/rules_change.py).
- An operator's KEK rotation, an erasure outside the retention schedule and a subject
  access export need an approval by two partnership admins, named to the command with
  ``--approval``; the command uses it up.

Who may decide, and the independence of the decider from the asker, is
backend/services/identity/approval_decisions.py. Approvals lapse after 24 hours; each is used once.
Every step is audited. (The operator's command line holds the key ring and needs none.)
"""

from __future__ import annotations

import json
import uuid
from datetime import timedelta
from typing import Any, TypeAlias

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.core.errors import Conflict, DomainError, Invalid, NotPermitted
from backend.models import Approval, Invite, RoleName, utcnow
from backend.services.identity.admin_scope import db_records_within
from backend.services.records.audit import SYSTEM, Actor, db_audit

TTL = timedelta(hours=24)
# action -> who may approve: the target agency's admins and its partnership's ("agency"),
# or the partnership's admins only ("partnership")
ACTIONS = {
    "access_grant": "agency",
    "recovery": "agency",
    "rules_load": "partnership",
    "kek_rotation": "partnership",
    "retention_erase": "partnership",
    "subject_export": "partnership",
}
OPERATOR_ACTIONS = ("kek_rotation", "retention_erase", "subject_export")
# Roles that read children's records or administer: granting any needs a second admin.
ACCESS_ROLES = frozenset(r.value for r in RoleName) - {RoleName.RECORDER.value}


def grants_access(roles: list[str], inbox_ids: list[uuid.UUID]) -> bool:
    """Whether an invitation with these roles and inboxes needs a second admin."""
    return bool(ACCESS_ROLES & set(roles)) or bool(inbox_ids)


class ApprovalRequired(Conflict):
    """An operator command was not given a usable approval; the message says why."""

    def __init__(self, detail: str) -> None:
        super().__init__("approval.required", detail)


def canonical_target(action: str, ids: list[str]) -> str:
    """The target an approval is for: sorted ids, so the command must name the same ones."""
    if action == "kek_rotation":
        if ids:
            raise Invalid("approval.target_invalid", "A KEK rotation names no records.")
        return ""
    try:
        parsed = sorted({str(uuid.UUID(i)) for i in ids})
    except (ValueError, TypeError, AttributeError):
        raise Invalid("approval.target_invalid", "Targets are record ids.") from None
    if not parsed or (action == "subject_export" and len(parsed) != 1):
        raise Invalid("approval.target_invalid", "Name the record(s) this is for.")
    return ",".join(parsed)


def status_of(approval: Approval) -> str:
    if approval.used_at is not None:
        return "used"
    if approval.approved is not None:
        return "approved" if approval.approved else "rejected"
    return "expired" if approval.expires_at <= utcnow() else "pending"


def db_audit_step(session: Session, what: str, actor: Actor, approval: Approval) -> None:
    db_audit(
        session,
        f"approval.{what}",
        actor=actor,
        records=[("approval", approval.id)],
        detail={"action": approval.action, "target": approval.target[:400]},
    )


# What an approval keeps beside its target for the action to use (a recovery's identity
# check, proposed rules' text): stored as JSON in the row and read back as it was written,
# so it stays a JSON document, not a view.
ApprovalDetail: TypeAlias = dict[str, Any]


def detail_of(approval: Approval) -> ApprovalDetail:
    return json.loads(approval.detail) if approval.detail else {}  # type: ignore[no-any-return]


def db_request(
    session: Session,
    actor: Actor,
    action: str,
    target: str,
    agency_id: uuid.UUID | None,
    detail: ApprovalDetail | None = None,
) -> Approval:
    """Record that ``actor`` asks for ``action``; ``agency_id`` says whose admins decide."""
    assert actor.user_id is not None  # noqa: S101 - a signed-in admin asks
    approval = Approval(
        action=action,
        target=target,
        agency_id=agency_id,
        requested_by_id=actor.user_id,
        requested_at=utcnow(),
        expires_at=utcnow() + TTL,
        detail=json.dumps(detail) if detail else None,
    )
    session.add(approval)
    session.flush()
    db_audit_step(session, "requested", actor, approval)
    return approval


def request(
    session: Session, *, actor: Actor, partnership_admin: bool, action: str, ids: list[str]
) -> Approval:
    """Ask for an operator action; only partnership admins ask for or approve these."""
    if action not in OPERATOR_ACTIONS:
        raise Invalid("approval.action_unknown", "No such action needs an approval.")
    if not partnership_admin:
        raise NotPermitted("forbidden.partnership_admin", "Only partnership admins ask for this.")
    target = canonical_target(action, ids)
    if not db_records_within(session, action, target, actor.agency_id):
        # Another partnership's records answer as a missing one does: no way to probe.
        raise Invalid("approval.target_unknown", "Name records of your own partnership.")
    # The asker's agency (the partnership's own): only that partnership's admins decide.
    approval = db_request(session, actor, action, target, actor.agency_id)
    session.commit()
    return approval


def needs_approval(invite: Invite) -> bool:
    """An invitation an admin made over the API that grants access (an operator's, made
    with the key ring in hand, and a recovery ticket, made only on approval, need none)."""
    return (
        invite.created_by_id is not None
        and invite.user_id is None
        and grants_access([r.role for r in invite.roles], [i.inbox_id for i in invite.inboxes])
    )


def db_invites_waiting(session: Session, invites: list[Invite]) -> set[uuid.UUID]:
    """Which of these invitations still wait for their second admin (one query).

    Fail closed: an invitation that needs an approval waits until an approved one exists,
    so one made before approvals covered its roles waits too.
    """
    needing = [i for i in invites if needs_approval(i)]
    if not needing:
        return set()
    cleared = set(
        session.scalars(
            select(Approval.target).where(
                Approval.action == "access_grant",
                Approval.target.in_([str(i.id) for i in needing]),
                Approval.approved.is_(True),
            )
        )
    )
    return {i.id for i in needing if str(i.id) not in cleared}


def use(session: Session, approval_id: str | None, action: str, ids: list[str]) -> None:
    """For an operator command: use up an approval of exactly this action and target, or
    raise ApprovalRequired saying what is missing. The caller commits with its action."""
    if not approval_id:
        raise ApprovalRequired(
            f"{action.replace('_', ' ')} needs --approval: one partnership admin asks "
            "(POST /api/v1/admin/approvals), another approves"
        )
    try:
        approval = session.get(Approval, uuid.UUID(approval_id))
    except ValueError:
        approval = None
    try:
        target = canonical_target(action, ids)
    except DomainError as exc:
        raise ApprovalRequired(exc.detail) from None
    if approval is None or approval.action != action or approval.target != target:
        raise ApprovalRequired(f"approval {approval_id} is not for this {action}")
    if status_of(approval) != "approved":
        raise ApprovalRequired(f"approval {approval_id} is {status_of(approval)}")
    if approval.decided_at is not None and approval.decided_at + TTL <= utcnow():
        raise ApprovalRequired(f"approval {approval_id} has lapsed")
    if not db_records_within(session, action, approval.target, approval.agency_id):
        # One asked for before the records were checked, or named across partnerships.
        raise ApprovalRequired(
            f"approval {approval_id} names records outside its asker's partnership"
        )
    approval.used_at = utcnow()
    db_audit_step(session, "used", SYSTEM, approval)
