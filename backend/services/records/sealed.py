"""Per-record data keys in the database, and sealing of a record's personal fields."""

from __future__ import annotations

import uuid

from sqlalchemy.orm import Session

import crypto
from backend.models import DataKeyRecord, insert_into, new_id, utcnow


def db_new_data_key(session: Session, ring: crypto.KeyRing) -> crypto.DataKey:
    """Create a record's data key, store it wrapped under the current KEK, return it."""
    key_id = new_id()
    key, wrapped = crypto.new_data_key(ring, str(key_id))
    # Written at once (records point at their key by id alone, with no ORM relationship
    # that would order the inserts), and as a plain insert: it is on the ingest hot path.
    session.execute(
        insert_into(DataKeyRecord),
        {
            "id": key_id,
            "kek_id": wrapped.kek_id,
            "crypto_wrapped": wrapped.blob,
            "created_at": utcnow(),
            "rewrapped_at": None,
        },
    )
    return key


def db_data_key(session: Session, ring: crypto.KeyRing, key_id: uuid.UUID | None) -> crypto.DataKey:
    """Unwrap a record's data key; a shredded record has none and cannot be read."""
    record = session.get(DataKeyRecord, key_id) if key_id is not None else None
    if record is None:
        raise crypto.DataKeyUnavailable("this record's data key was destroyed")
    return crypto.unwrap_data_key(
        ring, str(record.id), crypto.WrappedKey(record.kek_id, record.crypto_wrapped)
    )


def seal(key: crypto.DataKey, value: str, *, table: str, row_id: uuid.UUID, field: str) -> bytes:
    """Encrypt one personal field of a row, bound to that table, row and field."""
    return crypto.seal_field(key, value, table=table, row_id=str(row_id), field=field)


def unseal(key: crypto.DataKey, blob: bytes, *, table: str, row_id: uuid.UUID, field: str) -> str:
    """Decrypt one personal field of a row."""
    return crypto.open_field(key, blob, table=table, row_id=str(row_id), field=field)
