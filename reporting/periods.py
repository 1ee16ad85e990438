"""Report periods: pure date arithmetic, no database.

By default the data of a periodic report are cut off as Nghị định 09/2019/NĐ-CP (Art. 12) sets:
monthly from the 15th of the previous month to the 14th; quarterly from the 15th of the month
before the quarter to the 14th of its last month; 6-month from 15/12 of the previous year to 14/6;
annual from 15/12 of the previous year to 14/12 (and cumulative 3/6/9 months the same way, to
the 14th of the quarter's last month). Calendar periods are the other option. Weeks are ISO
weeks, Monday to Sunday: the decree sets no cut-off for them.

A period is written as in the `build_report` command: `2026-06`, `2026-Q2`, `2026-H1`, `2026`,
`2026-W23`, `2026-9M` (cumulative 9 months), `2026-01-01..2026-06-14`, and for a plan's phase
its number (`2`).
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass, replace
from datetime import date, timedelta

from django.db import models
from django.utils.translation import gettext_lazy as _

ROMAN = {1: "I", 2: "II", 3: "III", 4: "IV"}


class PeriodKind(models.TextChoices):
    WEEKLY = "weekly", _("Tuần")
    MONTHLY = "monthly", _("Tháng")
    QUARTERLY = "quarterly", _("Quý")
    CUMULATIVE = "cumulative", _("Lũy kế 3, 6, 9 tháng")
    SEMIANNUAL = "semiannual", _("6 tháng")
    ANNUAL = "annual", _("Năm")
    PHASE = "phase", _("Giai đoạn của kế hoạch (sơ kết, tổng kết)")
    CUSTOM = "custom", _("Khoảng thời gian tùy chọn")


class PeriodError(ValueError):
    """A period written in a way we do not understand."""


@dataclass(frozen=True)
class PhaseBounds:
    """What a period needs from a plan's phase (plans.Phase, or a test's stand-in)."""

    order: int
    name: str
    start: date | None
    end: date


@dataclass(frozen=True)
class Period:
    kind: str
    code: str
    start: date
    end: date
    label: str  # "6 tháng đầu năm 2026": what follows "Kết quả thực hiện nhiệm vụ"
    cutoff: bool  # data cut off as Nghị định 09/2019 Art. 12 (else calendar)
    # The data stop before the period's usual last day (`parse_period(until=…)`): the report is
    # due before that day, e.g. the 6-month report due by 10/6 with the data of 15/12–5/6.
    ends_early: bool = False

    @property
    def key(self) -> str:
        """Identifies the period across reports: issuing it again makes a new version. Data
        stopping early are another period ("…:den-2026-06-05")."""
        key = f"{self.kind}:{self.code}:{'nd09' if self.cutoff else 'lich'}"
        return f"{key}:den-{self.end.isoformat()}" if self.ends_early else key

    @property
    def range_label(self) -> str:
        return f"từ ngày {self.start:%d/%m/%Y} đến ngày {self.end:%d/%m/%Y}"


def _month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def _months(year: int, first: int, last: int, *, cutoff: bool) -> tuple[date, date]:
    """Months `first`..`last` of `year`: calendar, or from the 15th before to the 14th."""
    if not cutoff:
        return date(year, first, 1), _month_end(year, last)
    before = date(year - 1, 12, 15) if first == 1 else date(year, first - 1, 15)
    return before, date(year, last, 14)


_CODES = {
    PeriodKind.MONTHLY: re.compile(r"^(\d{4})-(\d{1,2})$"),
    PeriodKind.QUARTERLY: re.compile(r"^(\d{4})-Q([1-4])$", re.IGNORECASE),
    PeriodKind.CUMULATIVE: re.compile(r"^(\d{4})-(?:([369])M|Q([1-3]))$", re.IGNORECASE),
    PeriodKind.SEMIANNUAL: re.compile(r"^(\d{4})-H([12])$", re.IGNORECASE),
    PeriodKind.ANNUAL: re.compile(r"^(\d{4})$"),
    PeriodKind.WEEKLY: re.compile(r"^(\d{4})-W(\d{1,2})$", re.IGNORECASE),
    PeriodKind.CUSTOM: re.compile(r"^(\d{4}-\d{2}-\d{2})\.\.(\d{4}-\d{2}-\d{2})$"),
    PeriodKind.PHASE: re.compile(r"^(\d{1,2})$"),
}


def parse_period(
    kind: str,
    code: str,
    *,
    cutoff: bool = True,
    phases: list[PhaseBounds] | None = None,
    until: date | None = None,
) -> Period:
    """The period `code` of `kind`. Phases come from the plan (`phase` reports only). `until`:
    the data stop that day, before the period's usual last day (a report due before it)."""
    kind = PeriodKind(kind)
    found = _CODES[kind].match(code.strip())
    if not found:
        raise PeriodError(f"Kỳ “{code}” không đúng dạng cho loại báo cáo “{kind.label}”.")
    try:
        period = _BUILDERS[kind](found, cutoff=cutoff, phases=phases or [])
    except ValueError as error:  # an impossible date: month 13, week 54, 2026-02-30
        raise PeriodError(f"Kỳ “{code}” không hợp lệ: {error}") from error
    if until is None or until == period.end:
        return period
    if not period.start <= until < period.end:
        raise PeriodError(
            f"Ngày chốt số liệu {until:%d/%m/%Y} phải từ ngày {period.start:%d/%m/%Y} "
            f"đến trước ngày {period.end:%d/%m/%Y}."
        )
    return replace(period, end=until, ends_early=True)


