"""What a return interview names is linked like a concern's: an adult and a car named in
an interview and about another child raise a network alert, and a blind-key rotation
re-indexes the interview from its sealed document."""

from __future__ import annotations

import uuid

from sqlalchemy import func, select

from backend.models import ConcernIdentifier, MissingEpisode
from tests.cli.test_commands import env as env
from tests.factories import envelope, make_concern, person, sync
from tests.services.linking.test_blind_key_rotation import _server, run
from tests.services.linking.test_links import alerts_of, partnership_lead
from tests.services.missing.test_return_interviews import (
    COORDINATOR,
    SOCIAL_CARE,
    coordinator,
    interview,
    police,
    record,
    returned,
)

__all__ = ["coordinator", "env", "police"]  # the fixtures, used by name


AMIRA = {
    "given_name": "Amira",
    "family_name": "Khan",
    "date_of_birth": "2010-07-01",
    "legal_status": "none_known",
}
MARCUS = {"kind": "adult_of_concern", "name": "Marcus Bell", "approx_age": 35}
CAR = {"kind": "vehicle", "registration": "KX61 ABC", "description": "black Golf"}


def test_an_adult_and_a_car_named_in_an_interview_and_about_another_child_raise_a_network(  # type: ignore[no-untyped-def]
    app, sessions, police, coordinator
) -> None:
    # Zoë's report names no one; a nurse's concern about Amira names Marcus and his car.
    cid = returned(app, police, associated=[])
    nurse = person(app, agency="Riverside Health", name="School nurse")[:2]
    about_amira = make_concern(
        subject=AMIRA,
        setting="health",
        categories=["sexual_exploitation"],
        missing=None,
        associated=[MARCUS, {**CAR, "registration": "kx61abc"}],
    )
    about_amira.pop("missing")
    (other,) = sync(nurse[0], envelope(app, nurse[1], about_amira))
    assert other["status"] == "accepted", other
    lead = partnership_lead(app)
    assert [a for a in alerts_of(lead) if a["kind"] == "network"] == []
    # Zoë tells the coordinator about the same man and car.
    result = record(app, coordinator, interview(cid, associated=[MARCUS, CAR]))
    assert result["status"] == "accepted", result
    (alert,) = [a for a in alerts_of(lead) if a["kind"] == "network"]
    with sessions() as s:
        zoe = s.scalar(select(MissingEpisode.subject_id))
    assert str(zoe) in alert["subjects"]
    assert len(alert["subjects"]) == 2
    # The evidence names the concerns: Amira's, and the one the interview adds to.
    assert set(alert["concerns"]) == {cid, other["concern_id"]}
    assert "vehicle" in {e["identifier_kind"] for e in alert["evidence"]}
    with sessions() as s:
        identifiers = s.scalar(
            select(func.count())
            .select_from(ConcernIdentifier)
            .where(ConcernIdentifier.return_interview_id == uuid.UUID(result["record_id"]))
        )
    assert (identifiers or 0) >= 2


def test_a_blind_key_rotation_reindexes_what_an_interview_names(env) -> None:  # type: ignore[no-untyped-def]
    run(env, "demo", "--json", "--no-history")
    before = _server(env)
    police = person(before, name="PC First")[:2]
    cid = returned(before, police, associated=[])
    coordinator = person(
        before, agency=SOCIAL_CARE, roles=("recorder", "inbox_member"), inboxes=(COORDINATOR,)
    )[:2]
    result = record(before, coordinator, interview(cid, associated=[CAR]))
    assert result["status"] == "accepted", result
    before.extensions["frontline"].engine.dispose()
    run(env, "keys", "rotate", "--kind", "blind")
    assert "indexed 2 " in run(env, "keys", "reindex")  # Zoë's concern and the interview
    after = _server(env)
    with after.extensions["frontline"].sessions() as s:
        keys = s.execute(
            select(ConcernIdentifier.key_id, ConcernIdentifier.kind).where(
                ConcernIdentifier.return_interview_id == uuid.UUID(result["record_id"])
            )
        ).all()
    assert len({key for key, _ in keys}) == 2  # under the old key and the new
    assert {kind for _, kind in keys} == {"vehicle"}
    after.extensions["frontline"].engine.dispose()
