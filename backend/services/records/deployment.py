"""Observations of unsafe settings in use, written by any server, read by ``frontline doctor``."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from backend.core.db import db_insert_absent
from backend.models import DataKeyRecord, DeploymentObservation, table_of, utcnow

# Requests arrived with X-Forwarded-For while FRONTLINE_TRUSTED_PROXIES is 0: there is a
# proxy the server was not told about, so every client shares the proxy's address and one
# of them can use up the pre-sign-in limits for all.
FORWARDED_UNTRUSTED = "forwarded_untrusted"


def db_observe(session: Session, name: str) -> None:
    """Record that ``name`` was seen now (the first time, or again); the caller commits."""
    now = utcnow()
    db_insert_absent(
        session, table_of(DeploymentObservation), [{"name": name, "first_at": now, "last_at": now}]
    )
    session.execute(
        update(DeploymentObservation).where(DeploymentObservation.name == name).values(last_at=now)
    )


def observed(session: Session) -> dict[str, tuple[datetime, datetime]]:
    """Every observation: name -> (first seen, last seen)."""
    rows = session.execute(select(DeploymentObservation)).scalars()
    return {r.name: (r.first_at, r.last_at) for r in rows}


def foreign_keks(session: Session, held: Iterable[str]) -> list[str]:
    """Key-encryption keys the stored data keys are wrapped under that ``held`` lacks: a
    host whose ring is not the one the data was written with (one that made its own)."""
    rows = session.scalars(select(DataKeyRecord.kek_id).distinct())
    return sorted(set(rows) - set(held))
