"""The keys each child's record holds: one row per subject, role, kind and blind index.

Linking asks "which records hold this key?" (a child's name with date of birth, a car, a
phone) and "what does this record hold of a kind?". Answered from the concerns'
identifiers, both grew with history: a child with a thousand concerns came back as a
thousand rows for its own name, a much-named car as every concern that named it. Here each
record holds a key once, with when it was first and last named (event time), by how many
concerns, and the latest of them; a lookup costs one row per record
(``services/linking/record_keys.py``). Each linked concern adds itself; a split or an
erasure rebuilds the rows it changes from the concerns, and the rows always equal what a
rebuild gives.

A row belongs to the subject the concerns are linked to, never to the head of a merge:
a merge reads the rows of every subject merged into the head, and a split leaves each
subject's rows where they are (like ``pattern_days``). Addenda count as their concern,
at its time: a car named in an addendum is named by the concern.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from backend.models.base import Base


class SubjectKey(Base):
    """One blind-indexed key as one subject's concerns hold it."""

    __tablename__ = "subject_keys"
    # "Which records hold this key": the lookup every linking step makes. With the record
    # in it, finding the holders reads the index alone (migration 0031).
    __table_args__ = (Index("ix_subject_keys_lookup", "kind", "blind_index", "role", "subject_id"),)

    subject_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("subjects.id"), primary_key=True)
    role: Mapped[str] = mapped_column(String(16), primary_key=True)  # subject|associated|peer
    kind: Mapped[str] = mapped_column(String(32), primary_key=True)
    blind_index: Mapped[str] = mapped_column(String(32), primary_key=True)
    key_id: Mapped[str] = mapped_column(String(64), index=True)  # the blind key that made it
    first_at: Mapped[datetime]  # event time of the earliest concern naming it
    last_at: Mapped[datetime]  # ... and of the latest
    last_concern_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("concerns.id"))
    concerns: Mapped[int] = mapped_column(Integer)  # how many of the subject's concerns name it
