"""Subject access: everything held about a child as JSON and printable HTML, third parties
whose identity is protected withheld, erased records as metadata only."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner
from sqlalchemy import select

from backend.cli import main
from backend.models import AuditEvent
from tests.factories import approved, envelope, make_concern, person, sync
from tests.services.concerns.test_inbox import C, worker

CHILD = {
    "given_name": "Rosa",
    "family_name": "Penn",
    "date_of_birth": "2011-05-05",
    "nhs_number": "943 476 5919",
}


def test_export_redacts_protected_third_parties(
    app, sessions, config, database_url, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    recorder, device, _ = person(app)
    first = make_concern(
        subject=CHILD,
        narrative="Aunt May told me Rosa was out until 3am. <script>alert(1)</script>",
        child_words="Don't tell aunt may I said anything.",
        associated=[
            {"kind": "carer", "name": "Aunt May"},
            {"kind": "vehicle", "registration": "AB12 CDE"},
        ],
        sharing={
            "consent": "not_sought",
            "not_sought_reason": "risk_to_child",
            "protect_identity_of": ["Aunt May"],
        },
    )
    second = make_concern(subject=CHILD, narrative="Seen at the station.", associated=[])
    results = sync(recorder, envelope(app, device, first), envelope(app, device, second))
    assert [r["status"] for r in results] == ["accepted", "accepted"]
    mash = worker(app, C, "MASH")
    subject_id = mash.get(f"/api/v1/concerns/{results[0]['concern_id']}?purpose=decide").get_json()[
        "subject_id"
    ]

    env = {
        "FRONTLINE_ENV": "development",
        "FRONTLINE_INSTANCE": str(config.instance_path),
        "DATABASE_URL": database_url,
    }
    page = tmp_path / "export.html"
    unapproved = CliRunner(env=env).invoke(main, ["export", "subject", subject_id])
    assert unapproved.exit_code == 1
    assert "needs --approval" in unapproved.output
    approval = approved(app, "subject_export", (subject_id,))
    out = CliRunner(env=env).invoke(
        main, ["export", "subject", subject_id, "--html", str(page), "--approval", approval]
    )
    assert out.exit_code == 0, out.output
    answer = json.loads(out.output)
    assert len(answer["concerns"]) == 2
    text = json.dumps(answer, ensure_ascii=False)
    assert "aunt may" not in text.lower()
    assert answer["redactions"] >= 2
    one = answer["concerns"][0]["concern"]
    assert one["narrative"].startswith("[third party: withheld] told me Rosa")
    assert [a["kind"] for a in one["associated"]] == ["vehicle"]
    assert "protect_identity_of" not in one["sharing"]
    assert answer["concerns"][0]["deliveries"]
    printed = page.read_text()
    assert "&lt;script&gt;" in printed
    assert "<script>" not in printed
    assert "Aunt May" not in printed
    with sessions() as s:
        exported = s.scalars(
            select(AuditEvent).where(AuditEvent.action == "subject.access_exported")
        ).one()
        assert subject_id in exported.records

    # An erased record is listed by its metadata alone.
    import uuid

    from backend.services.records.audit import SYSTEM
    from backend.services.records.retention import db_erase

    with sessions() as s:
        db_erase(s, uuid.UUID(results[1]["concern_id"]), reason="reviewed", actor=SYSTEM)
        s.commit()
    again = approved(app, "subject_export", (subject_id,))
    out = CliRunner(env=env).invoke(main, ["export", "subject", subject_id, "--approval", again])
    answer = json.loads(out.output)
    erased = next(c for c in answer["concerns"] if c["concern_id"] == results[1]["concern_id"])
    assert erased["erased"] is True
    assert "concern" not in erased
    assert answer["erased_records"] == 1
