"""JWE intake through POST /sync: the algorithm and header allow-list, key material only from
our key ring, no compression, points on the curve, one answer for every failed decryption,
and a sealed concern bound to the recorder who proved it."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from sqlalchemy import func, select

import crypto
from backend.models import Addendum, Concern, Receipt
from crypto.encoding import b64url_decode, b64url_encode
from tests.crypto.helpers import SHORT_EPK_SCALARS, epk_lengths, seal_with_joserfc
from tests.factories import H, envelope, make_concern, person, seal_payload, sync


@pytest.fixture
def recorder(app):  # type: ignore[no-untyped-def]
    return person(app, roles=("recorder",))


def _count(sessions: Any, model: Any) -> int:
    with sessions() as s:
        return int(s.scalar(select(func.count()).select_from(model)))


def _with_header(jwe: str, **changes: Any) -> str:
    """The same envelope with header parameters changed (or removed, given None)."""
    parts = jwe.split(".")
    header = json.loads(b64url_decode(parts[0]))
    for name, value in changes.items():
        if value is None:
            header.pop(name, None)
        else:
            header[name] = value
    parts[0] = b64url_encode(json.dumps(header).encode())
    return ".".join(parts)


def _sealed_with(app: Any, device: Any, payload: dict[str, Any], **extra: Any) -> str:
    """Properly encrypted, with extra protected-header parameters (part of the AAD)."""
    ring = app.extensions["frontline"].keyring
    plain = seal_payload(app, device, payload)
    opened = crypto.open_envelope(plain, ring)
    kid = opened.kid
    public = ring.sealing_private_key(kid).public_key()
    return crypto.seal_envelope(opened.plaintext, public, kid=kid, extra_header=extra)


ALGORITHMS = [
    {"alg": "RSA1_5"},
    {"alg": "dir"},
    {"alg": "none"},
    {"alg": "A128KW"},
    {"alg": "ECDH-ES+A256KW"},
    {"alg": "PBES2-HS256+A128KW"},
    {"enc": "A128CBC-HS256"},
    {"enc": "A128GCM"},
]


@pytest.mark.parametrize("change", ALGORITHMS, ids=lambda c: next(iter(c.values())))
def test_9_1_2_only_ecdh_es_with_a256gcm(app, sessions, recorder, change) -> None:  # type: ignore[no-untyped-def]
    client, device, _ = recorder
    p = make_concern()
    jwe = _with_header(seal_payload(app, device, p), **change)
    (r,) = sync(client, {"client_id": p["client_id"], "jwe": jwe})
    assert (r["status"], r["error"]["code"]) == ("rejected", "envelope.alg_unsupported")
    assert _count(sessions, Receipt) == 0  # refused before anything is kept


@pytest.mark.parametrize(
    "extra",
    [
        {"jku": "https://attacker.example/keys"},
        {"jwk": {"kty": "EC", "crv": "P-256", "x": "AA", "y": "AA"}},
        {"x5u": "https://attacker.example/cert"},
        {"x5c": ["MIIB"]},
    ],
    ids=lambda e: next(iter(e)),
)
def test_9_1_3_key_material_never_from_the_header(app, sessions, recorder, extra) -> None:  # type: ignore[no-untyped-def]
    client, device, _ = recorder
    p = make_concern()
    (r,) = sync(client, {"client_id": p["client_id"], "jwe": _sealed_with(app, device, p, **extra)})
    assert (r["status"], r["error"]["code"]) == ("rejected", "envelope.alg_unsupported")
    assert next(iter(extra)) in r["error"]["detail"]
    assert _count(sessions, Concern) == 0


def test_9_1_3_unknown_kid_is_refused_and_kept_sealed(app, sessions, recorder) -> None:  # type: ignore[no-untyped-def]
    client, device, _ = recorder
    p = make_concern()
    jwe = crypto.seal_to_ring(json.dumps(p).encode(), crypto.generate_keyring())
    (r,) = sync(client, {"client_id": p["client_id"], "jwe": jwe})
    assert (r["status"], r["error"]["code"]) == ("rejected", "envelope.kid_unknown")
    assert _count(sessions, Concern) == 0


def test_5_2_3_compressed_envelopes_are_refused(app, sessions, recorder) -> None:  # type: ignore[no-untyped-def]
    client, device, _ = recorder
    p = make_concern()
    (r,) = sync(
        client, {"client_id": p["client_id"], "jwe": _sealed_with(app, device, p, zip="DEF")}
    )
    assert (r["status"], r["error"]["code"]) == ("rejected", "envelope.alg_unsupported")
    assert "zip" in r["error"]["detail"]
    assert _count(sessions, Receipt) == 0


def _point(curve: ec.EllipticCurve) -> dict[str, str]:
    numbers = ec.generate_private_key(curve).public_key().public_numbers()
    size = (curve.key_size + 7) // 8
    return {
        "kty": "EC",
        "crv": "P-256",
        "x": b64url_encode(numbers.x.to_bytes(size, "big")),
        "y": b64url_encode(numbers.y.to_bytes(size, "big")),
    }


def test_11_6_2_off_curve_and_wrong_curve_epk_are_refused(app, sessions, recorder) -> None:  # type: ignore[no-untyped-def]
    client, device, _ = recorder
    good = _point(ec.SECP256R1())
    y = int.from_bytes(b64url_decode(good["y"]), "big") ^ 1
    off_curve = {**good, "y": b64url_encode(y.to_bytes(32, "big"))}
    for epk in (off_curve, _point(ec.SECP384R1()), {**good, "crv": "P-384"}, {"kty": "OKP"}):
        p = make_concern()
        jwe = _with_header(seal_payload(app, device, p), epk=epk)
        (r,) = sync(client, {"client_id": p["client_id"], "jwe": jwe})
        assert (r["status"], r["error"]["code"]) == ("rejected", "envelope.epk_invalid"), epk
    assert _count(sessions, Concern) == 0


def _flip(part: str, at: int = 0) -> str:
    raw = bytearray(b64url_decode(part))
    raw[at] ^= 0x01
    return b64url_encode(bytes(raw))


def test_11_2_5_every_failed_decryption_answers_the_same(app, sessions, recorder) -> None:  # type: ignore[no-untyped-def]
    """After the private key is used there is one answer, whatever was wrong: no oracle."""
    client, device, _ = recorder
    corruptions = {
        "tag": lambda p: p[:4] + [_flip(p[4])],
        "ciphertext": lambda p: p[:3] + [_flip(p[3]), p[4]],
        "truncated ciphertext": lambda p: p[:3] + [b64url_encode(b64url_decode(p[3])[:-7]), p[4]],
        "iv": lambda p: p[:2] + [_flip(p[2])] + p[3:],
        "header (aad)": lambda p: (
            [_with_header(".".join(p), apu=b64url_encode(b"x")).split(".")[0]] + p[1:]
        ),
        "epk of another key": lambda p: (
            [_with_header(".".join(p), epk=_point(ec.SECP256R1())).split(".")[0]] + p[1:]
        ),
    }
    answers = set()
    for name, corrupt in corruptions.items():
        p = make_concern()
        parts = seal_payload(app, device, p).split(".")
        (r,) = sync(client, {"client_id": p["client_id"], "jwe": ".".join(corrupt(parts))})
        assert r["status"] == "rejected", name
        answers.add(json.dumps(r["error"], sort_keys=True))
    assert answers == {
        json.dumps(
            {"code": "envelope.decryption_failed", "detail": "authentication tag does not verify"},
            sort_keys=True,
        )
    }
    assert _count(sessions, Concern) == 0


def test_9_2_2_a_sealed_addendum_is_not_a_concern(app, sessions, recorder) -> None:  # type: ignore[no-untyped-def]
    client, device, _ = recorder
    (first,) = sync(client, envelope(app, device, make_concern()))
    addendum = {
        "schema": "frontline.addendum/1",
        "concern_id": first["concern_id"],
        "client_id": str(uuid.uuid4()),
        "recorded_at": datetime.now(UTC).replace(microsecond=0).isoformat(),
        "text": "Seen again at the bus station.",
    }
    (r,) = sync(
        client, {"client_id": addendum["client_id"], "jwe": seal_payload(app, device, addendum)}
    )
    assert r["status"] == "rejected"
    assert r["error"]["code"].startswith("concern.")
    concern = make_concern()
    r2 = client.post(
        f"/api/v1/concerns/{first['concern_id']}/addenda",
        json={"client_id": concern["client_id"], "jwe": seal_payload(app, device, concern)},
        headers=H,
    ).get_json()
    assert r2["status"] == "rejected"
    assert _count(sessions, Concern) == 1


def test_4_1_5_a_captured_envelope_replayed_by_someone_else_is_refused(
    app, sessions, recorder
) -> None:  # type: ignore[no-untyped-def]
    client, device, _ = recorder
    other, _, _ = person(app, roles=("recorder",), name="Another Recorder")
    item = envelope(app, device, make_concern())
    (stolen,) = sync(other, item)
    assert (stolen["status"], stolen["error"]["code"]) == ("rejected", "proof.not_yours")
    (mine,) = sync(client, item)
    assert mine["status"] == "accepted"
    (again,) = sync(client, item)
    assert (again["status"], again["concern_id"]) == ("duplicate", mine["concern_id"])
    (later,) = sync(other, item)
    assert (later["status"], later["error"]["code"]) == ("rejected", "envelope.client_id_conflict")
    assert _count(sessions, Concern) == 1


def _addendum(concern_id: str, text: str = "Seen again near the station.") -> dict[str, Any]:
    return {
        "schema": "frontline.addendum/1",
        "client_id": str(uuid.uuid4()),
        "concern_id": concern_id,
        "recorded_at": datetime.now(UTC).replace(microsecond=0).isoformat(),
        "text": text,
    }


def test_4_1_5_a_captured_concern_sent_first_as_an_addendum_still_reaches_its_recorder(
    app, sessions, recorder
) -> None:  # type: ignore[no-untyped-def]
    client, device, _ = recorder
    thief, thief_device, _ = person(app, roles=("recorder",), name="Another Recorder")
    (own,) = sync(thief, envelope(app, thief_device, make_concern()))
    item = envelope(app, device, make_concern())
    stolen = thief.post(
        f"/api/v1/concerns/{own['concern_id']}/addenda", json=item, headers=H
    ).get_json()
    assert (stolen["status"], stolen["error"]["code"]) == ("rejected", "proof.not_yours")
    (mine,) = sync(client, item)
    assert mine["status"] == "accepted", mine
    assert _count(sessions, Concern) == 2


def test_4_1_5_a_captured_addendum_sent_first_to_sync_still_reaches_its_author(
    app, sessions, recorder
) -> None:  # type: ignore[no-untyped-def]
    client, device, _ = recorder
    thief, _, _ = person(app, roles=("recorder",), name="Another Recorder")
    (first,) = sync(client, envelope(app, device, make_concern()))
    item = envelope(app, device, _addendum(first["concern_id"]))
    (stolen,) = sync(thief, item)
    assert stolen["status"] == "rejected"
    mine = client.post(
        f"/api/v1/concerns/{first['concern_id']}/addenda", json=item, headers=H
    ).get_json()
    assert mine["status"] == "accepted", mine
    assert _count(sessions, Addendum) == 1


def test_8_2_2_an_addendum_handed_over_is_taken_as_its_own_sender_sent_it(
    app, sessions, recorder
) -> None:  # type: ignore[no-untyped-def]
    # Someone who may read a concern sends first the addendum of someone who may not: the
    # author's own sending, through /sync, must not add it to that concern.
    client, device, _ = recorder
    (x,) = sync(client, envelope(app, device, make_concern()))
    outsider, outsider_device, _ = person(
        app, roles=("recorder",), name="Outsider", agency="Northfield Academy"
    )
    item = envelope(app, outsider_device, _addendum(x["concern_id"], "Added by an outsider."))
    direct = outsider.post(f"/api/v1/concerns/{x['concern_id']}/addenda", json=item, headers=H)
    assert direct.status_code == 404
    first = client.post(
        f"/api/v1/concerns/{x['concern_id']}/addenda", json=item, headers=H
    ).get_json()
    assert (first["status"], first["error"]["code"]) == ("rejected", "proof.not_yours")
    (theirs,) = sync(outsider, item)
    assert theirs["status"] == "rejected", theirs
    assert theirs["error"]["code"].startswith("concern."), theirs
    assert _count(sessions, Addendum) == 0


def test_4_1_5_a_captured_envelope_still_being_refused_is_answered_in_progress(
    app, sessions, recorder
) -> None:  # type: ignore[no-untyped-def]
    # Its recorder sends it while the first sender's attempt is still running: "kept, try
    # again", which the phone does, and not a conflict, which it would take as final.
    from backend.models import ReceiptStatus, utcnow

    client, device, _ = recorder
    thief, _, _ = person(app, roles=("recorder",), name="Another Recorder")
    item = envelope(app, device, make_concern())
    (stolen,) = sync(thief, item)
    assert stolen["error"]["code"] == "proof.not_yours"
    with sessions() as s:  # as it stood while the thief's attempt ran
        receipt = s.scalar(select(Receipt))
        refused = (receipt.status, receipt.error_code, receipt.lease_until)
        receipt.status, receipt.error_code = ReceiptStatus.PROCESSING, None
        receipt.lease_until = utcnow() + timedelta(seconds=30)
        s.commit()
    (waiting,) = sync(client, item)
    assert (waiting["status"], waiting["error"]["code"]) == ("rejected", "envelope.in_progress")
    with sessions() as s:
        receipt = s.scalar(select(Receipt))
        receipt.status, receipt.error_code, receipt.lease_until = refused
        s.commit()
    (mine,) = sync(client, item)
    assert mine["status"] == "accepted", mine
    assert _count(sessions, Concern) == 1


def test_9_2_1_recorded_at_beyond_the_clock_skew_is_refused(app, sessions, recorder) -> None:  # type: ignore[no-untyped-def]
    client, device, _ = recorder
    ahead = (datetime.now(UTC) + timedelta(minutes=6)).replace(microsecond=0).isoformat()
    (r,) = sync(client, envelope(app, device, make_concern(recorded_at=ahead)))
    assert (r["status"], r["error"]["code"]) == ("rejected", "concern.recorded_at_in_future")
    within = (datetime.now(UTC) + timedelta(minutes=4)).replace(microsecond=0).isoformat()
    (ok,) = sync(client, envelope(app, device, make_concern(recorded_at=within)))
    assert ok["status"] == "accepted"


@pytest.mark.parametrize("lengths", list(SHORT_EPK_SCALARS), ids=lambda n: f"x{n[0]}-y{n[1]}")
def test_a_concern_whose_epk_lost_its_leading_zeros_is_accepted(  # type: ignore[no-untyped-def]
    app, sessions, recorder, monkeypatch, lengths
) -> None:
    # Sealed by joserfc as libraries that drop a coordinate's leading zero bytes write it.
    client, device, _ = recorder
    p = make_concern()
    ring = app.extensions["frontline"].keyring
    plaintext = crypto.open_envelope(seal_payload(app, device, p), ring).plaintext
    jwe = seal_with_joserfc(monkeypatch, ring, plaintext, SHORT_EPK_SCALARS[lengths])
    assert epk_lengths(jwe) == lengths
    (r,) = sync(client, {"client_id": p["client_id"], "jwe": jwe})
    assert r["status"] == "accepted", r
    assert _count(sessions, Concern) == 1


def test_a_33_byte_epk_coordinate_is_refused(app, sessions, recorder, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    client, device, _ = recorder
    p = make_concern()
    ring = app.extensions["frontline"].keyring
    plaintext = crypto.open_envelope(seal_payload(app, device, p), ring).plaintext

    def padded_to_33(num: int, byte_count: int | None = None) -> str:
        return b64url_encode(num.to_bytes(33, "big"))

    jwe = seal_with_joserfc(monkeypatch, ring, plaintext, SHORT_EPK_SCALARS[(31, 32)], padded_to_33)
    (r,) = sync(client, {"client_id": p["client_id"], "jwe": jwe})
    assert (r["status"], r["error"]["code"]) == ("rejected", "envelope.epk_invalid")
    assert _count(sessions, Concern) == 0
