"""``frontline audit verify|checkpoint|query`` and ``frontline export subject``.

Attached to the ``frontline`` group by ``backend.cli.main``.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import asdict
from typing import Any

import click

from backend.cli.common import load_config, open_database
from backend.core.state import load_keyring
from backend.services.records.audit_chain import checkpoint


@click.group()
def audit() -> None:
    """The tamper-evident audit log."""


@audit.command("verify")
@click.option("--batch", default=5_000, show_default=True, help="Entries read per query.")
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    default=None,
    help="Ranges of the log proved side by side (default: one per core for a long log).",
)
def audit_verify(batch: int, workers: int | None) -> None:
    """Check every entry and signed checkpoint; name the first entry that was altered,
    removed, reordered or inserted. Exits 1 when the log has been tampered with."""
    from backend.services.records.audit_chain import verify

    config = load_config()
    with open_database(config) as sessions, sessions() as session:
        verdict = verify(session, load_keyring(config), batch=batch, workers=workers)
    click.echo(
        json.dumps(
            {
                "ok": verdict.ok,
                "entries": verdict.entries,
                "checkpoints": verdict.checkpoints,
                "first_bad": verdict.first_bad,
                "problem": verdict.problem,
            }
        )
    )
    if not verdict.ok:
        raise SystemExit(1)


@audit.command("checkpoint")
def audit_checkpoint() -> None:
    """Sign the chain's current head with the key ring's audit key (the scheduler does this
    every ten minutes)."""
    config = load_config()
    with open_database(config) as sessions:
        seq = checkpoint(sessions, load_keyring(config))
    click.echo(json.dumps({"signed": seq}))


@audit.command("query")
@click.option(
    "--subject", "subject_id", type=click.UUID, help="Who looked at this child's records."
)
@click.option("--person", "person_id", type=click.UUID, help="What this person looked at.")
@click.option(
    "--format", "fmt", type=click.Choice(["json", "csv"]), default="json", show_default=True
)
def audit_query(subject_id: Any, person_id: Any, fmt: str) -> None:
    """Answer an access review from the audit log, for export to the regulator.

    Run by an operator on the server: the question is audited as asked by the system."""
    from backend.models import Agency, Subject, User
    from backend.services.records import audit_review
    from backend.services.records.audit import Actor

    if (subject_id is None) == (person_id is None):
        raise click.UsageError("give exactly one of --subject or --person")
    config = load_config()
    ring = load_keyring(config)
    with open_database(config) as sessions, sessions() as session:
        # The operator acts within the partnership of the record asked about.
        if subject_id is not None:
            subject = session.get(Subject, subject_id)
            if subject is None:
                raise click.ClickException("no such child")
            agency = session.query(Agency).filter_by(partnership_id=subject.partnership_id).first()
            actor = Actor(agency_id=agency.id if agency else None)
            rows = audit_review.subject_accesses(session, ring, actor=actor, subject_id=subject_id)
        else:
            person = session.get(User, person_id)
            if person is None:
                raise click.ClickException("no such person")
            rows = audit_review.person_accesses(
                session, ring, actor=Actor(agency_id=person.agency_id), person_id=person_id
            )
    if fmt == "csv":
        click.echo(audit_review.to_csv(rows), nl=False)
    else:
        click.echo(json.dumps({"accesses": [asdict(r) for r in rows]}, indent=1))


@click.group("export")
def export_group() -> None:
    """Exports of what Frontline holds."""


@export_group.command("subject")
@click.argument("subject_id", type=click.UUID)
@click.option("--html", "html_path", type=click.Path(dir_okay=False), help="Also write HTML here.")
@click.option("--approval", help="An approval of this export by two partnership admins.")
def export_subject(subject_id: uuid.UUID, html_path: str | None, approval: str | None) -> None:
    """Everything held about a child (subject access), as JSON on standard output."""
    from pathlib import Path

    from backend.core.errors import DomainError
    from backend.core.state import load_keyring
    from backend.services.identity import approvals
    from backend.services.records.audit import SYSTEM
    from backend.services.records.subject_access import export, to_html

    config = load_config()
    with open_database(config) as sessions, sessions() as session:
        try:
            approvals.use(session, approval, "subject_export", [str(subject_id)])
        except approvals.ApprovalRequired as exc:
            raise click.ClickException(str(exc)) from None
        try:
            answer = export(session, load_keyring(config), subject_id=subject_id, actor=SYSTEM)
        except DomainError as exc:
            # Nothing committed: the approval stays unused for when the refusal is resolved.
            raise click.ClickException(f"{exc.code}: {exc.detail}") from None
        session.commit()
    if html_path:
        Path(html_path).write_text(to_html(answer), encoding="utf-8")
    click.echo(json.dumps(answer, indent=1, ensure_ascii=False))
