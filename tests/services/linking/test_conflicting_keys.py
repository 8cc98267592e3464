"""Strong keys that point at different children never merge them: the conflicting-keys
attack, a mistyped NHS number, and automatic merges the MASH must confirm before a subject
access export (docs/domain/linking.md)."""

from __future__ import annotations

import json
import uuid
from typing import Any

from click.testing import CliRunner
from sqlalchemy import select

from backend.cli import main
from backend.models import Delivery
from backend.services.records.audit import SYSTEM
from backend.services.records.subject_access import export
from tests.factories import H, approved
from tests.scenario import AMIRA, CHLOE, ZOE, approx_age, make
from tests.services.concerns.test_inbox import C, P, worker
from tests.services.linking import test_links
from tests.services.linking.test_links import at, send

recorders = test_links.recorders  # the same recorders fixture

ABUSE = dict(
    categories=["sexual_abuse_in_family"],
    level="significant_harm",
    setting="health",
    missing=None,
    associated=[],
    indicators=[],
    narrative="Amira disclosed abuse at home by a family member.",
)


def subject_of(mash: Any, concern_id: str) -> str:
    r = mash.get(f"/api/v1/concerns/{concern_id}?purpose=decide")
    assert r.status_code == 200, r.get_json()
    return r.get_json()["subject_id"]  # type: ignore[no-any-return]


def chronology_of(mash: Any, subject_id: str) -> list[dict[str, Any]]:
    r = mash.get(f"/api/v1/subjects/{subject_id}/chronology?purpose=assessment")
    assert r.status_code == 200, r.get_json()
    return r.get_json()["items"]  # type: ignore[no-any-return]


def concerns_in(items: list[dict[str, Any]]) -> set[str]:
    return {i["concern_id"] for i in items if i["type"] == "concern"}


def exported(sessions: Any, keyring: Any, subject_id: str) -> dict[str, Any]:
    with sessions() as s:
        return export(s, keyring, subject_id=uuid.UUID(subject_id), actor=SYSTEM)


def matches_of(mash: Any) -> list[dict[str, Any]]:
    r = mash.get("/api/v1/matches")
    assert r.status_code == 200, r.get_json()
    return r.get_json()["matches"]  # type: ignore[no-any-return]


def test_a_childs_nhs_number_with_anothers_name_and_birth_date_merges_nothing(  # type: ignore[no-untyped-def]
    app, sessions, keyring, recorders
) -> None:
    zoe = send(app, recorders, "police", make(subject=ZOE, recorded_at=at(9), associated=[]))
    amira = send(app, recorders, "health", make(subject=AMIRA, recorded_at=at(8), **ABUSE))
    # The attack: Zoë's NHS number with Amira's name and date of birth, from any recorder.
    forged = dict(AMIRA, nhs_number=ZOE["nhs_number"])
    attack = send(
        app, recorders, "care", make(subject=forged, recorded_at=at(1), setting="care_home")
    )
    mash = worker(app, C, "MASH")
    a, b = subject_of(mash, zoe["concern_id"]), subject_of(mash, amira["concern_id"])
    assert a != b
    # Linked to the child its name and date of birth name, never through the NHS number.
    assert subject_of(mash, attack["concern_id"]) == b
    assert concerns_in(chronology_of(mash, a)) == {zoe["concern_id"]}
    assert [c["concern_id"] for c in exported(sessions, keyring, a)["concerns"]] == [
        zoe["concern_id"]
    ]
    (match,) = matches_of(mash)
    assert {match["subject_id"], match["candidate_id"]} == {a, b}
    conflict = match["conflict"]
    assert conflict["concern_id"] == attack["concern_id"]
    assert conflict["matched"] == {a: ["nhs_number"], b: ["name_dob"]}
    # Their family names differ too (compared by sound with the year of birth).
    assert conflict["differs"] == ["name_dob", "phonetic_year"]
    assert "point at different children" in conflict["words"]
    assert "NHS number" in conflict["words"]


