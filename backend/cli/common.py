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

import crypto
from backend.core import migrate
from backend.core.config import Config, ConfigError
from backend.core.db import make_engine, make_sessionmaker
from backend.services.records.keys import ensure_keyring


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


def stored_keks(config: Config) -> list[str] | None:
    """The key-encryption keys the database's data keys are wrapped under, when there is no
    key ring here to open them (None when there is one, or no such table yet)."""
    if config.keyring_text or config.keyring_path.exists():
        return None
    from sqlalchemy import inspect

    from backend.services.records.deployment import foreign_keks

    with open_database(config) as sessions, sessions() as session:
        if not inspect(session.connection()).has_table("data_keys"):
            return None
        return foreign_keks(session, [])


def ring_and_schema(config: Config) -> tuple[crypto.KeyRing, bool]:
    """The key ring (made if there is none and the database allows it: ``stored_keks``) and
    the schema migrated to head; whether the ring was made now."""
    try:
        ring, created = ensure_keyring(config, stored=stored_keks(config))
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from None
    with open_database(config) as sessions:
        migrate.upgrade(sessions.kw["bind"])
    return ring, created
