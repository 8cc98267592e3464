"""Key ring lifecycle: create, rotate, re-wrap data keys, and retire keys nothing needs."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

import crypto
from backend.core.config import Config, ConfigError
from backend.core.errors import Conflict
from backend.core.state import load_keyring
from backend.models import REFUSED_KEPT, DataKeyRecord, Receipt, ReceiptStatus, utcnow
from backend.services.linking import blind_keys
from backend.services.suspicions import keys as suspicion_keys


class KeyInUse(Conflict):
    """A key cannot be retired; the message says what still depends on it."""

    def __init__(self, detail: str) -> None:
        super().__init__("key.in_use", detail)


# How long a current key may serve before it is due for rotation (13.3.4). The sealing key
# is exposed on every phone; the KEK wraps everything; the blind key is costly to rotate
# (every index is recomputed) and the audit key signs what must stay verifiable.
ROTATE_AFTER: dict[crypto.KeyKind, timedelta] = {
    crypto.KeyKind.SEAL: timedelta(days=180),
    crypto.KeyKind.KEK: timedelta(days=365),
    crypto.KeyKind.BLIND: timedelta(days=730),
    crypto.KeyKind.AUDIT: timedelta(days=730),
    crypto.KeyKind.PUSH: timedelta(days=730),
}


def rotation_due(ring: crypto.KeyRing, *, now: datetime | None = None) -> list[crypto.KeyEntry]:
    """Current keys older than their kind's rotation period."""
    at = now or utcnow()
    return [
        e
        for e in ring.entries
        if e.current and e.kind in ROTATE_AFTER and at - e.created_at > ROTATE_AFTER[e.kind]
    ]


def ensure_keyring(
    config: Config, *, stored: list[str] | None = None
) -> tuple[crypto.KeyRing, bool]:
    """Load the key ring, creating it (mode 0600) when there is none; return (ring, created).

    ``stored`` names the key-encryption keys the database's data keys are wrapped under:
    when there are any, no ring is created, since a new one would open none of the records
    and seal new ones that the other hosts (with the real ring) could not open.
    """
    if config.keyring_text or config.keyring_path.exists():
        ring = load_keyring(config)
        if config.keyring_text:
            return ring, False  # its owner adds missing kinds to the file it came from
        completed = ring.completed()
        if completed is not ring:
            # A ring from before a kind of key existed gains its first key of that kind.
            crypto.save_keyring_file(completed, config.keyring_path)
        return completed, False
    if stored:
        raise ConfigError(
            f"no key ring at {config.keyring_path}, but the database holds records sealed "
            f"under one ({', '.join(stored[:3])}): copy the ring from another host, or "
            "recover it from its escrow ('frontline keys recover'); a new ring would open none"
        )
    ring = crypto.generate_keyring()
    crypto.save_keyring_file(ring, config.keyring_path)
    return ring, True


def _writable(config: Config) -> None:
    if config.keyring_text:
        raise ConfigError(
            "the key ring comes from FRONTLINE_KEYRING: change the file it was made from "
            "(FRONTLINE_INSTANCE pointing at it), then update the variable"
        )


def rotate(config: Config, kind: crypto.KeyKind) -> crypto.KeyEntry:
    """Add a new current key of this kind; the previous one stays for opening."""
    _writable(config)
    ring = load_keyring(config).rotate(kind)
    crypto.save_keyring_file(ring, config.keyring_path)
    return ring.current(kind)


