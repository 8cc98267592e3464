"""The keys each child's record holds (``subject_keys``) are what a rebuild from the
concerns gives after linking, addenda, a split and an erasure; a lookup for a child with
many concerns reads one row per record, not one per concern (docs/domain/linking.md)."""

from __future__ import annotations

import importlib
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select

from backend.models import Concern, ConcernIdentifier, Subject, SubjectKey
from backend.services.linking.conflicts import db_held
from backend.services.linking.networks import _sharers
from backend.services.linking.record_keys import built_keys, stored_keys
from backend.services.linking.subjects import _sharing
from backend.services.records.audit import SYSTEM
from backend.services.records.retention import db_erase
from tests.factories import H, seal_payload
from tests.scenario import ZOE, make
from tests.services.concerns.test_inbox import C, worker
from tests.services.linking import test_links
from tests.services.linking.test_links import at, send

recorders = test_links.recorders  # the same recorders fixture

CAR = {"kind": "vehicle", "registration": "AB12 CDE"}
AVA = {
    "given_name": "Ava",
    "family_name": "Kerr",
    "date_of_birth": "2010-01-05",
    "nhs_number": "401 023 2137",
    "legal_status": "unknown",
}


def when(days_ago: int) -> datetime:
    return datetime.fromisoformat(at(days_ago))


def agree(session: Any) -> int:
    """Assert every subject's stored rows equal a rebuild; return how many rows there are."""
    rows = 0
    for subject_id in session.scalars(select(Subject.id)):
        stored = stored_keys(session, subject_id)
        assert stored == built_keys(session, subject_id), subject_id
        rows += len(stored)
    return rows


def add_addendum(app: Any, recorders: Any, who: str, concern_id: str, **more: Any) -> None:
    client, device = recorders[who]
    body = {
        "schema": "frontline.addendum/1",
        "concern_id": concern_id,
        "client_id": str(uuid.uuid4()),
        "recorded_at": at(0),
        "text": "Seen again.",
        **more,
    }
    item = {"client_id": body["client_id"], "jwe": seal_payload(app, device, body)}
    r = client.post(f"/api/v1/concerns/{concern_id}/addenda", json=item, headers=H)
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["status"] == "accepted", r.get_json()


def test_the_keys_equal_a_rebuild_after_linking_addenda_and_an_erasure(  # type: ignore[no-untyped-def]
    app, sessions, recorders
) -> None:
    # Synced in no order of event time: each key's first, last and latest concern move.
    first = send(app, recorders, "police", make(subject=ZOE, recorded_at=at(9), associated=[CAR]))
    send(app, recorders, "health", make(subject=ZOE, recorded_at=at(30), associated=[CAR]))
    alone = send(
        app,
        recorders,
        "care",
        make(
            subject=ZOE,
            recorded_at=at(3),
            associated=[CAR, {"kind": "phone", "number": "+447700900123"}],
        ),
    )
    send(app, recorders, "police", make(subject=AVA, recorded_at=at(4), associated=[CAR]))
    # An addendum names a car the concern did not (counted once for the concern, twice
    # named), and one it did (not counted again).
    van = {"kind": "vehicle", "registration": "XY70 ZZZ"}
    add_addendum(app, recorders, "police", first["concern_id"], associated=[van])
    add_addendum(app, recorders, "police", first["concern_id"], associated=[van, CAR])
    with sessions() as s:
        assert agree(s) > 0
        zoe = s.scalar(
            select(Concern.subject_id).where(Concern.id == uuid.UUID(first["concern_id"]))
        )
        assert zoe is not None
        held = {(r, k): row for (r, k, _), row in stored_keys(s, zoe).items() if k == "vehicle"}
        assert len(held) == 1  # one role and kind: the car and the van are two rows of it
        cars = [row for (r, k, _), row in stored_keys(s, zoe).items() if k == "vehicle"]
        assert sorted(n for *_, n in cars) == [1, 3]  # the van once, the car by three concerns
        assert {cid for *_, cid, _ in cars} == {
            uuid.UUID(alone["concern_id"]),
            uuid.UUID(first["concern_id"]),
        }
        phones = [k for (_, k, _) in stored_keys(s, zoe) if k == "phone"]
        assert phones == ["phone"]

        # Erased: the phone only it named is no longer held; the car's latest moves back.
        db_erase(s, uuid.UUID(alone["concern_id"]), reason="schedule reached", actor=SYSTEM)
        agree(s)
        after = stored_keys(s, zoe)
        assert not [k for (_, k, _) in after if k == "phone"]
        car = next(row for (_, k, _), row in after.items() if k == "vehicle" and row[4] == 2)
        assert car[3] == uuid.UUID(first["concern_id"])
        s.commit()


