"""Done when: ``frontline demo`` seeds one child at the home with a profile and its photo,
read by the home's care worker, and two closed missing episodes, the first with its return
interview held, read by the Missing Coordinator; seeding again adds nothing; and the keys
that signed the history are in no row of the database, their passkeys revoked."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from cryptography.hazmat.primitives import serialization
from sqlalchemy import MetaData, func, select, text

from backend import create_app
from backend.cli import main
from backend.core.config import Config
from backend.domain import demo_history as history
from backend.domain.demo import personas
from backend.domain.demo_photo import silhouette_png
from backend.models import Invite, Passkey
from backend.pipeline import demo_history as seeding
from crypto.demo_passkey import DemoPasskey
from crypto.encoding import b64url_encode
from tests.authenticator import SoftAuthenticator
from tests.factories import enrol

# What seeding makes; none of it may grow on a second run (invites aside: each run issues
# fresh links to the demo people not yet enrolled, as before).
COUNTED = (
    "receipts",
    "concerns",
    "deliveries",
    "profiles",
    "profile_photos",
    "attachments",
    "missing_episodes",
    "return_interviews",
    "users",
    "passkeys",
    "subjects",
    "audit_events",
)


@pytest.fixture
def env(tmp_path: Path, database_url: str) -> dict[str, str]:
    return {
        "FRONTLINE_ENV": "development",
        "FRONTLINE_INSTANCE": str(tmp_path / "instance"),
        "DATABASE_URL": database_url,
    }


def _demo(env: dict[str, str]) -> tuple[list[dict[str, Any]], str]:
    result = CliRunner(env=env).invoke(main, ["demo", "--json"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)["invites"], result.stderr


def _counts(app: Any) -> dict[str, int]:
    with app.extensions["frontline"].sessions() as session:
        return {t: session.scalar(select(func.count()).select_from(text(t))) for t in COUNTED}


def _signed_in(app: Any, invites: list[dict[str, Any]], name: str) -> Any:
    client = app.test_client()
    enrol(client, next(i["token"] for i in invites if i["name"] == name), SoftAuthenticator())
    return client


@pytest.mark.slow  # over 2 s: the demo seeded twice, its records through the pipeline
def test_the_demo_child_is_seeded_once_through_the_pipeline(env: dict[str, str]) -> None:
    invites, said = _demo(env)
    assert "Ruby Ashworth" in said
    assert "Children's profiles" in said
    # The history's authors are nobody the demo invites: the invitations are as before.
    assert sorted(i["name"] for i in invites) == sorted(p.name for p in personas())
    app = create_app(Config.from_env(env))
    seeded = _counts(app)
    assert seeded["concerns"] == 4
    assert seeded["return_interviews"] == 2

    carer = _signed_in(app, invites, "Jordan Ellis")
    (listed,) = carer.get("/api/v1/profiles").get_json()["items"]
    assert listed["name"] == history.CHILD_NAME
    assert listed["review_overdue"] is False
    shown = carer.get(f"/api/v1/profiles/{listed['profile_id']}?purpose=check_own_record")
    assert shown.status_code == 200, shown.get_json()
    profile = shown.get_json()
    assert profile["profile"]["description"]["usual_clothing"].startswith("grey hooded")
    assert profile["profile"]["associates"][0]["nickname"] == "Dee"
    assert profile["profile"]["places"]
    assert profile["profile"]["phones"]
    assert profile["profile"]["accounts"]
    assert profile["profile"]["health"]["needs"]
    (photo,) = profile["photos"]
    image = carer.get(f"/api/v1/attachments/{photo['attachment_id']}")
    assert image.status_code == 200
    assert image.mimetype == "image/png"
    assert image.data == silhouette_png()

    coordinator = _signed_in(app, invites, "Kieran Doyle")
    page = coordinator.get(f"/api/v1/subjects/{profile['subject_id']}/missing").get_json()
    second, first = page["items"]  # the latest report first
    assert [first["hours_missing"], second["hours_missing"]] == [14.0, 30.0]
    assert first["found_at"]
    assert second["found_at"]
    assert first["child"] == history.CHILD_NAME
    assert "Dee" in first["found_with"]
    assert first["return_interview"]["status"] == "held"
    assert second["return_interview"]["status"] == "declined"
    # Only those who may open the profile are shown it: the home, not the coordinator.
    assert first["profile_id"] is None
    home = next(
        i["name"] for i in invites if i["inboxes"] == ["Home Manager"] and len(i["roles"]) == 1
    )
    at_home = _signed_in(app, invites, home).get("/api/v1/episodes?status=closed").get_json()
    assert {e["profile_id"] for e in at_home["items"]} == {listed["profile_id"]}

    # Again: nothing added, nothing duplicated; the same people, no new passkey.
    before = _counts(app)
    _, said = _demo(env)
    assert "there already" in said
    after = _counts(app)
    assert after == before
    with app.extensions["frontline"].sessions() as session:
        keys = [a.key for a in seeding.AUTHORS]
        authors = session.scalars(select(Invite).where(Invite.persona.in_(keys))).all()
        assert len(authors) == 2
        assert all(a.used_at is not None for a in authors)
        passkeys = session.scalars(
            select(Passkey).where(Passkey.user_id.in_([a.user_id for a in authors]))
        ).all()
        assert len(passkeys) == 2
        assert all(p.revoked_at is not None for p in passkeys)
    app.extensions["frontline"].engine.dispose()


def _private_forms(key: Any) -> list[bytes]:
    """The ways a P-256 private key could be written down: its scalar raw, hex, base64url,
    and as DER or PEM."""
    scalar = key.private_numbers().private_value.to_bytes(32, "big")
    der = key.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return [scalar, scalar.hex().encode(), b64url_encode(scalar).encode(), der, der[-40:]]


def test_the_keys_that_signed_the_history_are_in_no_row(
    env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    made: list[DemoPasskey] = []

    class Watched(DemoPasskey):
        def __init__(self, *, origin: str) -> None:
            super().__init__(origin=origin)
            made.append(self)

    forms: list[bytes] = []
    real_discard = DemoPasskey.discard

    def discard(self: DemoPasskey) -> None:
        forms.extend(_private_forms(self._private()))
        real_discard(self)

    monkeypatch.setattr(seeding, "DemoPasskey", Watched)
    monkeypatch.setattr(Watched, "discard", discard)
    _demo(env)
    assert len(made) == 2
    assert len(forms) == 10
    assert all(p._key is None for p in made)  # dropped once the records were signed

    app = create_app(Config.from_env(env))
    with app.extensions["frontline"].sessions() as session:
        stored = MetaData()  # every table the engine has, as it has it
        stored.reflect(bind=session.connection())
        assert "passkeys" in stored.tables
        for table in stored.sorted_tables:
            for row in session.execute(select(table)):
                for value in row:
                    raw = value if isinstance(value, bytes) else str(value).encode()
                    assert not any(f in raw for f in forms), table.name
    app.extensions["frontline"].engine.dispose()
