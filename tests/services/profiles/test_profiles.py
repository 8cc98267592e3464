"""A child's profile through POST /api/v1/sync, and who may open it: the home always; police
Missing Persons and the Control Room while an episode about the child is open, and then
only; anyone else is told there is none. Every version is kept; every read audited with its
purpose; a profile past its review date is flagged to the home; erasure shreds it all."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from backend.cli import main
from backend.core.errors import Conflict
from backend.models import Agency, Attachment, AuditEvent, Profile, utcnow
from backend.services.profiles.attachments import db_erase_profile
from backend.services.records.audit import SYSTEM
from tests.factories import approved, person
from tests.services.missing.test_episodes import _at, report
from tests.services.profiles.helpers import (
    HOME,
    carer,
    make_profile,
    photo,
    png,
    police_inbox,
    send,
    upload,
)

READ = "purpose=missing_episode"


def _purpose_ok(client: Any, path: str) -> int:
    return int(client.get(f"{path}?{READ}").status_code)


def _profile_with_photo(app: Any, home: Any) -> tuple[dict[str, Any], str]:
    image = png(seed=7)
    cid = str(uuid.uuid4())
    r = upload(home[0], app, image, cid)
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["status"] == "accepted"
    payload = make_profile(photos=[photo(cid, image)])
    result = send(app, home, payload)
    assert result["status"] == "accepted", result
    assert result["kind"] == "profile"
    return payload, r.get_json()["attachment_id"]


def test_a_profile_is_kept_in_versions_and_the_latest_stands(app, sessions) -> None:  # type: ignore[no-untyped-def]
    home = carer(app)
    first, attachment_id = _profile_with_photo(app, home)
    pid = first["profile_id"]
    later = make_profile(
        pid,
        photos=first["photos"],
        description={"hair": "dyed red", "usual_clothing": "grey hoodie"},
    )
    assert send(app, home, later)["status"] == "accepted"
    again = send(app, home, later)  # a replay of the same sealed version
    assert again["status"] == "duplicate"
    r = home[0].get(f"/api/v1/profiles/{pid}?{READ}")
    assert r.status_code == 200, r.get_json()
    body = r.get_json()
    assert body["version"] == 2
    assert body["profile"]["description"]["hair"] == "dyed red"
    assert "proof" not in body["profile"]
    assert body["photos"] == [
        {
            "attachment_id": attachment_id,
            "attachment": first["photos"][0]["attachment"],
            "caption": "Taken at the home",
        }
    ]
    assert body["review_overdue"] is False
    assert body["subject_id"] is None
    image = home[0].get(f"/api/v1/attachments/{attachment_id}")
    assert image.status_code == 200
    assert image.data == png(seed=7)
    assert image.headers["X-Content-Type-Options"] == "nosniff"
    assert image.headers["Cache-Control"] == "no-store"
    assert image.mimetype == "image/png"
    with sessions() as s:
        versions = s.scalars(select(Profile).where(Profile.profile_id == uuid.UUID(pid))).all()
        assert [v.version for v in versions] == [1, 2] or sorted(v.version for v in versions) == [
            1,
            2,
        ]
        assert len({v.data_key_id for v in versions}) == 1  # one key: erased together
        stored = s.scalar(select(Attachment).where(Attachment.id == uuid.UUID(attachment_id)))
        assert stored is not None
        assert stored.data_key_id == versions[0].data_key_id
        assert stored.crypto_image is not None
        assert png(seed=7) not in stored.crypto_image
        actions = [
            (e.action, e.purpose)
            for e in s.scalars(select(AuditEvent).order_by(AuditEvent.seq))
            if e.action.startswith(("profile.", "attachment."))
        ]
    assert ("profile.consulted", "missing_episode") in actions
    assert ("attachment.consulted", None) in actions
    assert actions.count(("profile.collected", None)) == 2


def test_police_open_it_only_while_the_child_is_missing(app, sessions) -> None:  # type: ignore[no-untyped-def]
    home = carer(app)
    payload, attachment_id = _profile_with_photo(app, home)
    pid = payload["profile_id"]
    mp, room = police_inbox(app), police_inbox(app, "Police Control Room")
    cet = police_inbox(app, "Child Exploitation Team")
    profile_path = f"/api/v1/profiles/{pid}"
    # The phone asks for a missing child's profile only for those who may open one.
    readers = [w[0].get("/api/v1/me").get_json()["profile_reader"] for w in (mp, room, cet, home)]
    assert readers == [True, True, False, False]
    # Before: the child is not missing; the home reads it, the police do not.
    assert _purpose_ok(home[0], profile_path) == 200
    for who in (mp, room, cet):
        assert _purpose_ok(who[0], profile_path) == 404
        assert who[0].get(f"/api/v1/attachments/{attachment_id}").status_code == 404
    # During: reported missing by the police; the child's record now holds the profile.
    cid = report(app, room, reported_at=_at(-timedelta(hours=3)))
    opened = room[0].get(f"/api/v1/concerns/{cid}?purpose=missing_episode").get_json()
    subject = opened["subject_id"]
    for who in (mp, room):
        r = who[0].get(f"{profile_path}?{READ}")
        assert r.status_code == 200, r.get_json()
        assert r.get_json()["subject_id"] == subject
        by_child = who[0].get(f"/api/v1/subjects/{subject}/profile?{READ}")
        assert by_child.status_code == 200
        assert by_child.get_json()["profile_id"] == pid
        assert who[0].get(f"/api/v1/attachments/{attachment_id}").status_code == 200
        episodes = who[0].get("/api/v1/episodes?status=open").get_json()["items"]
        assert [e["profile_id"] for e in episodes] == [pid]
    assert _purpose_ok(cet[0], profile_path) == 404  # not a reader, missing or not
    assert mp[0].get(profile_path).status_code == 400  # a purpose is required
    # After: found; the episode closed, the police no longer open it.
    report(app, room, reported_at=_at(-timedelta(hours=3)), found_at=_at(-timedelta(hours=1)))
    for who in (mp, room):
        assert _purpose_ok(who[0], profile_path) == 404
        assert _purpose_ok(who[0], f"/api/v1/subjects/{subject}/profile") == 404
        assert who[0].get(f"/api/v1/attachments/{attachment_id}").status_code == 404
    assert _purpose_ok(home[0], profile_path) == 200
    # The closed episode no longer names the profile to them: to them it does not exist.
    episodes = mp[0].get("/api/v1/episodes?status=closed").get_json()["items"]
    assert [e["profile_id"] for e in episodes] == [None]


def test_only_a_childrens_home_keeps_one_and_only_its_own(app, sessions) -> None:  # type: ignore[no-untyped-def]
    home = carer(app)
    payload, _ = _profile_with_photo(app, home)
    # Anyone but a children's home: not a new profile, not a version of the home's.
    teacher = person(app, agency="Northfield Academy", name="Teacher")[:2]
    for who in (police_inbox(app), teacher):
        for attempt in (make_profile(), make_profile(payload["profile_id"])):
            result = send(app, who, attempt)
            assert result["status"] == "rejected"
            assert result["error"]["code"] == "profile.not_a_home"
    # Another home keeps its own profiles, not this one's.
    with sessions() as s:
        oakview = s.scalar(select(Agency).where(Agency.name == HOME))
        assert oakview is not None
        s.add(Agency(partnership_id=oakview.partnership_id, name="Elm House", kind=oakview.kind))
        s.commit()
    elm = person(app, agency="Elm House", name="Elm House carer")[:2]
    result = send(app, elm, make_profile(payload["profile_id"]))
    assert result["status"] == "rejected"
    assert result["error"]["code"] == "profile.not_yours"
    with sessions() as s:
        assert s.scalar(select(func.count()).select_from(Profile)) == 1
    bad = send(app, home, make_profile(review_due="soon"))
    assert bad["status"] == "rejected"
    assert bad["error"]["code"].startswith("profile.")


def test_a_profile_past_its_review_is_flagged_to_the_home(app) -> None:  # type: ignore[no-untyped-def]
    home = carer(app)
    due = (utcnow() - timedelta(days=1)).date().isoformat()
    stale = make_profile(review_due=due)
    fresh = make_profile(subject={"given_name": "Amir", "date_of_birth": "2012-05-01"})
    assert send(app, home, fresh)["status"] == "accepted"
    assert send(app, home, stale)["status"] == "accepted"
    items = home[0].get("/api/v1/profiles").get_json()["items"]
    assert [(i["name"], i["review_overdue"]) for i in items] == [
        ("Zoë O'Brien", True),
        ("Amir", False),
    ]
    assert police_inbox(app)[0].get("/api/v1/profiles").get_json()["items"] == []


def test_erasure_shreds_every_version_and_its_photos(  # type: ignore[no-untyped-def]
    app, sessions, config, database_url
) -> None:
    home = carer(app)
    payload, attachment_id = _profile_with_photo(app, home)
    pid = payload["profile_id"]
    env = {
        "FRONTLINE_ENV": "development",
        "FRONTLINE_INSTANCE": str(config.instance_path),
        "DATABASE_URL": database_url,
    }
    command = ["retention", "erase", pid, "--reason", "review", "--confirm", "--approval"]
    approval = approved(app, "retention_erase", (pid,))
    out = CliRunner(env=env).invoke(main, [*command, approval])
    assert out.exit_code == 0, out.output
    assert json.loads(out.output) == {pid: "erased"}
    assert home[0].get(f"/api/v1/profiles/{pid}?{READ}").status_code == 410
    assert home[0].get(f"/api/v1/attachments/{attachment_id}").status_code == 404
    with sessions() as s:
        row = s.get(Attachment, uuid.UUID(attachment_id))
        assert row is not None
        assert row.crypto_image is None
        assert row.data_key_id is None
        assert s.scalar(select(func.count()).select_from(Profile)) == 1  # dates stay
        erased = s.scalar(select(AuditEvent).where(AuditEvent.action == "profile.erased"))
        assert erased is not None
        assert erased.purpose == "review"
    with sessions() as s, pytest.raises(Conflict, match="erased already"):
        db_erase_profile(s, uuid.UUID(pid), reason="again", actor=SYSTEM)
    again = send(app, home, make_profile(pid))
    assert again["status"] == "rejected"
    assert again["error"]["code"] == "profile.erased"
