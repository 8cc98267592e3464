"""Nothing received is ever lost: failures quarantine, retries recover, proofs re-verify."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta

import pytest
from click.testing import CliRunner
from sqlalchemy import delete, func, select

from backend.cli import main
from backend.models import AuditEvent, Concern, Receipt, ReceiptStatus, RuleSetRecord
from backend.services.concerns.rules import default_rules_text
from tests.factories import H, envelope, make_concern, person, sync


def _rules_never_loaded(sessions) -> None:  # type: ignore[no-untyped-def]
    """Put the partnership where an operator leaves it who ran `frontline init` and invited
    people but never `frontline rules load`: the route step, inside the store transaction,
    then fails on a real fault (no rules to route by) after open, proof and validate passed."""
    with sessions() as s:
        s.execute(delete(RuleSetRecord))
        s.commit()


def _load_rules(cli_env, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """The operator's fix: load the rules file with the command line."""
    rules = tmp_path / "rules.toml"
    rules.write_text(default_rules_text(), encoding="utf-8")
    loaded = CliRunner(env=cli_env).invoke(main, ["rules", "load", str(rules)])
    assert loaded.exit_code == 0, loaded.output


@pytest.fixture
def cli_env(config) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {
        "FRONTLINE_ENV": "test",
        "FRONTLINE_INSTANCE": str(config.instance_path),
        "DATABASE_URL": config.database_url,
        "FRONTLINE_SECRET_KEY": "s" * 40,
    }


def _concerns(sessions) -> int:  # type: ignore[no-untyped-def]
    with sessions() as s:
        return s.scalar(select(func.count()).select_from(Concern)) or 0


def test_a_server_failure_quarantines_and_a_retry_accepts(app, sessions, cli_env, tmp_path) -> None:  # type: ignore[no-untyped-def]
    client, device, _ = person(app, name="PC Okafor")
    item = envelope(app, device, make_concern())
    _rules_never_loaded(sessions)
    (r,) = sync(client, item)
    assert (r["status"], r["error"]["code"]) == ("rejected", "envelope.quarantined")
    assert _concerns(sessions) == 0
    with sessions() as s:
        receipt = s.scalar(select(Receipt))
        assert receipt.status is ReceiptStatus.QUARANTINED
        assert receipt.crypto_jwe == item["jwe"]  # kept, whole
        assert receipt.error_code == "server.Unavailable"  # the exception's class, no more
        assert receipt.error_detail is None  # messages may quote content; none is stored
        assert "concern.collected" not in set(s.scalars(select(AuditEvent.action)))
    _load_rules(cli_env, tmp_path)

    admin, _, _ = person(app, roles=("agency_admin",), name="Police Admin")
    elsewhere, _, _ = person(app, roles=("agency_admin",), agency="Riverside Health", name="HA")
    listed = admin.get("/api/v1/admin/quarantine").get_json()["items"]
    assert [i["status"] for i in listed] == ["quarantined"]
    assert listed[0]["sealed_kept"] is True
    assert "jwe" not in listed[0]
    assert elsewhere.get("/api/v1/admin/quarantine").get_json()["items"] == []
    rid = listed[0]["id"]
    assert elsewhere.post(f"/api/v1/admin/quarantine/{rid}/retry", headers=H).status_code == 404
    retried = admin.post(f"/api/v1/admin/quarantine/{rid}/retry", headers=H).get_json()
    assert retried["status"] == "accepted"
    assert _concerns(sessions) == 1
    (again,) = sync(client, item)  # the phone, unsure, sends it once more
    assert (again["status"], again["concern_id"]) == ("duplicate", retried["concern_id"])


