"""The versioned key ring: sealing, key-encryption, blind-index and audit-signing keys.

The ring is a JSON document (``frontline.keyring/1``) kept outside the database: in the
instance folder with mode 0600, or in the ``FRONTLINE_KEYRING`` environment variable.
Every key has an id, a kind and a version; exactly one key of each kind is *current*
(used for new work), older ones stay *previous* (still used to open and unwrap) until
retired. Retiring removes the key material from the ring for good.
"""

from __future__ import annotations

import json
import os
import secrets
import stat
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from enum import Enum
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ec, ed25519

from crypto.encoding import b64url_decode, b64url_encode
from crypto.errors import KeyRingError

FORMAT = "frontline.keyring/1"


class KeyKind(str, Enum):
    """The kinds of key the ring holds (docs/architecture.md, "The security model")."""

    SEAL = "seal"  # P-256 key agreement for envelopes (RFC 7518 section 4.6)
    KEK = "kek"  # AES-256 key-encryption key for per-record data keys
    BLIND = "blind"  # HMAC-SHA256 key for blind indexes
    AUDIT = "audit"  # Ed25519 key signing audit-chain checkpoints (RFC 8032)
    PUSH = "push"  # P-256 ECDSA key identifying the server to push services (VAPID, RFC 8292)


# Kinds added after rings were first issued: a ring may lack one until ``frontline init``
# adds it (``KeyRing.completed``).
OPTIONAL_KINDS = frozenset({KeyKind.PUSH})


@dataclass(frozen=True)
class KeyEntry:
    """One key of the ring; the material never appears in ``repr``."""

    id: str
    kind: KeyKind
    version: int
    created_at: datetime
    superseded_at: datetime | None = None
    material: bytes = field(repr=False, default=b"")

    @property
    def current(self) -> bool:
        return self.superseded_at is None


def _now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def _new_material(kind: KeyKind) -> bytes:
    if kind in (KeyKind.SEAL, KeyKind.PUSH):
        scalar = ec.generate_private_key(ec.SECP256R1()).private_numbers().private_value
        return scalar.to_bytes(32, "big")
    if kind is KeyKind.AUDIT:
        from cryptography.hazmat.primitives.serialization import (
            Encoding,
            NoEncryption,
            PrivateFormat,
        )

        key = ed25519.Ed25519PrivateKey.generate()
        return key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
    return secrets.token_bytes(32)


def _check_material(kind: KeyKind, material: bytes, key_id: str) -> None:
    if len(material) != 32:
        raise KeyRingError(f"key {key_id}: {kind.value} material must be 32 bytes")
    if kind in (KeyKind.SEAL, KeyKind.PUSH):
        try:
            ec.derive_private_key(int.from_bytes(material, "big"), ec.SECP256R1())
        except ValueError as exc:
            raise KeyRingError(f"key {key_id}: not a valid P-256 private scalar") from exc


