"""The task list as an Excel workbook or a CSV file: the rows a filter selects, every "rõ" column.

Both formats take their columns and cell values from one place (`columns`, `task_rows`) and
stream with bounded memory whatever the number of rows: the tasks are read in chunks from a
server-side cursor as plain tuples (no model objects), the coordinating units of a chunk in one
more query. XlsxWriter's constant-memory mode writes each row to a temporary file as it comes;
the finished workbook is itself a temporary file that the response streams and then deletes. The
CSV is written chunk by chunk straight into the response.
"""

from __future__ import annotations

import contextlib
import csv
import io
import tempfile
from collections.abc import Iterator
from datetime import date
from itertools import islice
from typing import IO, NamedTuple

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from xlsxwriter import Workbook
from xlsxwriter.worksheet import Worksheet

from tasks.models import Task
from tasks.punctuality import Punctuality, Status
from tasks.spreadsheet import HEADER_COLOR, xlsx_format

CHUNK = 2000  # rows per fetch, and per query for their coordinating units
HEADER_ROW = 3  # after the title and the "as of" line

FIELDS = (
    "pk",
    "order_label",
    "plan__number",
    "plan__short_name",
    "plan__title",
    "content",
    "assignee__full_name",
    "assignee__username",
    "deadline_text",
    "due_date",
    "lead_unit__short_name",
    "lead_unit__name",
    "lead_as_written",
    "coordinating_as_written",
    "authority_user__title",
    "authority_user__full_name",
    "authority_user__username",
    "authority_body",
    "product",
    "status",
    "punctuality",
    "percent",
    "last_update_at",
)


class Column(NamedTuple):
    header: str
    width: int  # in the workbook
    centered: bool = False
    is_date: bool = False


def columns() -> list[Column]:
    """The six "rõ" as the list shows them, then the progress."""
    return [
        Column(_("STT"), 6, centered=True),
        Column(_("Kế hoạch"), 16),
        Column(_("Nội dung công việc (rõ việc)"), 48),
        Column(_("Người thực hiện (rõ người)"), 18),
        Column(_("Thời hạn như trong văn bản"), 18),
        Column(_("Hạn hoàn thành (rõ thời gian)"), 12, centered=True, is_date=True),
        Column(_("Đơn vị chủ trì (rõ trách nhiệm)"), 20),
        Column(_("Đơn vị phối hợp"), 22),
        Column(_("Thẩm quyền (rõ thẩm quyền)"), 18),
        Column(_("Sản phẩm, kết quả (rõ kết quả)"), 28),
        Column(_("Trạng thái"), 13),
        Column(_("Tình trạng so với hạn"), 14),
        Column(_("Tiến độ (%)"), 8, centered=True),
        Column(_("Cập nhật gần nhất"), 12, centered=True, is_date=True),
    ]


def _sheet(wb: Workbook, *, today: date, count_label: str) -> Worksheet:
    """The sheet with its print set-up, title and header row (rows 1 to HEADER_ROW)."""
    ws = wb.add_worksheet(_("Nhiệm vụ"))
    cols = columns()
    for index, column in enumerate(cols):
        # In pixels, so that the file holds the width as given (XlsxWriter adds the padding to
        # a width in characters): 7 pixels a character in Excel's default font.
        ws.set_column_pixels(index, index, column.width * 7)
    ws.freeze_panes(HEADER_ROW, 0)
    ws.repeat_rows(HEADER_ROW - 1)
    ws.set_paper(9)  # A4
    ws.set_landscape()
    ws.fit_to_pages(1, 0)
    ws.center_horizontally()
    ws.set_margins(left=0.4, right=0.4, top=0.6, bottom=0.6)
    ws.set_header("", margin=0.5)
    ws.set_footer("&C" + _("Trang &P/&N"), margin=0.5)
    ws.autofilter(HEADER_ROW - 1, 0, HEADER_ROW - 1, len(cols) - 1)
    title = wb.add_format(xlsx_format(size=13, bold=True, border=False, align=None))
    ws.write_string(0, 0, _("DANH SÁCH NHIỆM VỤ"), title)
    line = wb.add_format(xlsx_format(italic=True, border=False, align=None))
    as_of = _("Tính đến ngày %(today)s; %(count)s.")
    ws.write_string(1, 0, as_of % {"today": today.strftime("%d/%m/%Y"), "count": count_label}, line)
    header = wb.add_format(xlsx_format(bold=True, fill=HEADER_COLOR, align="center"))
    for index, column in enumerate(cols):
        ws.write_string(HEADER_ROW - 1, index, _clean(column.header), header)
    return ws


def _clean(text: str) -> str:
    """Without the control characters Excel refuses (a tab or a line break stays)."""
    return ILLEGAL_CHARACTERS_RE.sub("", text)


def _coordinating(task_ids: list[int]) -> dict[int, list[str]]:
    """{task id: coordinating unit names} for a chunk of tasks, in one query."""
    through = Task.coordinating_units.through
    rows = (
        through.objects.filter(task_id__in=task_ids)
        .order_by("task_id", "unit__order", "unit__name")
        .values_list("task_id", "unit__short_name", "unit__name")
    )
    names: dict[int, list[str]] = {}
    for task_id, short, name in rows:
        names.setdefault(task_id, []).append(short or name)
    return names


