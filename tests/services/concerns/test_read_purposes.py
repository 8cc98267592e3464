"""Why a record was read goes in the audit log as a code; what the reader wrote about it is
sealed under the record's own data key, so it is shredded with the record and never leaves
in an access review.

The append-only log outlives every record (it cannot be edited, so erasure cannot reach
it): free text there — "Jane's mum rang about the bruise" — would survive crypto-shredding
and go out in every CSV access review.
"""

from __future__ import annotations

import csv
import io
import uuid

import pytest
from sqlalchemy import select, text

import crypto
from backend.models import Concern, ReadNote
from backend.services.records.audit import SYSTEM, db_audit
from backend.services.records.retention import db_erase
from backend.services.records.sealed import db_data_key, unseal
from tests.factories import envelope, make_concern, person, sync

MASH = ("Riverside Children's Social Care", "MASH")
NOTE = "Mum rang about Zoe Canary-7Q bruise"  # what a reader might write


def _scene(app):  # type: ignore[no-untyped-def]
    recorder, device, _ = person(app, name="PC Rec")
    (result,) = sync(recorder, envelope(app, device, make_concern()))
    member, _, _ = person(
        app, agency=MASH[0], roles=("inbox_member",), inboxes=(MASH[1],), name="Mash Member"
    )
    return recorder, member, uuid.UUID(result["concern_id"])


def _raw_audit(sessions) -> str:  # type: ignore[no-untyped-def]
    with sessions() as s:
        rows = s.execute(text("SELECT * FROM audit_events")).all()
    return "\n".join(repr(tuple(row)) for row in rows)


def test_16_2_5_the_log_keeps_the_code_the_note_is_sealed_with_the_record(app, sessions) -> None:  # type: ignore[no-untyped-def]
    _, member, concern_id = _scene(app)
    r = member.get(
        f"/api/v1/concerns/{concern_id}", query_string={"purpose": "other", "purpose_note": NOTE}
    )
    assert r.status_code == 200, r.get_json()
    subject_id = r.get_json()["subject_id"]

    # Not in the log: every column of every row, on either engine.
    assert "Canary-7Q" not in _raw_audit(sessions)
    ring = app.extensions["frontline"].keyring
    with sessions() as s:
        (note,) = s.scalars(select(ReadNote).where(ReadNote.concern_id == concern_id)).all()
        assert b"Canary-7Q" not in note.crypto_note
        concern = s.get(Concern, concern_id)
        key = db_data_key(s, ring, concern.data_key_id)
        opened = unseal(key, note.crypto_note, table="read_notes", row_id=note.id, field="note")
        assert opened == NOTE
        # Bound to its own row: moved to another row it does not open.
        with pytest.raises(crypto.FieldDecryptionFailed):
            unseal(key, note.crypto_note, table="read_notes", row_id=uuid.uuid4(), field="note")
        note_id = note.id

    # The access review says why in words, never what was written.
    auditor, _, _ = person(
        app, agency="Riverside Safeguarding Children Partnership", roles=("auditor",), name="Aud"
    )
    r = auditor.get(f"/api/v1/audit/subjects/{subject_id}")
    assert r.status_code == 200, r.get_json()
    assert "Canary-7Q" not in r.get_data(as_text=True)
    read = next(a for a in r.get_json()["accesses"] if a["action"] == "concern.consulted")
    assert read["purpose_code"] == "other"
    assert read["purpose"] == "Other (said why in a sealed note)"
    assert read["detail"]["notes"] == [str(note_id)]
    r = auditor.get(f"/api/v1/audit/subjects/{subject_id}?format=csv")
    assert "Canary-7Q" not in r.get_data(as_text=True)
    rows = list(csv.DictReader(io.StringIO(r.get_data(as_text=True))))
    consulted = next(row for row in rows if row["action"] == "concern.consulted")
    assert (consulted["purpose_code"], consulted["purpose"]) == ("other", read["purpose"])

    # Erasing the record (its data key destroyed) takes the note with it.
    with sessions() as s:
        db_erase(s, concern_id, reason="schedule reached", actor=SYSTEM)
        s.commit()
    with sessions() as s:
        note = s.get(ReadNote, note_id)
        assert note is None or b"Canary-7Q" not in note.crypto_note
        with pytest.raises(crypto.DataKeyUnavailable):
            db_data_key(s, ring, s.get(Concern, concern_id).data_key_id)
    assert "Canary-7Q" not in _raw_audit(sessions)


def test_16_2_5_a_chronology_note_is_sealed_under_each_record_shown(app, sessions) -> None:  # type: ignore[no-untyped-def]
    _, member, concern_id = _scene(app)
    opened = member.get(f"/api/v1/concerns/{concern_id}?purpose=assess_new_concern")
    assert opened.status_code == 200, opened.get_json()
    subject_id = opened.get_json()["subject_id"]
    r = member.get(
        f"/api/v1/subjects/{subject_id}/chronology",
        query_string={"purpose": "strategy_discussion", "purpose_note": NOTE},
    )
    assert r.status_code == 200, r.get_json()
    assert "Canary-7Q" not in _raw_audit(sessions)
    with sessions() as s:
        notes = s.scalars(select(ReadNote).where(ReadNote.concern_id == concern_id)).all()
    assert len(notes) == 1


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ({}, "concern.purpose_required"),
        ({"purpose": "MASH screening: Zoe Canary-7Q"}, "concern.purpose_unknown"),
        ({"purpose": "other"}, "concern.purpose_note_required"),
        ({"purpose": "decide", "purpose_note": "x" * 501}, "concern.purpose_note_too_long"),
    ],
)
def test_16_2_5_free_text_is_refused_as_a_purpose(app, sessions, query, code) -> None:  # type: ignore[no-untyped-def]
    _, member, concern_id = _scene(app)
    r = member.get(f"/api/v1/concerns/{concern_id}", query_string=query)
    assert r.status_code == 400
    assert r.mimetype == "application/problem+json"
    assert r.get_json()["code"] == code
    r = member.get(f"/api/v1/subjects/{uuid.uuid4()}/chronology", query_string=query)
    assert (r.status_code, r.get_json()["code"]) == (400, code)
    assert "Canary-7Q" not in _raw_audit(sessions)


def test_16_2_5_free_text_logged_before_codes_is_never_shown_in_a_review(app, sessions) -> None:  # type: ignore[no-untyped-def]
    _, member, concern_id = _scene(app)
    opened = member.get(f"/api/v1/concerns/{concern_id}?purpose=decide")
    subject_id = opened.get_json()["subject_id"]
    with sessions() as s:  # an entry as reads wrote them before purposes were codes
        db_audit(s, "concern.consulted", purpose=NOTE, records=[("concern", concern_id)])
        s.commit()
    auditor, _, _ = person(
        app, agency="Riverside Safeguarding Children Partnership", roles=("auditor",), name="Aud"
    )
    for fmt in ("json", "csv"):
        r = auditor.get(f"/api/v1/audit/subjects/{subject_id}?format={fmt}")
        assert r.status_code == 200
        assert "Canary-7Q" not in r.get_data(as_text=True)
    accesses = auditor.get(f"/api/v1/audit/subjects/{subject_id}").get_json()["accesses"]
    codes = [a["purpose_code"] for a in accesses if a["action"] == "concern.consulted"]
    assert codes == ["decide", "uncoded"]
