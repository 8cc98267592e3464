"""The ``frontline`` command line (docs/contract.md, "Command line")."""

from __future__ import annotations

import json
import os
import sys
from dataclasses import asdict, fields
from datetime import datetime
from typing import Any

import click
from sqlalchemy.orm import Session, sessionmaker

import crypto
from backend.cli.audit import audit, export_group
from backend.cli.backup import backup, restore
from backend.cli.common import load_config, open_database, ring_and_schema
from backend.cli.doctor import doctor
from backend.cli.keys import keys
from backend.cli.retention import retention
from backend.cli.routing import escalate, notify, rules, tidy
from backend.core import migrate
from backend.core.config import Config
from backend.http import logs
from backend.models import RoleName


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """Frontline: record, seal, route and join up safeguarding concerns about children."""
    # As the server logs (backend/http/logs.py): JSON lines, an exception by its type and
    # place, never its text. Without it a command's log.exception (a retried envelope that
    # fails again) reached stderr whole, through Python's last-resort handler.
    # The level as the server reads it (Config.from_env): any case.
    logs.configure(os.environ.get("FRONTLINE_LOG_LEVEL", "INFO").upper())


@main.command()
def init() -> None:
    """Create or upgrade the database schema and create the key ring if missing."""
    config = load_config()
    ring, created = ring_and_schema(config)
    where = "FRONTLINE_KEYRING" if config.keyring_text else str(config.keyring_path)
    click.echo(f"key ring: {'created' if created else 'found'} ({where})")
    with open_database(config) as sessions:
        revision = migrate.current_revision(sessions.kw["bind"])
    click.echo(f"database: schema at revision {revision}")


def _seed(config: Config, ring: crypto.KeyRing, *, history: bool) -> list[dict[str, object]]:
    from backend.services.demo import seed_demo

    with open_database(config) as sessions, sessions() as session:
        invites = [asdict(i) for i in seed_demo(session, ring, origin=config.origins[0])]
    if history:
        _seed_history(config, ring)
    return invites


_HISTORY = {
    "seeded": "Demo history: {child} of {home}, with her profile (photo included) and two "
    "past missing episodes.",
    "already": "Demo history: {child} of {home} is there already; nothing added.",
    "incomplete": "Demo history: an earlier run stopped half-way and its authors' passkeys are "
    "revoked, so it is left as it is; start from a fresh database to seed it whole.",
}
_WHERE = (
    "  Jordan Ellis sees her profile under Children's profiles; the Missing Coordinator's "
    "members see her episodes under Missing."
)


def _seed_history(config: Config, ring: crypto.KeyRing) -> None:
    """The demo child and her past records, through the pipeline (on stderr: the invites'
    JSON on stdout stays alone)."""
    from backend.domain import demo_history
    from backend.pipeline.demo_history import SEEDED, seed_history

    with open_database(config) as sessions:
        told = seed_history(_pipeline(config, ring, sessions), origin=config.origins[0])
    words = _HISTORY[told].format(child=demo_history.CHILD_NAME, home=demo_history.HOME)
    click.echo(words + ("\n" + _WHERE if told == SEEDED else ""), err=True)


_NO_HISTORY = "Leave out the demo child's profile and past missing episodes."


@main.command()
@click.option("--json", "as_json", is_flag=True, help="Print the invites as JSON.")
@click.option("--history/--no-history", default=True, show_default=True, help=_NO_HISTORY)
def demo(as_json: bool, history: bool) -> None:
    """Seed the demo partnership and print single-use enrolment invites."""
    config = load_config(demo=True)
    ring, _ = ring_and_schema(config)
    invites = _seed(config, ring, history=history)
    if as_json:
        click.echo(json.dumps({"invites": invites}, indent=2))
    else:
        _print_invites(invites)


