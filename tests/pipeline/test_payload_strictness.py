"""A sealed payload is read as strictly as a request body (ASVS 1.5.3, 15.3.5): a key given
twice makes it not JSON, and a concern's fields are never coerced to the type they lack."""

from __future__ import annotations

import json

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
