"""Excel workbooks (.xlsx)."""

from __future__ import annotations

import io
import re
import zipfile
from datetime import date, datetime, time

import openpyxl
from openpyxl.cell.cell import Cell
from openpyxl.worksheet._read_only import ReadOnlyWorksheet

from imports.tables.cells import (
    _BLANK,
    MAX_CELLS,
    MAX_MERGED_CELLS,
    MAX_SHEET_ROWS,
    Problem,
    ReadTable,
    TableError,
    _Cell,
    _Layout,
    _opening,
    _RawRow,
    check_cell_length,
)
from imports.tables.columns import _find_layout
from imports.tables.rows import _Builder, no_header
from imports.tables.survey import (
    SheetSurvey,
    check_package,
    parse_reference,
    survey_count,
    survey_sheet,
)
from plans.text import clean

# --- Excel -----------------------------------------------------------------------------------

_SHARED_STRINGS = "xl/sharedStrings.xml"
_FORMAT_LITERALS = re.compile(r'"[^"]*"|\\.|\[[^\]]*\]|_.|\*.')


def _shows_month_only(number_format: str) -> bool:
    """'"Tháng "m/yyyy', 'mm/yyyy', 'mmm yyyy': the month is meant, not the day."""
    codes = _FORMAT_LITERALS.sub("", number_format or "").lower()
    return "d" not in codes and "m" in codes and "y" in codes


def _number_text(value: float, number_format: str) -> str:
    if "%" in (number_format or ""):
        return f"{value * 100:g}%"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _excel_cell(cell: Cell, key: object) -> _Cell:
    value = cell.value
    if value is None or value == "":
        return _BLANK
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        is_month = _shows_month_only(cell.number_format)
        text = f"Tháng {value.month}/{value.year}" if is_month else value.strftime("%d/%m/%Y")
        return _Cell(text, key, day=value, is_month=is_month)
    if isinstance(value, time):
        return _Cell(value.strftime("%H:%M"), key)
    if isinstance(value, bool):
        return _Cell("Có" if value else "Không", key)
    if isinstance(value, int | float):
        return _Cell(_number_text(value, cell.number_format), key)
    # A string starting with "=" stays text: never evaluated.
    text = str(value)
    check_cell_length(text, f"Ô {cell.coordinate}")
    text = clean(text)
    return _Cell(text, key) if text else _BLANK


def _merged_anchors(merges, *, last_row: int, last_column: int):
    """Merged ranges clipped to the cells holding values (a merge out to XFD1048576 covers
    nothing more than the data does), sorted by their first row."""
    clipped = []
    for top, left, bottom, right in merges:
        bottom, right = min(bottom, last_row), min(right, last_column)
        if top <= bottom and left <= right and (top, left) != (bottom, right):
            clipped.append((top, left, bottom, right))
    return sorted(clipped)


def _sheet_rows(sheet: ReadOnlyWorksheet, survey: SheetSurvey) -> list[_RawRow]:
    """The rows holding values or covered by a merge, each as wide as the data: a merged range
    gives every cell it covers the value of its first cell (one key, so it is kept once)."""
    last_row, last_column = survey.last_row, survey.last_column
    if not last_row:
        return []
    converted: dict[tuple[int, int], _Cell] = {}
    # Only the cells the survey counted are visited: the declared dimension is never used.
    sheet.reset_dimensions()
    # openpyxl fills the gaps between stored rows with empty ones: only count past them.
    rows_read = enumerate(sheet.iter_rows(max_row=last_row, max_col=last_column), start=1)
    for number, sheet_row in rows_read:
        if number not in survey.value_rows:
            continue
        for cell in sheet_row:
            if getattr(cell, "value", None) is not None:
                key = (cell.row, cell.column)
                converted[key] = _excel_cell(cell, key)
    merges = _merged_anchors(survey.merges, last_row=last_row, last_column=last_column)
    lines = set(survey.value_rows)
    for top, _left, bottom, _right in merges:
        if bottom - top >= MAX_SHEET_ROWS or len(lines) > MAX_SHEET_ROWS:
            break
        lines.update(range(top, bottom + 1))
    if len(lines) > MAX_SHEET_ROWS or any(m[2] - m[0] >= MAX_SHEET_ROWS for m in merges):
        raise TableError(
            f"Trang tính «{sheet.title}» có hơn {MAX_SHEET_ROWS} dòng (kể cả các ô gộp) — quá "
            "lớn để là một bảng nhiệm vụ."
        )
    return _with_merges(sheet.title, sorted(lines), converted, merges, last_column)


