"""The report as an Excel workbook a clerk can edit and print: summary (with the assessment and
proposals), per unit, every task of the report with its group and what was achieved, late tasks,
deadline changes, difficulties and proposals, targets: everything the PDF says.

Real date and percent cells (not text), column widths, frozen header rows, filters, late tasks
filled, A4 fitted to the page width with the header rows repeated on each printed page. The
workbook is written in openpyxl's write-only mode, row by row, so memory stays bounded with a
hundred thousand tasks. Renders a `ReportData`; never queries.
"""

from __future__ import annotations

from io import BytesIO

from openpyxl import Workbook
from openpyxl.styles import Alignment, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from reporting.data import Group, ReportData, TaskRow
from reporting.narrative import Document
from tasks.figures import ON_TIME_RATE_NOTE
from tasks.spreadsheet import CENTER, HEADER_FILL, StyledCells

DATE = "dd/mm/yyyy"
PERCENT = "0.0%"
LATE_FILL = PatternFill("solid", fgColor="F8D7DA")
OVERDUE_FILL = PatternFill("solid", fgColor="F1A9B0")


_cell = StyledCells()


def _title_rows(ws, data: ReportData, document: Document, heading: str) -> int:
    """The lines above a sheet's table. Returns how many rows they take."""
    lines = [
        (document.issuing_body.upper(), True),
        (f"{heading} — {data.title}", True),
        (f"Kỳ báo cáo: {data.period.range_label}; số liệu tính đến {data.as_of:%d/%m/%Y}", False),
    ]
    for text, bold in lines:
        ws.append([_cell(ws, text, bold=bold, align=Alignment(), border=False)])
    ws.append([])
    return len(lines) + 1


def _table_sheet(wb, title: str, columns: list[tuple[str, int]], data, document, heading):
    """A sheet with its title lines and header row; set up before any row is written (in
    write-only mode widths, panes and print titles must come first)."""
    ws: Worksheet = wb.create_sheet(title)
    for index, (_name, width) in enumerate(columns, start=1):
        ws.column_dimensions[get_column_letter(index)].width = width
    header_row = 5  # after the four title rows
    ws.freeze_panes = f"A{header_row + 1}"
    ws.print_title_rows = f"{header_row}:{header_row}"
    ws.page_setup.paperSize = Worksheet.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape" if len(columns) > 6 else "portrait"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.horizontalCentered = True
    ws.page_margins.left, ws.page_margins.right = 0.6, 0.4
    ws.oddFooter.center.text = "Trang &P/&N"
    _title_rows(ws, data, document, heading)
    ws.append([_cell(ws, name, bold=True, fill=HEADER_FILL, align=CENTER) for name, _w in columns])
    return ws, header_row


def _filter(ws, header_row: int, columns: int, rows: int) -> None:
    last = get_column_letter(columns)
    ws.auto_filter.ref = f"A{header_row}:{last}{header_row + max(rows, 1)}"


def _rate(value: float | None) -> float | None:
    return None if value is None else value / 100


# One column per state, in the order of Figures.states: each row adds up to its total.
STATE_LABELS = [
    "Chưa thực hiện",
    "Đang thực hiện, trong hạn",
    "Quá hạn",
    "Hoàn thành trước hạn",
    "Hoàn thành đúng hạn",
    "Hoàn thành trễ hạn",
    "Tạm dừng",
    "Đã hủy",
]
FIGURE_COLUMNS = [
    ("Tổng số", 10),
    *[(label, 12) for label in STATE_LABELS],
    ("Tỷ lệ đúng hạn (1)", 11),
]


def _figure_cells(ws, figures, *, bold=False) -> list:
    values = [figures.total, *figures.states]
    cells = [_cell(ws, v, bold=bold, align=Alignment(vertical="top")) for v in values]
    rate = _cell(ws, _rate(figures.on_time_rate), bold=bold, number_format=PERCENT)
    return [*cells, rate]


def _note_row(ws) -> None:
    ws.append([])
    ws.append([_cell(ws, f"(1) {ON_TIME_RATE_NOTE}", align=Alignment(), border=False)])


