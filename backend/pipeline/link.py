"""Step 7, link: resolve the child, find the patterns this concern completes, tell the
recorder whether the child is already known — inside the store transaction.

Linking costs lookups for this concern's own identifiers (one row per record holding each,
``services/linking/record_keys.py``), the child's day rows within the patterns' spans
(``services/linking/windows.py``), the child's rows of inboxes (``services/linking/known.py``)
and the alerts it touches; it never reads a child's whole
history or scans the concern table.
"""

from __future__ import annotations

import uuid
from collections import Counter

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from backend.core.db import db_lock
from backend.models import Agency, Alert, AlertSubject, Concern, Delivery, Inbox, table_of
from backend.pipeline.results import Contact, Known
from backend.pipeline.store import Stored
from backend.services.concerns.re_referral import db_re_refer
from backend.services.concerns.rules import Active, db_active
from backend.services.linking.alerts import db_raise
from backend.services.linking.blind_keys import own_of
from backend.services.linking.child_patterns import child_findings, reach
from backend.services.linking.findings import Finding
from backend.services.linking.known import db_count, held, routed_of
from backend.services.linking.locks import key_locks, link_lock, subject_lock
from backend.services.linking.networks import (
    network_findings,
    peer_findings,
    recorded_in_context,
)
from backend.services.linking.record_keys import db_add_keys
from backend.services.linking.resolve import db_resolve
from backend.services.linking.subjects import KNOWN_STATUSES, canonical, members
from backend.services.linking.windows import db_record, facts_from
from backend.services.missing import episodes

# The deliveries of the alerts naming some subjects (bound as ``ids``): inbox and agency
# names and agency id, with each delivery's root (None when routed, not escalated) and the
# alert's status, each once. The caller keeps the routed deliveries of open alerts: asked
# for in SQL, SQLite's planner walked every open alert there is through the status index,
# or every routed delivery through the root's. Built once: linking runs on every concern,
# and building a statement costs several times what SQLite takes to run it.
# On the tables' columns: a plain statement, without the ORM's work around it.
_AS, _A, _D = table_of(AlertSubject), table_of(Alert), table_of(Delivery)
_IN, _AG = table_of(Inbox), table_of(Agency)
_ALERTED = (
    select(_IN.c.name, _AG.c.name, _AG.c.id, _D.c.root_id, _A.c.status)
    .distinct()
    .select_from(_AS)
    .join(_A, _A.c.id == _AS.c.alert_id)
    .join(_D, _D.c.alert_id == _A.c.id)
    .join(_IN, _IN.c.id == _D.c.inbox_id)
    .join(_AG, _AG.c.id == _IN.c.agency_id)
    .where(_AS.c.subject_id.in_(bindparam("ids", expanding=True)))
)


def db_known(
    session: Session,
    active: Active,
    concern: Concern,
    subject_id: uuid.UUID,
    routed: Counter[uuid.UUID] | None = None,
) -> Known | None:
    """Whether the child is already known and, if so, whom to contact: the partnership's
    front door (the rules' fallback inbox) and the recorder's own agency's inboxes that
    hold records about the child; never any content.

    WARNING: the recorder may know the child only by a name and a date of birth. Naming
    the inboxes of other agencies that hold the child's records (an exploitation team, a
    missing persons unit) or the kinds of alert about the child would tell them what is
    held and where (docs/contract.md, "Sync in detail"): they are left out.
    """
    ids = members(session, subject_id)
    # The inboxes of the child's earlier concerns: the child's rows of inboxes, less what
    # this concern (already counted) sent.
    if routed is None:  # the concern's routed deliveries, unless the caller has them
        routed = routed_of(session, concern.id)
    earlier = held(session, ids, routed)
    # Alerts that name the child, however they were raised (a network found through
    # another child's concern included).
    earlier += [
        (inbox, agency, agency_id)
        for inbox, agency, agency_id, root, status in session.execute(_ALERTED, {"ids": ids})
        if root is None and status == "open"
    ]
    if not earlier and concern.subject_legal_status not in KNOWN_STATUSES:
        return None
    door = active.rules.inboxes[active.rules.fallback]  # (agency, inbox)
    own = {
        (agency, inbox)
        for inbox, agency, agency_id in earlier
        if agency_id == concern.recorder_agency_id
    }
    places = [door, *sorted(own - {door}, key=lambda p: p[1])]
    return Known(tuple(Contact(inbox=inbox, agency=agency) for agency, inbox in places))


