"""The task list as an Excel workbook or a CSV file: the rows a filter selects, every "rõ" column.

Both formats take their columns and cell values from one place (`columns`, `task_rows`) and
stream with bounded memory whatever the number of rows: the tasks are read in chunks from a
server-side cursor as plain tuples (no model objects), the coordinating units of a chunk in one
more query. openpyxl's write-only mode writes each row to a temporary file as it comes; the
finished workbook is itself a temporary file that the response streams and then deletes. The CSV
is written chunk by chunk straight into the response.
"""

from __future__ import annotations

import csv
import io
import tempfile
from collections.abc import Callable, Iterator
from datetime import date
from functools import partial
from itertools import islice
from typing import IO, NamedTuple

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from tasks.models import Task
from tasks.punctuality import Punctuality, Status
from tasks.spreadsheet import CENTER, FONT, HEADER_FILL, WRAP, StyledCells

CHUNK = 2000  # rows per fetch, and per query for their coordinating units
HEADER_ROW = 3  # after the title and the "as of" line
_cells = StyledCells()

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


def _sheet(wb: Workbook, *, today: date, count_label: str) -> tuple[Worksheet, Callable]:
    """The sheet with its print set-up: in write-only mode all of it must come before any row."""
    ws = wb.create_sheet(_("Nhiệm vụ"))
    cols = columns()
    for index, column in enumerate(cols, start=1):
        ws.column_dimensions[get_column_letter(index)].width = column.width
    ws.freeze_panes = f"A{HEADER_ROW + 1}"
    ws.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"
    ws.page_setup.paperSize = Worksheet.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.page_margins.top = ws.page_margins.bottom = 0.6
    ws.oddFooter.center.text = _("Trang &P/&N")
    ws.auto_filter.ref = f"A{HEADER_ROW}:{get_column_letter(len(cols))}{HEADER_ROW}"
    cell = partial(_cells, ws)
    plain = Alignment()
    title = WriteOnlyCell(ws, value=_("DANH SÁCH NHIỆM VỤ"))
    title.font = Font(name=FONT, size=13, bold=True)
    ws.append([title])
    line = WriteOnlyCell(
        ws,
        value=_("Tính đến ngày %(today)s; %(count)s.")
        % {"today": today.strftime("%d/%m/%Y"), "count": count_label},
    )
    line.font, line.alignment = Font(name=FONT, size=11, italic=True), plain
    ws.append([line])
    ws.append([cell(c.header, bold=True, fill=HEADER_FILL, align=CENTER) for c in cols])
    return ws, cell


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
    Returns the number of rows written."""
    wb = Workbook(write_only=True)
    ws, cell = _sheet(wb, today=today, count_label=_("%(n)s nhiệm vụ") % {"n": count})
    center = Alignment(horizontal="center", vertical="top")
    styles = [
        {
            "align": center if column.centered else WRAP,
            "number_format": "dd/mm/yyyy" if column.is_date else None,
        }
        for column in columns()
    ]
    written = 0
    for values in task_rows(tasks):
        ws.append([cell(value, **style) for value, style in zip(values, styles, strict=True)])
        written += 1
    wb.save(out)
    return written


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
