"""``frontline keys ...``: list, rotate, re-wrap, re-index and retire the key ring's keys;
``escrow`` and ``recover`` come from ``backend.cli.backup``.

Attached to the ``frontline`` group by ``backend.cli.main``.
"""

from __future__ import annotations

import sys

import click

import crypto
from backend.cli.backup import escrow, recover
from backend.cli.common import load_config, open_database, ring_and_schema
from backend.core.config import ConfigError
from backend.services.linking import blind_keys
from backend.services.records import keys as key_ops
from backend.services.suspicions import keys as suspicion_keys


@click.group()
def keys() -> None:
    """Show, rotate, re-wrap and retire the keys of the key ring."""


@keys.command("list")
def keys_list() -> None:
    """List the keys (never their material) and what still depends on each."""
    config = load_config()
    ring, _ = ring_and_schema(config)
    due = key_ops.rotation_due(ring)
    with open_database(config) as sessions, sessions() as session:
        for entry in ring.entries:
            state = "current" if entry.current else f"previous since {entry.superseded_at}"
            if entry in due:
                state += f", rotation due (every {key_ops.ROTATE_AFTER[entry.kind].days} days)"
            needs = key_ops.dependents(session, entry, config) if not entry.current else []
            click.echo(
                f"{entry.id:24} {entry.kind.value:6} v{entry.version}  {state}"
                + (f"  (needed: {'; '.join(needs)})" if needs else "")
            )


@keys.command("rotate")
@click.option(
    "--kind",
    type=click.Choice([k.value for k in crypto.KeyKind]),
    multiple=True,
    help="Kinds to rotate (default: seal and kek).",
)
@click.option("--approval", help="For a KEK: an approval by two partnership admins.")
def keys_rotate(kind: tuple[str, ...], approval: str | None) -> None:
    """Add a new current key; previous keys stay for opening until retired."""
    from backend.services.identity import approvals

    config = load_config()
    ring_and_schema(config)
    kinds = kind or ("seal", "kek")
    if "kek" in kinds:  # every record's data key is re-wrapped: four eyes
        with open_database(config) as sessions, sessions() as session:
            try:
                approvals.use(session, approval, "kek_rotation", [])
            except approvals.ApprovalRequired as exc:
                raise click.ClickException(str(exc)) from None
            session.commit()
    for name in kinds:
        try:
            entry = key_ops.rotate(config, crypto.KeyKind(name))
        except ConfigError as exc:
            raise click.ClickException(str(exc)) from None
        click.echo(f"{name}: new current key {entry.id}")
    click.echo(
        "Restart the servers to use the new keys; then run 'frontline keys rewrap' "
        "(a new key-encryption key) or 'frontline keys reindex' (a new blind-index key)."
    )


@keys.command("rewrap")
@click.option("--batch", default=500, show_default=True, type=int)
def keys_rewrap(batch: int) -> None:
    """Re-wrap every data key under the current KEK (resumable; bodies untouched)."""
    config = load_config()
    ring, _ = ring_and_schema(config)
    with open_database(config) as sessions:
        with sessions() as session:
            pending = key_ops.pending_rewrap(session, ring)
        with click.progressbar(
            length=pending, label="re-wrapping data keys", file=sys.stderr
        ) as bar:
            done = key_ops.rewrap(sessions, ring, batch=batch, progress=bar.update)
    click.echo(f"re-wrapped {done} data keys under {ring.current(crypto.KeyKind.KEK).id}")


@keys.command("reindex")
@click.option("--batch", default=200, show_default=True, type=int)
@click.option(
    "--complete",
    is_flag=True,
    help="Every record, each given the indexes it lacks (after an upgrade that adds a kind).",
)
def keys_reindex(batch: int, complete: bool) -> None:
    """Index every concern, addendum and return interview under the current blind key
    (after rotating it; resumable). Linking reads the old key until it is retired. With
    --complete, after an upgrade that adds a kind of identifier: the records stored before
    it get that kind."""
    config = load_config()
    ring, _ = ring_and_schema(config)
    with open_database(config) as sessions:
        with sessions() as session:
            pending = blind_keys.records(session) if complete else blind_keys.pending(session, ring)
        with click.progressbar(length=pending, label="re-indexing", file=sys.stderr) as bar:
            done = blind_keys.reindex(
                sessions, ring, batch=batch, progress=bar.update, complete=complete
            )
        # Suspicions are few and index quickly: after the records the bar counts.
        done += suspicion_keys.reindex(sessions, ring, batch=batch)
    click.echo(f"indexed {done} concerns and addenda under {ring.current(crypto.KeyKind.BLIND).id}")


@keys.command("retire")
@click.argument("key_id")
def keys_retire(key_id: str) -> None:
    """Remove a previous key for good, once nothing depends on it."""
    config = load_config()
    ring_and_schema(config)
    try:
        with open_database(config) as sessions:
            entry = key_ops.retire(config, sessions, key_id)
    except (key_ops.KeyInUse, ConfigError) as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"retired {entry.id} ({entry.kind.value}); nothing depended on it")


keys.add_command(escrow)
keys.add_command(recover)