def _summary(wb, data: ReportData, document: Document) -> None:
    columns = [("Nội dung", 52), ("Kỳ này", 14), ("Kỳ trước", 14)]
    ws, header_row = _table_sheet(wb, "Tổng hợp", columns, data, document, "Tổng hợp")
    now = data.figures
    before = data.previous_figures if data.has_previous else None
    rows = [
        ("Nhiệm vụ đến hạn trong kỳ", now.total, before.total if before else None),
        *[
            (label, value, before.states[index] if before else None)
            for index, (label, value) in enumerate(zip(STATE_LABELS, now.states, strict=True))
        ],
    ]
    for label, value, earlier in rows:
        ws.append([_cell(ws, label), _cell(ws, value), _cell(ws, earlier)])
    ws.append(
        [
            _cell(ws, "Tỷ lệ hoàn thành đúng hạn, trước hạn (1)", bold=True),
            _cell(ws, _rate(now.on_time_rate), bold=True, number_format=PERCENT),
            _cell(
                ws,
                _rate(before.on_time_rate) if before else None,
                bold=True,
                number_format=PERCENT,
            ),
        ]
    )
    ws.append(
        [
            _cell(ws, "Chỉ tiêu tỷ lệ đúng hạn"),
            _cell(ws, _rate(data.on_time_target), number_format=PERCENT),
            _cell(ws, None),
        ]
    )
    for group in (Group.OVERDUE_BEFORE, Group.NOT_YET_DUE, Group.CONTINUOUS, Group.NEXT):
        ws.append([_cell(ws, str(group.label)), _cell(ws, len(data.group(group))), _cell(ws, None)])
    ws.append([])
    for label, value in (
        ("Kỳ báo cáo (số liệu) từ ngày", data.period.start),
        ("đến ngày", data.period.end),
        ("Số liệu tính đến hết ngày", data.as_of),
        ("Kỳ trước", data.previous.label if data.has_previous else "Không có số liệu"),
        ("Kỳ tới", data.next_label or "—"),
    ):
        ws.append([_cell(ws, label), _cell(ws, value, number_format=DATE)])
    _note_row(ws)
    for heading, text in (
        ("Đánh giá chung", document.assessment),
        ("Đề xuất, kiến nghị", document.proposals),
    ):
        ws.append([])
        ws.append([_cell(ws, heading, bold=True, align=Alignment(), border=False)])
        for line in text.splitlines():
            if line.strip():
                ws.append([_cell(ws, line.strip(), align=Alignment(), border=False)])


def _units(wb, data: ReportData, document: Document) -> None:
    columns = [("TT", 6), ("Đơn vị chủ trì", 42), *FIGURE_COLUMNS]
    ws, header_row = _table_sheet(wb, "Theo đơn vị", columns, data, document, "Kết quả theo đơn vị")
    for index, row in enumerate(data.units, start=1):
        ws.append([_cell(ws, index), _cell(ws, row.name), *_figure_cells(ws, row.figures)])
    ws.append(
        [
            _cell(ws, None),
            _cell(ws, "Tổng cộng", bold=True),
            *_figure_cells(ws, data.figures, bold=True),
        ]
    )
    _filter(ws, header_row, len(columns), len(data.units))
    _note_row(ws)


TASK_COLUMNS = [
    ("TT", 6),
    ("Nhóm", 22),
    ("Kế hoạch", 18),
    ("Nội dung nhiệm vụ", 50),
    ("Kỳ", 14),
    ("Đơn vị chủ trì", 26),
    ("Người thực hiện", 20),
    ("Sản phẩm, kết quả", 30),
    ("Hạn", 12),
    ("Trạng thái", 14),
    ("Tiến độ", 9),
    ("Ngày hoàn thành", 12),
    ("Đánh giá", 20),
    ("Số ngày trễ", 9),
    ("Đường dẫn sản phẩm", 30),
    ("Kết quả đạt được trong kỳ", 40),
]


def _task_cells(ws, index: int, row: TaskRow) -> list:
    fill = OVERDUE_FILL if row.punctuality == "overdue" else LATE_FILL if row.is_late else None
    values = [
        (index, None),
        (str(Group(row.group).label), None),
        (row.plan, None),
        (row.content, None),
        (row.period_label, None),
        (row.unit, None),
        (row.assignee, None),
        (row.product, None),
        (row.due_date, DATE),
        (row.status_label, None),
        (row.percent / 100, "0%"),
        (row.completed_on, DATE),
        (row.punctuality_label, None),
        (row.days_late or None, None),
        (row.product_link, None),
        (row.achieved, None),
    ]
    return [_cell(ws, value, fill=fill, number_format=fmt) for value, fmt in values]


def _tasks(wb, data: ReportData, document: Document, *, title: str, heading: str, rows) -> None:
    ws, header_row = _table_sheet(wb, title, TASK_COLUMNS, data, document, heading)
    for index, row in enumerate(rows, start=1):
        ws.append(_task_cells(ws, index, row))
    _filter(ws, header_row, len(TASK_COLUMNS), len(rows))


LATE_COLUMNS = [
    ("TT", 6),
    ("Kế hoạch", 18),
    ("Nội dung nhiệm vụ", 50),
    ("Kỳ", 14),
    ("Đơn vị chủ trì", 26),
    ("Người thực hiện", 20),
    ("Hạn", 12),
    ("Tình trạng", 20),
    ("Số ngày trễ", 9),
    ("Tiến độ", 9),
    ("Ngày hoàn thành", 12),
    ("Lý do chậm trễ", 40),
    ("Giải trình", 40),
]


