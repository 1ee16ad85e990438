"""A plan's task table (Phụ lục / Bảng phân công nhiệm vụ), read from pasted text, .xlsx or .docx.

Every source becomes the same `ReadTable`: one `SourceRow` per task, with its cells keyed by
what the column means (found from the header's wording, not its position), and a `Problem` for
every row that is in the table but is not a task (footnotes, stray lines, rows without content).
Nothing is dropped silently: what is not imported is reported.

Source cells carry a key naming the physical cell they come from, so that a value merged over
several rows or columns (Excel merged ranges, Word vertical/horizontal merges) is recognised as
one value and never counted or appended twice.
"""

from imports.tables.cells import (
    MAX_BYTES,
    MAX_ROWS,
    Column,
    Problem,
    ReadTable,
    SourceRow,
    TableError,
)
from imports.tables.docx import read_docx
from imports.tables.pasted import read_text
from imports.tables.uploads import read_upload
from imports.tables.xlsx import read_xlsx

__all__ = [
    "MAX_BYTES",
    "MAX_ROWS",
    "Column",
    "Problem",
    "ReadTable",
    "SourceRow",
    "TableError",
    "read_docx",
    "read_text",
    "read_upload",
    "read_xlsx",
]
