"""Access review: an auditor asks who looked at a child's records, when and why, and what a
person looked at; the answer comes from the audit log, exports as JSON and CSV, and the
question is itself audited."""

from __future__ import annotations

import csv
import io
import json
import uuid
from pathlib import Path

from click.testing import CliRunner

from backend.cli import main
from tests.factories import envelope, make_concern, person, sync

MASH = ("Riverside Children's Social Care", "MASH")
NAME = '=HYPERLINK("http://evil") Mash'  # a name is free text: a formula must stay text in a CSV


def _scene(app):  # type: ignore[no-untyped-def]
    recorder, device, _ = person(app, name="PC Rec")
    (result,) = sync(recorder, envelope(app, device, make_concern()))
    concern_id = result["concern_id"]
    member, _, me = person(
        app, agency=MASH[0], roles=("inbox_member",), inboxes=(MASH[1],), name=NAME
    )
    purpose = "decide"
    read = member.get(f"/api/v1/concerns/{concern_id}?purpose={purpose}")
    assert read.status_code == 200, read.get_json()
    auditor, _, _ = person(
        app, agency="Riverside Safeguarding Children Partnership", roles=("auditor",), name="Aud"
    )
    return auditor, member, me, concern_id, read.get_json()["subject_id"], purpose


def test_who_looked_at_a_childs_records(app) -> None:  # type: ignore[no-untyped-def]
    auditor, member, me, concern_id, subject_id, purpose = _scene(app)
    r = auditor.get(f"/api/v1/audit/subjects/{subject_id}")
    assert r.status_code == 200, r.get_json()
    accesses = r.get_json()["accesses"]
    by_action = {a["action"]: a for a in accesses}
    assert {"concern.collected", "concern.disclosed", "concern.consulted"} <= set(by_action)
    read = by_action["concern.consulted"]
    assert (read["person"], read["agency"]) == (NAME, MASH[0])
    # Why: the code, and in words.
    assert read["purpose_code"] == purpose
    assert read["purpose"] == "Deciding what to do with a referral"
    assert read["person_id"] == me["user"]["id"]
    assert read["passkey_id"]
    assert {"kind": "concern", "id": concern_id} in read["records"]
    assert [a["seq"] for a in accesses] == sorted(a["seq"] for a in accesses)
    # When: the server's time, and for a collection the recorder's phone's time too.
    assert by_action["concern.collected"]["detail"]["device_at"]
    # To whom: a disclosure names its recipients.
    assert "MASH" in " ".join(by_action["concern.disclosed"]["detail"]["recipients"])

    # The same answer as CSV for the regulator; a formula-like name stays text.
    r = auditor.get(f"/api/v1/audit/subjects/{subject_id}?format=csv")
    assert r.mimetype == "text/csv"
    assert "attachment" in r.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(r.get_data(as_text=True))))
    assert len(rows) == len(accesses) + 1  # the first question is now on the record too
    consulted = next(row for row in rows if row["action"] == "concern.consulted")
    assert consulted["person"] == "'" + NAME
    assert (consulted["purpose_code"], consulted["purpose"]) == (purpose, read["purpose"])
    assert f"concern:{concern_id}" in consulted["records"]

    # Asking is itself on the record.
    mine = auditor.get(f"/api/v1/audit/people/{member.get('/api/v1/me').get_json()['user']['id']}")
    assert mine.status_code == 200
    assert "concern.consulted" in [a["action"] for a in mine.get_json()["accesses"]]
    again = auditor.get(f"/api/v1/audit/subjects/{subject_id}").get_json()["accesses"]
    assert "audit.reviewed" in [a["action"] for a in again]


def test_only_auditors_ask_and_only_about_what_exists(app) -> None:  # type: ignore[no-untyped-def]
    auditor, member, _, _, subject_id, _ = _scene(app)
    r = member.get(f"/api/v1/audit/subjects/{subject_id}")
    assert (r.status_code, r.get_json()["code"]) == (403, "forbidden.role")
    r = auditor.get(f"/api/v1/audit/subjects/{uuid.uuid4()}")
    assert (r.status_code, r.get_json()["code"]) == (404, "not_found")
    r = auditor.get(f"/api/v1/audit/people/{uuid.uuid4()}")
    assert r.status_code == 404
    r = auditor.get(f"/api/v1/audit/subjects/{subject_id}?format=xml")
    assert (r.status_code, r.get_json()["code"]) == (400, "request.bad_query")


def test_audit_query_command(app, config, tmp_path: Path, database_url: str) -> None:  # type: ignore[no-untyped-def]
    _, _, me, concern_id, subject_id, _ = _scene(app)
    env = {
        "FRONTLINE_ENV": "development",
        "FRONTLINE_INSTANCE": str(config.instance_path),
        "DATABASE_URL": database_url,
    }
    out = CliRunner(env=env).invoke(main, ["audit", "query", "--subject", subject_id])
    assert out.exit_code == 0, out.output
    actions = [a["action"] for a in json.loads(out.output)["accesses"]]
    assert "concern.consulted" in actions
    out = CliRunner(env=env).invoke(
        main, ["audit", "query", "--person", me["user"]["id"], "--format", "csv"]
    )
    assert out.output.splitlines()[0].startswith("seq,at,action,kind,person_id")
    bad = CliRunner(env=env).invoke(main, ["audit", "query"])
    assert bad.exit_code == 2
