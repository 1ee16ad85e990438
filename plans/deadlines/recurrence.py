"""Recurring deadlines: the frequency and schedule a cell gives, and the periods (kỳ) they make."""

from __future__ import annotations

import calendar
import re
from datetime import date, timedelta

from plans.deadlines.cells import (
    _F,
    _FREQUENCY_CONFLICT,
    _FROM_PREFIX,
    _NO_FREQUENCY,
    _RECURRENCE_OVER,
    _STRICT_PREFIX,
    _bounds,
    _Cell,
    _due,
    _Unreadable,
)
from plans.deadlines.kinds import Deadline, DeadlineKind, Frequency, Period, Recurrence

# --- Recurrences ------------------------------------------------------------------------------

# Most frequent first: "định kỳ 6 tháng, hằng năm" is twice a year.
_FREQUENCY_PATTERNS = (
    (Frequency.WEEKLY, re.compile(r"\b(?:(?:hang|moi|tung)\s+|dinh\s+ky\s+)tuan\b", _F)),
    (Frequency.MONTHLY, re.compile(r"\b(?:(?:hang|moi|tung)\s+|dinh\s+ky\s+)thang\b", _F)),
    (
        Frequency.QUARTERLY,
        re.compile(
            r"\b(?:(?:hang|moi|tung)\s+|dinh\s+ky\s+)quy\b|\b(?:3|03|ba)\s+thang\s+(?:mot|1)\s+lan",
            _F,
        ),
    ),
    (
        Frequency.SEMIANNUAL,
        re.compile(
            r"\b(?:(?:hang|moi|tung)\s+|dinh\s+ky\s+)(?:6|06|sau)\s+thang\b(?!\s+(?:dau|cuoi))"
            r"|\b(?:6|06|sau)\s+thang\s+(?:mot|1)\s+lan",
            _F,
        ),
    ),
    (
        Frequency.YEARLY,
        re.compile(
            r"\b(?:(?:hang|moi|tung)\s+|dinh\s+ky\s+(?:hang\s+)?)nam\b"
            r"|\b(?:cac|nhung)\s+nam\s+(?:tiep\s+theo|sau)\b",
            _F,
        ),
    ),
)
_PERIODIC = re.compile(r"\bdinh\s+ky\b", _F)
_OPEN_ENDED = re.compile(r"\b(?:cac|nhung)\s+nam\s+(?:tiep\s+theo|sau)\b", _F)
# "Trước ngày 15 hằng tháng", "ngày 20 tháng cuối quý"
_DAY_OF_EACH_MONTH = re.compile(
    r"\bngay\s*(?P<day>\d{1,2})\s*(?:cua\s+)?(?:hang|moi|tung)\s+thang\b", _F
)
# "Hằng tháng trước ngày 25", "hằng tháng, chậm nhất ngày 20"
_EACH_MONTH_BY_DAY = re.compile(
    r"\b(?:hang|moi|tung)\s+thang\b[^\d]{0,30}?\bngay\s*(?P<day>\d{1,2})\b(?!\s*[/.\-]\s*\d)",
    _F,
)
_DAY_OF_QUARTER_END = re.compile(
    r"\bngay\s*(?P<day>\d{1,2})\s*(?:cua\s+)?thang\s+cuoi\s+(?:(?:hang|moi|tung)\s+)?quy\b", _F
)
# A leap year, so that a month-end in February is kept as 29 and cut to 28 in common years.
_ANY_LEAP_YEAR = 2000
_DEFAULT_DATES = {
    Frequency.YEARLY: ((12, 31),),
    Frequency.SEMIANNUAL: ((6, 30), (12, 31)),
    Frequency.QUARTERLY: ((3, 31), (6, 30), (9, 30), (12, 31)),
    Frequency.MONTHLY: tuple(
        (month, calendar.monthrange(_ANY_LEAP_YEAR, month)[1]) for month in range(1, 13)
    ),
    Frequency.WEEKLY: (),
}
_FREQUENCY_BY_COUNT = {
    1: Frequency.YEARLY,
    2: Frequency.SEMIANNUAL,
    4: Frequency.QUARTERLY,
    12: Frequency.MONTHLY,
}


def _frequency_in(folded: str) -> str | None:
    return next((freq for freq, pattern in _FREQUENCY_PATTERNS if pattern.search(folded)), None)


def _on(year: int, month: int, day: int) -> date:
    return date(year, month, min(day, calendar.monthrange(year, month)[1]))


def _month_day(day: date) -> tuple[int, int]:
    return day.month, day.day


def _every_month(day: int, strict: bool) -> tuple[tuple[int, int], ...]:
    firsts = [date(_ANY_LEAP_YEAR, month, 1) for month in range(1, 13)]
    return _shifted(firsts, day, strict)


