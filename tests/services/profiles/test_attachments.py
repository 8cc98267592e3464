"""Photos: uploaded sealed and idempotent on client_id, refused when oversize, not an image,
still carrying metadata, or not the image their record names (whichever arrived first);
deleted when no record names them within 7 days."""

from __future__ import annotations

import struct
import uuid
import zlib
from datetime import timedelta

from sqlalchemy import func, select

from backend.models import Attachment, DataKeyRecord, Profile, utcnow
from backend.services.profiles.attachments import MAX_SEALED, db_erase_profile, db_sweep_unnamed
from backend.services.records.audit import SYSTEM
from tests.factories import H
from tests.services.profiles.helpers import (
    carer,
    make_profile,
    photo,
    png,
    seal_image,
    send,
    upload,
)


def _count(sessions, model) -> int:  # type: ignore[no-untyped-def]
    with sessions() as s:
        return s.scalar(select(func.count()).select_from(model)) or 0


def test_the_same_upload_again_answers_duplicate(app, sessions) -> None:  # type: ignore[no-untyped-def]
    client, _ = carer(app)
    cid = str(uuid.uuid4())
    body = {"client_id": cid, "jwe": seal_image(app, png())}
    first = client.post("/api/v1/attachments", json=body, headers=H)
    second = client.post("/api/v1/attachments", json=body, headers=H)
    assert first.get_json()["status"] == "accepted"
    assert second.status_code == 200
    assert second.get_json() == {**first.get_json(), "status": "duplicate"}
    other = upload(client, app, png(seed=3), cid)  # the same client_id, another image
    assert other.status_code == 409
    assert other.get_json()["code"] == "attachment.client_id_conflict"
    assert _count(sessions, Attachment) == 1


def test_oversize_not_an_image_and_metadata_are_refused(app, sessions) -> None:  # type: ignore[no-untyped-def]
    client, _ = carer(app)
    huge = {"client_id": str(uuid.uuid4()), "jwe": "a" * (MAX_SEALED + 1)}
    r = client.post("/api/v1/attachments", json=huge, headers=H)
    assert r.status_code == 413
    assert r.get_json()["code"] == "attachment.too_large"
    r = upload(client, app, b"GIF89a not a photo")
    assert r.status_code == 422
    assert r.get_json()["code"] == "attachment.not_an_image"
    r = upload(client, app, png(), cty="image/gif")
    assert r.status_code == 422
    assert r.get_json()["code"] == "attachment.type_unsupported"
    r = upload(client, app, png(text=b"GPS\x0051.75N 1.25W"))
    assert r.status_code == 422
    assert r.get_json()["code"] == "attachment.metadata_present"
    exif = b"\xff\xd8\xff\xe1\x00\x10Exif\x00\x00MM\x00*\x00\x00\x00\x08\xff\xd9"
    r = upload(client, app, exif, cty="image/jpeg")
    assert r.status_code == 422
    assert r.get_json()["code"] == "attachment.metadata_present"
    r = upload(client, app, png(width=1601, height=2))
    assert r.status_code == 422
    assert r.get_json()["code"] == "attachment.too_many_pixels"
    assert _count(sessions, Attachment) == 0


def test_photo_first_then_a_record_naming_another_hash_is_refused(app, sessions) -> None:  # type: ignore[no-untyped-def]
    home = carer(app)
    cid = str(uuid.uuid4())
    assert upload(home[0], app, png(seed=1), cid).get_json()["status"] == "accepted"
    result = send(app, home, make_profile(photos=[photo(cid, png(seed=2))]))
    assert result["status"] == "rejected"
    assert result["error"]["code"] == "profile.photo_mismatch"
    assert _count(sessions, Profile) == 0
    right = send(app, home, make_profile(photos=[photo(cid, png(seed=1))]))
    assert right["status"] == "accepted", right