def test_a_mistyped_nhs_number_does_not_pull_a_new_child_into_anothers_record(  # type: ignore[no-untyped-def]
    app, sessions, keyring, recorders
) -> None:
    zoe = send(app, recorders, "police", make(subject=ZOE, recorded_at=at(9), associated=[]))
    # A new child, Chloe, whose concern carries Zoë's NHS number by a keying error.
    typed = dict(CHLOE, nhs_number=ZOE["nhs_number"])
    chloe = send(app, recorders, "health", make(subject=typed, recorded_at=at(2), **ABUSE))
    mash = worker(app, C, "MASH")
    a, c = subject_of(mash, zoe["concern_id"]), subject_of(mash, chloe["concern_id"])
    assert a != c
    assert concerns_in(chronology_of(mash, a)) == {zoe["concern_id"]}
    assert chloe["concern_id"] not in json.dumps(exported(sessions, keyring, a))
    (match,) = matches_of(mash)
    assert {match["subject_id"], match["candidate_id"]} == {a, c}
    assert match["conflict"]["words"].startswith(
        "NHS number and name with date of birth point at different children"
    )
    assert match["conflict"]["matched"][a] == ["nhs_number"]
    # Zoë's next concern still links to Zoë, and flags nothing new.
    again = send(app, recorders, "police", make(subject=ZOE, recorded_at=at(1), associated=[]))
    assert subject_of(mash, again["concern_id"]) == a
    assert len(matches_of(mash)) == 1


def test_a_record_known_only_by_nhs_number_and_age_still_refuses_another_family(  # type: ignore[no-untyped-def]
    app, sessions, keyring, recorders
) -> None:
    # Zoë known by her NHS number and an age only: no name with date of birth to disagree.
    nhs_only = {k: v for k, v in ZOE.items() if k != "date_of_birth"} | {
        "approx_age": approx_age(int(ZOE["date_of_birth"][:4]), at(9))
    }
    zoe = send(app, recorders, "police", make(subject=nhs_only, recorded_at=at(9)))
    typed = dict(CHLOE, nhs_number=ZOE["nhs_number"])
    chloe = send(app, recorders, "health", make(subject=typed, recorded_at=at(2), **ABUSE))
    mash = worker(app, C, "MASH")
    a, c = subject_of(mash, zoe["concern_id"]), subject_of(mash, chloe["concern_id"])
    assert a != c
    assert chloe["concern_id"] not in json.dumps(exported(sessions, keyring, a))
    (match,) = matches_of(mash)
    assert {match["subject_id"], match["candidate_id"]} == {a, c}
    assert match["conflict"]["matched"][a] == ["nhs_number"]
    assert match["conflict"]["differs"] == ["phonetic_year"]
    assert "family name with year of birth" in match["conflict"]["words"]


def test_a_family_name_spelt_differently_still_links_by_nhs_number(  # type: ignore[no-untyped-def]
    app, recorders
) -> None:
    zoe = send(app, recorders, "police", make(subject=ZOE, recorded_at=at(9), associated=[]))
    misspelt = dict(ZOE, family_name="O'Brian")
    again = send(app, recorders, "health", make(subject=misspelt, recorded_at=at(2), **ABUSE))
    mash = worker(app, C, "MASH")
    assert subject_of(mash, again["concern_id"]) == subject_of(mash, zoe["concern_id"])
    assert matches_of(mash) == []


def test_given_name_birth_date_and_home_link_a_misspelt_family_name_without_nhs_number(  # type: ignore[no-untyped-def]
    app, recorders
) -> None:
    home = {k: v for k, v in ZOE.items() if k != "nhs_number"} | {"address_postcode": "OX4 1AA"}
    zoe = send(app, recorders, "police", make(subject=home, recorded_at=at(9), associated=[]))
    misspelt = dict(home, family_name="Obrain")
    again = send(app, recorders, "care", make(subject=misspelt, recorded_at=at(5), **ABUSE))
    # Spelt another way again, and living elsewhere: not sure enough to link, only to ask.
    moved = dict(home, family_name="OBryan", address_postcode="OX1 2JD")
    elsewhere = send(app, recorders, "health", make(subject=moved, recorded_at=at(2), **ABUSE))
    mash = worker(app, C, "MASH")
    first = subject_of(mash, zoe["concern_id"])
    assert subject_of(mash, again["concern_id"]) == first
    assert subject_of(mash, elsewhere["concern_id"]) != first
    (match,) = matches_of(mash)
    assert match["conflict"] is None
    assert first in {match["subject_id"], match["candidate_id"]}


