"""Which agencies an admin governs: their own, and for a partnership's admin every agency
of that partnership — never another partnership's (one server may host several)."""

from __future__ import annotations

import uuid

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backend.models import Agency, Concern, Profile, Subject, Suspicion
from backend.services.records.audit import Actor


def db_partnership_of(session: Session, agency_id: uuid.UUID | None) -> uuid.UUID | None:
    agency = session.get(Agency, agency_id) if agency_id is not None else None
    return agency.partnership_id if agency is not None else None


def db_governs(
    session: Session, actor: Actor, partnership_admin: bool, agency_id: uuid.UUID | None
) -> bool:
    """Whether this admin may act on people, invitations and approvals of ``agency_id``."""
    if agency_id is None:
        return False
    if agency_id == actor.agency_id:
        return True
    # A partnership admin's powers stop at their partnership: an admin of one partnership
    # must not invite into, recover, revoke or approve for another's agencies.
    return partnership_admin and db_partnership_of(session, agency_id) == db_partnership_of(
        session, actor.agency_id
    )


def db_governed(session: Session, actor: Actor, partnership_admin: bool) -> list[uuid.UUID]:
    """The agencies this admin governs (for listings)."""
    assert actor.agency_id is not None  # noqa: S101 - admins are signed in
    if not partnership_admin:
        return [actor.agency_id]
    partnership = db_partnership_of(session, actor.agency_id)
    return list(session.scalars(select(Agency.id).where(Agency.partnership_id == partnership)))


def db_records_within(
    session: Session, action: str, target: str, agency_id: uuid.UUID | None
) -> bool:
    """Whether every record an operator action names (the concerns to erase, the child to
    export) belongs to the partnership of ``agency_id``, the asker's agency.

    Checked when an erasure or export is asked for, approved and used: otherwise an admin
    of one partnership, with a colleague's approval, could have another's records erased
    or exported by the operator. An unknown id and another partnership's answer alike.
    """
    if action not in ("retention_erase", "subject_export"):
        return True
    partnership = db_partnership_of(session, agency_id)
    try:
        ids = {uuid.UUID(i) for i in target.split(",") if i}
    except ValueError:
        return False
    if partnership is None or not ids:
        return False
    if action == "subject_export":
        query = select(func.count()).where(
            Subject.id.in_(ids), Subject.partnership_id == partnership
        )
    else:  # concerns, and suspicions (each of one partnership)
        query = (
            select(func.count())
            .select_from(Concern)
            .join(Agency, Agency.id == Concern.recorder_agency_id)
            .where(Concern.id.in_(ids), Agency.partnership_id == partnership)
        )
        # A child's profile is erased by its profile_id, every version with it.
        profiles = select(func.count(func.distinct(Profile.profile_id))).where(
            Profile.profile_id.in_(ids), Profile.partnership_id == partnership
        )
        others = select(func.count()).where(
            Suspicion.id.in_(ids), Suspicion.partnership_id == partnership
        )
        found = [session.scalar(q) or 0 for q in (query, profiles, others)]
        return sum(found) == len(ids)
    return session.scalar(query) == len(ids)
