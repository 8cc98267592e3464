"""What the servers noticed about their own deployment, for ``frontline doctor`` to read.

A row per kind of observation, shared by every host through the database: never anything
about a person, never an address (a doctor needs to know *that* it happened, and when).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from backend.models.base import Base, utcnow


class DeploymentObservation(Base):
    """One kind of unsafe setting seen in use, e.g. ``forwarded_untrusted``."""

    __tablename__ = "deployment_observations"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    first_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_at: Mapped[datetime] = mapped_column(default=utcnow)