class KeyRing:
    """An immutable set of keys; every change returns a new ring."""

    def __init__(self, entries: Iterable[KeyEntry]) -> None:
        self._entries: tuple[KeyEntry, ...] = tuple(entries)
        self._by_id = {entry.id: entry for entry in self._entries}
        if len(self._by_id) != len(self._entries):
            raise KeyRingError("duplicate key ids in key ring")
        # Keyed by the kind's value: Enum.__hash__ runs in Python and this is a hot path.
        self._current: dict[str, KeyEntry] = {}
        for kind in KeyKind:
            currents = [e for e in self._entries if e.kind is kind and e.current]
            if not currents and kind in OPTIONAL_KINDS:
                continue
            if len(currents) != 1:
                raise KeyRingError(f"key ring needs exactly one current {kind.value} key")
            self._current[kind._value_] = currents[0]
        self._cache: dict[str, Any] = {}

    def __repr__(self) -> str:  # material stays out of logs and tracebacks
        return f"KeyRing({', '.join(e.id for e in self._entries)})"

    @property
    def entries(self) -> tuple[KeyEntry, ...]:
        return self._entries

    def current(self, kind: KeyKind) -> KeyEntry:
        """Return the key of this kind used for new work."""
        return self._current[kind._value_]

    def has(self, kind: KeyKind) -> bool:
        """Return whether the ring has a current key of this kind (optional kinds may not)."""
        return kind._value_ in self._current

    def completed(self, *, now: datetime | None = None) -> KeyRing:
        """Return a ring with a first key of every optional kind it lacks (or this ring)."""
        missing = [k for k in KeyKind if not self.has(k)]
        if not missing:
            return self
        when = now or _now()
        return KeyRing(
            [
                *self._entries,
                *(KeyEntry(_key_id(k, 1), k, 1, when, material=_new_material(k)) for k in missing),
            ]
        )

    def of_kind(self, kind: KeyKind) -> list[KeyEntry]:
        """Return every key of this kind, newest first."""
        return sorted((e for e in self._entries if e.kind is kind), key=lambda e: -e.version)

    def find(self, key_id: str, kind: KeyKind) -> KeyEntry | None:
        """Return the key with this id if it is of this kind, else None."""
        entry = self._by_id.get(key_id)
        return entry if entry is not None and entry.kind is kind else None

    def sealing_private_key(self, key_id: str) -> ec.EllipticCurvePrivateKey:
        """Return the P-256 private key of a sealing key (cached)."""
        cached = self._cache.get(key_id)
        if cached is None:
            entry = self._by_id[key_id]
            cached = ec.derive_private_key(int.from_bytes(entry.material, "big"), ec.SECP256R1())
            self._cache[key_id] = cached
        return cached  # type: ignore[no-any-return]

    def push_private_key(self) -> ec.EllipticCurvePrivateKey:
        """Return the current VAPID signing key."""
        return ec.derive_private_key(
            int.from_bytes(self.current(KeyKind.PUSH).material, "big"), ec.SECP256R1()
        )

    def audit_private_key(self, key_id: str) -> ed25519.Ed25519PrivateKey:
        """Return the Ed25519 signing key of an audit key."""
        return ed25519.Ed25519PrivateKey.from_private_bytes(self._by_id[key_id].material)

    # -- changes ---------------------------------------------------------------------------

    def rotate(self, kind: KeyKind, *, now: datetime | None = None) -> KeyRing:
        """Return a ring with a new current key of this kind; the old one becomes previous."""
        when = now or _now()
        old = self.current(kind)
        version = max(e.version for e in self.of_kind(kind)) + 1
        new = KeyEntry(
            id=_key_id(kind, version),
            kind=kind,
            version=version,
            created_at=when,
            material=_new_material(kind),
        )
        entries = [replace(e, superseded_at=when) if e is old else e for e in self._entries]
        return KeyRing([*entries, new])

    def retire(self, key_id: str) -> KeyRing:
        """Return a ring without this key.

        WARNING: retiring destroys the key; call it only once the caller has proved that
        nothing depends on it any more (no wrapped data key, no pending envelope).
        """
        entry = self._by_id.get(key_id)
        if entry is None:
            raise KeyRingError(f"no key {key_id} in the key ring")
        if entry.current:
            raise KeyRingError(f"key {key_id} is current; rotate it before retiring it")
        return KeyRing(e for e in self._entries if e.id != key_id)

    # -- (de)serialisation -------------------------------------------------------------------

    def to_json(self) -> str:
        """Serialise the ring, key material included."""
        keys = []
        for e in self._entries:
            item: dict[str, Any] = {
                "id": e.id,
                "kind": e.kind.value,
                "version": e.version,
                "created_at": e.created_at.isoformat(),
                "material": b64url_encode(e.material),
            }
            if e.superseded_at is not None:
                item["superseded_at"] = e.superseded_at.isoformat()
            keys.append(item)
        return json.dumps({"format": FORMAT, "keys": keys}, indent=2) + "\n"

    @classmethod
    def from_json(cls, text: str) -> KeyRing:
        """Parse a serialised ring, checking every key; raise KeyRingError saying why not."""
        try:
            doc = json.loads(text)
        except ValueError as exc:
            raise KeyRingError("key ring is not valid JSON") from exc
        if not isinstance(doc, dict) or doc.get("format") != FORMAT:
            raise KeyRingError(f"key ring format must be {FORMAT!r}")
        raw_keys = doc.get("keys")
        if not isinstance(raw_keys, list):
            raise KeyRingError("key ring has no 'keys' list")
        entries = []
        for item in raw_keys:
            try:
                key_id = str(item["id"])
                kind = KeyKind(item["kind"])
                material = b64url_decode(item["material"])
                superseded = item.get("superseded_at")
                entry = KeyEntry(
                    id=key_id,
                    kind=kind,
                    version=int(item["version"]),
                    created_at=datetime.fromisoformat(item["created_at"]),
                    superseded_at=datetime.fromisoformat(superseded) if superseded else None,
                    material=material,
                )
            except (KeyError, TypeError, ValueError) as exc:
                raise KeyRingError(f"malformed key entry: {exc.__class__.__name__}") from None
            _check_material(kind, material, key_id)
            entries.append(entry)
        return cls(entries)


def _key_id(kind: KeyKind, version: int) -> str:
    # A short random suffix keeps ids unique across partnerships that rotate independently.
    return f"{kind.value}-{version}-{secrets.token_hex(3)}"


def generate_keyring(*, now: datetime | None = None) -> KeyRing:
    """Return a new ring with one current key of every kind."""
    when = now or _now()
    return KeyRing(
        KeyEntry(id=_key_id(k, 1), kind=k, version=1, created_at=when, material=_new_material(k))
        for k in KeyKind
    )


def load_keyring_file(path: Path) -> KeyRing:
    """Load a ring from a file that only its owner may read; say why when refusing."""
    try:
        st = path.stat()
    except FileNotFoundError:
        raise KeyRingError(f"key ring {path} does not exist; run 'frontline init'") from None
    if st.st_mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise KeyRingError(
            f"key ring {path} is readable by others (mode {stat.S_IMODE(st.st_mode):o}); "
            "run 'chmod 600' on it"
        )
    return KeyRing.from_json(path.read_text(encoding="utf-8"))


def save_keyring_file(ring: KeyRing, path: Path) -> None:
    """Write the ring atomically with mode 0600 (create, fsync, rename)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(ring.to_json())
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()
