"""One task table written out as .xlsx, .docx, .csv and pasted text, for the shape tests.

A table is a list of rows of cell texts; `merges` are (first row, first column, last row, last
column), 0-based, inclusive, applied where the format has merged cells (Excel, Word) and left
as blank cells elsewhere (CSV, pasted text), as those exports write them.
"""

from __future__ import annotations

import csv
import io

import docx
import openpyxl

Merge = tuple[int, int, int, int]


def as_text(rows: list[list[str]]) -> str:
    return "\n".join("\t".join(row) for row in rows)


def as_csv(rows: list[list[str]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in rows:
        writer.writerow(row)
    return buffer.getvalue().encode("utf-8")


def as_xlsx(rows: list[list[str]], merges: list[Merge] = ()) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append([cell or None for cell in row])
    for top, left, bottom, right in merges:
        sheet.merge_cells(
            start_row=top + 1, start_column=left + 1, end_row=bottom + 1, end_column=right + 1
        )
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def as_docx(rows: list[list[str]], merges: list[Merge] = ()) -> bytes:
    document = docx.Document()
    document.add_paragraph("ỦY BAN NHÂN DÂN TỈNH")
    width = max(len(row) for row in rows)
    table = document.add_table(rows=len(rows), cols=width)
    merged = set()
    for top, left, bottom, right in merges:
        table.cell(top, left).merge(table.cell(bottom, right))
        merged |= {(r, c) for r in range(top, bottom + 1) for c in range(left, right + 1)}
        merged.discard((top, left))
    for r, row in enumerate(rows):
        for c, text in enumerate(row):
            if text and (r, c) not in merged:
                table.cell(r, c).text = text
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