def _chunks(rows, size: int):
    iterator = iter(rows)
    while chunk := list(islice(iterator, size)):
        yield chunk


def task_rows(tasks: QuerySet) -> Iterator[tuple]:
    """Each task's cell values in the order of `columns()`: text, numbers, dates or None.
    Tens of thousands of rows: the labels are translated and the time zone found once."""
    status_labels = {key: str(label) for key, label in Status.choices}
    punctuality_labels = {key: str(label) for key, label in Punctuality.choices}
    zone = timezone.get_current_timezone()
    rows = tasks.values_list(*FIELDS).iterator(chunk_size=CHUNK)
    for chunk in _chunks(rows, CHUNK):
        coordinating = _coordinating([row[0] for row in chunk])
        for (
            pk, order_label, plan_number, plan_short_name, plan_title, content, assignee_name,
            assignee_username, deadline_text, due_date, lead_short_name, lead_name,
            lead_as_written, coordinating_as_written, authority_title, authority_name,
            authority_username, authority_body, product, status, punctuality, percent,
            last_update_at,
        ) in chunk:  # fmt: skip
            authority_person = authority_name or authority_username
            authority = " ".join(p for p in (authority_title, authority_person) if p)
            yield (
                order_label,
                plan_short_name or plan_number or plan_title,
                content,
                assignee_name or assignee_username or "",
                deadline_text,
                due_date,
                lead_short_name or lead_name or lead_as_written,
                ", ".join(coordinating.get(pk, ())) or coordinating_as_written,
                authority or authority_body,
                product,
                status_labels.get(status, status),
                punctuality_labels.get(punctuality, punctuality),
                percent,
                last_update_at.astimezone(zone).date() if last_update_at else None,
            )


def write_task_list(tasks: QuerySet, out: IO[bytes], *, today: date, count: int) -> int:
    """Write the tasks (annotated `with_punctuality`, in the order to print) as .xlsx to `out`.
    Returns the number of rows written.

    XlsxWriter in constant-memory mode keeps one row in memory: each row goes to a temporary
    file as the next one starts, and the workbook is zipped from there on `close()`. Every value
    is written by its type: text always as text (never `write()`, which would make a formula of
    "=…"), dates as dates shown dd/mm/yyyy, empty cells blank but bordered like the others."""
    wb = Workbook(out, {"constant_memory": True, "strings_to_formulas": False})
    try:
        written = _write_rows(wb, tasks, today=today, count=count)
    except BaseException:
        with contextlib.suppress(Exception):
            wb.close()  # removes its temporary files; what it writes to `out` is thrown away
        raise
    wb.close()
    return written


def _write_rows(wb: Workbook, tasks: QuerySet, *, today: date, count: int) -> int:
    ws = _sheet(wb, today=today, count_label=_("%(n)s nhiệm vụ") % {"n": count})
    formats = [
        wb.add_format(
            xlsx_format(
                align="top" if column.centered else "wrap",
                number_format="dd/mm/yyyy" if column.is_date else None,
            )
        )
        for column in columns()
    ]
    text, number, when = ws.write_string, ws.write_number, ws.write_datetime
    blank = ws.write_blank
    row = HEADER_ROW - 1
    for row, values in enumerate(task_rows(tasks), start=HEADER_ROW):
        for col, (value, cell_format) in enumerate(zip(values, formats, strict=True)):
            if value.__class__ is str and (value := _clean(value)):
                text(row, col, value, cell_format)
            elif not value and value != 0:  # None or "": empty, as openpyxl wrote them
                blank(row, col, None, cell_format)
            elif isinstance(value, date):
                when(row, col, value, cell_format)
            else:
                number(row, col, value, cell_format)
    return row - HEADER_ROW + 1


def task_list_file(tasks: QuerySet, *, today: date) -> IO[bytes]:
    """The workbook in an anonymous temporary file (gone once closed), rewound for reading."""
    out = tempfile.TemporaryFile(suffix=".xlsx")  # noqa: SIM115 (the response closes it)
    try:
        write_task_list(tasks, out, today=today, count=tasks.count())
    except BaseException:
        out.close()
        raise
    out.seek(0)
    return out


# A spreadsheet treats a cell that starts with one of these as a formula (OWASP, "CSV Injection").
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _csv_text(value) -> str:
    if value.__class__ is str:
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
        # Text from the plans is never a formula: an apostrophe makes Excel show it as typed.
        return f"'{value}" if value.startswith(_FORMULA_START) else value
    if value is None:
        return ""
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    return str(value)


def task_list_csv(tasks: QuerySet) -> Iterator[bytes]:
    """The tasks as CSV for Excel, in pieces to stream: UTF-8 with a byte-order mark (without it
    Excel reads Vietnamese as Windows-1252), CRLF line ends, dates as dd/mm/yyyy."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(column.header for column in columns())
    yield b"\xef\xbb\xbf" + buffer.getvalue().encode()
    rows = task_rows(tasks)
    while chunk := list(islice(rows, CHUNK)):
        buffer.seek(0)
        buffer.truncate()
        writer.writerows([_csv_text(value) for value in row] for row in chunk)
        yield buffer.getvalue().encode()


def file_name(today: date, *, extension: str) -> str:
    return _("Danh sách nhiệm vụ %(date)s") % {"date": today.strftime("%d-%m-%Y")} + extension
