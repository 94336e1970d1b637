"""The Russian business calendar: public holidays, transferred days off and working Saturdays.

Data comes from the ``holidays`` package, which follows each year's government decree. Shortened
pre-holiday days are not modelled.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays
from holidays.countries.russia import RussiaStaticHolidays

MOSCOW = ZoneInfo("Europe/Moscow")


def transfers_known_until() -> int:
    """Last year for which the government's transfer decree is in the calendar data."""
    return max(RussiaStaticHolidays.special_public_holidays)


@lru_cache(maxsize=64)
def _ru_year(year: int) -> holidays.HolidayBase:
    return holidays.country_holidays("RU", years=year)


class BusinessCalendar:
    def __init__(self, tz: ZoneInfo = MOSCOW) -> None:
        self.tz = tz

    def is_working_day(self, day: date) -> bool:
        return bool(_ru_year(day.year).is_working_day(day))

    def next_working_day(self, day: date) -> date:
        """The day itself if it is a working day, else the next one (Civil Code art. 193)."""
        while not self.is_working_day(day):
            day += timedelta(days=1)
        return day

    def previous_working_day(self, day: date) -> date:
        while not self.is_working_day(day):
            day -= timedelta(days=1)
        return day

    def add_working_days(self, day: date, count: int) -> date:
        """Move ``count`` working days from ``day`` (negative moves back); 0 rolls forward to one."""
        if count == 0:
            return self.next_working_day(day)
        step = 1 if count > 0 else -1
        remaining = abs(count)
        while remaining:
            day += timedelta(days=step)
            if self.is_working_day(day):
                remaining -= 1
        return day

    def working_days_between(self, start: date, end: date) -> int:
        """Working days in (start, end]: how many business days later ``end`` is."""
        if end <= start:
            return 0
        total = 0
        day = start
        while day < end:
            day += timedelta(days=1)
            total += self.is_working_day(day)
        return total

    def local_date(self, moment: datetime) -> date:
        return moment.astimezone(self.tz).date()

    def at(self, day: date, clock_time: time) -> datetime:
        """A local wall-clock time on ``day`` as an aware datetime."""
        return datetime.combine(day, clock_time, tzinfo=self.tz)

    def due_after(self, start: datetime, working_days: int, clock_time: time = time(18, 0)) -> datetime:
        """The deadline ``working_days`` business days after ``start``, at ``clock_time`` local.
        "The same working day" (0) asked after that hour is the next working day's: a deadline is
        never already past when it is set."""
        day = self.local_date(start)
        due = self.at(self.add_working_days(day, working_days), clock_time)
        if working_days == 0 and due <= start:
            due = self.at(self.add_working_days(day, 1), clock_time)
        return due
