"""A suspicion recorded before a blind-key rotation still matches a concern recorded after
its old key is retired: the re-index gives it the new key's indexes from its sealed
document, and retiring waits for it."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from backend.models import Suspicion, SuspicionIdentifier
from tests.cli.test_commands import env as env
from tests.factories import envelope, make_concern, person, sync
from tests.services.linking.test_blind_key_rotation import _server, run
from tests.services.suspicions.helpers import CAR, record, suspicion

__all__ = ["env"]  # the fixture, used by name


def test_a_suspicion_is_reindexed_and_still_matches_after_the_old_key_is_retired(env) -> None:  # type: ignore[no-untyped-def]
    run(env, "demo", "--json", "--no-history")
    before = _server(env)
    sid = record(before, person(before, name="PC First")[:2], suspicion())["record_id"]
    with before.extensions["frontline"].sessions() as s:
        (old,) = set(s.scalars(select(SuspicionIdentifier.key_id)))
    before.extensions["frontline"].engine.dispose()

    run(env, "keys", "rotate", "--kind", "blind")
    refused = run(env, "keys", "retire", old, ok=False)
    assert "suspicions are not indexed under the current blind key yet" in refused
    assert "indexed 1 " in run(env, "keys", "reindex")  # the suspicion (no concerns yet)
    assert "indexed 0 " in run(env, "keys", "reindex")  # idempotent
    assert f"retired {old}" in run(env, "keys", "retire", old)

    after = _server(env)
    with after.extensions["frontline"].sessions() as s:
        keys = set(
            s.scalars(
                select(SuspicionIdentifier.key_id).where(
                    SuspicionIdentifier.suspicion_id == uuid.UUID(sid)
                )
            )
        )
    assert old not in keys
    assert len(keys) == 1
    # A nurse's concern naming the car, under the new key only, matches it.
    nurse = person(after, agency="Riverside Health", name="School nurse")[:2]
    concern = make_concern(setting="health", associated=[CAR])
    (result,) = sync(nurse[0], envelope(after, nurse[1], concern))
    assert result["status"] == "accepted", result
    with after.extensions["frontline"].sessions() as s:
        stored = s.get(Suspicion, uuid.UUID(sid))
        assert stored is not None
        assert stored.matches == 1
    after.extensions["frontline"].engine.dispose()