def _print_invites(invites: list[dict[str, object]]) -> None:
    if not invites:
        click.echo("Every demo person has enrolled already.")
    for item in invites:
        roles = ", ".join(item["roles"])  # type: ignore[arg-type]
        click.echo(f"  {item['name']} ({item['agency']}; {roles}):\n    {item['url']}")


_METRICS_PORT = "Serve Prometheus metrics on this port too (or FRONTLINE_METRICS_PORT)."
_HOST = "Its address (or FRONTLINE_METRICS_HOST; default 127.0.0.1)."


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--workers", default=2, show_default=True, type=int, help="Worker processes.")
@click.option("--threads", default=4, show_default=True, type=int, help="Threads per worker.")
@click.option("--demo", is_flag=True, help="Seed the demo partnership and print enrolment links.")
@click.option(
    "--history/--no-history", default=True, show_default=True, help=f"With --demo: {_NO_HISTORY}"
)
@click.option("--metrics-port", type=int, envvar="FRONTLINE_METRICS_PORT", help=_METRICS_PORT)
@click.option("--metrics-host", default="127.0.0.1", envvar="FRONTLINE_METRICS_HOST", help=_HOST)
def serve(
    host: str,
    port: int,
    workers: int,
    threads: int,
    demo: bool,
    history: bool,
    metrics_port: int | None,
    metrics_host: str,
) -> None:
    """Run the production WSGI server (gunicorn)."""
    from backend.cli import serve as server

    # First: the workers' counters need their folder before anything counts.
    folder = server.prepare_metrics() if metrics_port else None
    config = load_config(demo=demo)
    ring, _ = ring_and_schema(config)
    if demo:
        invites = _seed(config, ring, history=history)  # says what history it seeded first
        click.echo("Demo partnership: single-use enrolment links (open one on the phone):")
        _print_invites(invites)
    # Envelopes whose worker died mid-way, or that were quarantined, are retried before
    # serving: nothing received is left behind by a crash.
    from backend.pipeline.recovery import recover

    with open_database(config) as sessions:
        recovered = recover(_pipeline(config, ring, sessions))
    if recovered:
        click.echo(f"Retried {len(recovered)} kept envelope(s) from before the restart.")
    click.echo(f"Frontline is running at {config.origins[0]}/  (Ctrl-C stops it)")
    sys.stdout.flush()
    metrics = (metrics_host, metrics_port, folder) if metrics_port and folder else None
    if metrics:
        click.echo(f"Metrics for Prometheus at http://{metrics_host}:{metrics_port}/metrics")
    server.run(config, host=host, port=port, workers=workers, threads=threads, metrics=metrics)


@main.command()
@click.option("--agency", required=True, help="Agency name, as in the partnership.")
@click.option("--name", "person", required=True, help="The person's name as they should see it.")
@click.option(
    "--role",
    "roles",
    multiple=True,
    required=True,
    type=click.Choice([r.value for r in RoleName]),
    help="Repeat for several roles.",
)
@click.option("--inbox", "inboxes", multiple=True, help="Inbox name of that agency; repeatable.")
@click.option("--hours", default=72, show_default=True, help="Hours before the link expires.")
def invite(
    agency: str, person: str, roles: tuple[str, ...], inboxes: tuple[str, ...], hours: int
) -> None:
    """Invite a person into an agency; prints a single-use enrolment link."""
    from datetime import timedelta

    from sqlalchemy import select

    from backend.models import Agency, Inbox
    from backend.services.identity.invites import db_create_invite
    from backend.services.records.audit import db_audit

    config = load_config()
    ring, _ = ring_and_schema(config)
    with open_database(config) as sessions, sessions() as session:
        found = session.scalar(select(Agency).where(Agency.name == agency))
        if found is None:
            raise click.ClickException(f"there is no agency named {agency!r}")
        boxes = []
        for name in inboxes:
            box = session.scalar(
                select(Inbox).where(Inbox.agency_id == found.id, Inbox.name == name)
            )
            if box is None:
                raise click.ClickException(f"{agency} has no inbox named {name!r}")
            boxes.append(box)
        issued = db_create_invite(
            session,
            ring,
            agency=found,
            name=person,
            roles=[RoleName(r) for r in roles],
            inboxes=boxes,
            ttl=timedelta(hours=hours),
        )
        db_audit(
            session,
            "identity.invite_created",
            records=[("invite", issued.invite_id)],
            detail={"roles": sorted(roles), "via": "cli"},
        )
        session.commit()
    click.echo(f"{config.origins[0]}/enrol#invite={issued.token}")
    click.echo(f"single use; expires {issued.expires_at.isoformat(timespec='minutes')}", err=True)


