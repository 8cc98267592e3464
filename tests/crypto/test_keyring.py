"""The key ring file: created 0600, refused when unsafe or malformed, rotation rules."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

import crypto


def test_saved_ring_is_owner_only_and_round_trips(tmp_path: Path) -> None:
    ring = crypto.generate_keyring()
    path = tmp_path / "keyring"
    crypto.save_keyring_file(ring, path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    loaded = crypto.load_keyring_file(path)
    assert [e.id for e in loaded.entries] == [e.id for e in ring.entries]
    assert loaded.current(crypto.KeyKind.KEK).material == ring.current(crypto.KeyKind.KEK).material


@pytest.mark.parametrize("mode", [0o644, 0o640, 0o604, 0o660])
def test_readable_by_others_is_refused(tmp_path: Path, mode: int) -> None:
    path = tmp_path / "keyring"
    crypto.save_keyring_file(crypto.generate_keyring(), path)
    os.chmod(path, mode)
    with pytest.raises(crypto.KeyRingError, match="readable by others"):
        crypto.load_keyring_file(path)


def test_missing_is_refused_with_the_fix(tmp_path: Path) -> None:
    with pytest.raises(crypto.KeyRingError, match="frontline init"):
        crypto.load_keyring_file(tmp_path / "nope")


def _doc() -> dict:
    return json.loads(crypto.generate_keyring().to_json())


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda d: d.update(format="other/1"), "format"),
        (lambda d: d.update(keys="x"), "keys"),
        (lambda d: d["keys"][0].update(material="short"), "32 bytes|malformed"),
        (lambda d: d["keys"][0].update(kind="rot13"), "malformed"),
        (lambda d: d["keys"].pop(1), "exactly one current"),
        (lambda d: d["keys"].append(dict(d["keys"][0])), "duplicate"),
        (lambda d: d["keys"][0].update(material="_" * 43), "P-256|32 bytes|malformed"),
    ],
)
def test_malformed_rings_say_why(mutate, message: str) -> None:  # type: ignore[no-untyped-def]
    doc = _doc()
    mutate(doc)
    with pytest.raises(crypto.KeyRingError, match=message):
        crypto.KeyRing.from_json(json.dumps(doc))


def test_not_json() -> None:
    with pytest.raises(crypto.KeyRingError, match="JSON"):
        crypto.KeyRing.from_json("{")


def test_rotation_keeps_previous_and_refuses_retiring_current() -> None:
    ring = crypto.generate_keyring()
    first = ring.current(crypto.KeyKind.SEAL)
    rotated = ring.rotate(crypto.KeyKind.SEAL)
    second = rotated.current(crypto.KeyKind.SEAL)
    assert second.version == 2
    assert second.id != first.id
    assert rotated.find(first.id, crypto.KeyKind.SEAL).superseded_at is not None  # type: ignore[union-attr]
    with pytest.raises(crypto.KeyRingError, match="current"):
        rotated.retire(second.id)
    assert rotated.retire(first.id).find(first.id, crypto.KeyKind.SEAL) is None


def test_repr_holds_no_material() -> None:
    ring = crypto.generate_keyring()
    text = repr(ring) + "".join(repr(e) for e in ring.entries)
    for entry in ring.entries:
        assert entry.material.hex() not in text
