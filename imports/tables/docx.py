"""Word documents (.docx)."""

from __future__ import annotations

import io
import zipfile

import docx
from docx.document import Document

from imports.tables.cells import (
    _BLANK,
    MAX_CELLS,
    ReadTable,
    _Cell,
    _opening,
    _RawRow,
    check_cell_length,
)
from imports.tables.columns import _find_layout
from imports.tables.rows import _Builder, no_header
from imports.tables.survey import check_package, survey_count
from plans.text import clean

_DOCUMENT = "word/document.xml"
# python-docx holds the whole document as an lxml tree, several times the size of its XML.
MAX_DOCUMENT_BYTES = 20 * 1024 * 1024

# --- Word ------------------------------------------------------------------------------------


def _docx_tables(document: Document) -> list[tuple[int, list[_RawRow]]]:
    """(grid width, rows) per table; rows are numbered across the whole document."""
    tables = []
    number = 0
    for table in document.tables:
        width = len(table.columns)
        rows = []
        for row in table.rows:
            number += 1
            texts: dict[int, _Cell] = {}
            cells = [_BLANK] * row.grid_cols_before
            for cell in row.cells:
                tc = cell._tc  # merged cells repeat the same <w:tc>
                if id(tc) not in texts:
                    text = cell.text
                    check_cell_length(text, f"Ô ở dòng {number} của bảng")
                    text = clean(text)
                    texts[id(tc)] = _Cell(text, tc) if text else _BLANK
                cells.append(texts[id(tc)])
            rows.append(_RawRow(line=number, cells=cells))
        tables.append((width, rows))
    return tables


def read_docx(data: bytes) -> ReadTable:
    """Every table with a task header; a table without one right after a task table of the same
    width continues it (a table split at a page break)."""
    with _opening("Word"):
        # python-docx loads the whole document: first make sure it is a size a plan can be.
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            check_package(
                archive,
                kind="Word",
                content_parts={_DOCUMENT},
                content_limit=MAX_DOCUMENT_BYTES,
            )
            if _DOCUMENT in archive.namelist():
                survey_count(
                    archive,
                    _DOCUMENT,
                    kind="Word",
                    tag="tc",
                    refusal=f"Tệp Word có hơn {MAX_CELLS} ô bảng — quá lớn cho một bảng nhiệm vụ.",
                )
        tables = _docx_tables(docx.Document(io.BytesIO(data)))
    builder = _Builder()
    width_in_use: int | None = None
    # A table without a header is guessed from its cells only when no table has a header.
    infer = not any(_find_layout(rows, infer=False) for _width, rows in tables)
    for width, rows in tables:
        found = _find_layout(rows, infer=infer and builder.layout is None)
        if found is not None:
            last_header, layout = found
            builder.start(layout)
            width_in_use = width
            body = rows[last_header + 1 :]
        elif builder.layout is not None and width == width_in_use:
            body = rows
        else:
            continue
        for row in body:
            builder.feed(row)
    if builder.layout is None:
        largest = max((rows for _width, rows in tables), key=len, default=[])
        raise no_header(largest, hint="(Đã tìm trong mọi bảng của tệp Word.)")
    return builder.finish()
