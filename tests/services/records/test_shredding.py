"""Destroying a record's wrapped data key makes it unreadable for good (crypto-shredding)."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import delete

import crypto
from backend.models import Concern, DataKeyRecord
from backend.services.records.sealed import db_data_key
from tests.factories import envelope, make_concern, person, sync


def test_deleting_the_data_key_shreds_the_concern_and_its_addenda(app, sessions) -> None:  # type: ignore[no-untyped-def]
    client, device, _ = person(app)
    (r,) = sync(client, envelope(app, device, make_concern()))
    cid = uuid.UUID(r["concern_id"])
    ring = app.extensions["frontline"].keyring
    with sessions() as s:
        key_id = s.get(Concern, cid).data_key_id
        assert db_data_key(s, ring, key_id) is not None
        s.execute(delete(DataKeyRecord).where(DataKeyRecord.id == key_id))
        s.commit()
    with sessions() as s:
        concern = s.get(Concern, cid)
        assert concern.data_key_id is None  # the row stays; its content is gone
        assert concern.crypto_document  # ciphertext remains, with no key anywhere to open it
        with pytest.raises(crypto.DataKeyUnavailable):
            db_data_key(s, ring, concern.data_key_id)
    r = client.get(f"/api/v1/concerns/{cid}?purpose=check_own_record")
    assert (r.status_code, r.get_json()["code"]) == (410, "concern.erased")