def _with_merges(
    title: str,
    lines: list[int],
    converted: dict[tuple[int, int], _Cell],
    merges: list[tuple[int, int, int, int]],
    last_column: int,
) -> list[_RawRow]:
    rows, active, waiting, covered = [], [], iter(merges), 0
    upcoming = next(waiting, None)
    for line in lines:
        while upcoming is not None and upcoming[0] <= line:
            active.append(upcoming)
            upcoming = next(waiting, None)
        active = [merge for merge in active if merge[2] >= line]
        cells = [converted.get((line, column), _BLANK) for column in range(1, last_column + 1)]
        for top, left, _bottom, right in active:
            covered += right - left + 1
            if covered > MAX_MERGED_CELLS:
                raise TableError(
                    f"Trang tính «{title}» có vùng gộp ô quá lớn — không thể là một bảng nhiệm vụ."
                )
            anchor = converted.get((top, left), _BLANK)
            cells[left - 1 : right] = [anchor] * (right - left + 1)
        rows.append(_RawRow(line=line, cells=cells))
    return rows


def _unanswered_formulas(survey: SheetSurvey, title: str) -> list[Problem]:
    cells = survey.formulas_without_value
    if not cells:
        return []
    shown = ", ".join(cells[:10]) + ("…" if len(cells) > 10 else "")
    first = parse_reference(cells[0])
    return [
        Problem(
            line=first[0] if first else 0,
            message=f"Trang tính «{title}»: {len(cells)} ô là công thức chưa có kết quả lưu trong "
            "tệp nên được để trống (tệp được tạo bằng chương trình không tính công thức). Hãy mở "
            "tệp bằng Excel, lưu lại rồi tải lên lần nữa.",
            text=shown,
        )
    ]


def read_xlsx(data: bytes, *, sheet: str | None = None) -> ReadTable:
    """The sheet chosen, or else the first sheet that has a task table (a later sheet with one
    is reported, so the clerk can choose it)."""
    chosen: tuple[list[_RawRow], int, _Layout, SheetSurvey, str] | None = None
    unread: list[_RawRow] | None = None  # the first sheet with rows, for the mapping step
    others: list[str] = []
    with _opening("Excel"), zipfile.ZipFile(io.BytesIO(data)) as archive:
        # A worksheet is read twice, streaming: surveyed, then its values read by openpyxl
        # (read-only: never the declared dimension, never merged ranges expanded by it).
        sheet_parts = {n for n in archive.namelist() if n.startswith("xl/worksheets/")}
        check_package(archive, kind="Excel", content_parts={*sheet_parts, _SHARED_STRINGS})
        if _SHARED_STRINGS in archive.namelist():
            survey_count(
                archive,
                _SHARED_STRINGS,
                kind="Excel",
                tag="si",
                refusal=f"Tệp Excel có hơn {MAX_CELLS} chuỗi chữ — quá lớn cho một bảng nhiệm vụ.",
            )
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        try:
            sheets = workbook.worksheets
            titles = [worksheet.title for worksheet in sheets]
            if sheet is not None:
                if sheet not in titles:
                    raise TableError(
                        f"Tệp Excel không có trang tính «{sheet}»; các trang tính: "
                        f"{', '.join(titles)}."
                    )
                sheets = [sheets[titles.index(sheet)]]
            for worksheet in sheets:
                survey = survey_sheet(archive, worksheet._worksheet_path, title=worksheet.title)
                rows = _sheet_rows(worksheet, survey)
                found = _find_layout(rows)
                if found is None:
                    unread = unread or (rows if any(rows) else None)
                    continue
                if chosen is None:
                    chosen = (rows, *found, survey, worksheet.title)
                else:
                    others.append(worksheet.title)
        finally:
            workbook.close()
    if chosen is None:
        where = f"trang tính «{sheet}»" if sheet else "mọi trang tính của tệp Excel"
        raise no_header(unread or [], hint=f"(Đã tìm trong {where}.)", sheets=titles)
    rows, last_header, layout, survey, title = chosen
    builder = _Builder()
    builder.start(layout)
    for row in rows[last_header + 1 :]:
        builder.feed(row)
    table = builder.finish()
    table.sheets = titles
    table.problems.extend(_unanswered_formulas(survey, title))
    table.problems.extend(
        Problem(
            line=0,
            message=f"Trang tính «{other}» cũng có bảng nhiệm vụ nhưng chưa được nhập: mỗi lần "
            "nhập một trang tính — chọn trang tính này nếu cần nhập nó.",
            text=other,
        )
        for other in others
    )
    return table
