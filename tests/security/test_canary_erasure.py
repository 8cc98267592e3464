"""The canary sweep after erasure (14.2.4, 14.2.6, 16.2.5): a concern with a marker in every
sensitive field, a challenge to its decision and a suspicion naming the same child, each
with markers of their own, are erased; afterwards no marker is anywhere in the database
outside the ``crypto_*`` columns (the whole SQLite file and WAL, or a ``pg_dump``), in the
audit entries of the erasures, in the logs, or in any answer about them; and no key opens
what is left."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from click.testing import CliRunner

import crypto
from backend.cli import main
from backend.models import Challenge, Concern, Suspicion
from backend.services.records.sealed import db_data_key
from tests.factories import H, approved, envelope, person, sync
from tests.security.canaries import Canaries
from tests.security.test_canary_sweep import C, P, _database_text, _plain_columns
from tests.services.concerns.test_inbox import items, worker
from tests.services.suspicions.helpers import owner, suspicion


def _life(app: Any, canaries: Canaries) -> tuple[str, str, str]:
    v = canaries.values
    recorder, device, _ = person(app, agency=P, roles=("recorder",), name=v["staff_name"])
    concern = canaries.concern()
    (accepted,) = sync(recorder, envelope(app, device, concern))
    assert accepted["status"] == "accepted", accepted
    mash = worker(app, C, "MASH")
    delivery = next(d for d in items(mash, "MASH") if d["concern_id"] == accepted["concern_id"])
    decided = mash.post(
        f"/api/v1/deliveries/{delivery['id']}/decision",
        json={"outcome": "no_further_action", "reasons": v["reasons"], "feedback": v["feedback"]},
        headers=H,
    )
    assert decided.status_code == 200, decided.get_json()
    raised = recorder.post(
        f"/api/v1/deliveries/{delivery['id']}/challenge",
        json={"reason": f"CANARY-CHALLENGE-{canaries.tag}"},
        headers=H,
    )
    assert raised.status_code == 201, raised.get_json()
    challenge = raised.get_json()["challenge_id"]
    resolved = worker(app, C, "MASH", "inbox_supervisor").post(
        f"/api/v1/challenges/{challenge}/resolve",
        json={"outcome": "upheld", "note": f"CANARY-RESOLVED-{canaries.tag}"},
        headers=H,
    )
    assert resolved.status_code == 200, resolved.get_json()
    child = {k: concern["subject"][k] for k in ("given_name", "family_name", "date_of_birth")}
    adult = {"kind": "adult_of_concern", "name": v["adult_name"]}
    said = suspicion(
        narrative=f"CANARY-SUSPECTED-{canaries.tag}", children=[child], associated=[adult]
    )
    (recorded,) = sync(recorder, envelope(app, device, said))
    assert recorded["status"] == "accepted", recorded
    answered = owner(app).post(
        f"/api/v1/suspicions/{recorded['record_id']}/answer",
        json={"answer": f"CANARY-ANSWERED-{canaries.tag}", "outcome": "no_action"},
        headers=H,
    )
    assert answered.status_code == 200, answered.get_json()
    return accepted["concern_id"], challenge, recorded["record_id"]


def test_no_canary_survives_erasure(app, sessions, config, database_url, capfd, caplog) -> None:  # type: ignore[no-untyped-def]
    canaries = Canaries()
    for extra in ("CHALLENGE", "RESOLVED", "SUSPECTED", "ANSWERED"):
        canaries.values[extra.lower()] = f"CANARY-{extra}-{canaries.tag}"
    cid, challenge, sid = _life(app, canaries)
    with sessions() as s:
        keys = [s.get(Concern, uuid.UUID(cid)).data_key_id, s.get(Suspicion, uuid.UUID(sid))]
        keys[1] = keys[1].data_key_id
    env = {
        "FRONTLINE_ENV": "development",
        "FRONTLINE_INSTANCE": str(config.instance_path),
        "DATABASE_URL": database_url,
    }
    approval = approved(app, "retention_erase", (cid, sid))
    erased = CliRunner(env=env).invoke(
        main,
        [
            "retention",
            "erase",
            cid,
            sid,
            "--reason",
            "Reviewed",
            "--confirm",
            "--approval",
            approval,
        ],
    )
    assert erased.exit_code == 0, erased.output
    assert json.loads(erased.output) == {cid: "erased", sid: "erased"}

    responses: list[tuple[str, Any]] = []
    cet = owner(app)
    gone = cet.get(f"/api/v1/suspicions/{sid}?purpose=assess_new_concern")
    assert gone.status_code == 410
    responses += [
        ("suspicion", gone.get_json()),
        ("suspicions", cet.get("/api/v1/suspicions").get_json()),
    ]
    supervisor = worker(app, C, "MASH", "inbox_supervisor")
    listed = supervisor.get("/api/v1/challenges").get_json()
    (item,) = [i for i in listed["items"] if i["id"] == challenge]
    assert item["reason"] is None
    responses.append(("challenges", listed))
    responses.append(("erase", erased.output))
    with sessions() as s:
        ring = app.extensions["frontline"].keyring
        for key_id in keys:
            with pytest.raises(crypto.DataKeyUnavailable):
                db_data_key(s, ring, key_id)
        row = s.get(Challenge, uuid.UUID(challenge))
        assert row.crypto_reason
        assert row.crypto_note  # ciphertext that no key opens
    app.extensions["frontline"].engine.dispose()

    out, err = capfd.readouterr()
    found = canaries.hits("logs", out + err + caplog.text)
    found += canaries.hits("plain database columns", _plain_columns(sessions))
    found += canaries.hits("database file or dump", _database_text(database_url))
    for name, body in responses:
        found += canaries.hits(f"{name} response", repr(body))
    assert found == [], found
