"""``frontline backup``, ``frontline restore``, ``frontline keys escrow`` and
``frontline keys recover`` (docs/operations.md, "Backups that restore").

A backup holds the database and a manifest, never the key ring; the ring is escrowed apart
under a passphrase kept offline. Attached to the ``frontline`` group by ``backend.cli.main``.
"""

from __future__ import annotations

import os
from pathlib import Path

import click
from sqlalchemy.engine import make_url

import crypto
from backend.cli.common import load_config
from backend.core.config import Config, ConfigError
from backend.core.errors import DomainError
from backend.core.state import load_keyring
from backend.services.records import backup as backups
from backend.services.records import backup_pg

PASSPHRASE_ENV = "FRONTLINE_ESCROW_PASSPHRASE"  # noqa: S105 - the name, not a value


def _engine_of(config: Config) -> str:
    return make_url(config.database_url).get_backend_name()


def _ring_ids(config: Config) -> list[str] | None:
    try:
        return sorted(e.id for e in load_keyring(config).entries)
    except ConfigError:
        return None


@click.command("backup")
@click.option("--to", "folder", required=True, type=click.Path(file_okay=False, path_type=Path))
def backup(folder: Path) -> None:
    """Write a consistent copy of the database and its manifest to a new folder."""
    config = load_config()
    ids = _ring_ids(config)
    try:
        backups.prepare_folder(folder)
        if _engine_of(config) == "postgresql":
            manifest = backup_pg.backup_pg(config.database_url, folder, ids or [])
        else:
            manifest = backups.backup_sqlite(config.database_url, folder, ids or [])
    except DomainError as exc:
        raise click.ClickException(f"{exc.code}: {exc.detail}") from None
    manifest.write(folder)
    click.echo(
        f"backed up: {manifest.file} at revision {manifest.alembic_revision}, "
        f"audit head {manifest.audit_seq} ({manifest.audit_hash[:16]}...)"
    )
    for note in manifest.notes:
        click.echo(f"note: {note}")
    if ids is None:
        click.echo("note: the key ring could not be read; escrow it apart, it is not in here")
    click.echo("The key ring is not in the backup: 'frontline keys escrow' keeps it apart.")


@click.command("restore")
@click.option(
    "--from", "folder", required=True, type=click.Path(exists=True, file_okay=False, path_type=Path)
)
@click.option("--force", is_flag=True, help="Replace what a non-empty database holds.")
def restore(folder: Path, force: bool) -> None:
    """Restore a backup onto the configured database (a fresh one, unless --force)."""
    config = load_config()
    try:
        manifest = backups.Manifest.read(folder)
        if manifest.engine != _engine_of(config):
            raise backups.BackupRefused(
                f"this is a {manifest.engine} backup; DATABASE_URL names {_engine_of(config)}"
            )
        if manifest.engine == "postgresql":
            backup_pg.restore_pg(config.database_url, folder, manifest, force=force)
        else:
            backups.restore_sqlite(config.database_url, folder, manifest, force=force)
    except DomainError as exc:
        raise click.ClickException(f"{exc.code}: {exc.detail}") from None
    click.echo(
        f"restored: revision {manifest.alembic_revision}, audit head {manifest.audit_seq}, "
        f"as of {manifest.created_at}"
    )
    held = set(_ring_ids(config) or [])
    missing = sorted(set(manifest.key_ids) - held)
    if missing:
        click.echo(
            f"The key ring here lacks {len(missing)} key(s) this backup needs: recover them "
            "with 'frontline keys recover --from ESCROW' before serving."
        )
    click.echo(
        "Then: 'frontline init' (upgrades the schema if the code is newer), and "
        "'frontline audit verify'."
    )


def _passphrase(*, confirm: bool) -> str:
    """From the environment (for automation) or typed, never echoed; never logged."""
    given = os.environ.get(PASSPHRASE_ENV)
    if given:
        return given
    typed: str = click.prompt(
        "Escrow passphrase", hide_input=True, confirmation_prompt=confirm, err=True
    )
    return typed


@click.command("escrow")
@click.option("--to", "path", required=True, type=click.Path(dir_okay=False, path_type=Path))
def escrow(path: Path) -> None:
    """Seal the whole key ring under a passphrase, for an offline copy."""
    config = load_config()
    try:
        ring = load_keyring(config)
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from None
    try:
        sealed = crypto.escrow_keyring(ring, _passphrase(confirm=True))
    except crypto.EscrowError as exc:
        raise click.ClickException(str(exc)) from None
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise click.ClickException(f"{path} exists; give a new file") from None
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(sealed)
    click.echo(f"escrowed {len(ring.entries)} keys to {path}; escrow again after each rotation")


@click.command("recover")
@click.option(
    "--from", "path", required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@click.option("--force", is_flag=True, help="Replace a key ring that is there.")
def recover(path: Path, force: bool) -> None:
    """Open an escrow with its passphrase and write the key ring back (mode 0600)."""
    config = load_config()
    if config.keyring_text:
        raise click.ClickException(
            "FRONTLINE_KEYRING is set: unset it, recover into the instance folder, then set "
            "it again from the recovered file"
        )
    if config.keyring_path.exists() and not force:
        raise click.ClickException(
            f"a key ring is already at {config.keyring_path}; move it away, or say --force"
        )
    try:
        ring = crypto.recover_keyring(path.read_text(encoding="utf-8"), _passphrase(confirm=False))
    except crypto.CryptoError as exc:
        raise click.ClickException(str(exc)) from None
    crypto.save_keyring_file(ring, config.keyring_path)
    click.echo(f"recovered {len(ring.entries)} keys to {config.keyring_path}")