def test_cli_lists_and_retries_quarantined_and_stuck_envelopes(
    app, sessions, cli_env, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    from backend.pipeline.receipt import receive

    client, device, me = person(app)
    _rules_never_loaded(sessions)
    sync(client, envelope(app, device, make_concern()))
    _load_rules(cli_env, tmp_path)
    # A worker received this envelope and died before processing it.
    orphan = envelope(app, device, make_concern())
    receive(
        sessions,
        client_id=uuid.UUID(orphan["client_id"]),
        jwe=orphan["jwe"],
        kind="concern",
        user_id=uuid.UUID(me["user"]["id"]),
        passkey_id=uuid.UUID(me["passkeys"][0]["id"]),
        lease=timedelta(seconds=-1),
    )
    runner = CliRunner(env=cli_env)
    listed = runner.invoke(main, ["quarantine", "list"]).output
    assert "quarantined" in listed
    assert "processing" in listed
    assert "server.Unavailable" in listed
    out = runner.invoke(main, ["quarantine", "retry"]).output
    assert "2 retried" in out
    assert out.count("  accepted  ") == 2
    assert _concerns(sessions) == 2
    assert "Nothing is waiting" in runner.invoke(main, ["quarantine", "list"]).output
    (again,) = sync(client, orphan)
    assert again["status"] == "duplicate"


def test_verify_concern_proves_the_content_and_catches_tampering(app, sessions, cli_env) -> None:  # type: ignore[no-untyped-def]
    client, device, _ = person(app)
    a, b = sync(
        client,
        envelope(app, device, make_concern()),
        envelope(app, device, make_concern(narrative="Second concern.")),
    )
    runner = CliRunner(env=cli_env)
    ok = runner.invoke(main, ["verify", "concern", a["concern_id"]])
    assert ok.exit_code == 0, ok.output
    assert "verified: the stored concern is exactly what its recorder signed" in ok.output
    with sessions() as s:
        first = s.get(Concern, uuid.UUID(a["concern_id"]))
        second = s.get(Concern, uuid.UUID(b["concern_id"]))
        first.crypto_document = second.crypto_document  # an insider swaps the bodies
        s.commit()
    bad = runner.invoke(main, ["verify", "concern", a["concern_id"]])
    assert bad.exit_code != 0
    assert "NOT VERIFIED" in bad.output
    with sessions() as s:
        second = s.get(Concern, uuid.UUID(b["concern_id"]))
        second.content_sha256 = "0" * 64
        s.commit()
    bad = runner.invoke(main, ["verify", "concern", b["concern_id"]])
    assert "not what was received" in bad.output


def _rotate_sealing_key(app, cli_env) -> tuple[CliRunner, str]:  # type: ignore[no-untyped-def]
    """Rotate the sealing key with no grace period; return a runner and the old key's id."""
    old = app.extensions["frontline"].keyring.current(__import__("crypto").KeyKind.SEAL).id
    runner = CliRunner(env={**cli_env, "FRONTLINE_SEAL_GRACE_DAYS": "0"})
    assert runner.invoke(main, ["keys", "rotate", "--kind", "seal"]).exit_code == 0
    return runner, old


def test_a_sealing_key_with_kept_envelopes_cannot_be_retired(
    app, sessions, cli_env, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    client, device, _ = person(app)
    _rules_never_loaded(sessions)
    sync(client, envelope(app, device, make_concern()))
    _load_rules(cli_env, tmp_path)
    runner, old = _rotate_sealing_key(app, cli_env)
    refused = runner.invoke(main, ["keys", "retire", old])
    assert refused.exit_code != 0
    assert "not processed yet" in refused.output
    assert "accepted" in runner.invoke(main, ["quarantine", "retry"]).output
    assert runner.invoke(main, ["keys", "retire", old]).exit_code == 0


def _tampered(item: dict[str, str]) -> dict[str, str]:
    """The same envelope with one character of its ciphertext changed: it no longer opens."""
    parts = item["jwe"].split(".")
    body = parts[3]
    middle = len(body) // 2
    parts[3] = body[:middle] + ("A" if body[middle] != "A" else "B") + body[middle + 1 :]
    return {**item, "jwe": ".".join(parts)}


def test_a_refused_envelope_is_kept_for_a_retry_and_then_no_longer(app, sessions, cli_env) -> None:  # type: ignore[no-untyped-def]
    from backend.models import REFUSED_KEPT
    from backend.services.records.refused import drop_refused

    client, device, _ = person(app, name="PC Okafor")
    item = envelope(app, device, make_concern(rationale=""))  # refused: a level needs its why
    (r,) = sync(client, item)
    assert (r["status"], r["error"]["code"]) == ("rejected", "concern.rationale_required")
    with sessions() as s:
        refused_at = s.scalar(select(Receipt.processed_at))
    # The sealing key cannot be retired while the refused envelope is kept: only it opens it.
    runner, old = _rotate_sealing_key(app, cli_env)
    blocked = runner.invoke(main, ["keys", "retire", old])
    assert blocked.exit_code != 0
    assert "1 refused envelopes sealed to it are kept for a retry" in blocked.output
    assert "not processed yet" not in blocked.output
    # Kept its days, and not a moment longer.
    assert drop_refused(sessions, now=refused_at + REFUSED_KEPT - timedelta(minutes=1)) == 0
    assert drop_refused(sessions, now=refused_at + REFUSED_KEPT + timedelta(minutes=1)) == 1
    assert drop_refused(sessions, now=refused_at + REFUSED_KEPT + timedelta(minutes=2)) == 0
    with sessions() as s:
        receipt = s.scalar(select(Receipt))
        assert receipt.crypto_jwe is None
        # What happened to it stays: when, from whom, and why it was refused.
        assert (receipt.status, receipt.error_code) == (
            ReceiptStatus.REJECTED,
            "concern.rationale_required",
        )
    assert runner.invoke(main, ["keys", "retire", old]).exit_code == 0
    # The phone keeps its own copy: sent again, it is answered as before, not lost.
    (again,) = sync(client, item)
    assert (again["status"], again["error"]["code"]) == ("rejected", "concern.rationale_required")


def test_an_envelope_that_cannot_open_keeps_no_sealed_bytes(app, sessions) -> None:  # type: ignore[no-untyped-def]
    # Nothing mended on the server could open it: kept, its bytes would only be junk that
    # anyone signed in could pile up.
    client, device, _ = person(app, name="PC Okafor")
    good = envelope(app, device, make_concern())
    items = [_tampered(good), envelope(app, device, make_concern())]
    results = sync(client, *items)
    assert [r["status"] for r in results] == ["rejected", "accepted"]
    assert results[0]["error"]["code"] == "envelope.decryption_failed"
    with sessions() as s:
        kept = {r.client_id: r for r in s.scalars(select(Receipt))}
    assert kept[uuid.UUID(good["client_id"])].crypto_jwe is None
    assert kept[uuid.UUID(good["client_id"])].status is ReceiptStatus.REJECTED
    # An admin sees it, and that nothing of it is left to retry: not a retry that does nothing.
    admin, _, _ = person(app, roles=("agency_admin",), name="Police Admin")
    listed = admin.get("/api/v1/admin/quarantine").get_json()["items"]
    assert [(i["status"], i["sealed_kept"]) for i in listed] == [("rejected", False)]
    retried = admin.post(f"/api/v1/admin/quarantine/{listed[0]['id']}/retry", headers=H)
    assert retried.status_code == 409
    assert retried.get_json()["code"] == "quarantine.nothing_kept"


def test_the_tidy_command_drops_what_the_scheduler_would(app, sessions, cli_env) -> None:  # type: ignore[no-untyped-def]
    # Where timers run the sweeps instead of FRONTLINE_SCHEDULER (deploy/systemd).
    from backend.models import REFUSED_KEPT

    client, device, _ = person(app, name="PC Okafor")
    old, recent = (envelope(app, device, make_concern(rationale="")) for _ in range(2))
    sync(client, old, recent)
    with sessions() as s:
        aged = s.scalar(select(Receipt).where(Receipt.client_id == uuid.UUID(old["client_id"])))
        aged.processed_at -= REFUSED_KEPT + timedelta(hours=1)
        s.commit()
    done = CliRunner(env=cli_env).invoke(main, ["tidy"])
    assert done.exit_code == 0, done.output
    counts = json.loads(done.stdout)
    assert counts == {
        "kept_envelopes_retried": 0,
        "unnamed_photos_deleted": 0,
        "refused_envelopes_dropped": 1,
    }
    with sessions() as s:
        kept = {r.client_id: r.crypto_jwe for r in s.scalars(select(Receipt))}
    assert kept[uuid.UUID(old["client_id"])] is None
    assert kept[uuid.UUID(recent["client_id"])] == recent["jwe"]
