"""Subject access beside the concerns: each concern's challenges to decisions, reason and
note opened; the suspicions naming the child by a strong key, other children withheld;
and erasing a concern takes its challenges' words with it."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from click.testing import CliRunner

import crypto
from backend.cli import main
from backend.models import Challenge, Concern
from backend.services.records.audit import SYSTEM
from backend.services.records.retention import db_erase
from backend.services.records.sealed import db_data_key
from tests.factories import H, approved, envelope, make_concern, person, sync
from tests.services.concerns.test_inbox import C, items, worker
from tests.services.records.test_subject_access import CHILD
from tests.services.suspicions.helpers import CAR, constable, record, suspicion

OTHER = {"given_name": "Noor", "family_name": "Ashdown", "date_of_birth": "2010-01-09"}
# Rosa's name and birth year, but not her date of birth: weak keys only, not her.
NAMESAKE = {"given_name": "Rosa", "family_name": "Penn", "approx_age": 15}


def _export(
    app: Any, config: Any, database_url: str, subject_id: str, *more: str
) -> dict[str, Any]:
    env = {
        "FRONTLINE_ENV": "development",
        "FRONTLINE_INSTANCE": str(config.instance_path),
        "DATABASE_URL": database_url,
    }
    approval = approved(app, "subject_export", (subject_id,))
    out = CliRunner(env=env).invoke(
        main, ["export", "subject", subject_id, "--approval", approval, *more]
    )
    assert out.exit_code == 0, out.output
    return json.loads(out.output)  # type: ignore[no-any-return]


def _challenged(app: Any) -> tuple[str, str]:
    """A concern about Rosa, decided "no further action", challenged and upheld."""
    recorder, device, _ = person(app)
    concern = make_concern(subject=CHILD, narrative="Out late again.", associated=[])
    (result,) = sync(recorder, envelope(app, device, concern))
    cid = result["concern_id"]
    mash = worker(app, C, "MASH")
    (delivery,) = items(mash, "MASH")
    decided = mash.post(
        f"/api/v1/deliveries/{delivery['id']}/decision",
        json={"outcome": "no_further_action", "reasons": "Known.", "feedback": "No action."},
        headers=H,
    )
    assert decided.status_code == 200, decided.get_json()
    raised = recorder.post(
        f"/api/v1/deliveries/{delivery['id']}/challenge",
        json={"reason": "She was with the man in the Audi."},
        headers=H,
    )
    assert raised.status_code == 201, raised.get_json()
    supervisor = worker(app, C, "MASH", "inbox_supervisor")
    resolved = supervisor.post(
        f"/api/v1/challenges/{raised.get_json()['challenge_id']}/resolve",
        json={"outcome": "upheld", "note": "Seen by the team already."},
        headers=H,
    )
    assert resolved.status_code == 200, resolved.get_json()
    subject = mash.get(f"/api/v1/concerns/{cid}?purpose=decide").get_json()["subject_id"]
    return cid, subject


def test_export_gives_challenges_and_the_suspicions_naming_the_child(  # type: ignore[no-untyped-def]
    app, sessions, config, database_url, tmp_path
) -> None:
    cid, subject = _challenged(app)
    pc = constable(app)
    about_her = record(app, pc, suspicion(children=[CHILD, OTHER], associated=[CAR]))
    namesake = record(app, pc, suspicion(children=[NAMESAKE], associated=[]))
    unrelated = record(app, pc, suspicion())
    assert {about_her["status"], namesake["status"], unrelated["status"]} == {"accepted"}

    page = tmp_path / "export.html"
    answer = _export(app, config, database_url, subject, "--html", str(page))
    printed = page.read_text()
    assert "<h2>Suspicion " in printed
    assert "She was with the man in the Audi." in printed
    assert "Ashdown" not in printed
    (item,) = answer["concerns"]
    (challenge,) = item["challenges"]
    assert challenge["reason"] == "She was with the man in the Audi."
    assert challenge["note"] == "Seen by the team already."
    assert challenge["outcome"] == "upheld"
    assert challenge["agency_that_decided"] == C
    (found,) = answer["suspicions"]
    assert found["suspicion_id"] == about_her["record_id"]
    assert [c["given_name"] for c in found["children"]] == ["Rosa"]
    assert found["other_children_withheld"] == 1
    assert [a["registration"] for a in found["associated"]] == [CAR["registration"]]
    assert "Ashdown" not in json.dumps(answer)
    assert answer["redactions"] >= 1

    # Erasing the concern takes its challenge's words with it.
    with sessions() as s:
        key_id = s.get(Concern, uuid.UUID(cid)).data_key_id
        db_erase(s, uuid.UUID(cid), reason="reviewed", actor=SYSTEM)
        s.commit()
    with sessions() as s:
        (row,) = s.query(Challenge).all()
        assert row.crypto_reason
        assert row.crypto_note
        with pytest.raises(crypto.DataKeyUnavailable):
            db_data_key(s, app.extensions["frontline"].keyring, key_id)
    recorder_view = worker(app, C, "MASH", "inbox_supervisor").get("/api/v1/challenges")
    (listed,) = recorder_view.get_json()["items"]
    assert listed["reason"] is None
    assert listed["note"] is None
    again = _export(app, config, database_url, subject)
    (erased,) = again["concerns"]
    assert erased["erased"] is True
    assert "challenges" not in erased
    assert "She was with" not in json.dumps(again)
    # Her only concern erased, her record holds none of her keys: nothing names her now.
    assert again["suspicions"] == []
