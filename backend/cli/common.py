"""What every ``frontline`` command needs: the configuration and a database for one run.

Its own module so the command modules import it at the top instead of reaching back into
``backend.cli.main`` while that is still loading.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

import click
from sqlalchemy.orm import Session, sessionmaker

from backend.core.config import Config, ConfigError
from backend.core.db import make_engine, make_sessionmaker


def load_config(*, demo: bool = False) -> Config:
    env = dict(os.environ)
    if demo:
        # The demo runs on this machine's localhost unless told otherwise.
        env.setdefault("FRONTLINE_ENV", "development")
    try:
        return Config.from_env(env)
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from None


@contextmanager
def open_database(config: Config) -> Iterator[sessionmaker[Session]]:
    """Open the configured database for one command and close every connection after."""
    engine = make_engine(config.database_url)
    try:
        yield make_sessionmaker(engine)
    finally:
        engine.dispose()
