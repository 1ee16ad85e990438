"""The task list as an Excel workbook: the rows a filter selects, every "rõ" column, ready to print.

Streamed with bounded memory whatever the number of rows: the tasks are read in chunks from a
server-side cursor as plain tuples (no model objects), the coordinating units of a chunk in one
more query, and openpyxl's write-only mode writes each row to a temporary file as it comes. The
finished workbook is itself a temporary file that the response streams and then deletes.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from datetime import date
from functools import partial
from itertools import islice
from typing import IO

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from tasks.models import Task
from tasks.punctuality import Punctuality, Status
from tasks.spreadsheet import CENTER, FONT, HEADER_FILL, StyledCells

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


def columns() -> list[tuple[str, int]]:
    """(header, width): the six "rõ" as the list shows them, then the progress."""
    return [
        (_("STT"), 6),
        (_("Kế hoạch"), 16),
        (_("Nội dung công việc (rõ việc)"), 48),
        (_("Người thực hiện (rõ người)"), 18),
        (_("Thời hạn như trong văn bản"), 18),
        (_("Hạn hoàn thành (rõ thời gian)"), 12),
        (_("Đơn vị chủ trì (rõ trách nhiệm)"), 20),
        (_("Đơn vị phối hợp"), 22),
        (_("Thẩm quyền (rõ thẩm quyền)"), 18),
        (_("Sản phẩm, kết quả (rõ kết quả)"), 28),
        (_("Trạng thái"), 13),
        (_("Tình trạng so với hạn"), 14),
        (_("Tiến độ (%)"), 8),
        (_("Cập nhật gần nhất"), 12),
    ]


def _sheet(wb: Workbook, *, today: date, count_label: str) -> tuple[Worksheet, Callable]:
    """The sheet with its print set-up: in write-only mode all of it must come before any row."""
    ws = wb.create_sheet(_("Nhiệm vụ"))
    cols = columns()
    for index, (_name, width) in enumerate(cols, start=1):
        ws.column_dimensions[get_column_letter(index)].width = width
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
    ws.append([cell(name, bold=True, fill=HEADER_FILL, align=CENTER) for name, _w in cols])
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


def write_task_list(tasks: QuerySet, out: IO[bytes], *, today: date, count: int) -> int:
    """Write the tasks (annotated `with_punctuality`, in the order to print) as .xlsx to `out`.
    Returns the number of rows written."""
    status_labels = dict(Status.choices)
    punctuality_labels = dict(Punctuality.choices)
    wb = Workbook(write_only=True)
    ws, cell = _sheet(wb, today=today, count_label=_("%(n)s nhiệm vụ") % {"n": count})
    center = Alignment(horizontal="center", vertical="top")
    written = 0
    rows = tasks.values_list(*FIELDS).iterator(chunk_size=CHUNK)
    for chunk in _chunks(rows, CHUNK):
        coordinating = _coordinating([row[0] for row in chunk])
        for row in chunk:
            data = dict(zip(FIELDS, row, strict=True))
            authority = " ".join(
                part
                for part in (
                    data["authority_user__title"],
                    data["authority_user__full_name"] or data["authority_user__username"],
                )
                if part
            )
            last_update = data["last_update_at"]
            ws.append(
                [
                    cell(data["order_label"], align=center),
                    cell(data["plan__short_name"] or data["plan__number"] or data["plan__title"]),
                    cell(data["content"]),
                    cell(data["assignee__full_name"] or data["assignee__username"] or ""),
                    cell(data["deadline_text"]),
                    cell(data["due_date"], number_format="dd/mm/yyyy", align=center),
                    cell(
                        data["lead_unit__short_name"]
                        or data["lead_unit__name"]
                        or data["lead_as_written"]
                    ),
                    cell(
                        ", ".join(coordinating.get(data["pk"], ()))
                        or data["coordinating_as_written"]
                    ),
                    cell(authority or data["authority_body"]),
                    cell(data["product"]),
                    cell(str(status_labels.get(data["status"], data["status"]))),
                    cell(str(punctuality_labels.get(data["punctuality"], data["punctuality"]))),
                    cell(data["percent"], align=center),
                    cell(
                        timezone.localdate(last_update) if last_update else None,
                        number_format="dd/mm/yyyy",
                        align=center,
                    ),
                ]
            )
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


def file_name(today: date) -> str:
    return _("Danh sách nhiệm vụ %(date)s.xlsx") % {"date": today.strftime("%d-%m-%Y")}
