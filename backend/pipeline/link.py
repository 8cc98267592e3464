"""Step 7, link: resolve the child, find the patterns this concern completes, tell the
recorder whether the child is already known — inside the store transaction.

Linking costs index lookups for this concern's own identifiers and its child's own
concerns; it never scans the concern table.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.db import db_lock
from backend.models import Agency, Alert, AlertSubject, Concern, Delivery, Inbox
from backend.pipeline.store import STEPS, Stored
from backend.services.alerts import db_raise, network_findings, subject_findings
from backend.services.rules import Active, db_active
from backend.services.subjects import KNOWN_STATUSES, db_resolve, link_lock, members


def _contacts(session: Session, which: Any) -> list[Any]:
    """Inbox and agency names of the routed deliveries ``which`` selects."""
    return list(
        session.execute(
            select(Inbox.name, Agency.name)
            .select_from(Delivery)
            .join(Inbox, Inbox.id == Delivery.inbox_id)
            .join(Agency, Agency.id == Inbox.agency_id)
            .where(which, Delivery.root_id.is_(None))
            .distinct()
        )
    )


def db_known(
    session: Session, active: Active, concern: Concern, subject_id: uuid.UUID
) -> dict[str, Any] | None:
    """Whom to contact when the child is already known: the inboxes that received earlier
    concerns about the child or an alert about them; never any content."""
    ids = members(session, subject_id)
    # The child's own concerns first (by their index), then their deliveries.
    concern_ids = [
        c
        for c in session.scalars(select(Concern.id).where(Concern.subject_id.in_(ids)))
        if c != concern.id
    ]
    earlier: list[Any] = []
    for chunk in (concern_ids[i : i + 500] for i in range(0, len(concern_ids), 500)):
        earlier += _contacts(session, Delivery.concern_id.in_(chunk))
    # Alerts that name the child, however they were raised (a network found through
    # another child's concern included).
    alerted = list(
        session.scalars(
            select(Alert.id).where(
                Alert.status == "open",
                Alert.id.in_(select(AlertSubject.alert_id).where(AlertSubject.subject_id.in_(ids))),
            )
        )
    )
    if alerted:
        earlier += _contacts(session, Delivery.alert_id.in_(alerted))
    if not earlier and concern.subject_legal_status not in KNOWN_STATUSES:
        return None
    contact = [
        {"inbox": inbox, "agency": agency} for inbox, agency in sorted({tuple(r) for r in earlier})
    ]
    if not contact:  # known only by care status: the front door
        agency, inbox = active.rules.inboxes[active.rules.fallback]
        contact = [{"inbox": inbox, "agency": agency}]
    return {"contact": contact}


def db_link(session: Session, stored: Stored) -> None:
    concern = stored.concern
    agency = session.get(Agency, concern.recorder_agency_id)
    assert agency is not None  # noqa: S101
    active = db_active(session, agency.partnership_id)
    # Linking reads what is known, then writes: two concerns about one child (or one car)
    # linked at the same moment would each see only themselves and make two subjects, or
    # no network. One link of the partnership at a time, until its transaction commits;
    # what an earlier one committed is then in view.
    db_lock(session, link_lock(agency.partnership_id))
    subject_id, _ = db_resolve(
        session,
        concern,
        partnership_id=agency.partnership_id,
        care_status=concern.subject_legal_status,
    )
    findings = subject_findings(session, active, concern, subject_id)
    findings += network_findings(session, active, concern)
    for finding in findings:
        db_raise(session, active, concern, finding, agency.partnership_id)
    known = db_known(session, active, concern, subject_id)
    if known is not None:
        stored.told["known"] = known


STEPS.append(db_link)