def period_code_on(kind: str, day: date) -> str:
    """The code of the period of `kind` (month, quarter, half, year) whose calendar span holds
    `day`: a report due by 10/6 is the 6-month report "2026-H1"."""
    codes = {
        PeriodKind.MONTHLY: f"{day.year}-{day.month:02d}",
        PeriodKind.QUARTERLY: f"{day.year}-Q{(day.month - 1) // 3 + 1}",
        PeriodKind.SEMIANNUAL: f"{day.year}-H{1 if day.month <= 6 else 2}",
        PeriodKind.ANNUAL: str(day.year),
    }
    return codes[PeriodKind(kind)]


def cut_off_before(period: Period, *, due: date, days: int) -> date | None:
    """The day the data of a report due on `due` stop, when its period's usual last day is not
    before it: `days` days before the due date (None: the usual last day will do)."""
    if period.end < due:
        return None
    return max(due - timedelta(days=days), period.start)


def _monthly(found, *, cutoff, phases) -> Period:
    year, month = int(found[1]), int(found[2])
    start, end = _months(year, month, month, cutoff=cutoff)
    code = f"{year}-{month:02d}"
    return Period(PeriodKind.MONTHLY, code, start, end, f"tháng {month} năm {year}", cutoff)


def _quarterly(found, *, cutoff, phases) -> Period:
    year, quarter = int(found[1]), int(found[2])
    start, end = _months(year, 3 * quarter - 2, 3 * quarter, cutoff=cutoff)
    label = f"quý {ROMAN[quarter]} năm {year}"
    return Period(PeriodKind.QUARTERLY, f"{year}-Q{quarter}", start, end, label, cutoff)


def _cumulative(found, *, cutoff, phases) -> Period:
    year = int(found[1])
    months = int(found[2]) if found[2] else 3 * int(found[3])
    start, end = _months(year, 1, months, cutoff=cutoff)
    # "lũy kế": a cumulative 6 months must not read like the 6-month report beside it.
    label = f"lũy kế {months} tháng đầu năm {year}"
    return Period(PeriodKind.CUMULATIVE, f"{year}-{months}M", start, end, label, cutoff)


