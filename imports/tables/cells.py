"""What every reader produces: source cells and rows, the table read, its problems and limits."""

from __future__ import annotations

import zipfile
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import date

from django.db import models
from django.utils.translation import gettext_lazy as _

MAX_BYTES = 10 * 1024 * 1024
MAX_ROWS = 5000
# A 10 MB zip can unpack to gigabytes; no real plan comes near this.
_MAX_UNPACKED_BYTES = 100 * 1024 * 1024

# What a reader accepts before it stops, counted while reading (never from what a file declares
# about itself): every hostile file is refused within seconds and a few hundred MB.
MAX_COLUMNS = 200  # the furthest column holding a value
MAX_SHEET_ROWS = 20_000  # rows stored in one sheet, or rows of one table in a document
MAX_CELLS = 100_000  # cells stored in one sheet or document (empty formatted cells included)
MAX_MERGES = 10_000  # merged ranges in one sheet
MAX_MERGED_CELLS = 4_000_000  # cells the merged ranges cover, once clipped to the data
MAX_LINES = 100_000  # lines of a text or CSV file
MAX_CELL_CHARS = 32_767  # Excel's own limit for one cell


def check_cell_length(text: str, where: str) -> None:
    if len(text) > MAX_CELL_CHARS:
        length, limit = (f"{n:,}".replace(",", ".") for n in (len(text), MAX_CELL_CHARS))
        raise TableError(
            f"{where} dài {length} ký tự, quá giới hạn {limit} ký tự của một ô — tệp không phải "
            "một bảng nhiệm vụ thông thường."
        )


class Column(models.TextChoices):
    ORDER = "order", _("STT")
    CONTENT = "content", _("Nội dung công việc")
    LEAD = "lead", _("Đơn vị chủ trì")
    COORDINATING = "coordinating", _("Đơn vị phối hợp")
    PRODUCT = "product", _("Sản phẩm, kết quả")
    DEADLINE = "deadline", _("Thời hạn")
    PERSON = "person", _("Người chịu trách nhiệm")
    AUTHORITY = "authority", _("Cấp có thẩm quyền")
    GROUP = "group", _("Nhóm, lĩnh vực")
    PERIOD = "period", _("Thời gian bắt đầu, thực hiện")


class Confidence(models.TextChoices):
    HIGH = "high", _("chắc chắn")
    MEDIUM = "medium", _("khá chắc")
    LOW = "low", _("đoán, cần xem")


@dataclass
class ColumnReading:
    """How one source column was understood: shown in the preview, changed by the clerk."""

    position: int
    header: str  # as written ("" when the table has no header row)
    choice: str  # a Column value, "notes" or "ignore"
    how: str  # why, in words a clerk understands
    confidence: str = Confidence.HIGH
    samples: list[str] = field(default_factory=list)


@dataclass
class SourceRow:
    line: int
    order_label: str
    section: str
    cells: dict[str, str]
    notes: dict[str, str]
    deadline_date: date | None = None
    deadline_is_month: bool = False

    def to_json(self) -> dict:
        deadline = self.deadline_date
        return {**asdict(self), "deadline_date": deadline.isoformat() if deadline else None}

    @classmethod
    def from_json(cls, data: dict) -> SourceRow:
        deadline = data.get("deadline_date")
        return cls(**{**data, "deadline_date": date.fromisoformat(deadline) if deadline else None})


@dataclass
class Problem:
    line: int
    message: str
    text: str


@dataclass
class ReadTable:
    headers: dict[str, str]
    rows: list[SourceRow]
    problems: list[Problem]
    # How each source column was read, where the header is, and the source rows themselves,
    # so that the clerk can map the columns again without sending the file again.
    columns: list[ColumnReading] = field(default_factory=list)
    header_line: int | None = None
    header_key: str = ""
    grid: list[_RawRow] = field(default_factory=list)
    sheets: list[str] = field(default_factory=list)  # a workbook's sheets, to choose another
    footnotes: list[str] = field(default_factory=list)  # under the table: kept on the plan

    def to_json(self) -> dict:
        """All of it, to cross from the reading process to the web (imports.tables.isolated)."""
        return {
            "headers": self.headers,
            "rows": [row.to_json() for row in self.rows],
            "problems": [asdict(problem) for problem in self.problems],
            "columns": [asdict(reading) for reading in self.columns],
            "header_line": self.header_line,
            "header_key": self.header_key,
            "grid": grid_to_json(self.grid),
            "sheets": self.sheets,
            "footnotes": self.footnotes,
        }

    @classmethod
    def from_json(cls, data: dict) -> ReadTable:
        return cls(
            headers=data["headers"],
            rows=[SourceRow.from_json(row) for row in data["rows"]],
            problems=[Problem(**problem) for problem in data["problems"]],
            columns=[ColumnReading(**reading) for reading in data.get("columns", [])],
            header_line=data.get("header_line"),
            header_key=data.get("header_key", ""),
            grid=grid_from_json(data.get("grid", [])),
            sheets=data.get("sheets", []),
            footnotes=data.get("footnotes", []),
        )


