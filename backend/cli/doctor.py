"""``frontline doctor``: attached to the ``frontline`` group by ``backend.cli``."""

from __future__ import annotations

import click

from backend.cli.diagnose import diagnose, environment


@click.command()
@click.option(
    "--workers",
    default=2,
    show_default=True,
    type=int,
    help="Worker processes per host (as given to 'frontline serve').",
)
@click.option(
    "--hosts", default=1, show_default=True, type=int, help="Hosts serving this partnership."
)
def doctor(workers: int, hosts: int) -> None:
    """Check this deployment's settings and say what is unsafe (exit 1 if anything is)."""
    found = diagnose(environment(), workers=workers, hosts=hosts)
    for finding in found:
        click.echo(f"{'unsafe' if finding.unsafe else 'ok':6}  {finding.what}")
    unsafe = sum(f.unsafe for f in found)
    if unsafe:
        click.echo(f"{unsafe} unsafe setting(s) found.", err=True)
        raise SystemExit(1)
    click.echo("Nothing unsafe found.")
