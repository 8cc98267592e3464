"""The demo's in-memory passkey makes what py_webauthn accepts from a browser, and signs
nothing once discarded."""

from __future__ import annotations

import pytest
from webauthn import verify_authentication_response, verify_registration_response

from crypto.demo_passkey import DemoPasskey
from crypto.encoding import b64url_encode

ORIGIN = "http://localhost:8000"
CHALLENGE = b"c" * 32
OPTIONS = {
    "rp": {"id": "localhost", "name": "Frontline"},
    "user": {"id": b64url_encode(b"u" * 16), "name": "x", "displayName": "x"},
    "challenge": b64url_encode(CHALLENGE),
}


def test_it_enrols_and_signs_as_a_browser_would() -> None:
    passkey = DemoPasskey(origin=ORIGIN)
    registered = verify_registration_response(
        credential=passkey.register(OPTIONS),
        expected_challenge=CHALLENGE,
        expected_rp_id="localhost",
        expected_origin=ORIGIN,
        require_user_verification=True,
    )
    proof = b"p" * 32
    asserted = verify_authentication_response(
        credential=passkey.sign(proof),
        expected_challenge=proof,
        expected_rp_id="localhost",
        expected_origin=ORIGIN,
        credential_public_key=registered.credential_public_key,
        credential_current_sign_count=0,
        require_user_verification=True,
    )
    assert asserted.new_sign_count == 1


def test_a_discarded_passkey_signs_nothing() -> None:
    passkey = DemoPasskey(origin=ORIGIN)
    passkey.register(OPTIONS)
    passkey.discard()
    with pytest.raises(RuntimeError, match="discarded"):
        passkey.sign(b"p" * 32)
