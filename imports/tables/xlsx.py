"""Excel workbooks (.xlsx)."""

from __future__ import annotations

import io
import re
from datetime import date, datetime, time

import openpyxl
from openpyxl.cell.cell import Cell
from openpyxl.worksheet.worksheet import Worksheet

from imports.tables.cells import (
    _BLANK,
    Problem,
    ReadTable,
    TableError,
    _Cell,
    _Layout,
    _opening,
    _RawRow,
)
from imports.tables.columns import _find_layout
from imports.tables.rows import _NO_HEADER, _Builder
from plans.text import clean

# --- Excel -----------------------------------------------------------------------------------

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
    text = clean(str(value))
    return _Cell(text, key) if text else _BLANK


def _sheet_rows(sheet: Worksheet) -> list[_RawRow]:
    last_row, last_column = sheet.max_row, sheet.max_column
    anchors: dict[tuple[int, int], tuple[int, int]] = {}
    for merged in sheet.merged_cells.ranges:
        anchor = (merged.min_row, merged.min_col)
        for r in range(merged.min_row, min(merged.max_row, last_row) + 1):
            for c in range(merged.min_col, min(merged.max_col, last_column) + 1):
                anchors[(r, c)] = anchor
    converted: dict[tuple[int, int], _Cell] = {}
    rows = []
    for sheet_row in sheet.iter_rows(min_row=1, max_row=last_row, max_col=last_column):
        cells = []
        for cell in sheet_row:
            coordinate = (cell.row, cell.column)
            anchor = anchors.get(coordinate, coordinate)
            if anchor not in converted:
                source = cell if anchor == coordinate else sheet.cell(*anchor)
                converted[anchor] = _excel_cell(source, anchor)
            cells.append(converted[anchor])
        if cells:
            rows.append(_RawRow(line=sheet_row[0].row, cells=cells))
    return rows


def read_xlsx(data: bytes) -> ReadTable:
    """The first sheet that has a task table; a later sheet with one is reported, not read."""
    chosen: tuple[list[_RawRow], int, _Layout] | None = None
    others: list[str] = []
    with _opening("Excel"):
        # Not read-only: merged ranges are only available on a fully loaded sheet.
        workbook = openpyxl.load_workbook(io.BytesIO(data), data_only=True)
        for sheet in workbook.worksheets:
            rows = _sheet_rows(sheet)
            found = _find_layout(rows)
            if found is None:
                continue
            if chosen is None:
                chosen = (rows, *found)
            else:
                others.append(sheet.title)
    if chosen is None:
        raise TableError(f"{_NO_HEADER} (Đã tìm trong mọi trang tính của tệp Excel.)")
    rows, last_header, layout = chosen
    builder = _Builder()
    builder.start(layout)
    for row in rows[last_header + 1 :]:
        builder.feed(row)
    table = builder.finish()
    table.problems.extend(
        Problem(
            line=0,
            message=f"Trang tính «{title}» cũng có bảng nhiệm vụ nhưng chưa được nhập: mỗi lần "
            "chỉ nhập trang tính đầu tiên có bảng.",
            text=title,
        )
        for title in others
    )
    return table
