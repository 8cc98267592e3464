"""Loading rules as an operator (CLI) and as the partnership's admin (API), versioned."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner
from sqlalchemy import func, select

from backend.cli import main
from backend.models import Inbox, RuleSetRecord
from backend.services.concerns.rules import default_rules_text
from tests.cli.test_commands import env as env  # noqa: F401 - fixture
from tests.cli.test_commands import run
from tests.factories import H, envelope, make_concern, person, sync


def test_rules_check_load_and_show_from_the_command_line(env, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    # The demo partnership with its default rules (version 1).
    run(env, "demo", "--json", "--no-history")
    changed = tmp_path / "rules.toml"
    changed.write_text(default_rules_text().replace('"riverside-default-1"', '"riverside-2"'))
    assert "fine" in run(env, "rules", "check", str(changed))
    assert "loaded as version 2 (riverside-2" in run(env, "rules", "load", str(changed))
    assert "unchanged: already version 2" in run(env, "rules", "load", str(changed))
    shown = run(env, "rules", "show")
    assert shown.startswith("# version 2 (riverside-2)")
    assert 'id = "exploitation-immediate"' in shown

    broken = tmp_path / "broken.toml"
    broken.write_text(changed.read_text().replace('"control_room"', '"control_rooom"', 1))
    result = CliRunner(env=env).invoke(main, ["rules", "load", str(broken)])
    assert result.exit_code != 0
    assert "unknown inbox 'control_rooom'" in result.output
    assert run(env, "rules", "show").startswith("# version 2 ")  # nothing changed


def test_partnership_admins_load_rules_over_the_api_and_others_cannot(app, sessions) -> None:  # type: ignore[no-untyped-def]
    admin, second = (
        person(
            app,
            agency="Riverside Safeguarding Children Partnership",
            roles=("agency_admin",),
            name=name,
        )[0]
        for name in ("Partnership admin", "Second partnership admin")
    )
    live = admin.get("/api/v1/admin/rules").get_json()
    assert (live["number"], live["label"]) == (1, "riverside-default-1")
    bad = admin.post(
        "/api/v1/admin/rules",
        json={
            "source": live["source"].replace('categories = ["missing"]', 'categories = ["lost"]')
        },
        headers=H,
    )
    assert (bad.status_code, bad.get_json()["code"]) == (422, "rules.invalid")
    assert any("unknown category 'lost'" in p for p in bad.get_json()["errors"]["source"])
    # Only missing children at immediate danger go to the control room now; all else falls
    # back to the MASH.
    narrow = live["source"].split("# --- sexual or criminal")[0].replace(
        "riverside-default-1", "narrow"
    ) + (
        '[[rule]]\nid = "missing-now"\nwhy = "test"\ncategories = ["missing"]\n'
        'level = ["immediate_danger"]\ndeliver = ["control_room"]\n'
    )
    asked = admin.post("/api/v1/admin/rules", json={"source": narrow}, headers=H)
    assert asked.status_code == 202  # a second partnership admin approves this exact text
    approve = f"/api/v1/admin/approvals/{asked.get_json()['id']}/approve"
    assert second.post(approve, headers=H).get_json()["status"] == "used"
    loaded = admin.get("/api/v1/admin/rules").get_json()
    assert loaded["number"] == 2
    assert loaded["sha256"] == asked.get_json()["rules"]["sha256"]
    assert admin.post("/api/v1/admin/rules", json={"source": narrow}, headers=H).status_code == 200
    with sessions() as s:
        assert s.scalar(select(func.count()).select_from(RuleSetRecord)) == 2

    recorder, device, _ = person(app, roles=("recorder",), name="PC Rules")
    (result,) = sync(recorder, envelope(app, device, make_concern()))
    (item,) = recorder.get("/api/v1/concerns/mine").get_json()["items"]
    assert [d["inbox"] for d in item["deliveries"]] == ["MASH"]
    concern_url = f"/api/v1/concerns/{result['concern_id']}?purpose=check_own_record"
    opened = recorder.get(concern_url).get_json()
    assert opened["routing"]["fallback"] is True
    assert opened["routing"]["ruleset"]["number"] == 2

    police_admin, _, _ = person(app, roles=("agency_admin",), name="Police admin")
    refused = police_admin.post("/api/v1/admin/rules", json={"source": narrow}, headers=H)
    assert (refused.status_code, refused.get_json()["code"]) == (
        403,
        "forbidden.partnership_admin",
    )


def test_a_proposal_that_no_longer_checks_is_shown_without_a_label(app, sessions) -> None:  # type: ignore[no-untyped-def]
    admin, second = (
        person(
            app,
            agency="Riverside Safeguarding Children Partnership",
            roles=("agency_admin",),
            name=n,
        )[0]
        for n in ("Partnership admin", "Second partnership admin")
    )
    live = admin.get("/api/v1/admin/rules").get_json()
    proposed = live["source"].replace("riverside-default-1", "renamed")
    assert (
        admin.post("/api/v1/admin/rules", json={"source": proposed}, headers=H).status_code == 202
    )
    with sessions() as s:  # an inbox the rules name is renamed while the proposal waits
        room = s.scalar(select(Inbox).where(Inbox.name == "Police Control Room"))
        room.name = "Control Room"
        s.commit()
    (change,) = [a["rules"] for a in second.get("/api/v1/admin/approvals").get_json()["items"]]
    # What cannot be checked has no rules to compare and no label: the diff alone is shown.
    assert "label" not in change
    assert (change["added"], change["removed"], change["changed"]) == ([], [], [])
    assert [d for d in change["diff"] if "renamed" in d] == ['+version = "renamed"']
