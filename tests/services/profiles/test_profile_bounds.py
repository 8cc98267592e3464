"""A profile and its photos stay where they belong: a photo is its own profile's, and no
other record naming it (its id and hash read while that was allowed) opens a way to it
that outlives the permission; a profile is its own partnership's, so another partnership's
missing episode about the same child opens nothing and gives no record of theirs away; a
read keeps no note it cannot seal; and an access review of the child names who saw its
photo and a suspicion naming it."""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy import select

from backend.models import Agency, Partnership
from backend.services.concerns.rules import db_load
from tests.factories import envelope, make_concern, person, sync
from tests.services.identity.test_partnership_scope import NORTH, NORTH_RULES, _northshire
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
from tests.services.suspicions.helpers import owner, record, suspicion

READ = "purpose=missing_episode"


def test_a_photo_is_its_own_profiles_and_opens_to_no_one_after_the_episode(  # type: ignore[no-untyped-def]
    app, sessions
) -> None:
    home = carer(app)
    image = png(seed=11)
    cid = str(uuid.uuid4())
    profile = make_profile(photos=[photo(cid, image)])  # the photo still in the home's outbox
    assert send(app, home, profile)["status"] == "accepted"
    officer, room = police_inbox(app), police_inbox(app, "Police Control Room")
    report(app, room, reported_at=_at(-timedelta(hours=3)))
    read = officer[0].get(f"/api/v1/profiles/{profile['profile_id']}?{READ}").get_json()
    (named,) = read["profile"]["photos"]
    theirs = {k: named[k] for k in ("attachment", "sha256", "taken_at")}
    other_child = {"given_name": "Ola", "date_of_birth": "2013-02-01", "legal_status": "none_known"}
    # The officer names it in a profile of his own: no profile is his to keep.
    result = send(app, officer, make_profile(subject=other_child, photos=[theirs]))
    assert result["error"]["code"] == "profile.not_a_home"
    # Another home names it, before the photo arrives and after: refused both times.
    with sessions() as s:
        oakview = s.scalar(select(Agency).where(Agency.name == HOME))
        assert oakview is not None
        s.add(Agency(partnership_id=oakview.partnership_id, name="Elm House", kind=oakview.kind))
        s.commit()
    elm = person(app, agency="Elm House", name="Elm House carer")[:2]
    result = send(app, elm, make_profile(subject=other_child, photos=[theirs]))
    assert result["error"]["code"] == "profile.photo_not_yours"
    uploaded = upload(home[0], app, image, cid)
    assert uploaded.get_json()["status"] == "accepted", uploaded.get_json()
    attachment = f"/api/v1/attachments/{uploaded.get_json()['attachment_id']}"
    result = send(app, elm, make_profile(subject=other_child, photos=[theirs]))
    assert result["error"]["code"] == "profile.photo_not_yours"
    assert elm[0].get(attachment).status_code == 404
    # While the child is missing the police open it; once found, nobody but the home.
    assert officer[0].get(attachment).status_code == 200
    report(app, room, reported_at=_at(-timedelta(hours=3)), found_at=_at(-timedelta(hours=1)))
    cet = police_inbox(app, "Child Exploitation Team")
    assert [w[0].get(attachment).status_code for w in (officer, room, cet, elm)] == [404] * 4
    assert home[0].get(attachment).status_code == 200


def test_another_partnerships_episode_opens_nothing_and_names_no_record_of_theirs(  # type: ignore[no-untyped-def]
    app, sessions
) -> None:
    _northshire(sessions)
    with sessions() as s:
        north = s.scalar(select(Partnership).where(Partnership.name == NORTH))
        assert north is not None
        db_load(s, north, NORTH_RULES)
        s.commit()
    home = carer(app)
    profile = make_profile()
    assert send(app, home, profile)["status"] == "accepted"
    path = f"/api/v1/profiles/{profile['profile_id']}?{READ}"
    riverside = police_inbox(app)
    assert riverside[0].get(path).status_code == 404
    # The same child is reported missing in Northshire.
    client, device, _ = person(app, agency="Northshire Police", name="PC North")
    facts = {
        "missing_from": "A foster home in Northshire",
        "police_risk": "high",
        "reported_at": _at(-timedelta(hours=2)).isoformat(),
    }
    (north_report,) = sync(client, envelope(app, device, make_concern(missing=facts)))
    assert north_report["status"] == "accepted", north_report
    assert riverside[0].get(path).status_code == 404
    # The home reads its own profile: no child's record of another partnership named.
    assert home[0].get(path).get_json()["subject_id"] is None


def test_a_profile_or_suspicion_read_keeps_no_note_so_refuses_one(app, sessions) -> None:  # type: ignore[no-untyped-def]
    home = carer(app)
    profile = make_profile()
    assert send(app, home, profile)["status"] == "accepted"
    path = f"/api/v1/profiles/{profile['profile_id']}"
    for query in ("purpose=other&purpose_note=Checking", "purpose=check_own_record&purpose_note=x"):
        r = home[0].get(f"{path}?{query}")
        assert (r.status_code, r.get_json()["code"]) == (400, "concern.purpose_note_not_kept")
    assert home[0].get(f"{path}?purpose=check_own_record").status_code == 200


def test_an_access_review_of_the_child_lists_who_saw_the_photo_and_the_suspicion(  # type: ignore[no-untyped-def]
    app, sessions
) -> None:
    home = carer(app)
    image = png(seed=5)
    cid = str(uuid.uuid4())
    assert upload(home[0], app, image, cid).get_json()["status"] == "accepted"
    profile = make_profile(photos=[photo(cid, image)])
    assert send(app, home, profile)["status"] == "accepted"
    officer, room = police_inbox(app), police_inbox(app, "Police Control Room")
    concern_id = report(app, room, reported_at=_at(-timedelta(hours=3)))
    read = officer[0].get(f"/api/v1/profiles/{profile['profile_id']}?{READ}").get_json()
    subject_id = read["subject_id"]
    (shown,) = read["photos"]
    assert officer[0].get(f"/api/v1/attachments/{shown['attachment_id']}").status_code == 200
    # A suspicion naming the child, opened by its owner.
    child = make_concern()["subject"]
    sid = record(app, room, suspicion(children=[child]))["record_id"]
    cet = owner(app)
    assert cet.get(f"/api/v1/suspicions/{sid}?purpose=assess_new_concern").status_code == 200
    auditor = person(
        app, agency="Riverside Safeguarding Children Partnership", roles=("auditor",), name="Aud"
    )[0]
    accesses = auditor.get(f"/api/v1/audit/subjects/{subject_id}").get_json()["accesses"]
    seen = {a["action"]: a for a in accesses}
    assert {"attachment.consulted", "suspicion.consulted", "profile.consulted"} <= set(seen)
    assert {"kind": "suspicion", "id": sid} in seen["suspicion.consulted"]["records"]
    assert {"kind": "concern", "id": concern_id} in seen["concern.collected"]["records"]
