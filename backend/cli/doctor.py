"""``frontline doctor``: attached to the ``frontline`` group by ``backend.cli``."""

from __future__ import annotations

from pathlib import Path

import click

from backend.cli.diagnose import diagnose, environment, read_env_file


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
@click.option(
    "--env-file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="The settings file the servers' units read (EnvironmentFile=): check it and its mode.",
)
def doctor(workers: int, hosts: int, env_file: Path | None) -> None:
    """Check this deployment's settings and say what is unsafe (exit 1 if anything is)."""
    env = environment()
    if env_file is not None:
        env.update(read_env_file(env_file))
    found = diagnose(env, workers=workers, hosts=hosts, env_file=env_file)
    for finding in found:
        click.echo(f"{'unsafe' if finding.unsafe else 'ok':6}  {finding.what}")
    unsafe = sum(f.unsafe for f in found)
    if unsafe:
        click.echo(f"{unsafe} unsafe setting(s) found.", err=True)
        raise SystemExit(1)
    click.echo("Nothing unsafe found.")
