"""A suspicion counts in network alerts: it is evidence of a network resting on what it
names, and a sign of its own when two children share only a weak identifier it names; and
its narrative, answer and the names it carries are never in the database in clear."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from backend.models import AlertSuspicion
from tests.factories import envelope, make_concern, person, sync
from tests.security.test_canary_sweep import _database_text, _plain_columns
from tests.services.linking.test_links import alerts_of, partnership_lead
from tests.services.suspicions.helpers import (
    CANARY,
    CAR,
    answer,
    constable,
    owner,
    record,
    suspicion,
)

AMIRA = {"given_name": "Amira", "family_name": "Khan", "date_of_birth": "2010-07-01"}
DEE = {"kind": "adult_of_concern", "nickname": "Dee"}
LILY = {"given_name": "Lily", "family_name": "Shaw", "date_of_birth": "2011-02-03"}


def about(app: Any, who: Any, child: dict[str, Any], *named: dict[str, Any]) -> str:
    """A concern about neglect (no exploitation recorded) naming these."""
    client, device = who
    concern = make_concern(
        subject=child, categories=["neglect"], indicators=[], associated=list(named)
    )
    concern.pop("missing")
    (result,) = sync(client, envelope(app, device, concern))
    assert result["status"] == "accepted", result
    return str(result["concern_id"])


def networks(client: Any) -> list[dict[str, Any]]:
    return [a for a in alerts_of(client) if a["kind"] == "network"]


def test_a_suspicion_naming_a_nickname_two_children_share_links_them(app, sessions) -> None:  # type: ignore[no-untyped-def]
    nurse = person(app, agency="Riverside Health", name="School nurse")[:2]
    lead = partnership_lead(app)
    # Two children named with "Kez" alone: one weak sign, no network.
    about(app, nurse, AMIRA, {"kind": "adult_of_concern", "nickname": "Kez"})
    about(app, nurse, LILY, {"kind": "adult_of_concern", "nickname": "Kez"})
    assert networks(lead) == []
    # A constable's suspicion about "Dee", then two children named with him: the
    # suspicion is the second sign, and the alert counts it.
    sid = record(app, constable(app), suspicion(associated=[DEE]))["record_id"]
    first = about(app, nurse, {**AMIRA, "given_name": "Amy"}, DEE)
    second = about(app, nurse, {**LILY, "given_name": "Lia"}, DEE)
    (alert,) = networks(lead)
    assert set(alert["concerns"]) == {first, second}
    assert alert["suspicions"] == [sid]


def test_a_later_suspicion_about_a_networked_car_counts_in_its_alert(app, sessions) -> None:  # type: ignore[no-untyped-def]
    nurse = person(app, agency="Riverside Health", name="School nurse")[:2]
    lead = partnership_lead(app)
    about(app, nurse, AMIRA, CAR)
    about(app, nurse, LILY, {**CAR, "registration": "yx19 klm"})
    (alert,) = networks(lead)
    assert alert["suspicions"] == []
    sid = record(app, constable(app), suspicion())["record_id"]
    (alert,) = networks(lead)
    assert alert["suspicions"] == [sid]
    with sessions() as s:
        assert {r.identifier_kind for r in s.query(AlertSuspicion)} == {"vehicle"}


def test_no_suspicion_canary_outside_ciphertext(app, sessions, database_url) -> None:  # type: ignore[no-untyped-def]
    adult = {"kind": "adult_of_concern", "name": f"Canaryadult{CANARY[-8:]}"}
    phone = {"kind": "phone", "number": "07700 955512"}
    sid = record(app, constable(app), suspicion(associated=[adult, phone]))["record_id"]
    cet = owner(app)
    said = f"CANARY-ANSWER-{CANARY[-8:]}"
    assert answer(cet, sid, answer=said, outcome="no_action").status_code == 200
    read = cet.get(f"/api/v1/suspicions/{sid}?purpose=assess_new_concern").get_json()
    assert read["answer"] == said  # it is there, decrypted for the owner
    app.extensions["frontline"].engine.dispose()
    dump = _database_text(database_url)
    plain = _plain_columns(sessions)
    for marker in (CANARY, said, adult["name"], "07700955512", "07700 955512"):
        assert marker.encode() not in dump, marker
        assert marker.encode().hex().encode() not in dump, marker
        assert marker not in plain, marker


def test_time_to_leadership_counts_from_a_suspicion_before_any_sign(app, sessions) -> None:  # type: ignore[no-untyped-def]
    """A constable suspected the car thirty days before two concerns, neither with a
    high-weight sign, made it a network: the leadership page counts from the suspicion."""
    now = datetime.now(UTC).replace(microsecond=0)
    suspected = (now - timedelta(days=30)).isoformat()
    record(app, constable(app), suspicion(recorded_at=suspected, associated=[CAR]))
    nurse = person(app, agency="Riverside Health", name="School nurse")[:2]
    about(app, nurse, AMIRA, CAR)
    about(app, nurse, LILY, CAR)
    lead = partnership_lead(app)
    (row,) = lead.get("/api/v1/dashboard").get_json()["time_to_leadership"]
    assert row["first_sign_at"] == suspected
    assert 30.0 <= row["days"] <= 30.1
