"""PostgreSQL backups through the server's own tools: ``pg_dump -Fc`` and ``pg_restore``,
found on PATH. The connection is passed in libpq's environment variables, never on a
command line that ``ps`` shows everyone (the password least of all).

pg_dump refuses a server newer than itself, and a dump restores only with a pg_restore at
least as new as the pg_dump that wrote it: both are checked first and said in words.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import make_url

from backend.core.db import make_engine
from backend.services.records.backup import (
    PG_FILE,
    BackupRefused,
    Manifest,
    check_file,
    check_restored,
    now_text,
    sha256_of,
)

_LIBPQ = {"sslmode": "PGSSLMODE", "sslrootcert": "PGSSLROOTCERT", "application_name": "PGAPPNAME"}


def libpq_env(url: str) -> dict[str, str]:
    """The environment that points pg_dump and pg_restore at ``url``'s database."""
    parts = make_url(url)
    env = dict(os.environ)
    for name, value in (
        ("PGHOST", parts.host),
        ("PGPORT", parts.port),
        ("PGUSER", parts.username),
        ("PGPASSWORD", parts.password),
        ("PGDATABASE", parts.database),
    ):
        if value is not None:
            env[name] = str(value)
    for option, name in _LIBPQ.items():
        if option in parts.query:
            env[name] = str(parts.query[option])
    return env


def tool(name: str) -> tuple[str, int, str]:
    """(path, major version, version line) of a PostgreSQL client tool on PATH."""
    path = shutil.which(name)
    if path is None:
        raise BackupRefused(f"{name} is not on PATH: install the PostgreSQL client tools")
    line = subprocess.run(  # noqa: S603 - a fixed tool found on PATH, no shell, no input
        [path, "--version"], capture_output=True, text=True, check=True
    ).stdout.strip()
    found = re.search(r"(\d+)(?:\.\d+)?", line)
    if found is None:
        raise BackupRefused(f"cannot read the version of {name}: {line!r}")
    return path, int(found.group(1)), line


def _run(args: list[str], env: dict[str, str], what: str) -> None:
    done = subprocess.run(args, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if done.returncode != 0:
        # The tool's own last words: they name the failure (never the password, which
        # travels in the environment).
        last = done.stderr.strip().splitlines()[-1:] or ["no message"]
        raise BackupRefused(f"{what} failed (exit {done.returncode}): {last[0]}")


def backup_pg(url: str, folder: Path, key_ids: list[str]) -> Manifest:
    """Dump the database under a snapshot exported from the transaction that reads the
    manifest's facts: the dump and the manifest are one moment, whatever writes go on."""
    pg_dump, dump_major, dump_line = tool("pg_dump")
    target = folder / PG_FILE
    engine = make_engine(url)
    notes: list[str] = []
    try:
        with engine.connect() as conn:
            conn = conn.execution_options(isolation_level="REPEATABLE READ")
            with conn.begin():
                snapshot = conn.scalar(text("SELECT pg_export_snapshot()"))
                server = str(conn.scalar(text("SHOW server_version")))
                server_major = int(conn.scalar(text("SHOW server_version_num")) or 0) // 10000
                if dump_major < server_major:
                    raise BackupRefused(
                        f"pg_dump {dump_major} cannot dump a PostgreSQL {server_major} server: "
                        f"install the version {server_major} client tools"
                    )
                if dump_major > server_major:
                    notes.append(
                        f"pg_dump {dump_major} dumped a PostgreSQL {server_major} server: "
                        f"restore with pg_restore {dump_major} or newer"
                    )
                revision = conn.scalar(text("SELECT version_num FROM alembic_version"))
                seq, head = conn.execute(text("SELECT seq, hash FROM audit_head")).one()
                _run(
                    [pg_dump, "--format=custom", f"--snapshot={snapshot}", f"--file={target}"],
                    libpq_env(url),
                    "pg_dump",
                )
    finally:
        engine.dispose()
    return Manifest(
        engine="postgresql",
        file=PG_FILE,
        sha256=sha256_of(target),
        alembic_revision=revision,
        audit_seq=int(seq),
        audit_hash=bytes(head).hex(),
        key_ids=key_ids,
        created_at=now_text(),
        tool=dump_line,
        server_version=server,
        notes=notes,
    )


def _tables(url: str) -> int:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            query = "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'"
            return int(conn.scalar(text(query)) or 0)
    finally:
        engine.dispose()


def restore_pg(url: str, folder: Path, manifest: Manifest, *, force: bool) -> None:
    """Restore a dump into the configured database, in one transaction; refuse a database
    that holds tables unless ``force`` (then what the dump holds replaces them)."""
    path = check_file(folder, manifest)
    pg_restore, restore_major, _ = tool("pg_restore")
    found = re.search(r"(\d+)", manifest.tool or "")
    if found is not None and restore_major < int(found.group(1)):
        raise BackupRefused(
            f"this dump was written by {manifest.tool}: pg_restore {restore_major} cannot read "
            f"it; install the version {found.group(1)} client tools"
        )
    if not force and _tables(url):
        raise BackupRefused("the database is not empty; restore onto a fresh one, or say --force")
    args = [pg_restore, "--single-transaction", "--exit-on-error"]
    if force:
        args += ["--clean", "--if-exists"]
    _run([*args, f"--dbname={make_url(url).database}", str(path)], libpq_env(url), "pg_restore")
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            revision = conn.scalar(text("SELECT version_num FROM alembic_version"))
            seq, head = conn.execute(text("SELECT seq, hash FROM audit_head")).one()
    finally:
        engine.dispose()
    check_restored(manifest, revision, int(seq), bytes(head).hex())
