"""The canary sweep (16.2.5, 14.2.4, 14.2.2, 14.2.6): a concern with a unique marker in every
sensitive field goes through the whole life of a concern, a child's profile with a photo
whose very pixels hold a marker is kept and opened, and afterwards no marker is found in
the logs, the audit entries, Redis, any list response, or anywhere in the database outside the
encrypted ``crypto_*`` columns (the whole SQLite file and WAL, or a ``pg_dump``)."""

from __future__ import annotations

import subprocess
import uuid
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
import redis
from sqlalchemy import make_url, select

from backend import create_app
from backend.core.metrics import exposition, scrape_registry
from backend.models import tables_on
from backend.services.records.backlog import read_backlog
from tests.factories import H, envelope, person, seal_payload, sync
from tests.security.canaries import Canaries, printable
from tests.services.profiles.helpers import HOME, make_profile, photo, png, upload

REDIS_URL = "redis://127.0.0.1:6379/14"
P, C = "Riverside Police", "Riverside Children's Social Care"


@pytest.fixture
def redis_app(config):  # type: ignore[no-untyped-def]
    store = redis.Redis.from_url(REDIS_URL)
    try:
        store.ping()
    except redis.exceptions.ConnectionError:
        pytest.skip("Redis is not running on 127.0.0.1:6379 (.ci/run starts it)")
    store.flushdb()
    application = create_app(replace(config, redis_url=REDIS_URL))
    yield application, store
    application.extensions["frontline"].engine.dispose()
    store.flushdb()


def _database_text(url: str) -> bytes:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        path = Path(parsed.database or "")
        wal = path.with_name(path.name + "-wal")
        return path.read_bytes() + (wal.read_bytes() if wal.exists() else b"")
    plain = parsed.set(drivername="postgresql").render_as_string(hide_password=False)
    return subprocess.run(
        ["pg_dump", "--data-only", plain], check=True, capture_output=True, timeout=120
    ).stdout


def _plain_columns(sessions: Any) -> str:
    """Every column whose name does not say it is ciphertext, as text."""
    out = []
    with sessions() as session:
        for table in tables_on(session.get_bind().dialect.name):
            columns = [c for c in table.columns if not c.name.startswith("crypto_")]
            out.append(printable(session.execute(select(*columns)).all()))
    return "\n".join(out)


def _redis_text(store: redis.Redis) -> bytes:
    out = []
    for key in store.scan_iter():
        out.append(key)
        dumped = store.dump(key)
        out.append(dumped if isinstance(dumped, bytes) else b"")
    return b"\n".join(out)


def _backlog(sessions: Any) -> Any:
    with sessions() as session:
        return read_backlog(session)


def _life_of_a_concern(app: Any, canaries: Canaries) -> list[tuple[str, Any]]:
    """Record, reject, route, open, acknowledge, decide, add to, look back, review."""
    v = canaries.values
    responses: list[tuple[str, Any]] = []
    recorder, device, _ = person(app, agency=P, roles=("recorder",), name=v["staff_name"])
    concern = canaries.concern()
    (accepted,) = sync(recorder, envelope(app, device, concern))
    assert accepted["status"] == "accepted", accepted
    cid = accepted["concern_id"]
    # Refusals must not echo what they refuse into logs, receipts or problem details.
    bad = canaries.concern()
    bad["setting"] = v["narrative"]
    bad["surplus"] = v["child_words"]
    (rejected,) = sync(recorder, envelope(app, device, bad))
    assert rejected["status"] == "rejected"
    responses.append(("sync rejection", rejected))
    unparsable = {"client_id": str(uuid.uuid4()), "jwe": v["narrative"]}
    responses.append(("sync malformed", sync(recorder, unparsable)))
    responses.append(("mine", recorder.get("/api/v1/concerns/mine").get_json()))

    mash, mash_device, _ = person(
        app, agency=C, roles=("inbox_member",), inboxes=("MASH",), name="MASH worker"
    )
    (inbox,) = mash.get("/api/v1/inboxes").get_json()["inboxes"]
    listing = mash.get(f"/api/v1/inboxes/{inbox['id']}/deliveries").get_json()
    responses.append(("inbox list", listing))
    delivery = next(i for i in listing["items"] if i["concern_id"] == cid)
    opened = mash.get(f"/api/v1/concerns/{cid}?purpose=assess_new_concern")
    assert opened.get_json()["concern"]["narrative"] == v["narrative"]  # readable when allowed
    subject = opened.get_json()["subject_id"]
    acknowledged = mash.post(f"/api/v1/deliveries/{delivery['id']}/acknowledge", headers=H)
    assert acknowledged.status_code == 200
    decided = mash.post(
        f"/api/v1/deliveries/{delivery['id']}/decision",
        json={
            "outcome": "strategy_discussion",
            "reasons": v["reasons"],
            "feedback": v["feedback"],
        },
        headers=H,
    )
    assert decided.status_code == 200, decided.get_json()
    responses.append(("decision", decided.get_json()))
    addendum = {
        "schema": "frontline.addendum/1",
        "concern_id": cid,
        "client_id": str(uuid.uuid4()),
        "recorded_at": concern["recorded_at"],
        "text": v["addendum"],
    }
    item = {"client_id": addendum["client_id"], "jwe": seal_payload(app, mash_device, addendum)}
    added = mash.post(f"/api/v1/concerns/{cid}/addenda", json=item, headers=H)
    assert added.status_code == 200, added.get_json()
    too_long = mash.post(
        f"/api/v1/deliveries/{delivery['id']}/decision",
        json={
            "outcome": v["narrative"],
            "reasons": v["reasons"] * 400,
            "feedback": v["feedback"] * 100,
        },
        headers=H,
    )
    assert too_long.status_code in (409, 422)
    responses.append(("decision refused", too_long.get_json()))
    responses.append(("alerts", mash.get("/api/v1/alerts").get_json()))
    chronology = mash.get(f"/api/v1/subjects/{subject}/chronology?purpose=strategy_discussion")
    assert chronology.status_code == 200

    auditor, _, _ = person(
        app,
        agency="Riverside Safeguarding Children Partnership",
        roles=("auditor",),
        name="Auditor",
    )
    review = auditor.get(f"/api/v1/audit/subjects/{subject}")
    assert review.status_code == 200, review.get_json()
    responses.append(("access review", review.get_json()))
    csv = auditor.get(f"/api/v1/audit/subjects/{subject}?format=csv")
    responses.append(("access review csv", csv.get_data(as_text=True)))
    lead, _, _ = person(
        app,
        agency="Riverside Safeguarding Children Partnership",
        roles=("partnership_lead",),
        inboxes=("Partnership Leads",),
        name="Lead",
    )
    responses.append(("dashboard", lead.get("/api/v1/dashboard").get_json()))
    responses += _life_of_a_profile(app, canaries)
    token = recorder.get_cookie("frontline_session")
    assert token is not None
    canaries.values["session_token"] = token.value
    return responses


