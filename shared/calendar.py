"""The Vietnamese working calendar and local dates (Asia/Ho_Chi_Minh), shared by every service."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

LOCAL_TZ = ZoneInfo("Asia/Ho_Chi_Minh")


@lru_cache(maxsize=64)
def public_holidays(year: int) -> frozenset[date]:
    """Vietnam's public holidays of a year, computed once (lunar dates are costly)."""
    return frozenset(holidays.country_holidays("VN", years=year))


@dataclass(frozen=True)
class WorkCalendar:
    """Vietnamese public holidays (lunar Tết included) plus announced days off and make-up days."""

    extra_days_off: frozenset[date] = field(default_factory=frozenset)
    makeup_working_days: frozenset[date] = field(default_factory=frozenset)

    def is_working_day(self, day: date) -> bool:
        """True if offices work on this day."""
        if day in self.makeup_working_days:
            return True
        if day.weekday() >= 5 or day in self.extra_days_off:
            return False
        return day not in public_holidays(day.year)

    def next_working_day(self, day: date) -> date:
        """The day itself if it is a working day, else the first working day after it."""
        while not self.is_working_day(day):
            day += timedelta(days=1)
        return day


def working_days_between(calendar: WorkCalendar, start: date, end: date) -> int:
    """Working days in (start, end]; 0 if end <= start."""
    count, day = 0, start
    while day < end:
        day += timedelta(days=1)
        if calendar.is_working_day(day):
            count += 1
    return count


def effective_deadline(given: date, calendar: WorkCalendar) -> date:
    """A deadline on a weekend or holiday moves to the next working day (Civil Code art. 148)."""
    return calendar.next_working_day(given)


def local_date(moment: datetime) -> date:
    """The calendar date of a UTC moment in Asia/Ho_Chi_Minh."""
    return moment.astimezone(LOCAL_TZ).date()