def rewrap(
    sessions: sessionmaker[Session],
    ring: crypto.KeyRing,
    *,
    batch: int = 500,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Re-wrap every data key not under the current KEK; bodies are never touched.

    Commits each batch, so an interrupted run resumes where it stopped.
    """
    current = ring.current(crypto.KeyKind.KEK).id
    done = 0
    while True:
        with sessions() as session:
            rows = session.scalars(
                select(DataKeyRecord)
                .where(DataKeyRecord.kek_id != current)
                .order_by(DataKeyRecord.id)
                .limit(batch)
                .with_for_update(skip_locked=True)
            ).all()
            if not rows:
                return done
            now = utcnow()
            for row in rows:
                wrapped = crypto.rewrap_data_key(
                    ring, str(row.id), crypto.WrappedKey(row.kek_id, row.crypto_wrapped)
                )
                row.kek_id, row.crypto_wrapped, row.rewrapped_at = wrapped.kek_id, wrapped.blob, now
            session.commit()
        done += len(rows)
        if progress is not None:
            progress(len(rows))


def pending_rewrap(session: Session, ring: crypto.KeyRing) -> int:
    current = ring.current(crypto.KeyKind.KEK).id
    return (
        session.scalar(
            select(func.count()).select_from(DataKeyRecord).where(DataKeyRecord.kek_id != current)
        )
        or 0
    )


def _kek_users(session: Session, entry: crypto.KeyEntry, config: Config) -> str | None:
    count = session.scalar(
        select(func.count()).select_from(DataKeyRecord).where(DataKeyRecord.kek_id == entry.id)
    )
    return f"{count} data keys are wrapped under it; run 'frontline keys rewrap'" if count else None


def _seal_grace(session: Session, entry: crypto.KeyEntry, config: Config) -> str | None:
    # Phones that fetched the key set before the rotation still seal to this key.
    if entry.superseded_at is None:
        return "it is current"
    ends = entry.superseded_at + timedelta(days=config.seal_grace_days)
    if utcnow() < ends:
        return f"its grace period for offline phones runs until {ends.isoformat()}"
    return None


def _seal_pending(session: Session, entry: crypto.KeyEntry, config: Config) -> str | None:
    # A kept envelope sealed to this key can only ever be opened with it: one waiting to be
    # processed, or one refused and kept for a retry (REFUSED_KEPT, docs/retention.md).
    kept = dict(
        session.execute(
            select(Receipt.status, func.count())
            .where(Receipt.kid == entry.id, Receipt.crypto_jwe.is_not(None))
            .group_by(Receipt.status)
        ).all()
    )
    refused = kept.pop(ReceiptStatus.REJECTED, 0)
    waiting = sum(kept.values())
    said = []
    if waiting:
        said.append(f"{waiting} received envelopes sealed to it are not processed yet")
    if refused:
        said.append(
            f"{refused} refused envelopes sealed to it are kept for a retry (for "
            f"{REFUSED_KEPT.days} days after their refusal)"
        )
    return "; ".join(said) or None


def _blind_users(session: Session, entry: crypto.KeyEntry, config: Config) -> str | None:
    # Its indexes are the ones read until every record is indexed under the current key;
    # then retiring deletes them.
    ring = load_keyring(config)
    count = blind_keys.pending(session, ring) + suspicion_keys.pending(session, ring)
    return (
        f"{count} concerns, addenda or suspicions are not indexed under the current blind "
        "key yet; run 'frontline keys reindex'"
        if count
        else None
    )


# What may still need a key, per kind; later steps of the pipeline add their own checks.
DEPENDENCY_CHECKS: dict[crypto.KeyKind, list[Callable[..., str | None]]] = {
    crypto.KeyKind.KEK: [_kek_users],
    crypto.KeyKind.SEAL: [_seal_grace, _seal_pending],
    crypto.KeyKind.BLIND: [_blind_users],
    crypto.KeyKind.AUDIT: [],
}


def dependents(session: Session, entry: crypto.KeyEntry, config: Config) -> list[str]:
    """Return the reasons this key is still needed (empty when it may be retired)."""
    reasons = [check(session, entry, config) for check in DEPENDENCY_CHECKS[entry.kind]]
    return [r for r in reasons if r]


def retire(config: Config, sessions: sessionmaker[Session], key_id: str) -> crypto.KeyEntry:
    """Remove a superseded key from the ring once nothing depends on it; refuse otherwise."""
    _writable(config)
    ring = load_keyring(config)
    entry = next((e for e in ring.entries if e.id == key_id), None)
    if entry is None:
        raise KeyInUse(f"there is no key {key_id}")
    if entry.current:
        raise KeyInUse(f"{key_id} is current: rotate its kind first")
    with sessions() as session:
        reasons = dependents(session, entry, config)
    if reasons:
        raise KeyInUse(f"{key_id} is still needed: " + "; ".join(reasons))
    if entry.kind is crypto.KeyKind.BLIND:
        # Servers still running with it in their ring write its indexes until restarted;
        # those are only ever extra rows, which the next retire run deletes.
        with sessions() as session:
            blind_keys.db_forget(session, key_id)
            suspicion_keys.db_forget(session, key_id)
            session.commit()
    crypto.save_keyring_file(ring.retire(key_id), config.keyring_path)
    return entry