def test_record_first_then_another_image_is_refused(app, sessions) -> None:  # type: ignore[no-untyped-def]
    home = carer(app)
    cid = str(uuid.uuid4())
    payload = make_profile(photos=[photo(cid, png(seed=1))])
    assert send(app, home, payload)["status"] == "accepted"
    keys = _count(sessions, DataKeyRecord)
    wrong = upload(home[0], app, png(seed=2), cid)
    assert wrong.status_code == 422
    assert wrong.get_json()["code"] == "attachment.hash_mismatch"
    assert _count(sessions, Attachment) == 0
    assert _count(sessions, DataKeyRecord) == keys
    right = upload(home[0], app, png(seed=1), cid)
    assert right.status_code == 200
    assert right.get_json()["status"] == "accepted"
    with sessions() as s:
        stored = s.scalar(select(Attachment))
        version = s.scalar(select(Profile))
        assert stored is not None
        assert version is not None
        assert stored.data_key_id == version.data_key_id  # sealed under the record's key
    shown = home[0].get(f"/api/v1/profiles/{payload['profile_id']}?purpose=check_own_record")
    assert shown.get_json()["photos"][0]["attachment_id"] == right.get_json()["attachment_id"]


def test_a_photo_no_record_names_is_deleted_after_7_days(app, sessions) -> None:  # type: ignore[no-untyped-def]
    home = carer(app)
    named, unnamed = str(uuid.uuid4()), str(uuid.uuid4())
    upload(home[0], app, png(seed=1), named)
    upload(home[0], app, png(seed=2), unnamed)
    assert send(app, home, make_profile(photos=[photo(named, png(seed=1))]))["status"] == "accepted"
    keys = _count(sessions, DataKeyRecord)
    with sessions() as s:
        assert db_sweep_unnamed(s, now=utcnow() + timedelta(days=6, hours=23)) == 0
        assert db_sweep_unnamed(s, now=utcnow() + timedelta(days=7, minutes=1)) == 1
        s.commit()
    with sessions() as s:
        left = [str(a.client_id) for a in s.scalars(select(Attachment))]
    assert left == [named]
    assert _count(sessions, DataKeyRecord) == keys - 1  # its own key went with it


def test_a_photo_of_an_erased_profile_arriving_late_is_refused_not_kept(app, sessions) -> None:  # type: ignore[no-untyped-def]
    home = carer(app)
    image = png(seed=9)
    cid = str(uuid.uuid4())
    payload = make_profile(photos=[photo(cid, image)])
    assert send(app, home, payload)["status"] == "accepted"
    with sessions() as s:
        db_erase_profile(s, uuid.UUID(payload["profile_id"]), reason="review", actor=SYSTEM)
        s.commit()
    late = upload(home[0], app, image, cid)  # it waited in the phone's outbox meanwhile
    assert (late.status_code, late.get_json()["code"]) == (409, "attachment.record_erased")
    assert _count(sessions, Attachment) == 0


# The smallest JPEG the server reads: start, JFIF, a 2x2 frame, a scan, end.
JPEG = (
    b"\xff\xd8"
    + b"\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    + b"\xff\xc0\x00\x0b\x08\x00\x02\x00\x02\x01\x01\x11\x00"
    + b"\xff\xda\x00\x08\x01\x01\x00\x00\x3f\x00\x00"
    + b"\xff\xd9"
)


def _chunk(kind: bytes, data: bytes) -> bytes:
    body = kind + data
    return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))


def test_metadata_hidden_where_no_list_of_known_kinds_would_look_is_refused(app, sessions) -> None:  # type: ignore[no-untyped-def]
    client, _ = carer(app)
    plain = png()
    ihdr_end = 8 + 12 + 13
    hidden = [
        (plain[:ihdr_end] + _chunk(b"prIv", b"GPS 51.75N") + plain[ihdr_end:], "image/png"),
        (plain + b"GPS 51.75N", "image/png"),
        (JPEG[:2] + b"\xff\xe3\x00\x0cGPS 51.75N" + JPEG[2:], "image/jpeg"),
        (JPEG + b"GPS 51.75N", "image/jpeg"),
    ]
    for image, cty in hidden:
        r = upload(client, app, image, cty=cty)
        assert (r.status_code, r.get_json()["code"]) == (422, "attachment.metadata_present")
    assert _count(sessions, Attachment) == 0
    for image, cty in ((plain, "image/png"), (JPEG, "image/jpeg")):
        assert upload(client, app, image, cty=cty).get_json()["status"] == "accepted"