def test_a_twins_nhs_number_with_the_other_twins_name_is_flagged(  # type: ignore[no-untyped-def]
    app, recorders
) -> None:
    # Twins share a family name and a date of birth; their given names tell them apart.
    zoe = send(app, recorders, "police", make(subject=ZOE, recorded_at=at(9), associated=[]))
    twin = dict(ZOE, given_name="Ava", nhs_number=ZOE["nhs_number"])
    ava = send(app, recorders, "health", make(subject=twin, recorded_at=at(2), **ABUSE))
    mash = worker(app, C, "MASH")
    a, b = subject_of(mash, zoe["concern_id"]), subject_of(mash, ava["concern_id"])
    assert a != b
    (match,) = matches_of(mash)
    assert match["conflict"]["differs"] == ["name_dob"]


def test_an_automatic_merge_shows_and_blocks_export_until_the_mash_confirms(  # type: ignore[no-untyped-def]
    app, sessions, config, database_url, recorders
) -> None:
    # First an NHS number and an age; then a name and date of birth without the NHS
    # number; then both: nothing disagrees, so the two records are joined automatically.
    nhs_only = {k: v for k, v in ZOE.items() if k != "date_of_birth"} | {
        "approx_age": approx_age(int(ZOE["date_of_birth"][:4]), at(10))
    }
    no_nhs = {k: v for k, v in ZOE.items() if k != "nhs_number"}
    first = send(app, recorders, "police", make(subject=nhs_only, recorded_at=at(10)))
    send(app, recorders, "care", make(subject=no_nhs, recorded_at=at(6), setting="care_home"))
    send(app, recorders, "police", make(subject=ZOE, recorded_at=at(2)))
    mash = worker(app, C, "MASH")
    subject = subject_of(mash, first["concern_id"])
    (merge,) = [i for i in chronology_of(mash, subject) if i["type"] == "merge"]
    assert merge["how"] == "automatic"
    assert merge["confirmed"] is False
    assert merge["kinds"] == ["name_dob", "nhs_number"]
    assert "joined automatically" in merge["summary"]
    assert "not yet confirmed" in merge["summary"]

    env = {
        "FRONTLINE_ENV": "development",
        "FRONTLINE_INSTANCE": str(config.instance_path),
        "DATABASE_URL": database_url,
    }
    approval = approved(app, "subject_export", (subject,))
    refused = CliRunner(env=env).invoke(
        main, ["export", "subject", subject, "--approval", approval]
    )
    assert refused.exit_code == 1
    assert "subject.unconfirmed_merges" in refused.output
    assert merge["merge_id"] in refused.output

    (listed,) = mash.get("/api/v1/merges").get_json()["merges"]
    assert listed["id"] == merge["merge_id"]
    control = worker(app, P, "Police Control Room")
    assert control.post(f"/api/v1/merges/{listed['id']}/confirm", headers=H).status_code == 403
    done = mash.post(f"/api/v1/merges/{listed['id']}/confirm", headers=H)
    assert done.status_code == 200, done.get_json()
    assert done.get_json()["how"] == "automatic"
    assert done.get_json()["confirmed_at"]
    assert mash.post(f"/api/v1/merges/{listed['id']}/confirm", headers=H).status_code == 409
    assert mash.get("/api/v1/merges").get_json()["merges"] == []

    approval = approved(app, "subject_export", (subject,))
    out = CliRunner(env=env).invoke(main, ["export", "subject", subject, "--approval", approval])
    assert out.exit_code == 0, out.output
    answer = json.loads(out.output)
    assert len(answer["concerns"]) == 3
    (shown,) = answer["merges"]
    assert (shown["how"], shown["confirmed"]) == ("automatic", True)
    assert "confirmed by the MASH" in shown["summary"]