def _life_of_a_profile(app: Any, canaries: Canaries) -> list[tuple[str, Any]]:
    """A home keeps a profile with a photo whose pixels hold a marker; the home opens both."""
    v = canaries.values
    home, device, _ = person(
        app, agency=HOME, roles=("recorder", "inbox_member"), inboxes=("Home Manager",)
    )
    image = png(width=40, height=1, pixels=v["photo"].encode())
    assert v["photo"].encode() in image  # the marker is in the bytes sent, in clear
    cid = str(uuid.uuid4())
    uploaded = upload(home, app, image, cid)
    assert uploaded.status_code == 200, uploaded.get_json()
    profile = make_profile(
        subject=canaries.concern()["subject"],
        description={"usual_clothing": v["location"]},
        photos=[photo(cid, image)],
    )
    (result,) = sync(home, envelope(app, device, profile))
    assert result["status"] == "accepted", result
    refused = upload(home, app, png(text=v["photo"].encode()))
    assert refused.status_code == 422
    shown = home.get(f"/api/v1/profiles/{profile['profile_id']}?purpose=check_own_record")
    served = home.get(f"/api/v1/attachments/{shown.get_json()['photos'][0]['attachment_id']}")
    assert served.data == image  # readable when allowed
    return [
        ("attachment upload", uploaded.get_json()),
        ("profile sync", result),
        ("attachment refused", refused.get_json()),
    ]


@pytest.mark.xdist_group("redis")  # one Redis database: its tests take turns
def test_16_2_5_14_2_4_14_2_2_14_2_6_no_canary_outside_ciphertext(  # type: ignore[no-untyped-def]
    redis_app, database_url, capfd, caplog
) -> None:
    app, store = redis_app
    canaries = Canaries()
    responses = _life_of_a_concern(app, canaries)
    # Redis first: the limiter's keys expire a minute after the last limited call, and the
    # database dump below can take that long on a loaded machine.
    assert list(store.scan_iter()), "the rate limiter wrote nothing to Redis"
    in_redis = _redis_text(store)
    sessions = app.extensions["frontline"].sessions
    responses.append(("readiness", app.test_client().get("/readyz").get_data(as_text=True)))
    metrics = exposition(scrape_registry(lambda: _backlog(sessions))).decode()
    responses.append(("metrics", metrics))
    app.extensions["frontline"].engine.dispose()  # SQLite: checkpoint nothing away, close

    out, err = capfd.readouterr()
    assert "request" in err  # the access log was written and captured
    found = canaries.hits("logs", out + err + caplog.text)
    found += canaries.hits("plain database columns", _plain_columns(sessions))
    found += canaries.hits("database file or dump", _database_text(database_url))
    found += canaries.hits("redis", in_redis)
    for name, body in responses:
        hits = canaries.hits(f"{name} response", repr(body))
        if name.startswith("access review"):
            # An access review names the staff who looked, decrypted for the auditor: its job.
            hits = [h for h in hits if not h.startswith("staff_name ")]
        found += hits
    assert found == [], found
