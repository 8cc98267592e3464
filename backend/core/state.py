"""What one running application holds: configuration, engine, sessions and key ring."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

import crypto
from backend.core.config import Config, ConfigError


@dataclass
class Frontline:
    config: Config
    engine: Engine
    sessions: sessionmaker[Session]
    keyring: crypto.KeyRing = field(repr=False)
    openapi: dict[str, Any] | None = None


def load_keyring(config: Config) -> crypto.KeyRing:
    """Load the key ring from FRONTLINE_KEYRING or the instance folder, or say why not."""
    try:
        if config.keyring_text:
            return crypto.KeyRing.from_json(config.keyring_text)
        return crypto.load_keyring_file(config.keyring_path)
    except crypto.KeyRingError as exc:
        source = "FRONTLINE_KEYRING" if config.keyring_text else str(config.keyring_path)
        raise ConfigError(f"key ring ({source}): {exc}") from None
