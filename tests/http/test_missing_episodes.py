"""GET /api/v1/episodes and /api/v1/subjects/{id}/missing: who reads missing episodes,
what they see (the return interview counted from the return), paging, audit."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from backend.models import AuditEvent, Concern, MissingEpisode
from backend.services.linking.subjects import db_merge
from tests.factories import H, envelope, make_concern, person, sync
from tests.services.missing.test_episodes import _at, add, report

ZARA = {
    "given_name": "Zara",
    "family_name": "Quinn",
    "date_of_birth": "2012-05-01",
    "legal_status": "looked_after",
}


def reader(app: Any, agency: str, inbox: str, role: str = "inbox_member") -> Any:
    client, _, _ = person(
        app, roles=(role,), agency=agency, inboxes=(inbox,), name=f"{inbox} reader"
    )
    return client


def subject_of(sessions: Any, concern_id: str) -> uuid.UUID:
    with sessions() as s:
        sid = s.scalar(select(Concern.subject_id).where(Concern.id == uuid.UUID(concern_id)))
        assert sid is not None
        return sid


def test_readers_see_open_and_closed_episodes_with_the_return_interview_from_the_return(  # type: ignore[no-untyped-def]
    app, sessions
) -> None:
    police = person(app, name="PC Sam Okafor")[:2]
    open_cid = report(app, police, reported_at=_at(-timedelta(hours=3)))
    found = _at(-timedelta(hours=80))  # back more than 72 hours ago, synced late
    # A second report about the same child, with both times: it updates the open episode
    # (reported 90 hours ago, as it now says) and closes it.
    report(app, police, reported_at=_at(-timedelta(hours=90)), found_at=found)
    coordinator = reader(app, "Riverside Children's Social Care", "Missing Coordinator")
    r = coordinator.get("/api/v1/episodes")
    assert r.status_code == 200
    assert r.get_json() == {"items": [], "next": None}
    closed = coordinator.get("/api/v1/episodes?status=closed").get_json()["items"]
    (item,) = closed
    assert item["concern_id"] == open_cid
    assert item["subject_id"] == str(subject_of(sessions, open_cid))
    assert item["hours_missing"] == 10.0
    assert item["profile_id"] is None
    assert item["return_interview"]["status"] == "overdue"
    assert item["return_interview"]["due"].startswith(
        (found + timedelta(hours=72)).strftime("%Y-%m-%dT%H:%M")
    )


def test_the_return_interview_is_not_due_while_missing_and_due_after_the_return(  # type: ignore[no-untyped-def]
    app, sessions
) -> None:
    police = person(app, name="PC Sam Okafor")[:2]
    cid = report(app, police, reported_at=_at(-timedelta(hours=10)))
    missing_persons = reader(app, "Riverside Police", "Missing Persons")
    (item,) = missing_persons.get("/api/v1/episodes?status=open").get_json()["items"]
    assert item["return_interview"] == {"due": None, "status": "not_due"}
    assert (item["found_at"], item["hours_missing"]) == (None, None)
    add(app, police, cid, found_at=_at(-timedelta(hours=1)))
    assert missing_persons.get("/api/v1/episodes").get_json()["items"] == []
    (item,) = missing_persons.get("/api/v1/episodes?status=closed").get_json()["items"]
    assert item["return_interview"]["status"] == "due"
    assert item["hours_missing"] == 9.0
    sid = subject_of(sessions, cid)
    mine = missing_persons.get(f"/api/v1/subjects/{sid}/missing").get_json()
    assert [e["id"] for e in mine["items"]] == [item["id"]]


def test_only_readers_read_them_and_a_home_reads_its_own(app, sessions) -> None:  # type: ignore[no-untyped-def]
    police = person(app, name="PC Sam Okafor")[:2]
    home = person(app, agency="Oakview Children's Home", name="Care worker")[:2]
    police_cid = report(app, police, reported_at=_at(-timedelta(hours=2)))
    client, device = home
    concern = make_concern(
        subject=ZARA,
        setting="care_home",
        missing={"reported_at": _at(-timedelta(hours=1)).isoformat()},
    )
    (result,) = sync(client, envelope(app, device, concern))
    home_cid = result["concern_id"]
    manager = reader(app, "Oakview Children's Home", "Home Manager")
    items = manager.get("/api/v1/episodes").get_json()["items"]
    assert [i["concern_id"] for i in items] == [home_cid]
    # Another reporter's child: not the home's to read.
    r = manager.get(f"/api/v1/subjects/{subject_of(sessions, police_cid)}/missing")
    assert (r.status_code, r.mimetype) == (404, "application/problem+json")
    lead = reader(
        app, "Riverside Safeguarding Children Partnership", "Partnership Leads", "partnership_lead"
    )
    assert {i["concern_id"] for i in lead.get("/api/v1/episodes").get_json()["items"]} == {
        police_cid,
        home_cid,
    }
    control = reader(app, "Riverside Police", "Police Control Room")
    assert len(control.get("/api/v1/episodes").get_json()["items"]) == 2
    mash = reader(app, "Riverside Children's Social Care", "MASH")
    r = mash.get("/api/v1/episodes")
    assert (r.status_code, r.mimetype) == (403, "application/problem+json")
    assert r.get_json()["code"] == "forbidden.missing_episodes"
    r = control.get(f"/api/v1/subjects/{uuid.uuid4()}/missing")
    assert (r.status_code, r.get_json()["code"]) == (404, "not_found")


def test_episodes_are_paged_and_every_read_is_audited(app, sessions) -> None:  # type: ignore[no-untyped-def]
    police = person(app, name="PC Sam Okafor")[:2]
    client, device = police
    for n in range(3):
        child = {
            "given_name": f"Child{n}",
            "family_name": "Page",
            "date_of_birth": "2011-01-0" + str(n + 1),
        }
        concern = make_concern(
            subject=child, missing={"reported_at": _at(-timedelta(hours=n + 1)).isoformat()}
        )
        sync(client, envelope(app, device, concern))
    coordinator = reader(app, "Riverside Children's Social Care", "Missing Coordinator")
    seen, nxt, pages = [], None, 0
    while True:
        url = "/api/v1/episodes?limit=2" + (f"&next={nxt}" if nxt else "")
        body = coordinator.get(url).get_json()
        seen += [i["id"] for i in body["items"]]
        pages += 1
        nxt = body["next"]
        if nxt is None:
            break
    assert (pages, len(seen), len(set(seen))) == (2, 3, 3)
    r = coordinator.get("/api/v1/episodes?next=nonsense")
    assert (r.status_code, r.get_json()["code"]) == (400, "request.bad_cursor")
    with sessions() as s:
        listed = s.scalars(
            select(AuditEvent).where(AuditEvent.action == "missing.episodes_listed")
        ).all()
        assert len(listed) == 2


def test_a_childs_episodes_are_read_over_every_record_merged_into_it(app, sessions) -> None:  # type: ignore[no-untyped-def]
    police = person(app, name="PC Sam Okafor")[:2]
    first = report(
        app, police, reported_at=_at(-timedelta(hours=30)), found_at=_at(-timedelta(hours=20))
    )
    client, device = police
    concern = make_concern(
        subject=ZARA, missing={"reported_at": _at(-timedelta(hours=2)).isoformat()}
    )
    (result,) = sync(client, envelope(app, device, concern))
    keep, gone = subject_of(sessions, first), subject_of(sessions, result["concern_id"])
    assert keep != gone
    with sessions() as s:
        db_merge(s, keep, gone, actor=None, why="test", how="confirmed", kinds={"name_dob"})
        s.commit()
    coordinator = reader(app, "Riverside Children's Social Care", "Missing Coordinator")
    items = coordinator.get(f"/api/v1/subjects/{keep}/missing").get_json()["items"]
    assert {i["concern_id"] for i in items} == {first, result["concern_id"]}
    assert {i["subject_id"] for i in items} == {str(keep)}
    # Read through the merged-away record, the child is the same.
    same = coordinator.get(f"/api/v1/subjects/{gone}/missing").get_json()["items"]
    assert {i["id"] for i in same} == {i["id"] for i in items}
    with sessions() as s:
        assert s.scalar(select(MissingEpisode.subject_id).where(MissingEpisode.is_open)) == gone


def test_a_split_takes_the_episodes_its_concerns_opened_with_them(app, sessions) -> None:  # type: ignore[no-untyped-def]
    police = person(app, name="PC Sam Okafor")[:2]
    zoe = report(
        app, police, reported_at=_at(-timedelta(hours=30)), found_at=_at(-timedelta(hours=20))
    )
    client, device = police
    zara_first = make_concern(subject=ZARA, missing={})
    (result,) = sync(client, envelope(app, device, zara_first))
    keep, gone = subject_of(sessions, zoe), subject_of(sessions, result["concern_id"])
    with sessions() as s:
        db_merge(s, keep, gone, actor=None, why="test", how="confirmed", kinds={"name_dob"})
        s.commit()
    # While merged, Zara is reported missing: her report links to the joined record.
    later = make_concern(
        subject=ZARA, missing={"reported_at": _at(-timedelta(hours=2)).isoformat()}
    )
    (result,) = sync(client, envelope(app, device, later))
    assert subject_of(sessions, result["concern_id"]) == keep
    mash = reader(app, "Riverside Children's Social Care", "MASH")
    assert mash.post(f"/api/v1/subjects/{gone}/split", headers=H).status_code == 200
    coordinator = reader(app, "Riverside Children's Social Care", "Missing Coordinator")
    zaras = coordinator.get(f"/api/v1/subjects/{gone}/missing").get_json()["items"]
    assert [(i["concern_id"], i["subject_id"]) for i in zaras] == [
        (result["concern_id"], str(gone))
    ]
    zoes = coordinator.get(f"/api/v1/subjects/{keep}/missing").get_json()["items"]
    assert [i["concern_id"] for i in zoes] == [zoe]
