"""Deadlines: durations, working days and "same day", in the partnership's time zone.

A deadline is written as ``15m``, ``1h``, ``72h``, ``2d`` (calendar time), ``1wd`` (working
days: Monday to Friday, not a listed holiday) or ``same_day`` (docs/domain/routing.md,
"Deadlines"). Working days keep the time of day: a referral at 15:00 on a Friday is due
at 15:00 on Monday; one arriving on a weekend or holiday starts its clock at the start of
the next working day.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

_SPAN = re.compile(r"^(\d{1,4})(m|h|d|wd)$")
_UNITS = {"m": "minutes", "h": "hours", "d": "days"}
# "Same day" for a concern arriving late in the evening still leaves this long to decide.
SAME_DAY_FLOOR = timedelta(hours=4)


class DeadlineError(ValueError):
    """A deadline is written in a form we do not read."""


@dataclass(frozen=True)
class Span:
    """One parsed deadline: an amount of a unit, or "same_day"."""

    text: str
    amount: int
    unit: str  # m | h | d | wd | same_day

    @classmethod
    def parse(cls, text: str) -> Span:
        if text == "same_day":
            return cls(text, 0, "same_day")
        found = _SPAN.match(text)
        if not found or int(found.group(1)) == 0:
            raise DeadlineError(
                f"{text!r} is not a deadline: write 15m, 1h, 2d, 1wd (working days) or same_day"
            )
        return cls(text, int(found.group(1)), found.group(2))


@dataclass(frozen=True)
class Calendar:
    """The partnership's time zone and holidays."""

    zone: ZoneInfo
    holidays: frozenset[date]

    @classmethod
    def of(cls, timezone: str, holidays: Iterable[date]) -> Calendar:
        return cls(ZoneInfo(timezone), frozenset(holidays))

    def working(self, day: date) -> bool:
        return day.weekday() < 5 and day not in self.holidays

    def due(self, start: datetime, span: Span) -> datetime:
        """Return when ``span`` from ``start`` (an aware datetime) runs out, in UTC."""
        if span.unit in _UNITS:
            return (start + timedelta(**{_UNITS[span.unit]: span.amount})).astimezone(UTC)
        local = start.astimezone(self.zone)
        if span.unit == "same_day":
            midnight = datetime.combine(local.date() + timedelta(days=1), time(), self.zone)
            return max(midnight, local + SAME_DAY_FLOOR).astimezone(UTC)
        return self._add_working_days(local, span.amount).astimezone(UTC)

    def _add_working_days(self, local: datetime, days: int) -> datetime:
        day, clock = local.date(), local.timetz().replace(tzinfo=None)
        if not self.working(day):
            clock = time()
            day += timedelta(days=1)
            while not self.working(day):
                day += timedelta(days=1)
        for _ in range(days):
            day += timedelta(days=1)
            while not self.working(day):
                day += timedelta(days=1)
        # Rebuilt in the zone, so a clock change between start and due is honoured.
        return datetime.combine(day, clock, self.zone)