def _semiannual(found, *, cutoff, phases) -> Period:
    year, half = int(found[1]), int(found[2])
    start, end = _months(year, 1 if half == 1 else 7, 6 if half == 1 else 12, cutoff=cutoff)
    label = f"6 tháng {'đầu' if half == 1 else 'cuối'} năm {year}"
    return Period(PeriodKind.SEMIANNUAL, f"{year}-H{half}", start, end, label, cutoff)


def _annual(found, *, cutoff, phases) -> Period:
    year = int(found[1])
    start, end = _months(year, 1, 12, cutoff=cutoff)
    return Period(PeriodKind.ANNUAL, str(year), start, end, f"năm {year}", cutoff)


def _weekly(found, *, cutoff, phases) -> Period:
    year, week = int(found[1]), int(found[2])
    start = date.fromisocalendar(year, week, 1)
    end = start + timedelta(days=6)
    label = f"tuần {week} năm {year} (từ ngày {start:%d/%m} đến ngày {end:%d/%m/%Y})"
    return Period(PeriodKind.WEEKLY, f"{year}-W{week:02d}", start, end, label, False)


def _custom(found, *, cutoff, phases) -> Period:
    start, end = date.fromisoformat(found[1]), date.fromisoformat(found[2])
    if end < start:
        raise PeriodError("Ngày kết thúc phải sau ngày bắt đầu.")
    code = f"{start.isoformat()}..{end.isoformat()}"
    label = f"từ ngày {start:%d/%m/%Y} đến ngày {end:%d/%m/%Y}"
    return Period(PeriodKind.CUSTOM, code, start, end, label, False)


def _phase(found, *, cutoff, phases) -> Period:
    order = int(found[1])
    phase = next((p for p in phases if p.order == order), None)
    if phase is None:
        raise PeriodError(f"Kế hoạch không có giai đoạn {order}.")
    previous = next((p for p in phases if p.order == order - 1), None)
    # A first phase "from the plan's issue" has no start: it begins the day after the one
    # before it, or with the year of its end.
    start = phase.start or (
        previous.end + timedelta(days=1) if previous else date(phase.end.year, 1, 1)
    )
    return Period(PeriodKind.PHASE, str(order), start, phase.end, phase.name, False)


_BUILDERS = {
    PeriodKind.MONTHLY: _monthly,
    PeriodKind.QUARTERLY: _quarterly,
    PeriodKind.CUMULATIVE: _cumulative,
    PeriodKind.SEMIANNUAL: _semiannual,
    PeriodKind.ANNUAL: _annual,
    PeriodKind.WEEKLY: _weekly,
    PeriodKind.CUSTOM: _custom,
    PeriodKind.PHASE: _phase,
}


def previous_period(period: Period, *, phases: list[PhaseBounds] | None = None) -> Period | None:
    """The period a report compares with: the one before (for cumulative reports, the same
    months of the year before, as reports say "so với cùng kỳ")."""
    kind, code, cutoff = period.kind, period.code, period.cutoff
    if kind == PeriodKind.MONTHLY:
        year, month = map(int, code.split("-"))
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
        return parse_period(kind, f"{year}-{month:02d}", cutoff=cutoff)
    if kind == PeriodKind.QUARTERLY:
        year, quarter = int(code[:4]), int(code[-1])
        year, quarter = (year - 1, 4) if quarter == 1 else (year, quarter - 1)
        return parse_period(kind, f"{year}-Q{quarter}", cutoff=cutoff)
    if kind == PeriodKind.CUMULATIVE:
        return parse_period(kind, f"{int(code[:4]) - 1}{code[4:]}", cutoff=cutoff)
    if kind == PeriodKind.SEMIANNUAL:
        year, half = int(code[:4]), int(code[-1])
        return parse_period(kind, f"{year - 1}-H2" if half == 1 else f"{year}-H1", cutoff=cutoff)
    if kind == PeriodKind.ANNUAL:
        return parse_period(kind, str(int(code) - 1), cutoff=cutoff)
    if kind == PeriodKind.WEEKLY:
        year, week, _day = (period.start - timedelta(days=7)).isocalendar()
        return parse_period(kind, f"{year}-W{week:02d}")
    if kind == PeriodKind.CUSTOM:
        length = period.end - period.start
        end = period.start - timedelta(days=1)
        return parse_period(kind, f"{(end - length).isoformat()}..{end.isoformat()}")
    order = int(code) - 1
    if phases and any(p.order == order for p in phases):
        return parse_period(kind, str(order), phases=phases)
    return None


