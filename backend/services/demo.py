"""Seed the demo partnership and issue enrolment invitations for its people."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.orm import Session

import crypto
from backend.domain import demo
from backend.models import Agency, Inbox, Invite, Partnership, utcnow
from backend.services.concerns.rules import db_latest, db_load, default_rules_text
from backend.services.identity.invites import db_create_invite


@dataclass(frozen=True)
class DemoInvite:
    name: str
    agency: str
    roles: list[str]
    inboxes: list[str]
    token: str
    url: str


def db_seed_partnership(session: Session) -> Partnership:
    """Create the demo partnership, agencies and inboxes unless they exist."""
    partnership = session.scalar(select(Partnership).where(Partnership.name == demo.PARTNERSHIP))
    if partnership is None:
        partnership = Partnership(name=demo.PARTNERSHIP)
        session.add(partnership)
    existing = {a.name: a for a in partnership.agencies}
    for name, kind, inboxes in demo.AGENCIES:
        agency = existing.get(name)
        if agency is None:
            agency = Agency(name=name, kind=kind)
            partnership.agencies.append(agency)
        have = {i.name for i in agency.inboxes}
        agency.inboxes.extend(Inbox(name=i) for i in inboxes if i not in have)
    session.flush()
    if db_latest(session, partnership.id) is None:
        # The demo routes by the default matrix of docs/domain/routing.md from the start.
        db_load(session, partnership, default_rules_text())
    return partnership


def seed_demo(session: Session, ring: crypto.KeyRing, *, origin: str) -> list[DemoInvite]:
    """Seed the demo and issue a fresh invite to every demo person not yet enrolled.

    Earlier unused demo invites are withdrawn, so only the links printed last work.
    """
    partnership = db_seed_partnership(session)
    agencies = {a.name: a for a in partnership.agencies}
    inboxes = {(i.agency_id, i.name): i for a in agencies.values() for i in a.inboxes}
    enrolled = set(session.scalars(select(Invite.persona).where(Invite.used_at.is_not(None))).all())
    session.execute(
        update(Invite)
        .where(Invite.persona.is_not(None), Invite.used_at.is_(None), Invite.withdrawn_at.is_(None))
        .values(withdrawn_at=utcnow())
    )
    issued = []
    for person in demo.personas():
        if person.key in enrolled:
            continue
        agency = agencies[person.agency]
        invite = db_create_invite(
            session,
            ring,
            agency=agency,
            name=person.name,
            roles=list(person.roles),
            inboxes=[inboxes[(agency.id, n)] for n in person.inboxes],
            persona=person.key,
        )
        issued.append(
            DemoInvite(
                name=person.name,
                agency=person.agency,
                roles=[r.value for r in person.roles],
                inboxes=list(person.inboxes),
                token=invite.token,
                url=f"{origin}/enrol#invite={invite.token}",
            )
        )
    session.commit()
    return issued
