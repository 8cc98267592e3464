"""Which inboxes hold a child's records, kept as they grow: one row per child and inbox.

Telling a recorder that a child is already known (``pipeline/link.py``, ``db_known``)
needs the inboxes of the child's earlier concerns. Reading the deliveries of every one of
them made linking cost more as a child's history grew; instead each routed delivery (one
the rules or a pattern alert made, not an escalation) counts itself on the row of its
concern's subject and inbox, and the answer reads the few rows of the child. A count, not
a flag: a delivery moved to another inbox of its agency moves its count with it. The rows
are what a rebuild from the deliveries gives (``services/linking/known.py``,
``db_rebuild``); a row whose count fell to nought stays, and counts as nothing.

A row belongs to the subject the concern is linked to, never to the head of a merge, like
the pattern days (``models/windows.py``): a merge reads the rows of every subject merged
into the head, and a split rebuilds the rows of both sides. A row also keeps when the inbox
last decided "no further action" about the subject's concerns (a row counting no
deliveries, where an escalation's inbox decided).
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Integer
from sqlalchemy.orm import Mapped, mapped_column

from backend.models.base import Base


class SubjectInbox(Base):
    """How many routed deliveries of one subject's concerns went to one inbox."""

    __tablename__ = "subject_inboxes"

    subject_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("subjects.id"), primary_key=True)
    inbox_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("inboxes.id"), primary_key=True)
    deliveries: Mapped[int] = mapped_column(Integer)
    # The latest "no further action" this inbox decided about the subject's concerns: a new
    # concern about the child soon after goes back to it (``services/concerns/re_referral.py``).
    no_further_action_at: Mapped[datetime | None]