def named_bounds(period: Period) -> tuple[date, date]:
    """The calendar span a period is named after: "quý III năm 2026" is 01/07–30/09/2026 even
    when its data are cut off on 14/09. Tasks due after the cut-off but inside it are listed
    in the report as not yet due."""
    if not period.cutoff:
        return period.start, period.end
    calendar_period = parse_period(period.kind, period.code, cutoff=False)
    return calendar_period.start, calendar_period.end


def next_period(period: Period, *, phases: list[PhaseBounds] | None = None) -> Period | None:
    """The period after this one ("nhiệm vụ kỳ tới"), calendar bounds; for cumulative months,
    the quarter that follows them."""
    kind, code = period.kind, period.code
    if kind == PeriodKind.MONTHLY:
        year, month = map(int, code.split("-"))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        return parse_period(kind, f"{year}-{month:02d}", cutoff=False)
    if kind in (PeriodKind.QUARTERLY, PeriodKind.CUMULATIVE):
        year = int(code[:4])
        quarter = int(code[-1]) + 1 if kind == PeriodKind.QUARTERLY else int(code[5]) // 3 + 1
        year, quarter = (year + 1, 1) if quarter == 5 else (year, quarter)
        return parse_period(PeriodKind.QUARTERLY, f"{year}-Q{quarter}", cutoff=False)
    if kind == PeriodKind.SEMIANNUAL:
        year, half = int(code[:4]), int(code[-1])
        return parse_period(kind, f"{year}-H2" if half == 1 else f"{year + 1}-H1", cutoff=False)
    if kind == PeriodKind.ANNUAL:
        return parse_period(kind, str(int(code) + 1), cutoff=False)
    if kind == PeriodKind.WEEKLY:
        year, week, _day = (period.start + timedelta(days=7)).isocalendar()
        return parse_period(kind, f"{year}-W{week:02d}")
    if kind == PeriodKind.CUSTOM:
        length = period.end - period.start
        start = period.end + timedelta(days=1)
        return parse_period(kind, f"{start.isoformat()}..{(start + length).isoformat()}")
    order = int(code) + 1
    if phases and any(p.order == order for p in phases):
        return parse_period(kind, str(order), phases=phases)
    return None


def choices_for_year(year: int) -> list[tuple[str, list[tuple[str, str]]]]:
    """The periods of a year, grouped by kind, as `kind:code` options a leader picks from."""
    groups: list[tuple[str, list[tuple[str, str]]]] = [
        (
            f"6 tháng, năm {year}",
            [
                (f"semiannual:{year}-H1", f"6 tháng đầu năm {year}"),
                (f"semiannual:{year}-H2", f"6 tháng cuối năm {year}"),
                (f"annual:{year}", f"Năm {year}"),
            ],
        )
    ]
    groups.append(
        (
            f"Quý, lũy kế {year}",
            [(f"quarterly:{year}-Q{q}", f"Quý {ROMAN[q]} năm {year}") for q in range(1, 5)]
            + [(f"cumulative:{year}-{m}M", f"{m} tháng đầu năm {year}") for m in (3, 6, 9)],
        )
    )
    groups.append(
        (
            f"Tháng {year}",
            [(f"monthly:{year}-{m:02d}", f"Tháng {m} năm {year}") for m in range(1, 13)],
        )
    )
    return groups