def test_a_confirmed_merge_split_again_rederives_links_alerts_and_chronology(  # type: ignore[no-untyped-def]
    app, sessions, recorders
) -> None:
    typo = dict(ZOE, family_name="OBrian", legal_status="unknown")
    typo.pop("nhs_number")
    zoe1 = send(app, recorders, "police", make(subject=ZOE, recorded_at=at(20)))
    zoe2 = send(app, recorders, "police", make(subject=ZOE, recorded_at=at(15)))
    care1 = send(app, recorders, "care", make(subject=typo, recorded_at=at(10)))
    mash = worker(app, C, "MASH")
    other = subject_of(mash, care1["concern_id"])
    (match,) = matches_of(mash)
    assert match["conflict"] is None  # weak keys agreed: nothing disagrees
    assert mash.post(f"/api/v1/matches/{match['id']}/confirm", headers=H).status_code == 200
    # While merged, a concern found through the misspelt record's own key joins the child.
    care2 = send(app, recorders, "care", make(subject=typo, recorded_at=at(5)))
    zoe = subject_of(mash, zoe1["concern_id"])
    assert subject_of(mash, care2["concern_id"]) == zoe
    alerts = mash.get("/api/v1/alerts").get_json()["alerts"]
    kinds = {a["kind"]: a for a in alerts}
    assert {"repeated_missing", "multi_agency"} <= set(kinds)
    assert len(kinds["repeated_missing"]["concerns"]) == 4
    chronology = chronology_of(mash, zoe)
    assert len(concerns_in(chronology)) == 4
    (merge,) = [i for i in chronology if i["type"] == "merge"]
    assert (merge["how"], merge["confirmed"]) == ("confirmed", True)

    assert other != zoe
    split = mash.post(f"/api/v1/subjects/{other}/split", headers=H)
    assert split.status_code == 200, split.get_json()
    # The concern linked while merged goes back with the record whose key found it.
    assert subject_of(mash, care2["concern_id"]) == other
    assert concerns_in(chronology_of(mash, zoe)) == {zoe1["concern_id"], zoe2["concern_id"]}
    assert concerns_in(chronology_of(mash, other)) == {care1["concern_id"], care2["concern_id"]}
    (undone,) = [i for i in chronology_of(mash, zoe) if i["type"] == "merge"]
    assert undone["split"] is True
    # Two episodes and one agency on each side: the patterns no longer hold.
    still = {a["kind"] for a in mash.get("/api/v1/alerts").get_json()["alerts"]}
    assert not ({"repeated_missing", "multi_agency"} & still)
    closed = mash.get("/api/v1/alerts?status=all").get_json()["alerts"]
    assert {a["status"] for a in closed if a["kind"] == "repeated_missing"} == {"withdrawn"}
    # Nobody is chased for a withdrawn pattern: its deliveries' clocks stopped.
    withdrawn = [uuid.UUID(a["id"]) for a in closed if a["status"] == "withdrawn"]
    with sessions() as s:
        clocks = s.scalars(select(Delivery.next_deadline).where(Delivery.alert_id.in_(withdrawn)))
        assert set(clocks) == {None}


def test_export_of_a_child_without_merges_is_not_refused(  # type: ignore[no-untyped-def]
    app, sessions, keyring, recorders
) -> None:
    zoe = send(app, recorders, "police", make(subject=ZOE, recorded_at=at(3)))
    mash = worker(app, C, "MASH")
    subject = subject_of(mash, zoe["concern_id"])
    answer = exported(sessions, keyring, subject)
    assert answer["merges"] == []


def test_two_children_of_one_name_and_birthday_at_two_homes_are_asked_about(  # type: ignore[no-untyped-def]
    app, recorders
) -> None:
    """Two real children called Archie Cartley, born the same day (as in the benchmark's
    100,000): the school knows one without an NHS number; social care writes about the
    other, with his. Not linked: the MASH is asked. A concern from the first one's home
    still links to him."""
    archie = {
        "given_name": "Archie",
        "family_name": "Cartley",
        "date_of_birth": "2012-09-19",
        "address_postcode": "OX12 8FH",
    }
    school = send(app, recorders, "police", make(subject=archie, recorded_at=at(9), **ABUSE))
    other = dict(archie, address_postcode="OX4 2FJ", nhs_number="401 023 2137")
    social = send(app, recorders, "health", make(subject=other, recorded_at=at(5), **ABUSE))
    mash = worker(app, C, "MASH")
    first, second = subject_of(mash, school["concern_id"]), subject_of(mash, social["concern_id"])
    assert first != second
    (match,) = matches_of(mash)
    assert {match["subject_id"], match["candidate_id"]} == {first, second}
    assert match["conflict"]["differs"] == ["postcode"]
    assert match["conflict"]["words"].startswith("The same name and date of birth at a different")
    again = send(app, recorders, "care", make(subject=archie, recorded_at=at(2), **ABUSE))
    assert subject_of(mash, again["concern_id"]) == first
    # The NHS number agreeing is enough, wherever he lives now.
    moved = dict(other, address_postcode="OX1 2JD")
    later = send(app, recorders, "health", make(subject=moved, recorded_at=at(1), **ABUSE))
    assert subject_of(mash, later["concern_id"]) == second