def test_the_keys_equal_a_rebuild_after_a_split(app, sessions, recorders) -> None:  # type: ignore[no-untyped-def]
    typo = dict(ZOE, family_name="OBrian", legal_status="unknown")
    typo.pop("nhs_number")
    zoe1 = send(app, recorders, "police", make(subject=ZOE, recorded_at=at(20)))
    send(app, recorders, "care", make(subject=typo, recorded_at=at(10)))
    mash = worker(app, C, "MASH")
    (match,) = mash.get("/api/v1/matches").get_json()["matches"]
    assert mash.post(f"/api/v1/matches/{match['id']}/confirm", headers=H).status_code == 200
    # Linked while merged through the misspelt record's key: to the kept record, and
    # moved back by the split.
    care2 = send(app, recorders, "care", make(subject=typo, recorded_at=at(5)))
    with sessions() as s:
        kept = s.scalar(
            select(Concern.subject_id).where(Concern.id == uuid.UUID(zoe1["concern_id"]))
        )
        moved = s.scalar(
            select(Concern.subject_id).where(Concern.id == uuid.UUID(care2["concern_id"]))
        )
        assert kept == moved
        agree(s)
    other = next(s for s in (match["subject_id"], match["candidate_id"]) if uuid.UUID(s) != kept)
    assert mash.post(f"/api/v1/subjects/{other}/split", headers=H).status_code == 200
    with sessions() as s:
        back = s.scalar(
            select(Concern.subject_id).where(Concern.id == uuid.UUID(care2["concern_id"]))
        )
        assert back == uuid.UUID(other)
        agree(s)
        # The kept record holds no key only the moved concern named.
        mine = {i for _, _, i in stored_keys(s, kept)}  # type: ignore[arg-type]
        theirs = {i for _, _, i in stored_keys(s, back)}
        assert theirs - mine


def test_a_child_with_many_concerns_is_one_row_per_key(app, sessions, recorders) -> None:  # type: ignore[no-untyped-def]
    for n in range(12):
        send(app, recorders, "police", make(subject=ZOE, recorded_at=at(n), associated=[CAR]))
    with sessions() as s:
        ((zoe,),) = s.execute(select(Concern.subject_id).distinct()).all()
        keys = {
            (k, b): key for (r, k, b), (key, *_) in stored_keys(s, zoe).items() if r == "subject"
        }
        name_dob = next(p for p in keys if p[0] == "name_dob")
        rows = s.execute(_sharing(1), {"k0": name_dob[0], "b0": name_dob[1], "n": 1}).all()
        assert rows == [(zoe, "name_dob")]  # not twelve
        held = db_held(s, [zoe])
        assert sorted(k for k, _, _ in held) == [
            "given_dob",
            "name_dob",
            "nhs_number",
            "phonetic_year",
        ]
        car = next(
            (k, b) for (r, k, b) in stored_keys(s, zoe) if r == "associated" and k == "vehicle"
        )
        sharers = s.execute(
            _sharers(1), {"k0": car[0], "b0": car[1], "lo": when(40), "hi": when(0)}
        ).all()
        assert [row[2] for row in sharers] == [zoe]
        # Twelve concerns name each key behind those rows.
        named = s.scalars(
            select(ConcernIdentifier.concern_id).where(
                ConcernIdentifier.kind == "vehicle", ConcernIdentifier.blind_index == car[1]
            )
        ).all()
        assert len(named) == 12


def test_the_migration_builds_what_a_rebuild_gives(app, sessions, recorders) -> None:  # type: ignore[no-untyped-def]
    backfill = importlib.import_module("backend.migrations.versions.0022_subject_keys")._backfill
    for n, who in enumerate(("police", "health", "care", "police")):
        send(app, recorders, who, make(subject=ZOE, recorded_at=at(10 - 3 * n), associated=[CAR]))
    send(app, recorders, "care", make(subject=AVA, recorded_at=at(2), associated=[CAR]))
    with sessions() as s:
        rows = agree(s)
        s.execute(delete(SubjectKey))
        s.execute(backfill())
        assert agree(s) == rows
        s.rollback()
