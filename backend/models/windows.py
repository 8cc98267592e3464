"""A child's pattern windows, kept as they grow: one row per child and day of event time.

The per-child pattern rules (docs/domain/indicators.md) count what happened to one child
within spans of days. Reading the child's concerns again for every new one made linking
cost more as a child's history grew; instead each concern adds itself to the row of its
own day, and a rule reads at most the rows of the days its span can reach. Adding is
commutative, so a concern synced weeks late lands on its own day and the rows are what a
rebuild from the concerns gives (``services/linking/windows.py``, ``db_rebuild``).

A row belongs to the subject the concern was linked to, never to the head of a merge:
a merge reads the rows of every subject merged into the head, and a split leaves each
subject's rows where they are.
"""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import ForeignKey, Integer, Text
from sqlalchemy.orm import Mapped, mapped_column

from backend.models.base import Base


class PatternDay(Base):
    """What one day of one subject's concerns holds, as the pattern rules count it."""

    __tablename__ = "pattern_days"

    subject_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("subjects.id"), primary_key=True)
    day: Mapped[date] = mapped_column(primary_key=True)  # the UTC date of the event time
    concerns: Mapped[int] = mapped_column(Integer)
    missing: Mapped[int] = mapped_column(Integer)  # concerns in category missing
    high_signs: Mapped[int] = mapped_column(Integer)  # high-weight signs, summed over concerns
    levels: Mapped[str] = mapped_column(Text)  # JSON {level: concerns at it}
    agencies: Mapped[str] = mapped_column(Text)  # JSON sorted list of recording agencies' ids