def _every_quarter_end(day: int, strict: bool) -> tuple[tuple[int, int], ...]:
    firsts = [date(_ANY_LEAP_YEAR, month, 1) for month in (3, 6, 9, 12)]
    return _shifted(firsts, day, strict)


def _shifted(month_firsts: list[date], day: int, strict: bool) -> tuple[tuple[int, int], ...]:
    if not 1 <= day <= 31:
        raise _Unreadable(f"Ngày không hợp lệ: {day}")
    dues = [
        _on(first.year, first.month, day) - timedelta(days=1 if strict else 0)
        for first in month_firsts
    ]
    return tuple(sorted(_month_day(due) for due in dues))


def _schedule_dates(cell: _Cell, *, periods_allowed: bool) -> tuple[tuple[int, int], ...]:
    """The (month, day) dues a cell names without a year: "(trước 10/6) và năm (trước 10/12)"."""
    for pattern, spread in (
        (_DAY_OF_EACH_MONTH, _every_month),
        (_EACH_MONTH_BY_DAY, _every_month),
        (_DAY_OF_QUARTER_END, _every_quarter_end),
    ):
        match = pattern.search(cell.folded)
        if match:
            strict = bool(_STRICT_PREFIX.search(cell.folded[: match.start("day")]))
            return spread(int(match["day"]), strict)
    yearless = [index for index, mention in enumerate(cell.mentions) if mention.year is None]
    days = [index for index in yearless if cell.mentions[index].kind == DeadlineKind.DATE]
    chosen = days or (yearless if periods_allowed else [])
    return tuple(sorted({_month_day(_due(cell, index, _ANY_LEAP_YEAR)) for index in chosen}))


def _recurrence(cell: _Cell, product: _Cell | None, text_freq: str | None) -> Recurrence | None:
    dates = _schedule_dates(cell, periods_allowed=True)
    if not dates and product is not None:
        dates = _schedule_dates(product, periods_allowed=False)
    freq = text_freq
    if dates:
        dates_freq = _FREQUENCY_BY_COUNT.get(len(dates))
        # "hằng năm" with a 6-month and a yearly report is twice a year: the dates say how often.
        if dates_freq and (text_freq in (None, Frequency.YEARLY) or text_freq == dates_freq):
            freq = dates_freq
        else:
            cell.reasons.append(_FREQUENCY_CONFLICT)
            dates = ()
    if freq is None:
        cell.reasons.append(_NO_FREQUENCY)
        return None
    if not dates and freq == Frequency.YEARLY:
        # "Quý III/2026 và các năm tiếp theo": each year at the end of the period it names
        # (but "hằng năm, từ Quý II/2026" only says when it starts).
        named = [
            index
            for index, mention in enumerate(cell.mentions)
            if mention.year
            and mention.kind != DeadlineKind.YEAR
            and not _FROM_PREFIX.search(cell.prefix(index))
        ]
        if named:
            dates = (_month_day(_due(cell, named[0], _ANY_LEAP_YEAR)),)
    years = sorted({mention.year for mention in cell.mentions if mention.year})
    first_year = years[0] if years else cell.reference.year
    open_ended = bool(_OPEN_ENDED.search(cell.folded)) or len(years) < 2
    return Recurrence(
        freq=freq,
        dates=dates or _DEFAULT_DATES[freq],
        first_year=first_year,
        last_year=None if open_ended else years[-1],
    )


def _recurrence_start(cell: _Cell, recurrence: Recurrence) -> date:
    """Where the first period begins: 01/01 of the first year, or "từ Quý III/2026"'s start."""
    dated = [mention for mention in cell.mentions if mention.year == recurrence.first_year]
    if dated:
        return _bounds(cell, dated[0], recurrence.first_year)[0]
    return date(recurrence.first_year, 1, 1)


def _next_due(recurrence: Recurrence, after: date) -> date | None:
    """The first due on or after `after`, within the recurrence's last year."""
    last_year = recurrence.last_year
    if recurrence.freq == Frequency.WEEKLY:
        friday = after + timedelta(days=(4 - after.weekday()) % 7)
        return friday if last_year is None or friday.isocalendar().year <= last_year else None
    for year in range(after.year, after.year + 2):
        if last_year is not None and year > last_year:
            return None
        for month, day in recurrence.dates:
            due = _on(year, month, day)
            if due >= after:
                return due
    return None


def _is_recurring(cell: _Cell, text_freq: str | None) -> bool:
    lone_from_year = (
        len(cell.mentions) == 1
        and cell.mentions[0].kind == DeadlineKind.YEAR
        and cell.mentions[0].year is not None
        and bool(_FROM_PREFIX.search(cell.prefix(0)))
    )
    return bool(text_freq or _PERIODIC.search(cell.folded) or lone_from_year)


