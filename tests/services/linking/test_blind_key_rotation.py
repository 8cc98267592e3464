"""Rotating the blind-index key (ASVS 11.2.2): indexes are recomputed from the sealed
documents, linking keeps working before, during and after, and the old key's indexes are
gone once it is retired."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from click.testing import CliRunner
from sqlalchemy import func, select

import crypto
from backend import create_app
from backend.cli import main
from backend.core.config import Config
from backend.models import Alert, Concern, ConcernIdentifier, SubjectKey
from backend.services.linking.alerts import held
from backend.services.linking.subjects import canonical
from tests.cli.test_commands import env as env
from tests.factories import H, envelope, make_concern, person, seal_payload, sync
from tests.services.linking.test_record_keys import agree


def run(env: dict[str, str], *args: str, ok: bool = True) -> str:
    result = CliRunner(env=env).invoke(main, list(args), catch_exceptions=False)
    assert (result.exit_code == 0) is ok, result.output
    return result.output


def _server(env: dict[str, str]) -> Any:
    """A (re)started server: it reads the key ring as it is now."""
    return create_app(Config.from_env(env))


def _record(app: Any, concern: dict[str, Any], by: Any = None) -> dict[str, Any]:
    client, device = by or person(app, name=f"PC {concern['client_id'][:8]}")[:2]
    (result,) = sync(client, envelope(app, device, concern))
    assert result["status"] == "accepted", result
    return result


def _child_of(app: Any, concern_id: str) -> Any:
    import uuid

    with app.extensions["frontline"].sessions() as s:
        concern = s.get(Concern, uuid.UUID(concern_id))
        return canonical(s, concern.subject_id)


def _keys_in_use(app: Any) -> dict[str, int]:
    with app.extensions["frontline"].sessions() as s:
        rows = s.execute(
            select(ConcernIdentifier.key_id, func.count()).group_by(ConcernIdentifier.key_id)
        ).all()
    return dict(rows)  # type: ignore[arg-type]


def test_11_2_2_blind_index_rotation_reindexes_and_linking_holds(env) -> None:  # type: ignore[no-untyped-def]
    run(env, "demo", "--json", "--no-history")
    ring_file = Path(env["FRONTLINE_INSTANCE"]) / "keyring"
    old = crypto.load_keyring_file(ring_file).current(crypto.KeyKind.BLIND).id

    before = _server(env)
    client, device, _ = person(before, name="PC First")
    first = _record(before, make_concern(), by=(client, device))
    addendum = {
        "schema": "frontline.addendum/1",
        "concern_id": first["concern_id"],
        "client_id": "6c7d1b9e-2f3a-4b5c-8d9e-0f1a2b3c4d5e",
        "recorded_at": make_concern()["recorded_at"],
        "text": "Seen in the same car.",
        "associated": [{"kind": "vehicle", "registration": "XY70 ZZZ"}],
    }
    r = client.post(
        f"/api/v1/concerns/{first['concern_id']}/addenda",
        json={"client_id": addendum["client_id"], "jwe": seal_payload(before, device, addendum)},
        headers=H,
    )
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["status"] == "accepted"
    indexed_before = _keys_in_use(before)[old]
    before.extensions["frontline"].engine.dispose()

    run(env, "keys", "rotate", "--kind", "blind")
    new = crypto.load_keyring_file(ring_file).current(crypto.KeyKind.BLIND).id
    assert new != old

    # During the rotation: a new concern is indexed under both keys and still finds the child.
    during = _server(env)
    second = _record(during, make_concern())
    assert "known" in second
    assert _child_of(during, second["concern_id"]) == _child_of(during, first["concern_id"])
    # Another child seen in the same car: one network alert, not one per key.
    ava = {
        "given_name": "Ava",
        "family_name": "Kerr",
        "date_of_birth": "2010-01-05",
        "nhs_number": "401 023 2137",
        "legal_status": "unknown",
    }
    _record(during, make_concern(subject=ava))
    with during.extensions["frontline"].sessions() as s:
        networks = s.scalars(select(Alert).where(Alert.kind == "network")).all()
        assert len(networks) == 1, [a.pattern_key for a in networks]
        evidence = held(s, [networks[0].id])[networks[0].id].evidence
    kinds = [e.identifier_kind for e in evidence]
    assert sorted(kinds) == sorted(set(kinds)), kinds  # each shared identifier once
    refused = run(env, "keys", "retire", old, ok=False)
    assert "not indexed under the current blind key yet" in refused
    assert "keys reindex" in refused

    out = run(env, "keys", "reindex", "--batch", "1")
    assert f"indexed 2 concerns and addenda under {new}" in out  # the first and its addendum
    assert "indexed 0 concerns" in run(env, "keys", "reindex")  # resumable, idempotent
    keys = _keys_in_use(during)
    assert keys[new] == keys[old]  # every index exists under both keys
    assert keys[old] > indexed_before  # the second concern added its own
    during.extensions["frontline"].engine.dispose()

    assert f"retired {old}" in run(env, "keys", "retire", old)
    after = _server(env)
    assert set(_keys_in_use(after)) == {new}
    with after.extensions["frontline"].sessions() as s:
        # The records' keys were re-indexed and retired with the identifiers.
        assert agree(s) > 0
        assert set(s.scalars(select(SubjectKey.key_id))) == {new}
    # After: only the new key, and a third concern about the same child still links.
    third = _record(after, make_concern())
    assert "known" in third
    assert _child_of(after, third["concern_id"]) == _child_of(after, first["concern_id"])
    # A different child seen in the same car as the addendum's: linked through the vehicle.
    other = make_concern(
        subject={
            "given_name": "Ava",
            "family_name": "Kerr",
            "date_of_birth": "2010-01-05",
            "legal_status": "unknown",
        },
        associated=[{"kind": "vehicle", "registration": "xy70zzz"}],
    )
    _record(after, other)
    with after.extensions["frontline"].sessions() as s:
        shared = s.scalars(
            select(ConcernIdentifier.concern_id).where(
                ConcernIdentifier.kind == "vehicle",
                ConcernIdentifier.blind_index.in_(
                    select(ConcernIdentifier.blind_index).where(
                        ConcernIdentifier.addendum_id.is_not(None)
                    )
                ),
            )
        ).all()
    assert len(set(shared)) == 2  # the addendum's concern and the other child's
    after.extensions["frontline"].engine.dispose()


def test_a_complete_reindex_gives_old_records_a_kind_added_since(env) -> None:  # type: ignore[no-untyped-def]
    """A record stored before its kind of identifier existed (here: the given name with date
    of birth, which with the home postcode finds a child whose family name was misspelt)
    gets it from ``keys reindex --complete``, and a new concern then links to it."""
    import uuid

    from backend.services.linking.record_keys import db_rebuild_keys

    run(env, "demo", "--json", "--no-history")
    app = _server(env)
    sessions = app.extensions["frontline"].sessions
    zoe = {
        "given_name": "Zoë",
        "family_name": "O'Brien",
        "date_of_birth": "2011-03-09",
        "address_postcode": "OX4 2AB",
    }
    first = _record(app, make_concern(subject=zoe, associated=[]))
    child = _child_of(app, first["concern_id"])

    def indexes() -> set[tuple[Any, ...]]:
        with sessions() as s:
            return set(
                s.execute(
                    select(
                        ConcernIdentifier.role,
                        ConcernIdentifier.kind,
                        ConcernIdentifier.blind_index,
                        ConcernIdentifier.key_id,
                    ).where(ConcernIdentifier.concern_id == uuid.UUID(first["concern_id"]))
                )
            )

    indexed = indexes()
    assert "given_dob" in {kind for _, kind, _, _ in indexed}
    with sessions() as s:  # as a database upgraded from before the kind existed holds it
        s.execute(ConcernIdentifier.__table__.delete().where(ConcernIdentifier.kind == "given_dob"))
        db_rebuild_keys(s, child)
        s.commit()
        assert "given_dob" not in set(s.scalars(select(SubjectKey.kind)))

    assert "indexed 0 concerns" in run(env, "keys", "reindex")  # each has an index already
    assert "indexed 1 concerns" in run(env, "keys", "reindex", "--complete", "--batch", "1")
    assert "indexed 0 concerns" in run(env, "keys", "reindex", "--complete")
    assert indexes() == indexed
    with sessions() as s:
        assert agree(s) > 0
    # The family name misspelt, no NHS number: found by given name, birth date and home.
    misspelt = _record(app, make_concern(subject={**zoe, "family_name": "O'Brian"}, associated=[]))
    assert _child_of(app, misspelt["concern_id"]) == child
    app.extensions["frontline"].engine.dispose()
