"""Backups that restore: a consistent copy of the database and a manifest saying what it
holds (the schema's revision and the audit chain's head at that moment).

SQLite is copied with its online backup API (one read transaction, so the copy is of one
moment while writers go on); PostgreSQL with ``pg_dump -Fc`` under a snapshot exported from
the transaction that reads the manifest (``backup_pg``), so the manifest and the dump are
the same moment. The key ring is never in a backup: it is escrowed apart
(``crypto.escrow``), and a backup restored without it reads nothing.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.engine import make_url

from backend.core.errors import Conflict, Invalid

FORMAT = "frontline.backup/1"
MANIFEST = "manifest.json"
SQLITE_FILE = "database.sqlite3"
PG_FILE = "database.pgdump"


class BackupRefused(Conflict):
    """A backup or restore would overwrite something, or its tools cannot do it safely."""

    def __init__(self, detail: str) -> None:
        super().__init__("backup.refused", detail)


class BackupDamaged(Invalid):
    """A backup's files do not match its manifest."""

    def __init__(self, detail: str) -> None:
        super().__init__("backup.damaged", detail)


@dataclass(frozen=True)
class Manifest:
    """What a backup holds; written beside the database file as ``manifest.json``."""

    engine: str
    file: str
    sha256: str
    alembic_revision: str | None
    audit_seq: int
    audit_hash: str
    key_ids: list[str]  # the keys that open it: an escrow holding them must come with it
    created_at: str
    tool: str | None = None  # pg_dump's version, which pg_restore must be at least
    server_version: str | None = None
    notes: list[str] = field(default_factory=list)
    format: str = FORMAT

    def write(self, folder: Path) -> None:
        (folder / MANIFEST).write_text(json.dumps(asdict(self), indent=2) + "\n")

    @classmethod
    def read(cls, folder: Path) -> Manifest:
        try:
            doc = json.loads((folder / MANIFEST).read_text())
            if doc.get("format") != FORMAT:
                raise BackupDamaged(f"{MANIFEST} is not a {FORMAT} manifest")
            return cls(**doc)
        except (OSError, ValueError, TypeError) as exc:
            raise BackupDamaged(
                f"no readable {MANIFEST} in {folder}: {type(exc).__name__}"
            ) from None


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def now_text() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat()


def prepare_folder(folder: Path) -> None:
    """Make the backup's folder (0700); refuse one that already holds a backup."""
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    if (folder / MANIFEST).exists():
        raise BackupRefused(f"{folder} already holds a backup; give a new folder")


def check_file(folder: Path, manifest: Manifest) -> Path:
    """The database file of a backup, once its checksum matches the manifest's."""
    path = folder / manifest.file
    if not path.is_file() or sha256_of(path) != manifest.sha256:
        raise BackupDamaged(f"{manifest.file} is missing or does not match its checksum")
    return path


# -- SQLite ---------------------------------------------------------------------------------


def sqlite_path(url: str) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:":
        raise BackupRefused("an in-memory SQLite database has nothing to back up")
    return Path(database)


def _facts(conn: sqlite3.Connection) -> tuple[str | None, int, str]:
    revision = conn.execute("SELECT version_num FROM alembic_version").fetchone()
    seq, head = conn.execute("SELECT seq, hash FROM audit_head").fetchone()
    return (revision[0] if revision else None), int(seq), bytes(head).hex()


def backup_sqlite(url: str, folder: Path, key_ids: list[str]) -> Manifest:
    """Copy the database with SQLite's online backup API, then read the manifest's facts
    from the copy itself: they are of the very moment copied."""
    source_path = sqlite_path(url)
    if not source_path.exists():
        raise BackupRefused(f"there is no database at {source_path.name} to back up")
    target = folder / SQLITE_FILE
    source = sqlite3.connect(f"file:{source_path}?mode=ro", uri=True)
    copy = sqlite3.connect(target)
    try:
        source.backup(copy)  # all pages in one step: one read transaction, one moment
        revision, seq, head = _facts(copy)
    finally:
        copy.close()
        source.close()
    return Manifest(
        engine="sqlite",
        file=SQLITE_FILE,
        sha256=sha256_of(target),
        alembic_revision=revision,
        audit_seq=seq,
        audit_hash=head,
        key_ids=key_ids,
        created_at=now_text(),
    )


def _sqlite_is_empty(path: Path) -> bool:
    if not path.exists() or path.stat().st_size == 0:
        return True
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0] == 0
    finally:
        conn.close()


def restore_sqlite(url: str, folder: Path, manifest: Manifest, *, force: bool) -> None:
    """Copy a backup over the configured database file with the same online backup API."""
    path = check_file(folder, manifest)
    target = sqlite_path(url)
    if not force and not _sqlite_is_empty(target):
        raise BackupRefused(
            f"the database {target.name} is not empty; restore onto a fresh one, or say --force"
        )
    target.parent.mkdir(parents=True, exist_ok=True)
    source = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    dest = sqlite3.connect(target)
    try:
        source.backup(dest)
        restored = _facts(dest)
    finally:
        dest.close()
        source.close()
    check_restored(manifest, *restored)


def check_restored(manifest: Manifest, revision: str | None, seq: int, head: str) -> None:
    """The restored database must be the moment the manifest names."""
    if (revision, seq, head) != (
        manifest.alembic_revision,
        manifest.audit_seq,
        manifest.audit_hash,
    ):
        raise BackupDamaged("the restored database is not the moment its manifest names")
