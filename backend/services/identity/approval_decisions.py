"""Deciding an approval: who may, how independent of the asker they must be, and what
happens once it is approved (backend/services/identity/approvals.py says what needs one).

Independence is the point. An admin who could approve with an account they made, revived
or granted roles to would be one person with two accounts: so the decider may not be the
asker, an account the asker invited, recovered or approved roles for, nor an account made
after the request (one enrolled to answer it). Each refusal has its own code.
"""

from __future__ import annotations

import uuid

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

import crypto
from backend.core.errors import Conflict, NotFound
from backend.models import Approval, Invite, User, utcnow
from backend.services.concerns import rules_change
from backend.services.identity import recovery
from backend.services.identity.admin_scope import db_governed, db_governs, db_records_within
from backend.services.identity.approval_views import ApprovalView, db_view
from backend.services.identity.approvals import ACTIONS, db_audit_step, status_of
from backend.services.identity.invites import IssuedInvite
from backend.services.records.audit import Actor


def db_may_decide(
    session: Session, approval: Approval, actor: Actor, partnership_admin: bool
) -> bool:
    """Whether this admin may decide (and see) the approval: its agency's admins and its
    partnership's admins; a partnership-wide action, the partnership's admins only."""
    if ACTIONS.get(approval.action) == "partnership" and not partnership_admin:
        return False
    return db_governs(session, actor, partnership_admin, approval.agency_id)


def _refuse(code: str, detail: str) -> Conflict:
    return Conflict(code, detail)


def db_check_independent(session: Session, approval: Approval, approver_id: uuid.UUID) -> None:
    """Refuse a decider who is the asker or an account the asker could control."""
    asker = approval.requested_by_id
    if approver_id == asker:
        raise _refuse("approval.same_person", "You asked for this: another admin must decide it.")
    if approval.action == "recovery" and approval.target == str(approver_id):
        raise _refuse("approval.same_person", "This recovers your own account.")
    approver = session.get(User, approver_id)
    assert approver is not None  # noqa: S101 - a signed-in admin
    if approver.created_at >= approval.requested_at:
        # An account enrolled after the request could have been made to answer it.
        raise _refuse(
            "approval.approver_too_new",
            "Your account was made after this was asked for: an admin who was here before "
            "must decide it.",
        )
    recovered = select(Approval.id).where(
        Approval.action == "recovery",
        Approval.target == str(approver_id),
        or_(Approval.requested_by_id == asker, Approval.decided_by_id == asker),
    )
    if session.scalar(recovered.limit(1)) is not None:
        raise _refuse(
            "approval.asker_recovered_you",
            "The admin who asked took part in recovering your account: another admin must "
            "decide it.",
        )
    invites = list(session.scalars(select(Invite).where(Invite.user_id == approver_id)))
    if any(i.created_by_id == asker for i in invites):
        raise _refuse(
            "approval.asker_invited_you",
            "The admin who asked invited you: another admin must decide it.",
        )
    granted = select(Approval.id).where(
        Approval.action == "access_grant",
        Approval.target.in_([str(i.id) for i in invites]),
        Approval.decided_by_id == asker,
    )
    if invites and session.scalar(granted.limit(1)) is not None:
        raise _refuse(
            "approval.asker_granted_you",
            "The admin who asked approved your own roles: another admin must decide it.",
        )


def decide(
    session: Session,
    ring: crypto.KeyRing,
    *,
    actor: Actor,
    partnership_admin: bool,
    approval_id: uuid.UUID,
    approve: bool,
) -> tuple[ApprovalView, IssuedInvite | None]:
    """Approve or refuse; on approval do what was asked. Returns the approval as the
    decider sees it and, for a recovery, the ticket — shown to this decider once."""
    approval = session.get(Approval, approval_id)
    if approval is None or not db_may_decide(session, approval, actor, partnership_admin):
        raise NotFound("not_found", "There is no such approval for you.")
    assert actor.user_id is not None  # noqa: S101 - a signed-in admin
    if status_of(approval) != "pending":
        raise Conflict("approval.decided", f"This approval is {status_of(approval)}.")
    db_check_independent(session, approval, actor.user_id)
    if approve and not db_records_within(
        session, approval.action, approval.target, approval.agency_id
    ):
        # Checked again here, not only when asked: an approval is the second pair of eyes
        # on exactly these records, and they must be the partnership's own.
        raise _refuse(
            "approval.target_outside",
            "This names records outside your partnership: it cannot be approved.",
        )
    approval.decided_by_id, approval.decided_at = actor.user_id, utcnow()
    approval.approved = approve
    db_audit_step(session, "approved" if approve else "rejected", actor, approval)
    ticket = None
    if not approve and approval.action == "access_grant":
        invite = session.get(Invite, uuid.UUID(approval.target))
        if invite is not None and invite.withdrawn_at is None:
            invite.withdrawn_at = utcnow()
    elif approve and approval.action == "recovery":
        ticket = recovery.db_issue_ticket(session, ring, approval=approval, approver=actor)
    elif approve and approval.action == "rules_load":
        rules_change.db_apply(session, approval=approval, approver=actor)
    view = db_view(session, ring, approval, actor.user_id)
    session.commit()
    return view, ticket


def listing(
    session: Session, ring: crypto.KeyRing, *, actor: Actor, partnership_admin: bool
) -> list[ApprovalView]:
    """Approvals this admin may see: those they may decide and those they asked for."""
    agencies = db_governed(session, actor, partnership_admin)
    rows = session.scalars(
        select(Approval)
        .where(or_(Approval.agency_id.in_(agencies), Approval.requested_by_id == actor.user_id))
        .order_by(Approval.requested_at.desc())
        .limit(200)
    ).all()
    items = [
        db_view(session, ring, a, actor.user_id)
        for a in rows
        if a.requested_by_id == actor.user_id or db_may_decide(session, a, actor, partnership_admin)
    ]
    session.commit()
    return items