def _pipeline(config: Config, ring: crypto.KeyRing, sessions: sessionmaker[Session]) -> Any:
    from backend.pipeline.ingest import Context

    return Context.of(config, ring, sessions)


@main.group()
def quarantine() -> None:
    """Envelopes that were kept but not accepted: list them, retry them."""


@quarantine.command("list")
def quarantine_list() -> None:
    """List kept envelopes with their reason (never their content)."""
    from backend.services.concerns.concerns import quarantine as kept

    config = load_config()
    ring_and_schema(config)
    with open_database(config) as sessions, sessions() as session:
        items = kept(session, agency_ids=None)
    if not items:
        click.echo("Nothing is waiting: every envelope received has been processed.")
    for item in items:
        click.echo(
            f"{item.id}  {item.status:11} {item.kind:8} received "
            f"{item.received_at.isoformat(timespec='seconds')}  attempts {item.attempts}  "
            f"{item.error_code or ''}"
        )


@quarantine.command("retry")
@click.argument("receipt_ids", nargs=-1)
def quarantine_retry(receipt_ids: tuple[str, ...]) -> None:
    """Retry the named envelopes (rejected ones too), or every quarantined or stuck one."""
    import uuid

    from backend.pipeline.ingest import process
    from backend.pipeline.recovery import recover

    config = load_config()
    ring, _ = ring_and_schema(config)
    with open_database(config) as sessions:
        ctx = _pipeline(config, ring, sessions)
        if receipt_ids:
            results = [process(ctx, uuid.UUID(r), claimed=False, force=True) for r in receipt_ids]
        else:
            results = recover(ctx)
    for result in results:
        outcome = result.error.code if result.error else str(result.concern_id)
        click.echo(f"{result.client_id}  {result.status}  {outcome}")
    click.echo(f"{len(results)} retried")


@main.group()
def verify() -> None:
    """Prove that stored records are what their recorders signed."""


@verify.command("concern")
@click.argument("concern_id")
def verify_concern_command(concern_id: str) -> None:
    """Re-verify a concern's content against its recorder's WebAuthn proof."""
    import uuid

    from backend.services.concerns.verification import VerificationFailed, verify_concern
    from backend.services.identity.webauthn_rp import RelyingParty

    config = load_config()
    ring, _ = ring_and_schema(config)
    rp = RelyingParty(id=config.rp_id, origins=list(config.origins))
    try:
        with open_database(config) as sessions, sessions() as session:
            facts = verify_concern(session, ring, rp, uuid.UUID(concern_id))
    except (VerificationFailed, crypto.CryptoError, ValueError) as exc:
        raise click.ClickException(f"NOT VERIFIED: {exc}") from None
    click.echo("verified: the stored concern is exactly what its recorder signed")
    for fact in fields(facts):
        value = getattr(facts, fact.name)
        click.echo(f"  {fact.name}: {value.isoformat() if isinstance(value, datetime) else value}")


main.add_command(keys)
main.add_command(backup)
main.add_command(restore)
main.add_command(audit)
main.add_command(retention)
main.add_command(export_group)
main.add_command(rules)
main.add_command(escalate)
main.add_command(notify)
main.add_command(tidy)
main.add_command(doctor)

if __name__ == "__main__":
    main()
