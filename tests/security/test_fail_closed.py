"""Failing closed (16.5.3, 2.3.3, 16.5.1): when the audit store refuses writes or the keys
cannot open a record, the request answers 503 with a generic problem, the transaction is
rolled back, nothing is shown and nothing is kept in plain text.

The faults are real: a database trigger that refuses audit inserts, and a server started
with a key ring that cannot unwrap the records' data keys.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from typing import Any

from sqlalchemy import Engine, func, select, text

import crypto
from backend import create_app
from backend.models import AuditEvent, Concern, Delivery, Receipt, ReceiptStatus
from tests.factories import H, envelope, make_concern, person, sync

P, C = "Riverside Police", "Riverside Children's Social Care"
GENERIC = {"type", "title", "status", "detail", "code"}


@contextmanager
def audit_refused(engine: Engine) -> Iterator[None]:
    """Make every insert into the audit log fail, as a full or broken audit store would."""
    with engine.begin() as conn:
        if engine.dialect.name == "sqlite":
            conn.execute(
                text(
                    "CREATE TRIGGER audit_down BEFORE INSERT ON audit_events "
                    "BEGIN SELECT RAISE(ABORT, 'audit store unavailable'); END"
                )
            )
        else:
            conn.execute(
                text(
                    "CREATE FUNCTION audit_down() RETURNS trigger AS $$ BEGIN "
                    "RAISE EXCEPTION 'audit store unavailable'; END $$ LANGUAGE plpgsql"
                )
            )
            conn.execute(
                text(
                    "CREATE TRIGGER audit_down BEFORE INSERT ON audit_events "
                    "FOR EACH ROW EXECUTE FUNCTION audit_down()"
                )
            )
    try:
        yield
    finally:
        with engine.begin() as conn:
            if engine.dialect.name == "sqlite":
                conn.execute(text("DROP TRIGGER audit_down"))
            else:
                conn.execute(text("DROP TRIGGER audit_down ON audit_events"))
                conn.execute(text("DROP FUNCTION audit_down()"))


def _generic_503(r: Any) -> None:
    assert r.status_code == 503, (r.status_code, r.get_data(as_text=True)[:300])
    assert r.mimetype == "application/problem+json"
    body = r.get_json()
    assert set(body) <= GENERIC | {"instance", "request_id"}
    assert body["code"] == "server.unavailable"
    assert "audit" not in json.dumps(body).lower()


def _count(sessions: Any, model: Any) -> int:
    with sessions() as s:
        return int(s.scalar(select(func.count()).select_from(model)))


def test_16_5_3_2_3_3_audit_failure_rolls_back_and_shows_nothing(  # type: ignore[no-untyped-def]
    app, sessions, engine_for, capfd
) -> None:
    recorder, device, _ = person(app, agency=P, roles=("recorder",), name="PC Okafor")
    (first,) = sync(recorder, envelope(app, device, make_concern()))
    cid = first["concern_id"]
    mash, _, _ = person(app, agency=C, roles=("inbox_member",), inboxes=("MASH",), name="M")
    (inbox,) = mash.get("/api/v1/inboxes").get_json()["inboxes"]
    (item,) = mash.get(f"/api/v1/inboxes/{inbox['id']}/deliveries").get_json()["items"]
    audited = _count(sessions, AuditEvent)
    late = make_concern()

    with audit_refused(engine_for):
        opened = mash.get(f"/api/v1/concerns/{cid}?purpose=assess_new_concern")
        _generic_503(opened)
        assert "Found at 02:10" not in opened.get_data(as_text=True)
        _generic_503(mash.post(f"/api/v1/deliveries/{item['id']}/acknowledge", headers=H))
        (refused,) = sync(recorder, envelope(app, device, late))
    # A sync in that state keeps the sealed envelope for a retry instead of storing the
    # concern without its audit entry.
    assert (refused["status"], refused["error"]["code"]) == ("rejected", "envelope.quarantined")
    assert _count(sessions, Concern) == 1
    assert _count(sessions, AuditEvent) == audited
    with sessions() as s:
        assert s.get(Delivery, uuid.UUID(item["id"])).acknowledged_at is None
        kept = s.scalar(select(Receipt).where(Receipt.client_id == uuid.UUID(late["client_id"])))
        assert kept.status is ReceiptStatus.QUARANTINED
        assert kept.crypto_jwe is not None
        assert kept.crypto_jwe.count(".") == 4  # sealed, not plain
    _, err = capfd.readouterr()
    assert "storage failure" in err
    assert "Found at 02:10" not in err

    # The store back: the same requests succeed, and the kept envelope is accepted.
    assert mash.get(f"/api/v1/concerns/{cid}?purpose=assess_new_concern").status_code == 200
    (again,) = sync(recorder, envelope(app, device, late))
    assert again["status"] in ("accepted", "duplicate"), again
    assert _count(sessions, Concern) == 2


def test_16_5_3_a_key_ring_that_cannot_open_records_answers_503(  # type: ignore[no-untyped-def]
    app, config, capfd
) -> None:
    recorder, device, _ = person(app, agency=P, roles=("recorder",), name="PC Okafor")
    (first,) = sync(recorder, envelope(app, device, make_concern()))
    token = recorder.get_cookie("frontline_session")
    assert token is not None
    # The same database served with another key ring: the data keys do not unwrap.
    wrong = crypto.generate_keyring()
    path = config.instance_path / "other-keyring"
    crypto.save_keyring_file(wrong, path)
    other = create_app(replace(config, keyring_text=path.read_text()))
    try:
        client = other.test_client()
        client.set_cookie("frontline_session", token.value)
        r = client.get(f"/api/v1/concerns/{first['concern_id']}?purpose=check_own_record")
        _generic_503(r)
        text_of = r.get_data(as_text=True)
        assert "Found at 02:10" not in text_of
        for entry in wrong.entries:
            assert entry.id not in text_of
        _, err = capfd.readouterr()
        assert "crypto failure" in err
        assert "Found at 02:10" not in err
    finally:
        other.extensions["frontline"].engine.dispose()


def test_16_5_3_a_key_ring_with_another_blind_key_keeps_envelopes_and_links_nothing(  # type: ignore[no-untyped-def]
    app, config, capfd
) -> None:
    """Restored from the wrong backup, a ring whose blind key differs would link nothing
    to any earlier record, silently. Ingest refuses instead: the envelope is kept and
    reported, no concern is stored, and a retry with the right ring links it."""
    sessions = app.extensions["frontline"].sessions
    recorder, device, _ = person(app, agency=P, roles=("recorder",), name="PC Okafor")
    (first,) = sync(recorder, envelope(app, device, make_concern()))
    ring = app.extensions["frontline"].keyring
    swapped = crypto.KeyRing(
        [e for e in ring.entries if e.kind is not crypto.KeyKind.BLIND]
        + [e for e in crypto.generate_keyring().entries if e.kind is crypto.KeyKind.BLIND]
    )
    path = config.instance_path / "restored-keyring"
    crypto.save_keyring_file(swapped, path)
    other = create_app(replace(config, keyring_text=path.read_text()))
    try:
        client = other.test_client()
        client.set_cookie("frontline_session", recorder.get_cookie("frontline_session").value)
        concerns_before = _count(sessions, Concern)
        (kept,) = sync(client, envelope(other, device, make_concern()))
        assert kept["status"] == "rejected"
        assert kept["error"]["code"] == "envelope.quarantined"
        assert _count(sessions, Concern) == concerns_before
        with sessions() as s:
            receipt = s.scalars(
                select(Receipt).where(Receipt.client_id == uuid.UUID(kept["client_id"]))
            ).one()
            assert receipt.status is ReceiptStatus.QUARANTINED
            assert receipt.error_code == "server.BlindKeyMissing"
            assert receipt.crypto_jwe  # kept, still sealed
            receipt_id = receipt.id
        _, err = capfd.readouterr()
        assert "BlindKeyMissing" in err
        assert "Zo" not in err
    finally:
        other.extensions["frontline"].engine.dispose()
    # Back on the right ring, the kept envelope goes through and finds the child.
    admin, _, _ = person(app, agency=P, roles=("agency_admin",), name="Admin")
    retried = admin.post(f"/api/v1/admin/quarantine/{receipt_id}/retry", headers=H)
    assert retried.status_code == 200, retried.get_json()
    assert retried.get_json()["status"] == "accepted"
    with sessions() as s:
        ids = [uuid.UUID(first["concern_id"]), uuid.UUID(retried.get_json()["concern_id"])]
        subjects = {c.subject_id for c in s.scalars(select(Concern).where(Concern.id.in_(ids)))}
    assert len(subjects) == 1
