"""The known answer read from the children's rows of inboxes (``subject_inboxes``) is the
answer the deliveries of the child's earlier concerns give, concern by concern: with
concerns from several agencies and pattern alerts, after a delivery moves inbox, after a
merge is split and after an erasure; and the rows agree with a rebuild from the
deliveries, and with the migration's backfill."""

from __future__ import annotations

import uuid
from typing import Any

from alembic import command
from sqlalchemy import select, text

from backend.core import migrate
from backend.models import (
    Agency,
    Alert,
    AlertSubject,
    Concern,
    Delivery,
    Inbox,
    Subject,
)
from backend.pipeline.link import db_known
from backend.pipeline.results import Contact, Known
from backend.services.concerns.rules import Active, db_active
from backend.services.linking import known
from backend.services.linking.subjects import KNOWN_STATUSES, canonical, members
from backend.services.records.audit import SYSTEM
from backend.services.records.retention import db_erase
from tests.factories import H, person
from tests.scenario import ZOE, make
from tests.services.concerns.test_inbox import C, P, inbox_id, items, worker
from tests.services.linking import test_links
from tests.services.linking.test_conflicting_keys import matches_of, subject_of
from tests.services.linking.test_links import at, missing, send

recorders = test_links.recorders  # the same recorders fixture


def from_deliveries(s: Any, active: Active, concern: Concern, head: uuid.UUID) -> Known | None:
    """The known answer as it was defined before the rows were kept: every routed delivery
    of the child's other concerns, and of the open alerts that name the child."""
    ids = members(s, head)
    places = select(Inbox.name, Agency.name, Agency.id, Delivery.root_id).join(
        Agency, Agency.id == Inbox.agency_id
    )
    rows = s.execute(
        places.join(Delivery, Delivery.inbox_id == Inbox.id)
        .join(Concern, Concern.id == Delivery.concern_id)
        .where(Concern.subject_id.in_(ids), Concern.id != concern.id)
    ).all()
    alerted = s.scalars(
        select(Alert.id)
        .join(AlertSubject, AlertSubject.alert_id == Alert.id)
        .where(AlertSubject.subject_id.in_(ids), Alert.status == "open")
    ).all()
    rows += s.execute(
        places.join(Delivery, Delivery.inbox_id == Inbox.id).where(Delivery.alert_id.in_(alerted))
    ).all()
    earlier = [(inbox, agency, agency_id) for inbox, agency, agency_id, root in rows if not root]
    if not earlier and concern.subject_legal_status not in KNOWN_STATUSES:
        return None
    door = active.rules.inboxes[active.rules.fallback]
    own = {(a, i) for i, a, aid in earlier if aid == concern.recorder_agency_id} - {door}
    return Known(
        tuple(Contact(inbox=i, agency=a) for a, i in [door, *sorted(own, key=lambda p: p[1])])
    )


def check(sessions: Any) -> int:
    """Every concern's known answer, as if it were linked now, from the rows and from the
    deliveries; and every subject's rows against a rebuild. Returns the answers compared."""
    compared = 0
    with sessions() as s:
        for concern in s.scalars(select(Concern).where(Concern.subject_id.is_not(None))):
            head = canonical(s, concern.subject_id)
            agency = s.get(Agency, concern.recorder_agency_id)
            active = db_active(s, agency.partnership_id)
            assert db_known(s, active, concern, head) == from_deliveries(s, active, concern, head)
            compared += 1
        for subject_id in s.scalars(select(Subject.id)):
            assert known.stored(s, subject_id) == known.counted_from_deliveries(s, subject_id)
    return compared


def test_the_known_answer_is_the_deliveries_answer_through_moves_splits_and_erasure(  # type: ignore[no-untyped-def]
    app, sessions, recorders
) -> None:
    # Zoë: concerns from the police, health and a care home; two patterns raised.
    first = send(app, recorders, "police", missing(ZOE, 20, associated=[]))
    send(app, recorders, "health", make(subject=ZOE, recorded_at=at(15), setting="health"))
    send(app, recorders, "care", missing(ZOE, 10, associated=[], setting="care_home"))
    send(app, recorders, "police", missing(ZOE, 5, associated=[]))
    mash = worker(app, C, "MASH")
    assert {a["kind"] for a in mash.get("/api/v1/alerts").get_json()["alerts"]} >= {
        "repeated_missing"
    }
    assert check(sessions) == 4

    # A routed delivery moves to another inbox of its agency: the police recorder's answer
    # names where it is now.
    police, _, _ = person(
        app,
        agency=P,
        roles=("inbox_member",),
        inboxes=("Missing Persons", "Child Exploitation Team"),
        name="Two inboxes",
    )
    item = next(
        i for i in items(police, "Missing Persons") if i["concern_id"] == first["concern_id"]
    )
    cet = inbox_id(police, "Child Exploitation Team")
    moved = police.post(f"/api/v1/deliveries/{item['id']}/reassign", json={"inbox": cet}, headers=H)
    assert moved.status_code == 200, moved.get_json()
    assert check(sessions) == 4

    # A misspelt record merged into Zoë's by the MASH, a concern linked while merged, and
    # the merge split again: each side's rows are its own concerns' again.
    typo = dict(ZOE, family_name="OBrian", legal_status="unknown")
    typo.pop("nhs_number")
    care1 = send(app, recorders, "care", make(subject=typo, recorded_at=at(4)))
    other = subject_of(mash, care1["concern_id"])
    (match,) = matches_of(mash)
    assert mash.post(f"/api/v1/matches/{match['id']}/confirm", headers=H).status_code == 200
    care2 = send(app, recorders, "care", make(subject=typo, recorded_at=at(3)))
    assert subject_of(mash, care2["concern_id"]) != other  # linked to Zoë's record
    assert check(sessions) == 6
    assert mash.post(f"/api/v1/subjects/{other}/split", headers=H).status_code == 200
    assert subject_of(mash, care2["concern_id"]) == other
    assert check(sessions) == 6

    # Erased: the record stays linked to its child, and so do its deliveries.
    with sessions() as s:
        db_erase(s, uuid.UUID(first["concern_id"]), reason="due", actor=SYSTEM)
        s.commit()
    assert check(sessions) == 6


def test_the_migration_builds_the_rows_the_deliveries_give(app, sessions, recorders) -> None:  # type: ignore[no-untyped-def]
    send(app, recorders, "police", missing(ZOE, 20, associated=[]))
    send(app, recorders, "health", make(subject=ZOE, recorded_at=at(15), setting="health"))
    send(app, recorders, "care", missing(ZOE, 10, associated=[], setting="care_home"))
    engine = app.extensions["frontline"].engine
    with sessions() as s:
        kept = {sid: known.stored(s, sid) for sid in s.scalars(select(Subject.id))}
    assert any(kept.values())
    engine.dispose()
    # The table dropped and made again from the deliveries already there.
    command.downgrade(migrate.alembic_config(engine), "0022")
    with sessions() as s:
        assert not s.execute(text("SELECT 1 FROM alembic_version WHERE version_num = '0023'")).all()
    migrate.upgrade(engine)
    with sessions() as s:
        assert {sid: known.stored(s, sid) for sid in s.scalars(select(Subject.id))} == kept
