"""``frontline rules ...``, ``frontline escalate`` and ``frontline notify``.

Attached to the ``frontline`` group by ``backend.cli.main``.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import click
from sqlalchemy import select

from backend.cli.common import load_config, open_database
from backend.core.state import load_keyring
from backend.models import Partnership
from backend.routing.ruleset import RulesError


def _partnership(session: object, name: str | None) -> Partnership:
    from sqlalchemy.orm import Session

    assert isinstance(session, Session)  # noqa: S101
    found = list(session.scalars(select(Partnership)))
    if name is not None:
        found = [p for p in found if p.name == name]
    if len(found) != 1:
        names = ", ".join(p.name for p in session.scalars(select(Partnership))) or "none"
        raise click.ClickException(f"name the partnership with --partnership (have: {names})")
    return found[0]


@click.group()
def rules() -> None:
    """The partnership's routing rules (docs/routing-rules.md)."""


@rules.command("check")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--partnership", help="Partnership name (needed when there are several).")
def rules_check(file: Path, partnership: str | None) -> None:
    """Check a rules file against the partnership without loading it."""
    from backend.services.concerns.rules import db_check

    with open_database(load_config()) as sessions, sessions() as session:
        try:
            checked = db_check(session, _partnership(session, partnership), file.read_text())
        except RulesError as exc:
            raise click.ClickException(_problems(exc)) from None
    click.echo(f"{file}: {len(checked.rules)} rules, version {checked.version!r}: fine")


def _problems(exc: RulesError) -> str:
    return f"{len(exc.problems)} problem(s):\n" + "\n".join(f"  - {p}" for p in exc.problems)


@rules.command("load")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--partnership", help="Partnership name (needed when there are several).")
def rules_load(file: Path, partnership: str | None) -> None:
    """Check and load a rules file as the partnership's next version."""
    from backend.services.concerns.rules import db_load

    with open_database(load_config()) as sessions, sessions() as session:
        try:
            record, new = db_load(session, _partnership(session, partnership), file.read_text())
        except RulesError as exc:
            raise click.ClickException(_problems(exc)) from None
        session.commit()
        what = "loaded as" if new else "unchanged: already"
        click.echo(f"{what} version {record.number} ({record.label}, sha256 {record.sha256[:12]})")


@rules.command("show")
@click.option("--partnership", help="Partnership name (needed when there are several).")
def rules_show(partnership: str | None) -> None:
    """Print the live rules file with its version."""
    from backend.services.concerns.rules import db_latest

    with open_database(load_config()) as sessions, sessions() as session:
        record = db_latest(session, _partnership(session, partnership).id)
        if record is None:
            raise click.ClickException("no rules loaded: run `frontline rules load FILE`")
        click.echo(f"# version {record.number} ({record.label}), loaded {record.loaded_at}")
        click.echo(record.source, nl=False)


@click.command()
@click.option(
    "--at",
    "at",
    type=click.DateTime(formats=["%Y-%m-%dT%H:%M:%S%z", "%Y-%m-%dT%H:%M%z"]),
    help="Sweep as if it were this time (with offset), e.g. to rehearse a holiday weekend.",
)
def escalate(at: datetime | None) -> None:
    """Run one escalation sweep; safe to run on many hosts at once."""
    from backend.services.concerns.escalation import sweep

    with open_database(load_config()) as sessions:
        result = sweep(sessions, now=at)
    click.echo(
        json.dumps(
            {
                "chains": result.chains,
                "escalations": result.escalations,
                "challenges": result.challenges,
            }
        )
    )


@click.command()
def notify() -> None:
    """Send the Web Push messages that are due (the scheduler does this every minute)."""
    from backend.services.concerns.push import send_due

    config = load_config()
    with open_database(config) as sessions:
        counts = send_due(sessions, load_keyring(config), contact=config.push_contact)
    click.echo(json.dumps(counts))


@click.command()
def tidy() -> None:
    """The hourly sweeps (the scheduler runs them too): retry kept envelopes, delete photos no
    record names after 7 days, and drop refused envelopes' sealed bytes after 30
    (docs/retention.md)."""
    from backend.pipeline.ingest import Context
    from backend.pipeline.recovery import recover
    from backend.services.profiles.attachments import sweep as sweep_unnamed
    from backend.services.records.refused import drop_refused

    config = load_config()
    with open_database(config) as sessions:
        ctx = Context.of(config, load_keyring(config), sessions)
        counts = {
            "kept_envelopes_retried": len(recover(ctx)),
            "unnamed_photos_deleted": sweep_unnamed(sessions),
            "refused_envelopes_dropped": drop_refused(sessions),
        }
    click.echo(json.dumps(counts))
