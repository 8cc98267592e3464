"""A child's pattern windows, kept per concern (``models/windows.py``): each concern adds
itself to the row of its subject and day; the rules read the rows of the days their spans
can reach, for the child and every subject merged into it. Nothing here reads a child's
whole history, except ``db_rebuild``, which re-derives one subject's rows from its concerns
(after a split, or to check the rows)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Mapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import lru_cache
from types import MappingProxyType

from sqlalchemy import bindparam, delete, insert, select, update
from sqlalchemy.orm import Session

from backend.models import (
    Concern,
    ConcernCategory,
    ConcernIndicator,
    MissingEpisode,
    PatternDay,
    table_of,
)
from backend.routing.patterns import HIGH_WEIGHT

_D, _C, _E = table_of(PatternDay), table_of(Concern), table_of(MissingEpisode)
_CC, _IND = table_of(ConcernCategory), table_of(ConcernIndicator)
# Built once: this runs for every concern.
_DAYS = select(
    _D.c.day,
    _D.c.concerns,
    _D.c.missing,
    _D.c.high_signs,
    _D.c.levels,
    _D.c.agencies,
).where(
    _D.c.subject_id.in_(bindparam("ids", expanding=True)),
    _D.c.day.between(bindparam("lo"), bindparam("hi")),
)
# The same, by record: a concern's own record's row for its day is the one it writes.
_DAYS_BY = select(_D.c.subject_id, *_DAYS.selected_columns).where(
    _D.c.subject_id.in_(bindparam("ids", expanding=True)),
    _D.c.day.between(bindparam("lo"), bindparam("hi")),
)
_UPDATE = (
    update(_D)
    .where(_D.c.subject_id == bindparam("sid"), _D.c.day == bindparam("d"))
    .values(
        concerns=bindparam("concerns"),
        missing=bindparam("missing"),
        high_signs=bindparam("high_signs"),
        levels=bindparam("levels"),
        agencies=bindparam("agencies"),
    )
)
_HIGH = frozenset(HIGH_WEIGHT)
_CATEGORIES = select(_CC.c.category).where(_CC.c.concern_id == bindparam("cid"))
_SIGNS = select(_IND.c.code).where(_IND.c.concern_id == bindparam("cid"))
# Another report of a child already missing: an episode of the child's record, not opened by
# this concern, open when the concern arrived.
_UPDATED = select(_E.c.id).where(
    _E.c.subject_id == bindparam("sid"),
    _E.c.concern_id != bindparam("cid"),
    _E.c.opened_at <= bindparam("at"),
    (_E.c.closed_at.is_(None)) | (_E.c.closed_at >= bindparam("at")),
)

# Of these concerns, the reports that began a missing episode (not another report of one open).
_NEW_EPISODES = (
    select(_C.c.id)
    .join(_CC, _CC.c.concern_id == _C.c.id)
    .where(
        _C.c.id.in_(bindparam("ids", expanding=True)),
        _CC.c.category == "missing",
        ~select(_E.c.id)
        .where(
            _E.c.subject_id == _C.c.subject_id,
            _E.c.concern_id != _C.c.id,
            _E.c.opened_at <= _C.c.received_at,
            (_E.c.closed_at.is_(None)) | (_E.c.closed_at >= _C.c.received_at),
        )
        .exists(),
    )
)


def db_new_episodes(session: Session, ids: list[uuid.UUID]) -> set[uuid.UUID]:
    """Which of these concerns began a missing episode: in category ``missing`` and not
    another report of a child whose episode was open when it came."""
    return set(session.scalars(_NEW_EPISODES, {"ids": ids})) if ids else set()


@dataclass(frozen=True, slots=True)
class Facts:
    """What one concern adds to its day."""

    at: datetime
    agency_id: uuid.UUID
    level: str
    missing: bool  # a new missing episode (another report of one open is not)
    codes: frozenset[str]  # its signs (indicator codes), yes or possible

    @property
    def signs(self) -> frozenset[str]:
        """Its high-weight signs."""
        return self.codes & _HIGH


@dataclass(slots=True)
class Day:
    """One day of a child's concerns, over every subject merged into the child.

    ``levels`` and ``agencies`` may be shared with other days read from the same texts
    (``_day``): they are replaced, never changed in place."""

    day: date
    concerns: int = 0
    missing: int = 0
    high_signs: int = 0
    levels: Mapping[str, int] = field(default_factory=dict)
    agencies: AbstractSet[str] = frozenset()

    def add(self, facts: Facts) -> None:
        self.concerns += 1
        self.missing += facts.missing
        self.high_signs += len(facts.signs)
        self.levels = {**self.levels, facts.level: self.levels.get(facts.level, 0) + 1}
        self.agencies = self.agencies | {str(facts.agency_id)}

    def join(self, other: Day) -> None:
        self.concerns += other.concerns
        self.missing += other.missing
        self.high_signs += other.high_signs
        levels = dict(self.levels)
        for level, n in other.levels.items():
            levels[level] = levels.get(level, 0) + n
        self.levels = levels
        self.agencies = self.agencies | other.agencies

    def score(self, weights: dict[str, int]) -> int:
        return (
            sum(weights.get(level, 0) * n for level, n in self.levels.items())
            + weights["high_weight_sign"] * self.high_signs
            + weights["missing_episode"] * self.missing
        )

    def row(self, subject_id: uuid.UUID) -> dict[str, object]:
        return {
            "sid": subject_id,
            "d": self.day,
            "concerns": self.concerns,
            "missing": self.missing,
            "high_signs": self.high_signs,
            "levels": json.dumps(dict(sorted(self.levels.items()))),
            "agencies": json.dumps(sorted(self.agencies)),
        }


# A child's days repeat a few texts ('{"early_help": 1}', one agency's id): each is parsed
# once per process, not once per row read, and shared by the days read from it (``Day``
# replaces them rather than change them).
@lru_cache(maxsize=4096)
def _levels(text: str) -> Mapping[str, int]:
    return MappingProxyType(json.loads(text))


@lru_cache(maxsize=4096)
def _agencies(text: str) -> frozenset[str]:
    return frozenset(json.loads(text))


def _day(row: tuple[object, ...]) -> Day:
    when, concerns, missing, signs, levels, agencies = row
    return Day(
        when,  # type: ignore[arg-type]
        concerns,  # type: ignore[arg-type]
        missing,  # type: ignore[arg-type]
        signs,  # type: ignore[arg-type]
        _levels(levels),  # type: ignore[arg-type]
        _agencies(agencies),  # type: ignore[arg-type]
    )


def facts_of(session: Session, concern: Concern) -> Facts:
    """A stored concern's facts, from its own rows (two primary key lookups, and a third for
    a report of a missing child: was the child's episode already open when it came?)."""
    categories = set(session.scalars(_CATEGORIES, {"cid": concern.id}))
    update = "missing" in categories and concern.subject_id is not None
    if update:
        params = {"sid": concern.subject_id, "cid": concern.id, "at": concern.received_at}
        update = session.execute(_UPDATED.limit(1), params).first() is not None
    return facts_from(
        concern,
        categories=categories,
        codes=session.scalars(_SIGNS, {"cid": concern.id}),
        update=update,
    )