def _db_lock_keys(session: Session, stored: Stored) -> None:
    # Linking reads what is known, then writes: two concerns about one child (or one car)
    # linked at the same moment would each see only themselves and make two subjects, or
    # no network. So a link waits for any other that shares an identifier with it (and,
    # in resolving, a child), until that one commits and is in view; links of other
    # children go on beside it (``locks.link_lock``).
    partnership_id = stored.agency.partnership_id
    db_lock(session, link_lock(partnership_id), shared=True)
    db_lock(
        session,
        *key_locks(partnership_id, {(r["kind"], r["blind_index"]) for r in stored.identifiers}),
    )


def _networks(
    session: Session, active: Active, stored: Stored, subject_id: uuid.UUID, *, new: bool
) -> list[Finding]:
    """The networks (and children named as peers with an adult) that what this record
    names links its child into. ``new``: the record is the concern itself, stored in this
    transaction, so whether it records exploitation is in its validated content."""
    concern, rows = stored.the_concern, stored.identifiers
    rule = active.rules.patterns["network"]
    context = recorded_in_context(rule, stored.loaded) if new else None
    return [
        *network_findings(session, active, concern, subject_id, rows, context),
        *peer_findings(session, active, concern, subject_id, rows),
    ]


def db_link_named(session: Session, stored: Stored) -> None:
    """Link what a record adding to a linked concern names (a return interview's people,
    cars, phones, places): its child's record holds them already (``store.db_add_named``),
    at the concern's time; here they are weighed in networks as the concern's own are, so
    an adult and a car named in an interview and about another child raise the alert two
    concerns would."""
    concern = stored.the_concern
    if concern.subject_id is None or not stored.identifiers:
        return
    active = db_active(session, stored.agency.partnership_id)
    _db_lock_keys(session, stored)
    subject_id = canonical(session, concern.subject_id)
    db_lock(session, subject_lock(subject_id))
    for finding in _networks(session, active, stored, subject_id, new=False):
        db_raise(session, active, concern, finding, stored.agency.partnership_id)


def db_link(session: Session, stored: Stored) -> None:
    concern, agency = stored.the_concern, stored.agency
    active = db_active(session, agency.partnership_id)
    _db_lock_keys(session, stored)
    subject_id, how = db_resolve(
        session,
        concern,
        partnership_id=agency.partnership_id,
        care_status=concern.subject_legal_status,
        own=own_of(
            stored.identifiers, lambda r: r["role"] == "subject" and r["addendum_id"] is None
        ),
    )
    # A child first known by this concern, with no other record merged into theirs: nothing
    # is held about the child yet, so the reads of what is held (decisions, keys, episodes,
    # days) are not sent; what they would find is what this concern writes.
    first = how == "new" and members(session, subject_id) == [subject_id]
    # The concern's routed deliveries, read once: counted on its child's rows, and the
    # inboxes re-referral need not send to again.
    routed = stored.told.routed
    if routed is None:
        routed = routed_of(session, concern.id)
    db_count(session, subject_id, routed.elements())
    # The child is known now: an inbox that lately closed it with no further action hears
    # of it again (counted on the child's rows there, like routing).
    if not first:
        db_re_refer(session, active, concern, members(session, subject_id), routed)
    # After resolving (which must not find the concern itself), before the patterns
    # (which read this concern's child from its own concern, not its record's keys).
    db_add_keys(
        session, subject_id, concern.id, concern.recorded_at, stored.identifiers, first=first
    )
    loaded = stored.loaded
    facts = facts_from(
        concern,
        categories=loaded["categories"],
        codes=(i["code"] for i in loaded.get("indicators") or []),
        # A report while the child's episode is open updates it (step 8): no new episode.
        update=not first and episodes.db_open_episode(session, subject_id) is not None,
    )
    ids = members(session, subject_id)
    days = db_record(session, subject_id, ids, facts, reach(active), first=first)
    findings = child_findings(session, active, concern, subject_id, facts, days=days)
    findings += _networks(session, active, stored, subject_id, new=True)
    for finding in findings:
        db_raise(session, active, concern, finding, agency.partnership_id)
    stored.told.known = db_known(session, active, concern, subject_id, routed)
