"""A plan's task table (Phụ lục / Bảng phân công nhiệm vụ), read from pasted text, .xlsx or .docx.

Every source becomes the same `ReadTable`: one `SourceRow` per task, with its cells keyed by
what the column means (found from the header's wording, not its position), and a `Problem` for
every row that is in the table but is not a task (footnotes, stray lines, rows without content).
Nothing is dropped silently: what is not imported is reported.

Source cells carry a key naming the physical cell they come from, so that a value merged over
several rows or columns (Excel merged ranges, Word vertical/horizontal merges) is recognised as
one value and never counted or appended twice.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, time

import docx
import openpyxl
from django.db import models
from django.utils.translation import gettext_lazy as _
from docx.document import Document
from openpyxl.cell.cell import Cell
from openpyxl.worksheet.worksheet import Worksheet

from plans.text import clean, fold

MAX_BYTES = 10 * 1024 * 1024
MAX_ROWS = 5000
# A 10 MB zip can unpack to gigabytes; no real plan comes near this.
_MAX_UNPACKED_BYTES = 200 * 1024 * 1024


class Column(models.TextChoices):
    ORDER = "order", _("STT")
    CONTENT = "content", _("Nội dung công việc")
    LEAD = "lead", _("Đơn vị chủ trì")
    COORDINATING = "coordinating", _("Đơn vị phối hợp")
    PRODUCT = "product", _("Sản phẩm, kết quả")
    DEADLINE = "deadline", _("Thời hạn")


@dataclass
class SourceRow:
    line: int
    order_label: str
    section: str
    cells: dict[str, str]
    notes: dict[str, str]
    deadline_date: date | None = None
    deadline_is_month: bool = False


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


class TableError(Exception):
    """No table could be read at all; str() is a message a clerk understands."""


# --- Header keywords -------------------------------------------------------------------------

# Checked in this order: the more specific wording first ("Cơ quan phối hợp" before "chủ trì",
# "Sản phẩm hoàn thành" is a product, "Thời gian hoàn thành" a deadline).
_KEYWORDS: tuple[tuple[Column, tuple[str, ...]], ...] = (
    (Column.COORDINATING, ("phoi hop",)),
    (Column.LEAD, ("chu tri",)),
    (Column.PRODUCT, ("san pham",)),
    (Column.DEADLINE, ("thoi han", "thoi gian", "tien do")),
    (Column.PRODUCT, ("ket qua",)),
    (Column.DEADLINE, ("hoan thanh",)),
    (Column.CONTENT, ("noi dung", "nhiem vu", "cong viec")),
)
_ORDER_HEADERS = frozenset({"stt", "tt", "so tt", "so thu tu"})
# "Đơn vị thực hiện" names the lead only when no column says "chủ trì".
_WEAK_LEAD = "thuc hien"
_MAX_HEADER_CELL = 60

# --- Row shapes ----------------------------------------------------------------------------

_LABEL = re.compile(
    r"\(?(?:\d{1,4}[a-zđ]?|[IVXLC]{1,7}|[A-Za-zĐđ])(?:[.\-](?:\d{1,3}|[a-zđ]))*[.):]?"
)
_SECTION_LABEL = re.compile(r"(?:[IVXLC]{1,7}|[A-ZĐ])\.?")
_SECTION_TEXT = re.compile(
    r"(?:(?i:phần|mục|nhóm|chương)\s+)?(?:[IVXLC]{1,7}|[A-ZĐ])\s*[.):–-]\s*\S"
)
_NUMBERING = re.compile(r"\(?(\d{1,2})\)?")
_FOOTNOTE_MARKS = ("<sup>", "*", "(*", "[", "¹", "²", "³", "⁴", "⁵", "⁶", "⁷", "⁸", "⁹", "⁰")
_FOOTNOTE_WORDS = ("ghi chu", "luu y", "nguon", "chu thich", "noi nhan")
_SENTENCE_ENDS = (".", "!", "?", ";", ":", "…")

# --- Debris from Word/PDF/markdown conversions in pasted text --------------------------------

_SUP = re.compile(r"<sup>.*?</sup>", re.IGNORECASE | re.DOTALL)
_BREAK = re.compile(r"<br\s*/?>", re.IGNORECASE)
_TAG = re.compile(r"</?[a-zA-Z][^<>]*>")
_MATH = re.compile(r"\$([^$\n]*\\[^$\n]*)\$")
_MATH_COMMANDS = {
    "geq": "≥", "ge": "≥", "leq": "≤", "le": "≤", "neq": "≠", "ne": "≠",
    "times": "×", "pm": "±", "approx": "≈", "cdot": "·",
}
_MATH_COMMAND = re.compile(r"\\([a-zA-Z]+)")
_MARKDOWN_ESCAPE = re.compile(r"\\([*_#%$&\[\]|])")
_PIPE_RULE = re.compile(r"\|?\s*:?-{3,}:?\s*(?:\|\s*:?-{3,}:?\s*)*\|?")

# --- File sniffing ---------------------------------------------------------------------------

_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ENCRYPTED = "EncryptedPackage".encode("utf-16-le")
_OTHER_FORMATS = (
    (b"%PDF", "PDF"),
    (b"\x89PNG", "ảnh PNG"),
    (b"\xff\xd8\xff", "ảnh JPEG"),
    (b"GIF8", "ảnh GIF"),
    (b"BM", "ảnh BMP"),
    (b"II*\x00", "ảnh TIFF"),
    (b"MM\x00*", "ảnh TIFF"),
    (b"RIFF", "ảnh/âm thanh"),
    (b"{\\rtf", "RTF"),
    (b"Rar!", "nén RAR"),
    (b"7z\xbc\xaf", "nén 7z"),
    (b"\x1f\x8b", "nén gzip"),
)
_WHAT_TO_SEND = "Hãy tải lên tệp Word (.docx), Excel (.xlsx), hoặc dán bảng vào ô văn bản."


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

    @property
    def order_position(self) -> int | None:
        return next((pos for pos, col in self.columns.items() if col == Column.ORDER), None)

    @property
    def content_position(self) -> int:
        return next(pos for pos, col in self.columns.items() if col == Column.CONTENT)


# --- Headers ---------------------------------------------------------------------------------


def _classify(header: str) -> Column | None:
    key = fold(header)
    if not key:
        return None
    padded = f" {key} "
    for column, words in _KEYWORDS:
        if any(f" {word} " in padded for word in words):
            return column
    if key in _ORDER_HEADERS or key.startswith("stt "):
        return Column.ORDER
    return None


def _map_columns(texts: Sequence[str]) -> dict[int, Column]:
    found: dict[int, Column] = {}
    weak_leads = []
    for position, text in enumerate(texts):
        column = _classify(text)
        if column is None:
            if f" {_WEAK_LEAD} " in f" {fold(text)} ":
                weak_leads.append(position)
        elif column not in found.values():
            found[position] = column
    if Column.LEAD not in found.values() and weak_leads:
        found[weak_leads[0]] = Column.LEAD
    return found


def _qualifies(columns: dict[int, Column]) -> bool:
    kinds = set(columns.values())
    return Column.CONTENT in kinds and len(kinds) >= 3


def _is_label(text: str) -> bool:
    return bool(_LABEL.fullmatch(text))


def _names_a_column(text: str) -> bool:
    return _classify(text) is not None or f" {_WEAK_LEAD} " in f" {fold(text)} "


def _is_subheader(top: _RawRow, below: _RawRow) -> bool:
    """The second row of a two-row header ("Chủ trì | Phối hợp" under "Đơn vị thực hiện"):
    each of its own cells names a column and sits under an empty, merged or vague heading."""
    if below.loose:
        return False
    own = [
        (position, cell)
        for position, cell in enumerate(below.cells)
        if cell.text and cell.key != top.cell(position).key
    ]
    for position, cell in own:
        if len(cell.text) > _MAX_HEADER_CELL or not _names_a_column(cell.text):
            return False
        above = top.cell(position)
        if above.text and len(top.positions(above)) == 1 and _classify(above.text) is not None:
            return False
    return bool(own)


def _header_texts(top: _RawRow, below: _RawRow | None) -> list[str]:
    width = max(len(top.cells), len(below.cells) if below else 0)
    texts = []
    for position in range(width):
        upper = top.cell(position)
        text = upper.text
        lower = below.cell(position) if below else _BLANK
        if lower.text and lower.key != upper.key and lower.text != text:
            text = f"{text} / {lower.text}" if text else lower.text
        texts.append(text.replace("\n", " "))
    return texts


def _layout(top: _RawRow, below: _RawRow | None) -> _Layout | None:
    texts = _header_texts(top, below)
    columns = _map_columns(texts)
    if not _qualifies(columns):
        return None
    mapped_keys = {top.cell(position).key for position in columns}
    notes: dict[int, str] = {}
    for position, text in enumerate(texts):
        if position in columns or not text:
            continue
        if top.cell(position).key in mapped_keys and not (below and below.cell(position).text):
            continue  # the tail of a merged header already mapped
        notes[position] = _unique(text, notes.values())
    echoes: dict[int, set[str]] = {}
    for row in (top, below):
        for position, cell in enumerate(row.cells if row else ()):
            if cell.text:
                echoes.setdefault(position, set()).add(fold(cell.text))
    headers = {col.value: texts[position] for position, col in sorted(columns.items())}
    return _Layout(columns=columns, notes=notes, headers=headers, echoes=echoes)


def _unique(name: str, taken: Iterable[str]) -> str:
    used = set(taken)
    candidate, n = name, 2
    while candidate in used:
        candidate, n = f"{name} ({n})", n + 1
    return candidate


def _find_layout(rows: Sequence[_RawRow]) -> tuple[int, _Layout] | None:
    """The first header row (and its second row when the header has two): (last index, layout)."""
    for index, row in enumerate(rows):
        if row.loose or len(row.filled()) < 2:
            continue
        following = _next_filled(rows, index)
        if following is not None and _is_subheader(row, rows[following]):
            layout = _layout(row, rows[following])
            if layout is not None:
                return following, layout
        layout = _layout(row, None)
        if layout is not None:
            return index, layout
    return None


def _next_filled(rows: Sequence[_RawRow], index: int) -> int | None:
    for following in range(index + 1, len(rows)):
        if rows[following].filled():
            return following
    return None


# --- From rows to tasks ----------------------------------------------------------------------


def _is_footnote(text: str) -> bool:
    return text.startswith(_FOOTNOTE_MARKS) or fold(text).startswith(_FOOTNOTE_WORDS)


def _is_all_caps(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    return len(letters) >= 6 and len(text.split()) >= 2 and all(c.isupper() for c in letters)


def _looks_like_section(text: str) -> bool:
    return bool(_SECTION_TEXT.match(text)) or _is_all_caps(text)


def _is_numbering(cells: Sequence[_Cell]) -> bool:
    """The "(1) (2) (3) …" row many tables put under the header."""
    numbers = [_NUMBERING.fullmatch(c.text) for c in cells]
    if len(cells) < 3 or not all(numbers):
        return False
    values = [int(m.group(1)) for m in numbers if m]
    return values == sorted(values) and len(set(values)) == len(values)


def _append(previous: str, more: str, *, joiner: str | None = None) -> str:
    if not previous:
        return more
    if joiner is None:
        joiner = "\n" if previous.endswith(_SENTENCE_ENDS) else " "
    return f"{previous}{joiner}{more}"


def _shorten(text: str, limit: int = 60) -> str:
    text = text.replace("\n", " ")
    return text if len(text) <= limit else text[: limit - 1] + "…"


class _Builder:
    """Walks the rows after a header and turns them into tasks, sections and problems."""

    def __init__(self) -> None:
        self.layout: _Layout | None = None
        self.headers: dict[str, str] = {}
        self.rows: list[SourceRow] = []
        self.problems: list[Problem] = []
        self.section = ""
        self.headings_without_tasks: list[tuple[_RawRow, str]] = []
        self.task: SourceRow | None = None
        self.task_keys: set[object] = set()
        self.seen_rows = 0

    def start(self, layout: _Layout) -> None:
        if self.layout is None:
            self.headers = layout.headers
        self.layout = layout

    def finish(self) -> ReadTable:
        # Headings in a row are normal ("A. …" then "I. …"); at the end they are not headings
        # but whatever follows the table (a signature block, a caption).
        for row, title in self.headings_without_tasks:
            self._problem(
                row,
                f"Dòng {row.line}: tiêu đề nhóm «{_shorten(title)}» không có nhiệm vụ nào theo "
                "sau — chưa nhập.",
            )
        problems = sorted(self.problems, key=lambda problem: problem.line)
        return ReadTable(headers=self.headers, rows=self.rows, problems=problems)

    def feed(self, row: _RawRow) -> None:
        filled = row.filled()
        if not filled:
            return
        self.seen_rows += 1
        if self.seen_rows > MAX_ROWS:
            raise TableError(
                f"Bảng có hơn {MAX_ROWS} dòng — quá lớn để nhập một lần. "
                "Hãy chia bảng thành nhiều tệp nhỏ hơn."
            )
        if self._echoes_header(row, filled) or _is_numbering(filled):
            return
        layout = self.layout
        assert layout is not None
        order_position = layout.order_position
        order_cell = row.cell(order_position) if order_position is not None else None
        order = order_cell.text if order_cell else ""
        content = row.cell(layout.content_position).text

        if order and order_cell is not None and order_cell.key in self.task_keys:
            self._continue(row, joiner="\n")  # an STT merged over several rows: one task
            return
        if len(filled) == 1:
            self._single(row, filled[0], order_cell)
        elif order_cell is None:
            self._without_order_column(row, content)
        elif not order:
            if self.task is not None:
                self._continue(row)
            else:
                self._problem(
                    row,
                    f"Dòng {row.line} không có STT và không nối tiếp nhiệm vụ nào — chưa nhập.",
                )
        elif _SECTION_LABEL.fullmatch(order) and content and self._only_order_and_content(row):
            self._start_section(row, f"{order.rstrip('.')}. {content}")
        elif not _is_label(order):
            self._stray(row)
        elif not content:
            self._problem(
                row,
                f"Dòng {row.line}: STT {order} không có nội dung công việc — chưa nhập.",
            )
        else:
            self._new_task(row, order)

    # -- kinds of rows --

    def _single(self, row: _RawRow, cell: _Cell, order_cell: _Cell | None) -> None:
        layout = self.layout
        assert layout is not None
        positions = row.positions(cell)
        heading_place = (
            row.loose
            or len(positions) > 1
            or layout.content_position in positions
            or (order_cell is not None and order_cell.key == cell.key)
        )
        if _is_footnote(cell.text):
            self._stray(row)
        elif heading_place and _looks_like_section(cell.text):
            self._start_section(row, cell.text)
        elif row.loose:
            self._stray(row)
        elif order_cell is not None and order_cell.key == cell.key:
            if _is_label(cell.text):
                self._problem(
                    row,
                    f"Dòng {row.line}: STT {cell.text} không có nội dung công việc — chưa nhập.",
                )
            else:
                self._stray(row)
        elif order_cell is None and layout.content_position in positions:
            self._new_task(row, "")
        elif self.task is not None and self._fits_task(cell, positions[0]):
            self._continue(row)
        else:
            self._stray(row)

    def _without_order_column(self, row: _RawRow, content: str) -> None:
        if content:
            self._new_task(row, "")
        elif self.task is not None:
            self._continue(row)
        else:
            self._stray(row)

    def _only_order_and_content(self, row: _RawRow) -> bool:
        layout = self.layout
        assert layout is not None
        keep = {
            row.cell(layout.content_position).key,
            row.cell(layout.order_position).key if layout.order_position is not None else None,
        }
        return all(cell.key in keep for cell in row.filled())

    def _fits_task(self, cell: _Cell, position: int) -> bool:
        """A lone fragment under a task continues it unless it reads as a new sentence after a
        finished one (then it is more likely a note under the table)."""
        assert self.task is not None
        target = self._target(position)
        if target is None:
            return False
        previous = (
            self.task.cells.get(target, "")
            if isinstance(target, Column)
            else self.task.notes.get(target, "")
        )
        return not previous.endswith(_SENTENCE_ENDS) or cell.text[:1].islower()

    def _target(self, position: int) -> Column | str | None:
        layout = self.layout
        assert layout is not None
        if position in layout.columns:
            return layout.columns[position]
        return layout.notes.get(position, f"Cột {position + 1}")

    def _start_section(self, row: _RawRow, title: str) -> None:
        self.section = " ".join(title.split())
        self.headings_without_tasks.append((row, self.section))
        self.task = None
        self.task_keys = set()

    def _new_task(self, row: _RawRow, order: str) -> None:
        layout = self.layout
        assert layout is not None
        task = SourceRow(
            line=row.line,
            order_label=order,
            section=self.section,
            cells={col.value: "" for col in layout.columns.values()},
            notes={},
        )
        placed: dict[object, Column | str] = {}
        for position, cell in enumerate(row.cells):
            target = self._target(position)
            if not cell.text or target is None:
                continue
            if cell.key in placed:
                self._merged_over_columns(row, cell, placed[cell.key], target)
                continue
            placed[cell.key] = target
            self._put(task, target, cell, joiner=None)
        self.rows.append(task)
        self.task = task
        self.task_keys = set(placed)
        self.headings_without_tasks = []

    def _continue(self, row: _RawRow, *, joiner: str | None = None) -> None:
        assert self.task is not None
        for position, cell in enumerate(row.cells):
            target = self._target(position)
            if not cell.text or target is None or cell.key in self.task_keys:
                continue
            self.task_keys.add(cell.key)
            self._put(self.task, target, cell, joiner=joiner)

    def _put(
        self, task: SourceRow, target: Column | str, cell: _Cell, *, joiner: str | None
    ) -> None:
        if isinstance(target, Column):
            previous = task.cells.get(target.value, "")
            task.cells[target.value] = _append(previous, cell.text, joiner=joiner)
            if target == Column.DEADLINE and cell.day is not None and task.deadline_date is None:
                task.deadline_date, task.deadline_is_month = cell.day, cell.is_month
        else:
            task.notes[target] = _append(task.notes.get(target, ""), cell.text, joiner=joiner)

    def _merged_over_columns(
        self, row: _RawRow, cell: _Cell, first: Column | str, other: Column | str
    ) -> None:
        if not isinstance(other, Column) or first == other:
            return
        self._problem(
            row,
            f"Dòng {row.line}: ô «{_shorten(cell.text)}» trải qua nhiều cột — chỉ ghi vào cột "
            f"«{self._header_of(first)}», cột «{self._header_of(other)}» để trống; "
            "hãy kiểm tra lại.",
        )

    def _header_of(self, target: Column | str) -> str:
        assert self.layout is not None
        return self.layout.headers.get(target, target) if isinstance(target, Column) else target

    def _echoes_header(self, row: _RawRow, filled: Sequence[_Cell]) -> bool:
        """A header repeated at a page break (or the second row of a repeated two-row header)."""
        layout = self.layout
        assert layout is not None
        echoing = 0
        for position, cell in enumerate(row.cells):
            if not cell.text:
                continue
            if fold(cell.text) not in layout.echoes.get(position, ()):
                break
            echoing += 1
        else:
            return echoing >= 2
        texts = [cell.text for cell in row.cells]
        short = all(
            len(cell.text) <= _MAX_HEADER_CELL and not _is_label(cell.text) for cell in filled
        )
        return short and _qualifies(_map_columns(texts))

    def _stray(self, row: _RawRow) -> None:
        self._problem(row, f"Dòng {row.line} không thuộc bảng (chú thích?) — chưa nhập.")

    def _problem(self, row: _RawRow, message: str) -> None:
        self.problems.append(Problem(line=row.line, message=message, text=row.as_written()))


_NO_HEADER = (
    "Không tìm thấy dòng tiêu đề của bảng nhiệm vụ. Bảng cần một dòng tiêu đề có cột "
    "«Nội dung công việc» và ít nhất hai cột trong số: STT, Đơn vị chủ trì, Đơn vị phối hợp, "
    "Sản phẩm/Kết quả, Thời hạn."
)


def _read_rows(rows: Sequence[_RawRow], *, hint: str = "") -> ReadTable:
    found = _find_layout(rows)
    if found is None:
        raise TableError(f"{_NO_HEADER} {hint}".strip())
    last_header, layout = found
    builder = _Builder()
    builder.start(layout)
    for row in rows[last_header + 1 :]:
        builder.feed(row)
    return builder.finish()


# --- Text ------------------------------------------------------------------------------------


def _math(match: re.Match[str]) -> str:
    inner = _MATH_COMMAND.sub(lambda m: _MATH_COMMANDS.get(m.group(1), ""), match.group(1))
    for debris in ("\\", "{", "}"):
        inner = inner.replace(debris, "")
    return " ".join(inner.split())


def _clean_pasted(text: str) -> str:
    """Cell text without the debris of Word→PDF→markdown conversions."""
    text = _SUP.sub("", text)
    text = _BREAK.sub("\n", text)
    text = _TAG.sub("", text)
    text = _MATH.sub(_math, text)
    text = text.replace("**", "").replace("__", "")
    text = _MARKDOWN_ESCAPE.sub(r"\1", text)
    return clean(text)


def _split_line(line: str) -> list[str] | None:
    """The cells of one pasted line; None for a markdown table rule (|---|---|)."""
    if "\t" in line:
        return line.split("\t")
    stripped = line.strip()
    if stripped.startswith("|") and stripped.endswith("|") and len(stripped) > 1:
        if _PIPE_RULE.fullmatch(stripped):
            return None
        return stripped[1:-1].split("|")
    return [line]


def read_text(text: str) -> ReadTable:
    """A table pasted from Word or PDF: cells separated by tabs, one row per line."""
    rows = []
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    for number, line in enumerate(lines, start=1):
        parts = _split_line(line)
        if parts is None:
            continue
        cells = [
            _Cell(cleaned, (number, position)) if (cleaned := _clean_pasted(part)) else _BLANK
            for position, part in enumerate(parts)
        ]
        rows.append(_RawRow(line=number, cells=cells, written=line.strip(), loose=len(parts) == 1))
    hint = "" if "\t" in text else "Khi dán từ Word, hãy chép cả bảng (các ô cách nhau bằng Tab)."
    return _read_rows(rows, hint=hint)


def _read_csv(text: str) -> ReadTable:
    try:
        dialect: type[csv.Dialect] = csv.Sniffer().sniff(text[:8192], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    rows = []
    for number, parts in enumerate(csv.reader(io.StringIO(text), dialect), start=1):
        cells = [
            _Cell(cleaned, (number, position)) if (cleaned := clean(part)) else _BLANK
            for position, part in enumerate(parts)
        ]
        rows.append(_RawRow(line=number, cells=cells))
    return _read_rows(rows)


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


@contextmanager
def _opening(kind: str) -> Iterator[None]:
    try:
        yield
    except TableError:
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
                    text = clean(cell.text)
                    texts[id(tc)] = _Cell(text, tc) if text else _BLANK
                cells.append(texts[id(tc)])
            rows.append(_RawRow(line=number, cells=cells))
        tables.append((width, rows))
    return tables


def read_docx(data: bytes) -> ReadTable:
    """Every table with a task header; a table without one right after a task table of the same
    width continues it (a table split at a page break)."""
    with _opening("Word"):
        tables = _docx_tables(docx.Document(io.BytesIO(data)))
    builder = _Builder()
    width_in_use: int | None = None
    for width, rows in tables:
        found = _find_layout(rows)
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
        raise TableError(f"{_NO_HEADER} (Đã tìm trong mọi bảng của tệp Word.)")
    return builder.finish()


# --- Uploads ---------------------------------------------------------------------------------


def _looks_binary(data: bytes) -> bool:
    sample = data[:8192]
    if b"\x00" in sample:
        return True
    controls = sum(1 for byte in sample if byte < 32 and byte not in (9, 10, 12, 13, 27))
    return controls > len(sample) * 0.02


def _decode(data: bytes) -> str:
    if data.startswith(codecs.BOM_UTF8):
        return data[len(codecs.BOM_UTF8) :].decode("utf-8", errors="replace")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16", errors="replace")
    if _looks_binary(data):
        raise TableError(f"Tệp không phải văn bản, Word hay Excel. {_WHAT_TO_SEND}")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1258", errors="replace")


def _read_zip(data: bytes) -> ReadTable:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            unpacked = sum(info.file_size for info in archive.infolist())
            types = (
                archive.read("[Content_Types].xml").decode("utf-8", errors="replace")
                if "[Content_Types].xml" in names
                else ""
            )
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, ValueError, KeyError) as error:
        raise TableError(
            "Tệp bị hỏng hoặc tải lên chưa hết (không giải nén được). "
            "Hãy mở tệp, lưu lại rồi tải lên lần nữa."
        ) from error
    if unpacked > _MAX_UNPACKED_BYTES:
        raise TableError("Tệp quá lớn khi giải nén — không thể là một bảng nhiệm vụ.")
    if not types:
        if "mimetype" in names:
            raise TableError(
                "Tệp OpenDocument (.odt, .ods) chưa đọc được: "
                "hãy lưu lại dưới dạng .docx hoặc .xlsx."
            )
        raise TableError(f"Tệp nén (.zip) không phải tài liệu Word hay Excel. {_WHAT_TO_SEND}")
    if "spreadsheetml" in types or "xl/workbook.xml" in names:
        return read_xlsx(data)
    if "wordprocessingml" in types or "word/document.xml" in names:
        return read_docx(data)
    raise TableError(f"Tệp này không phải Word (.docx) hay Excel (.xlsx). {_WHAT_TO_SEND}")


def _read_upload(filename: str, data: bytes) -> ReadTable:
    if not data:
        raise TableError("Tệp rỗng — không có nội dung để đọc.")
    if len(data) > MAX_BYTES:
        size = len(data) / (1024 * 1024)
        raise TableError(f"Tệp quá lớn ({size:.1f} MB); chỉ nhận tệp tối đa 10 MB.")
    if data.startswith(_OLE2):
        if _ENCRYPTED in data:
            raise TableError(
                "Tệp được đặt mật khẩu (đã mã hóa) nên không đọc được. "
                "Hãy gỡ mật khẩu trong Word/Excel rồi tải lên lại."
            )
        raise TableError(
            "Tệp Word/Excel định dạng cũ (.doc, .xls) chưa đọc được: hãy mở tệp và lưu lại "
            "dưới dạng .docx hoặc .xlsx."
        )
    if data.startswith(b"PK"):
        return _read_zip(data)
    for magic, kind in _OTHER_FORMATS:
        if data.startswith(magic):
            raise TableError(f"Tệp {kind} không đọc được bảng. {_WHAT_TO_SEND}")
    text = _decode(data)
    if filename.lower().endswith(".csv"):
        return _read_csv(text)
    return read_text(text)


def read_upload(filename: str, data: bytes) -> ReadTable:
    """Read an uploaded file, whatever it is; only ever raises TableError."""
    try:
        return _read_upload(filename, data)
    except TableError:
        raise
    except Exception as error:  # a clerk must get a message, never a crash
        raise TableError(
            f"Không đọc được tệp «{filename}»: tệp bị hỏng hoặc không đúng định dạng."
        ) from error
