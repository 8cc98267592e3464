"""Missing episodes: a child missing, managed from the report to the return.

An episode is opened by a concern in the category ``missing`` that gives when the child was
reported missing and not when they were found; a later report while it is open updates it,
and the first concern or addendum that gives ``found_at`` closes it
(``services/missing/episodes.py``). The return interview is due from the return, never the
report: closing makes the task and stores its deadline here.

A row belongs to the subject its opening concern is linked to, like the pattern days
(``models/windows.py``): the child's episodes are read over every subject merged into the
child's record (``members``). The database keeps one open episode per subject record.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Boolean, Float, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from backend.models.base import Base, new_id, utcnow
from backend.models.concerns import AddsToConcern


class MissingEpisode(Base):
    """One time a child was missing: reported, perhaps updated, then found."""

    __tablename__ = "missing_episodes"
    __table_args__ = (
        # One open episode per child record, whatever races the application's locks miss.
        Index(
            "uq_missing_episodes_open_subject",
            "subject_id",
            unique=True,
            sqlite_where=text("is_open"),
            postgresql_where=text("is_open"),
        ),
        # Lists of a partnership's episodes, open or closed, latest report first.
        Index("ix_missing_episodes_list", "partnership_id", "is_open", "reported_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    partnership_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("partnerships.id"))
    subject_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("subjects.id"), index=True)
    concern_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("concerns.id"), index=True)
    # The agency that reported the child missing (the home, often): its inboxes read it.
    reporting_agency_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("agencies.id"))
    reported_at: Mapped[datetime]
    reports: Mapped[int] = mapped_column(Integer, default=1)  # the opening one and updates
    is_open: Mapped[bool] = mapped_column(default=True)
    found_at: Mapped[datetime | None]
    hours_missing: Mapped[float | None] = mapped_column(Float)
    # The record that said the child was found: a concern, or an addendum (and its concern).
    closed_by_concern_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("concerns.id"))
    closed_by_addendum_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("addenda.id"))
    # The return interview task the close made, and when it is due (from found_at).
    return_due: Mapped[datetime | None]
    return_delivery_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("deliveries.id"))
    # How the latest return interview recorded for it went: held, declined or not_reached.
    return_outcome: Mapped[str | None] = mapped_column(String(16))
    opened_at: Mapped[datetime] = mapped_column(default=utcnow)
    closed_at: Mapped[datetime | None]


class ReturnInterview(AddsToConcern, Base):
    """The return home interview after an episode, recorded by the Missing Coordinator
    (docs/contract.md, "Return interview"). Sealed under its episode's concern's data key,
    like an addendum, so erasing that concern shreds it too; what the lists and counts read
    (the outcome, times, whether independent, push and pull factors) is in plain columns,
    and none of it names anyone."""

    __tablename__ = "return_interviews"

    # The concern (``concern_id``) is the one that opened the episode.
    episode_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("missing_episodes.id"), index=True)
    offered_at: Mapped[datetime]
    held_at: Mapped[datetime | None]
    independent: Mapped[bool] = mapped_column(Boolean)
    outcome: Mapped[str] = mapped_column(String(16))
    push_factors: Mapped[str] = mapped_column(Text)  # JSON list of codes
    pull_factors: Mapped[str] = mapped_column(Text)  # JSON list of codes
