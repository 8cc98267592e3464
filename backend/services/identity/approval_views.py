"""An approval as an admin sees it: what is granted, in words, never bare ids.

An approver shown only an id approves blind; shown "DC Rae Holt, Riverside Police:
inbox_member of Missing Persons" they can tell a colleague's start from a stranger's.

The views are frozen dataclasses the API dumps with ``ApprovalSchema``. What a grant says
depends on the action, so each kind of grant is its own class with only the members it
has: marshmallow leaves out a member an object lacks, so the JSON of an invitation's grant
has no ``identity_check`` while a recovery's always has one (null if none was recorded).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import TypeAlias

from sqlalchemy.orm import Session

import crypto
from backend.models import Agency, Approval, Invite, User
from backend.services.concerns.rules_change import RulesChange, db_summary
from backend.services.identity.approvals import detail_of, status_of
from backend.services.identity.invites import db_invite_name
from backend.services.identity.people import db_user_name


@dataclass(frozen=True, slots=True)
class InviteGrant:
    """An invitation waiting for its second admin: who, where, with which roles."""

    person: str
    agency: str
    roles: tuple[str, ...]
    inboxes: tuple[str, ...]  # inbox names


@dataclass(frozen=True, slots=True)
class RecoveryGrant:
    """A recovery: the person as they are now, and how the asker confirmed who asks."""

    person: str
    agency: str
    roles: tuple[str, ...]
    inboxes: tuple[str, ...]
    identity_check: str | None


@dataclass(frozen=True, slots=True)
class AgencyGrant:
    """Any other action: the agency (the partnership's own) whose admins decide it."""

    agency: str


@dataclass(frozen=True, slots=True)
class NoGrant:
    """What the approval names is gone: nothing to say about it."""


Grant: TypeAlias = InviteGrant | RecoveryGrant | AgencyGrant | NoGrant


@dataclass(frozen=True, slots=True)
class ApprovalView:
    id: uuid.UUID
    action: str
    target: tuple[str, ...]  # the ids it names
    status: str  # pending, approved, rejected, expired or used
    requested_at: datetime
    expires_at: datetime
    yours: bool  # the viewer asked for it
    asked_by: str | None
    decided_by: str | None
    grant: Grant
    # What proposed routing rules change (``rules_change.db_summary``); a rules_load only,
    # and left out of the JSON of every other action.
    rules: RulesChange | None = None


def _name(session: Session, ring: crypto.KeyRing, user_id: uuid.UUID | None) -> str | None:
    user = session.get(User, user_id) if user_id is not None else None
    return db_user_name(session, ring, user) if user is not None else None


def _grant(session: Session, ring: crypto.KeyRing, approval: Approval) -> Grant:
    if approval.action == "access_grant":
        invite = session.get(Invite, uuid.UUID(approval.target))
        if invite is None:
            return NoGrant()
        return InviteGrant(
            person=db_invite_name(session, ring, invite),
            agency=invite.agency.name,
            roles=tuple(sorted(r.role for r in invite.roles)),
            inboxes=tuple(sorted(b.inbox.name for b in invite.inboxes)),
        )
    if approval.action == "recovery":
        person = session.get(User, uuid.UUID(approval.target))
        if person is None:
            return NoGrant()
        return RecoveryGrant(
            person=db_user_name(session, ring, person),
            agency=person.agency.name,
            roles=tuple(sorted(r.role for r in person.roles)),
            inboxes=tuple(sorted(m.inbox.name for m in person.memberships)),
            identity_check=detail_of(approval).get("identity_check"),
        )
    agency = session.get(Agency, approval.agency_id) if approval.agency_id else None
    return AgencyGrant(agency=agency.name) if agency is not None else NoGrant()


def db_view(
    session: Session, ring: crypto.KeyRing, approval: Approval, user_id: uuid.UUID | None
) -> ApprovalView:
    """Describe an approval for the admin ``user_id``."""
    return ApprovalView(
        id=approval.id,
        action=approval.action,
        target=tuple(approval.target.split(",")) if approval.target else (),
        status=status_of(approval),
        requested_at=approval.requested_at,
        expires_at=approval.expires_at,
        yours=approval.requested_by_id == user_id,
        asked_by=_name(session, ring, approval.requested_by_id),
        decided_by=_name(session, ring, approval.decided_by_id),
        grant=_grant(session, ring, approval),
        rules=db_summary(session, approval) if approval.action == "rules_load" else None,
    )