def _recurring(cell: _Cell, product: _Cell | None) -> Deadline | None:
    text_freq = _frequency_in(cell.folded)
    if not _is_recurring(cell, text_freq):
        return None
    if text_freq is None and not _PERIODIC.search(cell.folded):
        text_freq = Frequency.YEARLY  # "Từ năm 2026": every year from 2026 (DOMAIN.md)
    recurrence = _recurrence(cell, product, text_freq)
    if recurrence is None:
        return cell.deadline(DeadlineKind.RECURRING, None)
    start = _recurrence_start(cell, recurrence)
    due = _next_due(recurrence, max(cell.reference, start))
    if due is None:
        cell.reasons.append(_RECURRENCE_OVER)
    return cell.deadline(DeadlineKind.RECURRING, due, start=start, recurrence=recurrence)


_QUARTER_LABELS = ("I", "II", "III", "IV")


def occurrence_schedule(deadline: Deadline, *, until: date) -> list[Period]:
    """The periods (kỳ) of a recurring or continuous deadline, from its start up to and
    including the period containing `until`. A single-due deadline has none."""
    if deadline.recurrence is not None:
        return _recurring_periods(deadline, deadline.recurrence, until)
    if deadline.kind == DeadlineKind.CONTINUOUS:
        return _half_year_periods(deadline, until)
    return []


def _recurring_periods(deadline: Deadline, recurrence: Recurrence, until: date) -> list[Period]:
    if deadline.start:
        begin = deadline.start
    elif recurrence.first_year:
        begin = date(recurrence.first_year, 1, 1)
    elif deadline.due:
        begin = date(deadline.due.year, 1, 1)
    else:
        return []
    if recurrence.freq == Frequency.WEEKLY:
        periods = _weekly_periods(begin, until)
    else:
        periods = _dated_periods(recurrence, begin.year, until)
    return [
        period
        for period in periods
        if period.end >= begin
        and period.start <= until
        and (recurrence.last_year is None or period.due.year <= recurrence.last_year)
    ]


def _dated_periods(recurrence: Recurrence, first_year: int, until: date) -> list[Period]:
    """Each period runs from the day after the previous due to its own due, as the cut-off
    dates of periodic reports do (Nghị định 09/2019/NĐ-CP); a yearly one is the calendar year."""
    dates = recurrence.dates or _DEFAULT_DATES.get(recurrence.freq, ((12, 31),))
    periods: list[Period] = []
    previous_due = date(first_year, 1, 1) - timedelta(days=1)
    # One year past `until`: the period containing it may be next year's first ("6 tháng đầu
    # năm 2027" starts on 10/12/2026).
    for year in range(first_year, until.year + 2):
        dues = sorted(_on(year, month, day) for month, day in dates)
        for index, due in enumerate(dues):
            if recurrence.freq == Frequency.YEARLY:
                start, end = date(year, 1, 1), date(year, 12, 31)
            else:
                start, end = previous_due + timedelta(days=1), due
            label = _period_label(recurrence.freq, index, due)
            periods.append(Period(label, start, end, due))
            previous_due = due
    return periods


def _period_label(freq: str, index: int, due: date) -> str:
    if freq == Frequency.SEMIANNUAL:
        return f"6 tháng đầu năm {due.year}" if index == 0 else f"Năm {due.year}"
    if freq == Frequency.QUARTERLY:
        return f"Quý {_QUARTER_LABELS[(due.month - 1) // 3]}/{due.year}"
    if freq == Frequency.MONTHLY:
        return f"Tháng {due.month}/{due.year}"
    return f"Năm {due.year}"


def _weekly_periods(begin: date, until: date) -> list[Period]:
    monday = begin - timedelta(days=begin.weekday())
    periods: list[Period] = []
    while monday <= until:
        iso = monday.isocalendar()
        periods.append(
            Period(
                f"Tuần {iso.week}/{iso.year}",
                monday,
                monday + timedelta(days=6),
                monday + timedelta(days=4),  # reports of the week are due on Friday
            )
        )
        monday += timedelta(weeks=1)
    return periods


def _half_year_periods(deadline: Deadline, until: date) -> list[Period]:
    """A continuous task still reports each half-year: "6 tháng đầu năm" and "6 tháng cuối năm"."""
    begin = deadline.start or date(until.year, 1, 1)
    last = min(until, deadline.due) if deadline.due else until
    periods: list[Period] = []
    for year in range(begin.year, last.year + 1):
        for label, start, end in (
            (f"6 tháng đầu năm {year}", date(year, 1, 1), date(year, 6, 30)),
            (f"6 tháng cuối năm {year}", date(year, 7, 1), date(year, 12, 31)),
        ):
            if end >= begin and start <= last:
                periods.append(Period(label, start, end, end))
    return periods
