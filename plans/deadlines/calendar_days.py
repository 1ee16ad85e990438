"""Calendar arithmetic for deadlines: months, and working days in Việt Nam (with holidays)."""

from __future__ import annotations

import calendar
from datetime import date, timedelta
from functools import lru_cache

import holidays


@lru_cache(maxsize=64)
def _vietnam_calendar(year: int) -> holidays.HolidayBase:
    return holidays.Vietnam(years=year)


def is_working_day(day: date) -> bool:
    # Knows both the public holidays (Tết, 30/4, 1/5, 2/9…) and the Saturdays the government
    # turns into working days in exchange for a bridge day off.
    return _vietnam_calendar(day.year).is_working_day(day)


def add_working_days(start: date, count: int) -> date:
    day = start
    while count > 0:
        day += timedelta(days=1)
        if is_working_day(day):
            count -= 1
    return day


def _add_months(start: date, count: int) -> date:
    years, month_index = divmod(start.month - 1 + count, 12)
    year, month = start.year + years, month_index + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))
