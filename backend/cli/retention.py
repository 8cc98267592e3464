"""``frontline retention ...``: the review sweep, keep and erase decisions, legal holds.

Attached to the ``frontline`` group by ``backend.cli.main``.
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from typing import Any

import click

from backend.cli.common import load_config, open_database

WHEN = click.DateTime(formats=["%Y-%m-%d", "%Y-%m-%dT%H:%M:%S%z"])


def _run(fn: Any) -> Any:

    with open_database(load_config()) as sessions, sessions() as session:
        result = fn(session)
        session.commit()
    return result


def _aware(value: datetime | None) -> datetime | None:
    from datetime import UTC

    return value if value is None or value.tzinfo else value.replace(tzinfo=UTC)


@click.group()
def retention() -> None:
    """Records past their retention schedule (docs/retention.md)."""


@retention.command("sweep")
@click.option("--at", type=WHEN, help="Sweep as if it were this date.")
def retention_sweep(at: datetime | None) -> None:
    """List the records due for review; nothing is erased without a decision."""
    from backend.services.records.retention import Due, due
    from backend.services.records.retention_profiles import ProfileDue, due_profiles
    from backend.services.records.retention_suspicions import SuspicionDue, due_suspicions

    when = _aware(at)
    swept: tuple[list[Due], list[SuspicionDue], list[ProfileDue]] = _run(
        lambda s: (due(s, now=when), due_suspicions(s, now=when), due_profiles(s, now=when))
    )
    found, suspicions, profiles = swept
    listed = [
        {
            "concern_id": str(d.concern_id),
            "recorded_at": d.recorded_at.isoformat(),
            "due_at": d.due_at.isoformat(),
            "rule": d.rule,
        }
        for d in found
    ]
    others = [
        {
            "suspicion_id": str(d.suspicion_id),
            "recorded_at": d.recorded_at.isoformat(),
            "since": d.since.isoformat(),
            "due_at": d.due_at.isoformat(),
            "rule": d.rule,
        }
        for d in suspicions
    ]
    kept_by_homes = [
        {
            "profile_id": str(d.profile_id),
            "versions": d.versions,
            "latest_at": d.latest_at.isoformat(),
            "due_at": d.due_at.isoformat(),
            "rule": d.rule,
        }
        for d in profiles
    ]
    click.echo(
        json.dumps({"due": listed, "suspicions": others, "profiles": kept_by_homes}, indent=1)
    )


@retention.command("erase")
@click.argument("concern_ids", nargs=-1, required=True, type=click.UUID)
@click.option("--reason", required=True, help="Why (recorded with the decision).")
@click.option("--confirm", is_flag=True, help="Without it, nothing is erased.")
@click.option("--approval", help="An approval of this erasure by two partnership admins.")
def retention_erase(
    concern_ids: tuple[uuid.UUID, ...], reason: str, confirm: bool, approval: str | None
) -> None:
    """Crypto-shred reviewed records (concerns or suspicions): their data keys and blind
    indexes are destroyed. An ID may be a child's profile (its profile_id): every version
    and every photo go with it."""
    from backend.core.errors import DomainError
    from backend.models import Suspicion
    from backend.services.profiles.attachments import db_erase_profile, db_is_profile
    from backend.services.records.audit import SYSTEM
    from backend.services.records.retention import db_erase
    from backend.services.records.retention_suspicions import db_erase_suspicion

    if not confirm:
        raise click.UsageError("erasure cannot be undone: add --confirm to go ahead")

    from backend.services.identity import approvals

    done = {}
    with open_database(load_config()) as sessions:
        with sessions() as session:  # the approval is used up by this run
            try:
                approvals.use(session, approval, "retention_erase", [str(c) for c in concern_ids])
            except approvals.ApprovalRequired as exc:
                raise click.ClickException(str(exc)) from None
            session.commit()
        for cid in concern_ids:  # each in its own transaction: one refusal stops no other
            with sessions() as session:
                try:
                    if db_is_profile(session, cid):
                        db_erase_profile(session, cid, reason=reason, actor=SYSTEM)
                    elif session.get(Suspicion, cid) is not None:
                        db_erase_suspicion(session, cid, reason=reason, actor=SYSTEM)
                    else:
                        db_erase(session, cid, reason=reason, actor=SYSTEM)
                    session.commit()
                    done[str(cid)] = "erased"
                except DomainError as exc:
                    session.rollback()
                    done[str(cid)] = exc.code
    click.echo(json.dumps(done))


@retention.command("keep")
@click.argument("concern_id", type=click.UUID)
@click.option("--until", "until", type=WHEN, required=True, help="The next review date.")
@click.option("--reason", required=True)
def retention_keep(concern_id: uuid.UUID, until: datetime, reason: str) -> None:
    """Record a decision to keep a record until a later review."""
    from backend.services.records.audit import SYSTEM
    from backend.services.records.retention import db_keep

    kept_until = _aware(until)
    assert kept_until is not None  # noqa: S101 - required option
    _run(lambda s: db_keep(s, concern_id, until=kept_until, reason=reason, actor=SYSTEM))
    click.echo(json.dumps({"kept": str(concern_id), "until": kept_until.isoformat()}))


@retention.command("hold")
@click.argument("concern_id", type=click.UUID)
@click.option("--reason", required=True)
def retention_hold(concern_id: uuid.UUID, reason: str) -> None:
    """Place a legal hold: the record is not erased while it stands."""
    from backend.services.records.audit import SYSTEM
    from backend.services.records.retention import db_hold

    _run(lambda s: db_hold(s, concern_id, reason=reason, actor=SYSTEM))
    click.echo(json.dumps({"held": str(concern_id)}))


@retention.command("release")
@click.argument("concern_id", type=click.UUID)
@click.option("--reason", required=True)
def retention_release(concern_id: uuid.UUID, reason: str) -> None:
    """Lift the legal holds on a record."""
    from backend.services.records.audit import SYSTEM
    from backend.services.records.retention import db_release

    lifted = _run(lambda s: db_release(s, concern_id, reason=reason, actor=SYSTEM))
    click.echo(json.dumps({"released": str(concern_id), "holds": lifted}))
