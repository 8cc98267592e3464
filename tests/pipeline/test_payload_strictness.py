"""A sealed payload is read as strictly as a request body (ASVS 1.5.3, 15.3.5): a key given
twice makes it not JSON, and a concern's fields are never coerced to the type they lack."""

from __future__ import annotations

import json

import pytest

from tests.factories import envelope, make_concern, person, sync


def test_1_5_3_a_sealed_payload_with_a_key_twice_is_refused(app) -> None:  # type: ignore[no-untyped-def]
    import crypto

    client, _, _ = person(app)
    concern = make_concern()
    text = json.dumps(concern)
    doubled = text[:-1] + ', "level": "information"}'
    ring = app.extensions["frontline"].keyring
    item = {"client_id": concern["client_id"], "jwe": crypto.seal_to_ring(doubled.encode(), ring)}
    (r,) = sync(client, item)
    assert (r["status"], r["error"]["code"]) == ("rejected", "envelope.payload_not_json")


def test_15_3_5_concern_fields_are_not_coerced(app) -> None:  # type: ignore[no-untyped-def]
    client, device, _ = person(app)
    for change in (
        {"subject": {"given_name": "Amy", "approx_age": "15"}},
        {"subject": {"given_name": "Amy", "approx_age": True}},
        {"categories": "missing"},
        {"narrative": ["Found at 02:10."]},
        {"indicators": [{"code": "phone_use", "present": True, "basis": "observed"}]},
    ):
        (r,) = sync(client, envelope(app, device, make_concern(**change)))
        assert r["status"] == "rejected", change
        assert r["error"]["code"].startswith("concern."), r["error"]


def _sealed_text(app, client_id: str, text: str) -> dict[str, str]:  # type: ignore[no-untyped-def]
    import crypto

    ring = app.extensions["frontline"].keyring
    return {"client_id": client_id, "jwe": crypto.seal_to_ring(text.encode(), ring)}


def test_a_lone_surrogate_is_refused_for_good_not_kept_as_a_failure(app, sessions) -> None:  # type: ignore[no-untyped-def]
    # JavaScript writes "\ud83d" for text cut in the middle of an emoji: JSON text, but no
    # Unicode. Taken in, it failed every later step (the canonical form) and was kept as a
    # server failure, for good; it is the sender's to mend.
    from sqlalchemy import select

    from backend.models import Receipt, ReceiptStatus

    client, device, _ = person(app)
    for text in (
        json.dumps(make_concern(narrative="Cut mid-emoji \ud83d")),
        json.dumps(make_concern(narrative="Ends on the wrong half \ude00")),
        json.dumps({**make_concern(), "\udead": 1}),
    ):
        concern_id = json.loads(text)["client_id"]
        (r,) = sync(client, _sealed_text(app, concern_id, text))
        assert (r["status"], r["error"]["code"]) == ("rejected", "envelope.payload_not_json"), r
    with sessions() as s:
        statuses = {receipt.status for receipt in s.scalars(select(Receipt))}
    assert statuses == {ReceiptStatus.REJECTED}
    # A whole pair, escaped as an encoder that writes ASCII does, is an emoji like any other.
    import crypto
    from crypto.encoding import b64url_encode

    whole = make_concern(narrative="Sent a \U0001f600 to her.")
    challenge = crypto.proof_challenge(whole)
    whole["proof"] = {
        "type": "webauthn",
        "credential": device.get({"challenge": b64url_encode(challenge)}),
    }
    escaped = json.dumps(whole)
    assert "\\ud83d\\ude00" in escaped
    (ok,) = sync(client, _sealed_text(app, whole["client_id"], escaped))
    assert ok["status"] == "accepted", ok


def test_a_request_body_in_utf16_or_utf32_is_refused(app) -> None:  # type: ignore[no-untyped-def]
    from tests.factories import H

    client, device, _ = person(app)
    item = envelope(app, device, make_concern())
    text = json.dumps({"envelopes": [item]})
    for encoding in ("utf-16", "utf-16-le", "utf-32"):
        r = client.post(
            "/api/v1/sync",
            data=text.encode(encoding),
            headers={**H, "Content-Type": "application/json"},
        )
        assert r.status_code == 400, encoding
        assert r.get_json()["code"] == "request.malformed_json"
    r = client.post(
        "/api/v1/sync", data=text.encode("utf-8"), headers={**H, "Content-Type": "application/json"}
    )
    assert r.status_code == 200
    assert r.get_json()["results"][0]["status"] == "accepted"


