"""Signed audit checkpoints: Ed25519 over canonical JSON, verified by key id."""

from __future__ import annotations

import crypto


def test_a_checkpoint_verifies_only_as_signed() -> None:
    ring = crypto.generate_keyring()
    digest = bytes(range(32))
    key_id, signature = crypto.sign_checkpoint(
        ring, seq=7, digest=digest, at="2026-11-26T12:00:00+00:00"
    )
    assert key_id == ring.current(crypto.KeyKind.AUDIT).id
    assert len(signature) == 64
    good = {"key_id": key_id, "seq": 7, "digest": digest, "at": "2026-11-26T12:00:00+00:00"}
    assert crypto.verify_checkpoint(ring, **good, signature=signature)
    for change in ({"seq": 8}, {"digest": bytes(32)}, {"at": "2026-11-26T12:00:01+00:00"}):
        assert not crypto.verify_checkpoint(ring, **{**good, **change}, signature=signature)
    other = crypto.generate_keyring()
    assert not crypto.verify_checkpoint(other, **good, signature=signature)  # unknown key id
    assert not crypto.verify_checkpoint(ring, **good, signature=bytes(64))


def test_checkpoints_signed_before_a_rotation_still_verify() -> None:
    ring = crypto.generate_keyring()
    key_id, signature = crypto.sign_checkpoint(ring, seq=1, digest=bytes(32), at="t")
    rotated = ring.rotate(crypto.KeyKind.AUDIT)
    assert rotated.current(crypto.KeyKind.AUDIT).id != key_id
    assert crypto.verify_checkpoint(
        rotated, key_id=key_id, seq=1, digest=bytes(32), at="t", signature=signature
    )
    assert crypto.checkpoint_message(seq=1, digest=bytes(32), at="t") == (
        b'{"at":"t","hash":"' + b"00" * 32 + b'","seq":1,"type":"audit.checkpoint"}'
    )