def facts_from(
    concern: Concern, *, categories: Iterable[str], codes: Iterable[str], update: bool = False
) -> Facts:
    """A concern's facts, from its categories and its signs' codes (as stored with it).
    ``update``: it reports a child whose missing episode is open already, so it is the same
    episode told again and counts as no new one."""
    return Facts(
        concern.recorded_at,
        concern.recorder_agency_id,
        concern.level,
        "missing" in set(categories) and not update,
        frozenset(codes),
    )


def db_record(
    session: Session,
    subject_id: uuid.UUID,
    ids: list[uuid.UUID],
    facts: Facts,
    reach: int,
    *,
    first: bool = False,
) -> dict[date, Day]:
    """Add one concern to its subject's day, and return the child's days within ``reach``
    days of it, each joined over the child's records ``ids`` (the subject's among them), the
    concern counted: one read of those days (none when ``first``: the subject was made for
    this concern and has no days) and one write of its day."""
    when = facts.at.date()
    found: dict[date, Day] = {}
    own: Day | None = None
    if not first:
        lo, hi = when - timedelta(days=reach), when + timedelta(days=reach)
        for sid, *row in session.execute(_DAYS_BY, {"ids": ids, "lo": lo, "hi": hi}):
            day = _day(tuple(row))
            if sid == subject_id and day.day == when:
                own = _day(tuple(row))  # an object of its own: the days below are joined
            _join(found, day)
    mine = own or Day(when)
    mine.add(facts)
    if own is None:
        session.execute(insert(_D), [_insert_row(mine, subject_id)])
    else:
        session.execute(_UPDATE, mine.row(subject_id))
    if when in found:
        found[when].add(facts)
    else:
        found[when] = mine
    return found


def _insert_row(day: Day, subject_id: uuid.UUID) -> dict[str, object]:
    row = day.row(subject_id)
    return {
        "subject_id": subject_id,
        "day": day.day,
        **{k: row[k] for k in ("concerns", "missing", "high_signs", "levels", "agencies")},
    }


def days_near(
    session: Session, subjects: list[uuid.UUID], at: datetime, days: int
) -> dict[date, Day]:
    """The child's days within ``days`` of ``at``, each joined over the child's subjects."""
    when = at.date()
    params = {"ids": subjects, "lo": when - timedelta(days=days), "hi": when + timedelta(days=days)}
    found: dict[date, Day] = {}
    for row in session.execute(_DAYS, params):
        _join(found, _day(tuple(row)))
    return found


def _join(found: dict[date, Day], day: Day) -> None:
    """Add one record's day to the child's days: joined into the day there, if any."""
    if day.day in found:
        found[day.day].join(day)
    else:
        found[day.day] = day


def db_rebuild(session: Session, subject_id: uuid.UUID) -> None:
    """Re-derive one subject's days from the concerns linked to it (not those of subjects
    merged into it: they keep their own rows)."""
    session.execute(delete(_D).where(_D.c.subject_id == subject_id))
    concerns = list(session.scalars(select(Concern).where(Concern.subject_id == subject_id)))
    built: dict[date, Day] = {}
    for concern in concerns:
        facts = facts_of(session, concern)
        built.setdefault(facts.at.date(), Day(facts.at.date())).add(facts)
    if built:
        session.execute(insert(_D), [_insert_row(d, subject_id) for d in built.values()])


def stored_days(session: Session, subject_id: uuid.UUID) -> dict[date, Day]:
    """One subject's rows as stored (for checking them against a rebuild)."""
    rows = session.execute(select(*_DAYS.selected_columns).where(_D.c.subject_id == subject_id))
    return {d.day: d for d in (_day(tuple(r)) for r in rows)}