HOME = {"missing_from": "home"}


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"recorded_at": "0001-01-01T00:00:00+14:00"}, "concern.time_out_of_range"),
        (
            {"missing": {**HOME, "reported_at": "0001-01-01T00:00:00+14:00"}},
            "concern.time_out_of_range",
        ),
        (
            {"missing": {**HOME, "reported_at": "9999-12-31T23:59:00-10:00"}},
            "concern.missing_time_in_future",
        ),
        (
            {
                "missing": {
                    **HOME,
                    "reported_at": "2026-01-01T00:00:00+00:00",
                    "found_at": "9999-12-31T23:00:00+00:00",
                }
            },
            "concern.missing_time_in_future",
        ),
    ],
    ids=["recorded-year-1", "reported-year-1", "reported-year-9999", "found-year-9999"],
)
def test_times_at_the_ends_of_the_calendar_are_refused_not_kept_as_failures(  # type: ignore[no-untyped-def]
    app, change, code
) -> None:
    # Such a time has no UTC: taken in, every later step failed on it, and the envelope was
    # kept as a server failure for good.
    client, device, _ = person(app)
    (r,) = sync(client, envelope(app, device, make_concern(**change)))
    assert (r["status"], r["error"]["code"]) == ("rejected", code), r


def test_a_missing_time_ahead_of_the_server_is_refused_and_one_just_past_is_kept(app) -> None:  # type: ignore[no-untyped-def]
    from datetime import UTC, datetime, timedelta

    client, device, _ = person(app)
    now = datetime.now(UTC).replace(microsecond=0)
    ahead = {**HOME, "reported_at": (now + timedelta(hours=2)).isoformat()}
    (r,) = sync(client, envelope(app, device, make_concern(categories=["missing"], missing=ahead)))
    assert (r["status"], r["error"]["code"]) == ("rejected", "concern.missing_time_in_future")
    past = {**HOME, "reported_at": (now - timedelta(hours=2)).isoformat()}
    (ok,) = sync(client, envelope(app, device, make_concern(categories=["missing"], missing=past)))
    assert ok["status"] == "accepted", ok


def test_a_return_interview_time_before_1900_is_refused() -> None:
    from backend.pipeline.errors import Rejected
    from backend.pipeline.kinds import RETURN_INTERVIEW_SCHEMA
    from backend.pipeline.validate import validate

    with pytest.raises(Rejected) as refused:
        validate(RETURN_INTERVIEW_SCHEMA, {"offered_at": "0001-01-01T00:00:00+14:00"})
    assert "offered_at: A time before 1900." in refused.value.detail


def _proven(device, concern: dict) -> dict:  # type: ignore[no-untyped-def]
    import crypto
    from crypto.encoding import b64url_encode

    challenge = crypto.proof_challenge(concern)
    credential = device.get({"challenge": b64url_encode(challenge)})
    return {**concern, "proof": {"type": "webauthn", "credential": credential}}


@pytest.mark.parametrize(
    ("change", "code"),
    [
        (lambda c: c.update(note="x" * 10_000), "concern.field_unknown"),
        (lambda c: c["response"].update(extra="unsigned words"), "concern.field_unknown"),
        (
            lambda c: c.update(clientExtensionResults={"prf": {"results": {"first": "c2VjcmV0"}}}),
            "concern.proof_extensions",
        ),
    ],
    ids=["unknown-key", "unknown-response-key", "extension-results"],
)
def test_a_proof_carries_what_a_browser_asserts_and_nothing_more(
    app, sessions, change, code
) -> None:  # type: ignore[no-untyped-def]
    # Beside the signed fields, anything else would be stored in the sealed record unsigned;
    # a PRF output among the extension results would be the phone's vault secret.
    from backend.models import Concern

    client, device, _ = person(app)
    concern = _proven(device, make_concern())
    change(concern["proof"]["credential"])
    (r,) = sync(client, _sealed_text(app, concern["client_id"], json.dumps(concern)))
    assert r["status"] == "rejected", r
    assert r["error"]["code"] == code, r["error"]
    with sessions() as s:
        assert s.query(Concern).count() == 0
    (ok,) = sync(client, envelope(app, device, make_concern()))
    assert ok["status"] == "accepted"
