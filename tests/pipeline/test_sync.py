"""POST /api/v1/sync: receipt, open, proof, validate, store; every rejection path."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

import crypto
from backend.models import (
    AuditEvent,
    Concern,
    ConcernCategory,
    ConcernIdentifier,
    ConcernIndicator,
    Receipt,
    ReceiptStatus,
)
from tests.factories import H, envelope, make_concern, person, seal_payload, sync


@pytest.fixture
def recorder(app):  # type: ignore[no-untyped-def]
    client, device, me = person(app, name="PC Sam Okafor")
    return client, device, me


def _count(sessions, model) -> int:  # type: ignore[no-untyped-def]
    with sessions() as s:
        return s.scalar(select(func.count()).select_from(model)) or 0


def test_a_concern_is_accepted_stored_encrypted_and_audited(app, sessions, recorder) -> None:  # type: ignore[no-untyped-def]
    client, device, _ = recorder
    concern = make_concern()
    (result,) = sync(client, envelope(app, device, concern))
    assert result["status"] == "accepted"
    assert result["client_id"] == concern["client_id"]
    concern_id = uuid.UUID(result["concern_id"])
    with sessions() as s:
        stored = s.get(Concern, concern_id)
        assert stored is not None
        assert stored.level == "significant_harm"
        assert stored.subject_age == datetime.now(UTC).year - 2011 - (
            (datetime.now(UTC).month, datetime.now(UTC).day) < (3, 9)
        )
        assert stored.subject_legal_status == "looked_after"
        assert stored.location_district == "OX4"
        assert stored.late is False
        for secret in ("Zoë".encode(), b"O'Brien", b"grey car", b"owe him", b"Ricky"):
            assert secret not in stored.crypto_document
        cats = set(
            s.scalars(
                select(ConcernCategory.category).where(ConcernCategory.concern_id == concern_id)
            )
        )
        assert cats == {"missing", "sexual_exploitation"}
        codes = set(s.scalars(select(ConcernIndicator.code)))
        assert codes == {"cars_with_unknown_adults", "unexplained_gifts_money"}
        kinds = {(i.role, i.kind) for i in s.scalars(select(ConcernIdentifier))}
        assert kinds >= {
            ("subject", "nhs_number"),
            ("subject", "name_dob"),
            ("subject", "phonetic_year"),
            ("subject", "nickname"),
            ("associated", "nickname"),
            ("associated", "vehicle"),
            ("associated", "phone"),
        }
        ring = app.extensions["frontline"].keyring
        plate = crypto.blind_index(ring, crypto.IdentifierKind.VEHICLE, "AB12CDE")
        assert plate in {i.blind_index for i in s.scalars(select(ConcernIdentifier))}
        receipt = s.scalar(select(Receipt))
        assert receipt.status is ReceiptStatus.ACCEPTED
        assert receipt.crypto_jwe is None  # processed: the sealed bytes are not kept
        actions = list(s.scalars(select(AuditEvent.action)))
        assert "concern.collected" in actions


def test_recorder_reads_back_verbatim_with_a_purpose_and_lists_it(app, sessions, recorder) -> None:  # type: ignore[no-untyped-def]
    client, device, _ = recorder
    concern = make_concern(narrative="Said: <script>alert(1)</script> — “quote”, ünïcode 🙂")
    (result,) = sync(client, envelope(app, device, concern))
    cid = result["concern_id"]
    assert client.get(f"/api/v1/concerns/{cid}").get_json()["code"] == "concern.purpose_required"
    r = client.get(f"/api/v1/concerns/{cid}?purpose=check_own_record")
    body = r.get_json()
    assert body["concern"]["narrative"] == concern["narrative"]
    assert body["concern"]["subject"]["given_name"] == "Zoë"
    assert "proof" not in body["concern"]
    assert body["proof"]["content_sha256"]
    with sessions() as s:
        consulted = s.scalar(select(AuditEvent).where(AuditEvent.action == "concern.consulted"))
        assert consulted.purpose == "check_own_record"
    mine = client.get("/api/v1/concerns/mine").get_json()
    assert [i["concern_id"] for i in mine["items"]] == [cid]
    # Missing and exploited, looked after, significant harm: the default matrix's rows.
    assert {d["inbox"] for d in mine["items"][0]["deliveries"]} == {
        "Missing Persons",
        "Missing Coordinator",
        "MASH",
        "Child Exploitation Team",
    }
    assert {d["status"] for d in mine["items"][0]["deliveries"]} == {"new"}
    assert mine["next"] is None
    other, _, _ = person(app, name="Someone Else")
    assert other.get(f"/api/v1/concerns/{cid}?purpose=decide").status_code == 404


def test_mine_pages_with_a_cursor(app, recorder) -> None:  # type: ignore[no-untyped-def]
    client, device, _ = recorder
    sent = sync(client, *(envelope(app, device, make_concern()) for _ in range(5)))
    seen, cursor = [], None
    while True:
        page = client.get("/api/v1/concerns/mine?limit=2" + (f"&next={cursor}" if cursor else ""))
        body = page.get_json()
        seen += [i["concern_id"] for i in body["items"]]
        cursor = body["next"]
        if cursor is None:
            break
    assert sorted(seen) == sorted(r["concern_id"] for r in sent)
    assert len(seen) == len(set(seen)) == 5


def test_replays_answer_duplicate_and_conflicts_are_refused(app, sessions, recorder) -> None:  # type: ignore[no-untyped-def]
    client, device, _ = recorder
    concern = make_concern()
    first = envelope(app, device, concern)
    (a,) = sync(client, first)
    (b,) = sync(client, first)  # the very same envelope
    (c,) = sync(client, envelope(app, device, concern))  # re-sealed, same content
    assert a["status"] == "accepted"
    assert (b["status"], b["concern_id"]) == ("duplicate", a["concern_id"])
    assert (c["status"], c["concern_id"]) == ("duplicate", a["concern_id"])
    changed = dict(concern, narrative="Something else entirely.")
    (d,) = sync(client, envelope(app, device, changed))
    assert (d["status"], d["error"]["code"]) == ("rejected", "envelope.client_id_conflict")
    thief_client, thief_device, _ = person(app, name="Other Recorder")
    (e,) = sync(thief_client, envelope(app, thief_device, concern))
    assert (e["status"], e["error"]["code"]) == ("rejected", "envelope.client_id_conflict")
    assert _count(sessions, Concern) == 1


def test_old_concerns_are_accepted_and_marked_late(app, sessions, recorder) -> None:  # type: ignore[no-untyped-def]
    client, device, _ = recorder
    weeks_ago = (datetime.now(UTC) - timedelta(days=40)).isoformat()
    (r,) = sync(client, envelope(app, device, make_concern(recorded_at=weeks_ago)))
    with sessions() as s:
        assert s.get(Concern, uuid.UUID(r["concern_id"])).late is True


def _future() -> str:
    # Made when the tests are collected, which may be many minutes before this one runs:
    # a day ahead stays ahead of the server however long the suite takes.
    return (datetime.now(UTC) + timedelta(days=1)).isoformat()


def _subject(**changes):  # type: ignore[no-untyped-def]
    subject = make_concern()["subject"]
    subject.update(changes)
    return {k: v for k, v in subject.items() if v is not None}


INVALID = [
    ("dob in future", {"subject": _subject(date_of_birth="2099-01-01")}, "concern.dob_in_future"),
    ("over 25", {"subject": _subject(date_of_birth="1990-01-01")}, "concern.subject_over_25"),
    (
        "approx over 25",
        {"subject": _subject(date_of_birth=None, approx_age=40)},
        "concern.subject_over_25",
    ),
    ("recorded ahead", {"recorded_at": _future()}, "concern.recorded_at_in_future"),
    ("no offset", {"recorded_at": "2026-01-01T10:00:00"}, "concern.time_without_offset"),
    ("empty rationale", {"rationale": ""}, "concern.rationale_required"),
    ("no rationale", {"rationale": None}, "concern.field_required"),
    ("unknown field", {"mood": "tired"}, "concern.field_unknown"),
    ("unknown nested field", {"subject": _subject(eye_colour="blue")}, "concern.field_unknown"),
    ("bad level", {"level": "red"}, "concern.value_not_allowed"),
    ("bad category", {"categories": ["naughty"]}, "concern.value_not_allowed"),
    ("no category", {"categories": []}, "concern.category_required"),
    ("narrative too long", {"narrative": "x" * 20_001}, "concern.narrative_length"),
    ("child words too long", {"child_words": "x" * 20_001}, "concern.too_long"),
    (
        "too many associated",
        {"associated": [{"kind": "peer", "name": f"P{i}"} for i in range(51)]},
        "concern.too_many_associated",
    ),
    (
        "nhs check digit",
        {"subject": _subject(nhs_number="9434765918")},
        "concern.nhs_number_invalid",
    ),
    ("unidentifiable", {"subject": {"approx_age": 14}}, "concern.subject_unidentifiable"),
    ("no age", {"subject": _subject(date_of_birth=None)}, "concern.subject_age_missing"),
    (
        "no consent reason",
        {"sharing": {"consent": "not_sought"}},
        "concern.consent_reason_required",
    ),
    ("bad phone", {"associated": [{"kind": "phone", "number": "12"}]}, "concern.phone_invalid"),
    ("bad schema", {"schema": "frontline.concern/2"}, "concern.schema_unknown"),
    (
        "bad indicator",
        {"indicators": [{"code": "vibes", "present": "yes", "basis": "observed"}]},
        "concern.value_not_allowed",
    ),
]


@pytest.mark.parametrize(("name", "change", "code"), INVALID, ids=[i[0] for i in INVALID])
def test_invalid_concerns_are_rejected_with_their_code(
    app, sessions, recorder, name, change, code
) -> None:  # type: ignore[no-untyped-def]
    client, device, _ = recorder
    payload = make_concern(**change)
    payload = {k: v for k, v in payload.items() if v is not None}
    (r,) = sync(client, envelope(app, device, payload))
    assert r["status"] == "rejected"
    assert r["error"]["code"] == code, r["error"]
    assert _count(sessions, Concern) == 0
    with sessions() as s:
        receipt = s.scalar(select(Receipt))
        assert receipt.status is ReceiptStatus.REJECTED
        assert receipt.crypto_jwe is not None  # kept for a retry, REFUSED_KEPT long


def _raw(app, device, payload, **kw) -> str:  # type: ignore[no-untyped-def]
    return seal_payload(app, device, payload, **kw)


def test_envelope_and_proof_rejections(app, sessions, recorder) -> None:  # type: ignore[no-untyped-def]
    client, device, me = recorder
    ring = app.extensions["frontline"].keyring
    c = make_concern
    cases = []
    big = c()
    cases.append(
        ({"client_id": big["client_id"], "jwe": "x" * (256 * 1024 + 1)}, "envelope.too_large")
    )
    cases.append(({"client_id": c()["client_id"], "jwe": "not.a.jwe"}, "envelope.malformed"))
    cases.append(({"client_id": "nope", "jwe": "a.b.c.d.e"}, "envelope.malformed"))
    other_ring = crypto.generate_keyring()
    p = c()
    cases.append(
        (
            {
                "client_id": p["client_id"],
                "jwe": crypto.seal_to_ring(json.dumps(p).encode(), other_ring),
            },
            "envelope.kid_unknown",
        )
    )
    p = c()
    cases.append(
        (
            {"client_id": p["client_id"], "jwe": crypto.seal_to_ring(b"\xff\xfe", ring)},
            "envelope.payload_not_json",
        )
    )
    p = c()
    cases.append(
        (
            {"client_id": str(uuid.uuid4()), "jwe": _raw(app, device, p)},
            "envelope.client_id_mismatch",
        )
    )
    p = c()
    cases.append(
        ({"client_id": p["client_id"], "jwe": _raw(app, device, p, prove=False)}, "proof.missing")
    )
    # Signed, then altered: the proof no longer matches the content.
    p = c()
    signed = json.loads(crypto.open_envelope(_raw(app, device, p), ring).plaintext)
    signed["narrative"] = "Changed after signing."
    cases.append(
        (
            {
                "client_id": p["client_id"],
                "jwe": crypto.seal_to_ring(json.dumps(signed).encode(), ring),
            },
            "proof.invalid",
        )
    )
    _, stranger, _ = person(app, name="Another Person")
    p = c()
    cases.append(({"client_id": p["client_id"], "jwe": _raw(app, stranger, p)}, "proof.not_yours"))
    p = c()
    device.user_verified = False
    cases.append(({"client_id": p["client_id"], "jwe": _raw(app, device, p)}, "proof.invalid"))
    device.user_verified = True
    for item, code in cases:
        (r,) = sync(client, item)
        assert (r["status"], r["error"]["code"]) == ("rejected", code), (code, r)
    assert _count(sessions, Concern) == 0


def test_a_proof_by_a_revoked_passkey_is_refused(app, sessions) -> None:  # type: ignore[no-untyped-def]
    from tests.authenticator import SoftAuthenticator

    client, phone, me = person(app)
    begin = client.post("/api/v1/me/passkeys/begin", headers=H).get_json()
    backup = SoftAuthenticator()
    client.post(
        "/api/v1/me/passkeys/finish",
        headers=H,
        json={"credential": backup.create(begin), "name": "backup"},
    )
    sealed_offline = envelope(app, backup, make_concern())
    backup_id = next(
        p["id"] for p in client.get("/api/v1/me").get_json()["passkeys"] if p["name"] == "backup"
    )
    client.post(f"/api/v1/me/passkeys/{backup_id}/revoke", headers=H)
    (r,) = sync(client, sealed_offline)
    assert r["error"]["code"] == "proof.passkey_revoked"


def test_one_bad_envelope_never_fails_the_batch(app, sessions, recorder) -> None:  # type: ignore[no-untyped-def]
    client, device, _ = recorder
    good1, good2 = make_concern(), make_concern()
    bad = make_concern(level="red")
    results = sync(
        client,
        envelope(app, device, good1),
        envelope(app, device, bad),
        {"client_id": "x"},
        envelope(app, device, good2),
    )
    assert [r["status"] for r in results] == ["accepted", "rejected", "rejected", "accepted"]
    assert [r["client_id"] for r in results] == [
        good1["client_id"],
        bad["client_id"],
        "x",
        good2["client_id"],
    ]
    assert _count(sessions, Concern) == 2


def test_more_than_fifty_envelopes_is_413_and_stores_nothing(app, sessions, recorder) -> None:  # type: ignore[no-untyped-def]
    client, device, _ = recorder
    item = envelope(app, device, make_concern())
    r = client.post("/api/v1/sync", json={"envelopes": [item] * 51}, headers=H)
    assert (r.status_code, r.get_json()["code"]) == (413, "sync.too_many")
    assert _count(sessions, Receipt) == 0


def test_request_over_the_body_cap_is_refused_before_reading(app, recorder) -> None:  # type: ignore[no-untyped-def]
    client, _, _ = recorder
    cap = app.extensions["frontline"].config.max_request_bytes
    r = client.post(
        "/api/v1/sync", data=b"{" + b" " * cap + b"}", content_type="application/json", headers=H
    )
    assert (r.status_code, r.get_json()["code"]) == (413, "request.too_large")


def test_addenda_never_change_the_concern(app, sessions, recorder) -> None:  # type: ignore[no-untyped-def]
    client, device, _ = recorder
    (r,) = sync(client, envelope(app, device, make_concern()))
    cid = r["concern_id"]
    with sessions() as s:
        before = s.get(Concern, uuid.UUID(cid)).crypto_document
    addendum = {
        "schema": "frontline.addendum/1",
        "concern_id": cid,
        "client_id": str(uuid.uuid4()),
        "recorded_at": datetime.now(UTC).isoformat(),
        "text": "Return interview offered; she declined.",
        "associated": [{"kind": "phone", "number": "+44 7700 900999"}],
    }
    item = {"client_id": addendum["client_id"], "jwe": seal_payload(app, device, addendum)}
    r1 = client.post(f"/api/v1/concerns/{cid}/addenda", json=item, headers=H).get_json()
    assert r1["status"] == "accepted"
    assert r1["addendum_id"]
    r2 = client.post(f"/api/v1/concerns/{cid}/addenda", json=item, headers=H).get_json()
    assert (r2["status"], r2["addendum_id"]) == ("duplicate", r1["addendum_id"])
    with sessions() as s:
        assert s.get(Concern, uuid.UUID(cid)).crypto_document == before
    body = client.get(f"/api/v1/concerns/{cid}?purpose=add_addendum").get_json()
    assert [a["addendum"]["text"] for a in body["addenda"]] == [addendum["text"]]
    wrong = dict(addendum, client_id=str(uuid.uuid4()), concern_id=str(uuid.uuid4()))
    item = {"client_id": wrong["client_id"], "jwe": seal_payload(app, device, wrong)}
    r3 = client.post(f"/api/v1/concerns/{cid}/addenda", json=item, headers=H).get_json()
    assert r3["error"]["code"] == "addendum.concern_mismatch"
    other, other_device, _ = person(app, name="Not Involved")
    r4 = other.post(f"/api/v1/concerns/{cid}/addenda", json=item, headers=H)
    assert r4.status_code == 404
