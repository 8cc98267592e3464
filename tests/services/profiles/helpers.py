"""Profiles and photos as the phone makes them, for the profile tests."""

from __future__ import annotations

import hashlib
import io
import struct
import uuid
import zlib
from datetime import timedelta
from typing import Any

from backend.models import utcnow
from tests.factories import H, envelope, person, sync

HOME = "Oakview Children's Home"
CANARY = f"CANARY-PROFILE-{uuid.uuid4()}"


def png(
    width: int = 4,
    height: int = 3,
    *,
    text: bytes | None = None,
    seed: int = 0,
    pixels: bytes = b"",
) -> bytes:
    """A real PNG of a few pixels; ``text`` adds a tEXt chunk (metadata the app never writes);
    ``pixels`` are laid in its first rows, stored uncompressed so they can be searched for."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    raw = pixels.ljust(width * 3 * height, b"\x00")
    rows = b"".join(
        b"\x00" + bytes((raw[y * width * 3 + x] + seed + x) % 256 for x in range(width * 3))
        if not pixels
        else b"\x00" + raw[y * width * 3 : (y + 1) * width * 3]
        for y in range(height)
    )
    out = io.BytesIO()
    out.write(b"\x89PNG\r\n\x1a\n")
    out.write(chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)))
    if text is not None:
        out.write(chunk(b"tEXt", text))
    out.write(chunk(b"IDAT", zlib.compress(rows, 0 if pixels else 6)))
    out.write(chunk(b"IEND", b""))
    return out.getvalue()


def seal_image(app: Any, image: bytes, cty: str = "image/png") -> str:
    import crypto

    ring = app.extensions["frontline"].keyring
    kid = ring.current(crypto.KeyKind.SEAL).id
    public = ring.sealing_private_key(kid).public_key()
    return crypto.seal_envelope(image, public, kid=kid, extra_header={"cty": cty})


def upload(client: Any, app: Any, image: bytes, client_id: str | None = None, **kw: Any) -> Any:
    body = {"client_id": client_id or str(uuid.uuid4()), "jwe": seal_image(app, image, **kw)}
    return client.post("/api/v1/attachments", json=body, headers=H)


def photo(client_id: str, image: bytes) -> dict[str, Any]:
    return {
        "attachment": client_id,
        "sha256": hashlib.sha256(image).hexdigest(),
        "taken_at": (utcnow() - timedelta(minutes=5)).replace(microsecond=0).isoformat(),
        "caption": "Taken at the home",
    }


def make_profile(profile_id: str | None = None, **overrides: Any) -> dict[str, Any]:
    """A valid profile of Zoë (the factories' child); override any top-level field."""
    record: dict[str, Any] = {
        "schema": "frontline.profile/1",
        "client_id": str(uuid.uuid4()),
        "profile_id": profile_id or str(uuid.uuid4()),
        "recorded_at": utcnow().replace(microsecond=0).isoformat(),
        "subject": {
            "given_name": "Zoë",
            "family_name": "O'Brien",
            "date_of_birth": "2011-03-09",
            "nhs_number": "943 476 5919",
            "legal_status": "looked_after",
        },
        "description": {
            "height_cm": 158,
            "hair": "dark brown, shoulder length",
            "usual_clothing": f"black puffer jacket, white trainers {CANARY}",
        },
        "health": {"needs": "asthma", "medication": "salbutamol inhaler"},
        "associates": [{"kind": "adult_of_concern", "nickname": "Ricky"}],
        "places": [{"name": "the takeaway on Cowley Road", "postcode": "OX4 1AA"}],
        "phones": ["07700 900456"],
        "accounts": [{"platform": "Snapchat", "handle": "zee_11"}],
        "photos": [],
        "review_due": (utcnow() + timedelta(days=90)).date().isoformat(),
    }
    record.update(overrides)
    return record


def carer(app: Any) -> tuple[Any, Any]:
    return person(
        app,
        agency=HOME,
        roles=("recorder", "inbox_member"),
        inboxes=("Home Manager",),
        name="Care worker",
    )[:2]


def police_inbox(app: Any, inbox: str = "Missing Persons") -> tuple[Any, Any]:
    return person(
        app, roles=("recorder", "inbox_member"), inboxes=(inbox,), name=f"{inbox} officer"
    )[:2]


def send(app: Any, who: tuple[Any, Any], payload: dict[str, Any]) -> dict[str, Any]:
    client, device = who
    (result,) = sync(client, envelope(app, device, payload))
    return result
