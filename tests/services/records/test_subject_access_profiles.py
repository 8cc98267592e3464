"""Subject access gives the child's profiles: every version the home kept, less its proof,
with each photo's image; the printable page shows the photo from the export itself."""

from __future__ import annotations

import base64
import json
import uuid
from datetime import timedelta

from sqlalchemy import select

from backend.models import AuditEvent
from backend.services.records.audit import SYSTEM
from backend.services.records.subject_access import export, to_html
from tests.services.missing.test_episodes import _at, report
from tests.services.profiles.helpers import (
    carer,
    make_profile,
    photo,
    png,
    police_inbox,
    send,
    upload,
)


def test_every_version_of_the_childs_profile_and_its_photo_are_exported(app, sessions) -> None:  # type: ignore[no-untyped-def]
    home = carer(app)
    image = png(seed=5)
    cid = "7c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f"
    assert upload(home[0], app, image, cid).status_code == 200
    first = make_profile(photos=[photo(cid, image)])
    later = make_profile(
        first["profile_id"], photos=first["photos"], description={"hair": "dyed red"}
    )
    for version in (first, later):
        assert send(app, home, version)["status"] == "accepted"
    room = police_inbox(app, "Police Control Room")
    concern = report(app, room, reported_at=_at(-timedelta(hours=2)))
    opened = room[0].get(f"/api/v1/concerns/{concern}?purpose=missing_episode").get_json()

    ring = app.extensions["frontline"].keyring
    with sessions() as s:
        answer = export(s, ring, subject_id=uuid.UUID(opened["subject_id"]), actor=SYSTEM)
    profiles = answer["profiles"]
    assert [(p["profile_id"], p["version"]) for p in profiles] == [
        (first["profile_id"], 1),
        (first["profile_id"], 2),
    ]
    assert profiles[1]["profile"]["description"] == {"hair": "dyed red"}
    assert profiles[0]["agency"] == "Oakview Children's Home"
    assert all("proof" not in p["profile"] and "photos" not in p["profile"] for p in profiles)
    (shown,) = profiles[1]["photos"]
    assert shown["caption"] == "Taken at the home"
    assert shown["content_type"] == "image/png"
    assert base64.b64decode(shown["image"]) == image
    page = to_html(answer)
    assert f"<img src='data:image/png;base64,{shown['image']}'" in page
    assert "Profile, version 2" in page
    with sessions() as s:
        entry = s.scalars(
            select(AuditEvent).where(AuditEvent.action == "subject.access_exported")
        ).one()
        assert json.loads(entry.detail)["profile_versions"] == 2