class TableError(Exception):
    """No table could be read at all; str() is a message a clerk understands."""


class NoHeader(TableError):
    """Rows in columns, but no header found and none guessed from the cells: `table` keeps the
    rows (its `grid`, no tasks), so that the clerk can say what each column is."""

    def __init__(self, message: str, *, table: ReadTable):
        super().__init__(message)
        self.table = table


# --- Source cells and rows -------------------------------------------------------------------


@dataclass(frozen=True)
class _Cell:
    text: str
    key: object = None  # the physical (possibly merged) cell; None only for empty cells
    day: date | None = None
    is_month: bool = False


_BLANK = _Cell("")


@dataclass
class _RawRow:
    line: int
    cells: list[_Cell]
    written: str = ""
    loose: bool = False  # a pasted line without tabs: never a cell of the table

    def cell(self, position: int) -> _Cell:
        return self.cells[position] if position < len(self.cells) else _BLANK

    def filled(self) -> list[_Cell]:
        seen: set[object] = set()
        found = []
        for cell in self.cells:
            if cell.text and cell.key not in seen:
                seen.add(cell.key)
                found.append(cell)
        return found

    def positions(self, cell: _Cell) -> list[int]:
        return [i for i, other in enumerate(self.cells) if other.key == cell.key]

    def as_written(self) -> str:
        return self.written or " | ".join(cell.text for cell in self.filled())


@dataclass
class _Layout:
    columns: dict[int, Column]
    notes: dict[int, str]
    headers: dict[str, str]
    echoes: dict[int, set[str]]  # position → folded header texts, to recognise repeated headers
    readings: list[ColumnReading] = field(default_factory=list)
    ignored: frozenset[int] = frozenset()  # columns the clerk chose to leave out
    header_line: int | None = None
    header_key: str = ""
    source: Sequence[_RawRow] = ()  # every row of the table the header was found in

    @property
    def order_position(self) -> int | None:
        return next((pos for pos, col in self.columns.items() if col == Column.ORDER), None)

    @property
    def content_position(self) -> int:
        return next(pos for pos, col in self.columns.items() if col == Column.CONTENT)


@contextmanager
def _opening(kind: str) -> Iterator[None]:
    try:
        yield
    except (TableError, MemoryError):
        raise
    except zipfile.BadZipFile as error:
        raise TableError(
            f"Tệp {kind} bị hỏng hoặc tải lên chưa hết — không mở được. "
            "Hãy lưu lại tệp và thử lần nữa."
        ) from error
    except Exception as error:  # the libraries raise many kinds of error on a malformed file
        raise TableError(
            f"Không đọc được tệp {kind}: tệp bị hỏng hoặc không đúng định dạng."
        ) from error


# --- Source rows as JSON: an import draft keeps them for the column-mapping step -------------


def grid_to_json(rows: Iterable[_RawRow]) -> list[dict]:
    """Rows as JSON; a cell merged over several places keeps one number for all of them."""
    keys: dict[object, int] = {}
    out = []
    for row in rows:
        cells = []
        for cell in row.cells:
            if not cell.text:
                cells.append(None)
                continue
            number = keys.setdefault(cell.key, len(keys))
            day = cell.day.isoformat() if cell.day else None
            cells.append([cell.text, number, day, cell.is_month])
        out.append({"line": row.line, "cells": cells, "written": row.written, "loose": row.loose})
    return out


def grid_from_json(data: Iterable[dict]) -> list[_RawRow]:
    rows = []
    for row in data:
        cells = [
            _Cell(
                str(cell[0]),
                ("grid", int(cell[1])),
                date.fromisoformat(cell[2]) if cell[2] else None,
                bool(cell[3]),
            )
            if cell
            else _BLANK
            for cell in row["cells"]
        ]
        rows.append(
            _RawRow(
                line=int(row["line"]),
                cells=cells,
                written=row.get("written", ""),
                loose=bool(row.get("loose")),
            )
        )
    return rows