def _late(wb, data: ReportData, document: Document) -> None:
    ws, header_row = _table_sheet(
        wb, "Chậm, quá hạn", LATE_COLUMNS, data, document, "Nhiệm vụ chậm, quá hạn"
    )
    late = data.late_tasks
    for index, row in enumerate(late, start=1):
        fill = OVERDUE_FILL if row.punctuality == "overdue" else LATE_FILL
        values = [
            (index, None),
            (row.plan, None),
            (row.content, None),
            (row.period_label, None),
            (row.unit, None),
            (row.assignee, None),
            (row.due_date, DATE),
            (row.punctuality_label, None),
            (row.days_late, None),
            (row.percent / 100, "0%"),
            (row.completed_on, DATE),
            (row.reason or "Đơn vị chưa báo cáo lý do", None),
            (row.explanation, None),
        ]
        ws.append([_cell(ws, v, fill=fill, number_format=fmt) for v, fmt in values])
    _filter(ws, header_row, len(LATE_COLUMNS), len(late))


def _targets(wb, data: ReportData, document: Document) -> None:
    columns = [
        ("TT", 6),
        ("Kế hoạch", 20),
        ("Chỉ tiêu", 50),
        ("Mục tiêu", 14),
        ("Đơn vị báo cáo", 26),
        ("Kết quả", 12),
        ("Đơn vị tính", 10),
        ("Số liệu đến ngày", 14),
        ("Đánh giá", 12),
    ]
    ws, header_row = _table_sheet(wb, "Chỉ tiêu", columns, data, document, "Chỉ tiêu")
    for index, row in enumerate(data.targets, start=1):
        percent = row.unit_of_measure.strip() == "%"
        actual = row.actual / 100 if percent and row.actual is not None else row.actual
        verdict = "" if row.met is None else "Đạt" if row.met else "Chưa đạt"
        ws.append(
            [
                _cell(ws, index),
                _cell(ws, row.plan),
                _cell(ws, row.name),
                _cell(ws, row.target_label),
                _cell(ws, row.unit),
                _cell(ws, actual, number_format=PERCENT if percent else "0.##"),
                _cell(ws, row.unit_of_measure),
                _cell(ws, row.period_end, number_format=DATE),
                _cell(ws, verdict or "Chưa có số liệu"),
            ]
        )
    _filter(ws, header_row, len(columns), len(data.targets))


def _changes(wb, data: ReportData, document: Document) -> None:
    columns = [
        ("TT", 6),
        ("Nội dung nhiệm vụ", 50),
        ("Đơn vị chủ trì", 26),
        ("Hạn cũ", 12),
        ("Hạn mới", 12),
        ("Người đồng ý", 24),
        ("Ngày đồng ý", 12),
        ("Lý do", 40),
    ]
    ws, header_row = _table_sheet(
        wb, "Điều chỉnh thời hạn", columns, data, document, "Điều chỉnh thời hạn trong kỳ"
    )
    for index, change in enumerate(data.changes, start=1):
        values = [
            (index, None),
            (change.content, None),
            (change.unit, None),
            (change.old_due_date, DATE),
            (change.new_due_date, DATE),
            (change.decided_by, None),
            (change.decided_on, DATE),
            (change.reason, None),
        ]
        ws.append([_cell(ws, v, number_format=fmt) for v, fmt in values])
    _filter(ws, header_row, len(columns), len(data.changes))


def _remarks(wb, data: ReportData, document: Document) -> None:
    columns = [("TT", 6), ("Loại", 20), ("Nội dung", 70), ("Đơn vị", 40)]
    ws, header_row = _table_sheet(
        wb, "Khó khăn, đề xuất", columns, data, document, "Khó khăn, vướng mắc; đề xuất, kiến nghị"
    )
    rows = [("Khó khăn, vướng mắc", r) for r in data.difficulties] + [
        ("Đề xuất, kiến nghị", r) for r in data.proposals
    ]
    for index, (kind, remark) in enumerate(rows, start=1):
        ws.append(
            [
                _cell(ws, index),
                _cell(ws, kind),
                _cell(ws, remark.text),
                _cell(ws, ", ".join(remark.units)),
            ]
        )
    _filter(ws, header_row, len(columns), len(rows))


def render_xlsx(data: ReportData, document: Document) -> bytes:
    wb = Workbook(write_only=True)
    _summary(wb, data, document)
    _units(wb, data, document)
    _tasks(wb, data, document, title="Nhiệm vụ", heading="Nhiệm vụ trong báo cáo, theo nhóm",
           rows=data.tasks)  # fmt: skip
    _late(wb, data, document)
    _changes(wb, data, document)
    _remarks(wb, data, document)
    _targets(wb, data, document)
    _tasks(wb, data, document, title="Trọng tâm, đột phá", rows=data.key_tasks,
           heading="Nhiệm vụ trọng tâm, đột phá của phong trào thi đua")  # fmt: skip
    out = BytesIO()
    wb.save(out)
    return out.getvalue()
