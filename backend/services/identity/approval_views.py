"""An approval as an admin sees it: what is granted, in words, never bare ids.

An approver shown only an id approves blind; shown "DC Rae Holt, Riverside Police:
inbox_member of Missing Persons" they can tell a colleague's start from a stranger's.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.orm import Session

import crypto
from backend.models import Agency, Approval, Invite, User
from backend.services.concerns.rules_change import db_summary
from backend.services.identity.approvals import detail_of, status_of
from backend.services.identity.invites import db_invite_name
from backend.services.identity.people import db_user_name


def _name(session: Session, ring: crypto.KeyRing, user_id: uuid.UUID | None) -> str | None:
    user = session.get(User, user_id) if user_id is not None else None
    return db_user_name(session, ring, user) if user is not None else None


def _grant(session: Session, ring: crypto.KeyRing, approval: Approval) -> dict[str, Any]:
    if approval.action == "access_grant":
        invite = session.get(Invite, uuid.UUID(approval.target))
        if invite is None:
            return {}
        return {
            "person": db_invite_name(session, ring, invite),
            "agency": invite.agency.name,
            "roles": sorted(r.role for r in invite.roles),
            "inboxes": sorted(b.inbox.name for b in invite.inboxes),
        }
    if approval.action == "recovery":
        person = session.get(User, uuid.UUID(approval.target))
        if person is None:
            return {}
        return {
            "person": _name(session, ring, person.id),
            "agency": person.agency.name,
            "roles": sorted(r.role for r in person.roles),
            "inboxes": sorted(m.inbox.name for m in person.memberships),
            "identity_check": detail_of(approval).get("identity_check"),
        }
    agency = session.get(Agency, approval.agency_id) if approval.agency_id else None
    return {"agency": agency.name} if agency is not None else {}


def db_view(
    session: Session, ring: crypto.KeyRing, approval: Approval, user_id: uuid.UUID | None
) -> dict[str, Any]:
    """Describe an approval for the admin ``user_id``."""
    view: dict[str, Any] = {
        "id": approval.id,
        "action": approval.action,
        "target": approval.target.split(",") if approval.target else [],
        "status": status_of(approval),
        "requested_at": approval.requested_at,
        "expires_at": approval.expires_at,
        "yours": approval.requested_by_id == user_id,
        "asked_by": _name(session, ring, approval.requested_by_id),
        "decided_by": _name(session, ring, approval.decided_by_id),
        "grant": _grant(session, ring, approval),
    }
    if approval.action == "rules_load":
        view["rules"] = db_summary(session, approval)
    return view
