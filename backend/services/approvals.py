"""Four eyes on high-value actions (ASVS 2.3.5): one admin asks, a second, distinct admin
approves, and only then does the action happen — once.

- An invitation that grants inbox memberships (access to children's records) cannot be
  used until another admin of its agency, or of the partnership, approves it.
- An operator's KEK rotation, an erasure outside the retention schedule and a subject
  access export need an approval by two partnership admins, named to the command with
  ``--approval``; the command uses it up.

The admin who asked can never approve; approvals lapse after 24 hours; each is used once.
Every step is audited.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.errors import Problem
from backend.models import Approval, Invite, utcnow
from backend.services.audit import SYSTEM, Actor, db_audit

TTL = timedelta(hours=24)
# action -> who may approve: the target agency's admins ("agency") or partnership admins
ACTIONS = {
    "inbox_grant": "agency",
    "kek_rotation": "partnership",
    "retention_erase": "partnership",
    "subject_export": "partnership",
}
OPERATOR_ACTIONS = tuple(a for a, who in ACTIONS.items() if who == "partnership")


class ApprovalRequired(Exception):
    """An operator command was not given a usable approval; the message says why."""


def canonical_target(action: str, ids: list[str]) -> str:
    """The target an approval is for: sorted ids, so the command must name the same ones."""
    if action == "kek_rotation":
        if ids:
            raise Problem(422, "approval.target_invalid", "A KEK rotation names no records.")
        return ""
    try:
        parsed = sorted({str(uuid.UUID(i)) for i in ids})
    except (ValueError, TypeError, AttributeError):
        raise Problem(422, "approval.target_invalid", "Targets are record ids.") from None
    if not parsed or (action == "subject_export" and len(parsed) != 1):
        raise Problem(422, "approval.target_invalid", "Name the record(s) this is for.")
    return ",".join(parsed)


def status_of(approval: Approval) -> str:
    if approval.used_at is not None:
        return "used"
    if approval.approved is not None:
        return "approved" if approval.approved else "rejected"
    return "expired" if approval.expires_at <= utcnow() else "pending"


def _audit(session: Session, what: str, actor: Actor, approval: Approval) -> None:
    db_audit(
        session,
        f"approval.{what}",
        actor=actor,
        records=[("approval", approval.id)],
        detail={"action": approval.action, "target": approval.target[:400]},
    )


def db_request(
    session: Session, actor: Actor, action: str, target: str, agency_id: uuid.UUID | None
) -> Approval:
    assert actor.user_id is not None  # noqa: S101 - a signed-in admin asks
    approval = Approval(
        action=action,
        target=target,
        agency_id=agency_id,
        requested_by_id=actor.user_id,
        requested_at=utcnow(),
        expires_at=utcnow() + TTL,
    )
    session.add(approval)
    session.flush()
    _audit(session, "requested", actor, approval)
    return approval


def request(
    session: Session, *, actor: Actor, partnership_admin: bool, action: str, ids: list[str]
) -> Approval:
    """Ask for an operator action; only partnership admins ask for or approve these."""
    if action not in OPERATOR_ACTIONS:
        raise Problem(422, "approval.action_unknown", "No such action needs an approval.")
    if not partnership_admin:
        raise Problem(403, "forbidden.partnership_admin", "Only partnership admins ask for this.")
    approval = db_request(session, actor, action, canonical_target(action, ids), None)
    session.commit()
    return approval


def _may_decide(approval: Approval, actor: Actor, partnership_admin: bool) -> bool:
    if partnership_admin:
        return True
    return ACTIONS[approval.action] == "agency" and approval.agency_id == actor.agency_id


def decide(
    session: Session,
    *,
    actor: Actor,
    partnership_admin: bool,
    approval_id: uuid.UUID,
    approve: bool,
) -> Approval:
    approval = session.get(Approval, approval_id)
    if approval is None or not _may_decide(approval, actor, partnership_admin):
        raise Problem(404, "not_found", "There is no such approval for you.")
    if approval.requested_by_id == actor.user_id:
        raise Problem(
            409, "approval.same_person", "You asked for this: another admin must decide it."
        )
    if status_of(approval) != "pending":
        raise Problem(409, "approval.decided", f"This approval is {status_of(approval)}.")
    approval.decided_by_id, approval.decided_at = actor.user_id, utcnow()
    approval.approved = approve
    if not approve and approval.action == "inbox_grant":
        invite = session.get(Invite, uuid.UUID(approval.target))
        if invite is not None and invite.withdrawn_at is None:
            invite.withdrawn_at = utcnow()
    _audit(session, "approved" if approve else "rejected", actor, approval)
    session.commit()
    return approval


def listing(session: Session, *, actor: Actor, partnership_admin: bool) -> list[dict[str, Any]]:
    """Approvals this admin may see: their agency's, and for partnership admins all."""
    rows = session.scalars(select(Approval).order_by(Approval.requested_at.desc()).limit(200)).all()
    return [
        view(a, actor.user_id)
        for a in rows
        if _may_decide(a, actor, partnership_admin) or a.requested_by_id == actor.user_id
    ]


def view(approval: Approval, user_id: uuid.UUID | None) -> dict[str, Any]:
    return {
        "id": approval.id,
        "action": approval.action,
        "target": approval.target.split(",") if approval.target else [],
        "status": status_of(approval),
        "requested_at": approval.requested_at,
        "expires_at": approval.expires_at,
        "yours": approval.requested_by_id == user_id,
    }


def db_invites_waiting(session: Session, invites: list[Invite]) -> set[uuid.UUID]:
    """Which of these invitations still wait for their second admin (one query)."""
    if not invites:
        return set()
    targets = session.scalars(
        select(Approval.target).where(
            Approval.action == "inbox_grant",
            Approval.target.in_([str(i.id) for i in invites]),
            Approval.approved.is_not(True),
        )
    )
    return {uuid.UUID(t) for t in targets}


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
    except Problem as exc:
        raise ApprovalRequired(exc.detail) from None
    if approval is None or approval.action != action or approval.target != target:
        raise ApprovalRequired(f"approval {approval_id} is not for this {action}")
    if status_of(approval) != "approved":
        raise ApprovalRequired(f"approval {approval_id} is {status_of(approval)}")
    if approval.decided_at is not None and approval.decided_at + TTL <= utcnow():
        raise ApprovalRequired(f"approval {approval_id} has lapsed")
    approval.used_at = utcnow()
    _audit(session, "used", SYSTEM, approval)
