"""What a row of a task table gives beyond its units: when the work starts, its group, the
people it names, repeated numbers, and how a recurring schedule is named in the preview."""

from __future__ import annotations

import calendar
import dataclasses
from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING

from django.utils.translation import gettext as _

from imports.people import PeopleMatcher, Person
from imports.tables import Column, ReadTable, SourceRow
from plans.deadlines import Deadline, DeadlineKind, interpret_deadline
from plans.text import fold

if TYPE_CHECKING:
    from imports.importing import UnderstoodRow


def schedule_label(dates: Sequence[tuple[int, int]]) -> str:
    """"ngày 24 hằng tháng", "cuối tháng", "09/06, 09/12": never a 29/02 a year may not have."""
    month_ends = {(m, d) for m, d in dates if d >= calendar.monthrange(2000, m)[1]}
    if len(dates) == 12:
        if len(month_ends) == 12:
            return _("ngày cuối tháng")
        if len({d for _m, d in dates}) == 1:
            return _("ngày %(d)s hằng tháng") % {"d": dates[0][1]}
    shown = [
        _("cuối tháng %(m)02d") % {"m": m} if (m, d) in month_ends else f"{d:02d}/{m:02d}"
        for m, d in dates[:4]
    ]
    return ", ".join(shown) + (", …" if len(dates) > 4 else "")


def first_day(deadline: Deadline) -> date | None:
    """Where a written period begins: "Tháng 3/2026" → 01/03/2026, "Quý II/2026" → 01/04/2026."""
    if deadline.start is not None or deadline.due is None:
        return deadline.start
    months_back = {
        DeadlineKind.MONTH: 0,
        DeadlineKind.QUARTER: 2,
        DeadlineKind.HALF_YEAR: 5,
        DeadlineKind.YEAR: 11,
    }
    if deadline.kind == DeadlineKind.DATE:
        return deadline.due
    if deadline.kind not in months_back:
        return None
    month = deadline.due.month - months_back[deadline.kind]
    return date(deadline.due.year, month, 1)


def with_period(
    row: SourceRow, deadline: Deadline, *, reference: date, warnings: list[str]
) -> Deadline:
    """A start or period column ("Ngày bắt đầu", "Thời gian thực hiện") gives the start; with no
    deadline column at all, a period such as "2026-2027" is the deadline itself."""
    written = row.cells.get(Column.PERIOD, "")
    if not written:
        return deadline
    period = interpret_deadline(written, reference=reference)
    if not row.cells.get(Column.DEADLINE) and row.deadline_date is None:
        return dataclasses.replace(period, text=written)
    start = first_day(period)
    if start is None:
        warnings.append(
            _("Không đọc được thời gian bắt đầu “%(w)s”; đã giữ trong ghi chú.") % {"w": written}
        )
        return deadline
    if deadline.due is not None and start > deadline.due:
        warnings.append(
            _("Ngày bắt đầu %(s)s sau thời hạn %(d)s: cần xem lại.")
            % {"s": start.strftime("%d/%m/%Y"), "d": deadline.due.strftime("%d/%m/%Y")}
        )
    return deadline if deadline.start else dataclasses.replace(deadline, start=start)


def section_of(row: SourceRow) -> str:
    """The group column when the table has one (with the section row above, if any)."""
    group = row.cells.get(Column.GROUP, "")
    if group and row.section and fold(group) not in fold(row.section):
        return f"{row.section} — {group}"
    return group or row.section


def names_people(table: ReadTable) -> bool:
    return any(
        row.cells.get(Column.PERSON) or row.cells.get(Column.AUTHORITY) for row in table.rows
    )


def people_matcher() -> PeopleMatcher:
    from accounts.models import User

    users = User.objects.filter(is_active=True).only("pk", "full_name", "first_name", "last_name")
    return PeopleMatcher(
        Person(id=user.pk, name=user.full_name or user.get_full_name()) for user in users
    )


def warn_repeated_numbers(rows: Sequence[UnderstoodRow]) -> None:
    """An STT written twice is kept as written (two tasks), but a person should know."""
    lines: dict[str, list[int]] = {}
    for row in rows:
        if row.order_label:
            lines.setdefault(row.order_label, []).append(row.line)
    for row in rows:
        repeated = lines.get(row.order_label, [])
        if len(repeated) > 1:
            row.warnings.append(
                _("STT %(n)s lặp lại ở các dòng %(lines)s: kiểm tra lại số thứ tự.")
                % {"n": row.order_label, "lines": ", ".join(map(str, repeated))}
            )
