"""From rows to tasks: numbering, sections, rows split across pages, footnotes."""

from __future__ import annotations

import re
from collections.abc import Sequence

from imports.tables.cells import (
    MAX_ROWS,
    Column,
    NoHeader,
    Problem,
    ReadTable,
    SourceRow,
    TableError,
    _Cell,
    _Layout,
    _RawRow,
)
from imports.tables.columns import (
    _could_be_header,
    _find_layout,
    _is_label,
    _map_columns,
    _qualifies,
)
from plans.text import fold

# --- Row shapes ----------------------------------------------------------------------------

_SECTION_LABEL = re.compile(r"(?:[IVXLC]{1,7}|[A-ZĐ])\.?")
_SECTION_TEXT = re.compile(
    r"(?:(?i:phần|mục|nhóm|chương|lĩnh\s+vực)(?:\s+(?i:nhiệm\s+vụ|thứ))?\s+"
    r"(?:\d{1,2}|[IVXLC]{1,7}|[A-ZĐ])|[IVXLC]{1,7}|[A-ZĐ])\s*[.):–-]\s*\S"
)
_NUMBERING = re.compile(r"\(?(\d{1,2})\)?")
_FOOTNOTE_MARKS = ("<sup>", "*", "(*", "[", "¹", "²", "³", "⁴", "⁵", "⁶", "⁷", "⁸", "⁹", "⁰")
_FOOTNOTE_WORDS = ("ghi chu", "luu y", "nguon", "chu thich", "noi nhan", "ky hieu", "chu giai")
# In a row of several cells, only an explicit "Ghi chú:", "Ký hiệu:", "Tổng cộng:" marks a note.
_NOTE_LEAD = re.compile(
    r"(?i:ghi\s+chú|lưu\s+ý|chú\s+thích|chú\s+giải|ký\s+hiệu|giải\s+thích|tổng\s+cộng|tổng\s+số"
    r"|nguồn)\s*:"
)
_SENTENCE_ENDS = (".", "!", "?", ";", ":", "…")
_TITLE_CELLS = (Column.CONTENT, Column.ORDER)
_SUP_MARK = re.compile(r"<sup>\s*(\w{1,4})\s*</sup>", re.IGNORECASE)
_SUPERSCRIPT = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")
# Footnotes and legends under a table, kept on the plan: at most so many lines of so many chars.
MAX_FOOTNOTES = 50
MAX_FOOTNOTE_LENGTH = 2000
_TOP_LEVEL = re.compile(r"\d{1,4}\.?|[IVXLC]{1,7}\.?")

# --- From rows to tasks ----------------------------------------------------------------------


def _is_footnote(text: str) -> bool:
    return text.startswith(_FOOTNOTE_MARKS) or fold(text).startswith(_FOOTNOTE_WORDS)


def _footnote_text(row: _RawRow) -> str:
    """A footnote's line as it reads, its mark kept ("¹ Kết luận…" from pasted "<sup>1</sup>
    Kết luận…", whose cells lost the markup)."""
    text = " ".join(cell.text for cell in row.filled())
    mark = _SUP_MARK.match(row.written or "")
    return f"{mark.group(1).translate(_SUPERSCRIPT)} {text}" if mark else text


def _is_note_row(cells: Sequence[_Cell]) -> bool:
    return bool(cells) and (
        cells[0].text.startswith(_FOOTNOTE_MARKS) or bool(_NOTE_LEAD.match(cells[0].text))
    )


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
        self.first_layout: _Layout | None = None
        self.grid: list[_RawRow] = []
        self._in_grid: set[int] = set()
        self.fed: list[_RawRow] = []
        self.in_notes = False
        self.footnotes: list[str] = []

    def start(self, layout: _Layout) -> None:
        if self.layout is None:
            self.headers = layout.headers
            self.first_layout = layout
        self.layout = layout
        for row in layout.source:
            self._keep(row)

    def _keep(self, row: _RawRow) -> None:
        if id(row) not in self._in_grid:
            self._in_grid.add(id(row))
            self.grid.append(row)

    def finish(self) -> ReadTable:
        # Headings in a row are normal ("A. …" then "I. …"); at the end they are not headings
        # but whatever follows the table (a signature block, a caption).
        for row, title in self.headings_without_tasks:
            self._problem(
                row,
                f"Dòng {row.line}: tiêu đề nhóm «{_shorten(title)}» không có nhiệm vụ nào theo "
                "sau — chưa nhập.",
            )
        self._numbered_headings()
        problems = sorted(self.problems, key=lambda problem: problem.line)
        layout = self.first_layout
        return ReadTable(
            headers=self.headers,
            rows=self.rows,
            problems=problems,
            columns=self._readings(),
            header_line=layout.header_line if layout else None,
            header_key=layout.header_key if layout else "",
            grid=self.grid,
            footnotes=self.footnotes,
        )

    def _numbered_headings(self) -> None:
        """ "1. Hoàn thiện thể chế" with nothing but its title, followed by "1.1", "1.2": the
        heading of those tasks (their section), not a task of its own."""
        kept: list[SourceRow] = []
        heading: tuple[str, str] | None = None  # (label prefix, section title)
        for index, task in enumerate(self.rows):
            following = self.rows[index + 1] if index + 1 < len(self.rows) else None
            label = task.order_label.rstrip(".")
            others = (value for key, value in task.cells.items() if key not in _TITLE_CELLS)
            only_title = label and not any(others)
            if (
                only_title
                and not task.notes
                and following is not None
                and following.order_label.startswith(f"{label}.")
            ):
                heading = (f"{label}.", f"{label}. {task.cells[Column.CONTENT]}")
                continue
            top_level = bool(_TOP_LEVEL.fullmatch(task.order_label))
            if heading and (task.order_label.startswith(heading[0]) or not top_level):
                task.section = f"{task.section} — {heading[1]}" if task.section else heading[1]
            else:
                heading = None
            kept.append(task)
        self.rows = kept

    def _readings(self) -> list:
        """How each column was read, with its first values, so the clerk can judge."""
        layout = self.first_layout
        if layout is None:
            return []
        readings = []
        for reading in layout.readings:
            samples: list[str] = []
            for row in self.fed:
                text = row.cell(reading.position).text
                if text and text not in samples and not self._is_heading_row(row):
                    samples.append(_shorten(text))
                if len(samples) == 3:
                    break
            reading.samples = samples
            readings.append(reading)
        return readings

    def _is_heading_row(self, row: _RawRow) -> bool:
        return len(row.filled()) == 1

    def feed(self, row: _RawRow) -> None:
        self._keep(row)
        filled = row.filled()
        if not filled:
            return
        if len(self.fed) < 50:
            self.fed.append(row)
        self.seen_rows += 1
        if self.seen_rows > MAX_ROWS:
            raise TableError(
                f"Bảng có hơn {MAX_ROWS} dòng — quá lớn để nhập một lần. "
                "Hãy chia bảng thành nhiều tệp nhỏ hơn."
            )
        if self._echoes_header(row, filled) or _is_numbering(filled):
            return
        if len(filled) > 1 and _is_note_row(filled):
            self.in_notes = True
            self._footnote(row)  # a legend or footnote under the table: kept, not a task
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
        footnote = _is_footnote(cell.text) or _is_footnote(row.written or "")
        if footnote or _NOTE_LEAD.match(cell.text) or self.in_notes:
            self.in_notes = True  # the lines under "Ghi chú:" belong to the note, not a task
            self._footnote(row)
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
        if position in layout.ignored:
            return None
        return layout.notes.get(position, f"Cột {position + 1}")

    def _start_section(self, row: _RawRow, title: str) -> None:
        self.section = " ".join(title.split())
        self.headings_without_tasks.append((row, self.section))
        self.task = None
        self.task_keys = set()

    def _new_task(self, row: _RawRow, order: str) -> None:
        layout = self.layout
        assert layout is not None
        self.in_notes = False
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
        return _could_be_header(row) and _qualifies(_map_columns(texts))

    def _footnote(self, row: _RawRow) -> None:
        """A footnote or legend line: kept for the plan (bounded), reported as not a task."""
        if len(self.footnotes) < MAX_FOOTNOTES:
            self.footnotes.append(_footnote_text(row)[:MAX_FOOTNOTE_LENGTH])
        self._problem(
            row, f"Dòng {row.line}: chú thích của bảng — lưu cùng kế hoạch, không phải nhiệm vụ."
        )

    def _stray(self, row: _RawRow) -> None:
        self._problem(row, f"Dòng {row.line} không thuộc bảng (chú thích?) — chưa nhập.")

    def _problem(self, row: _RawRow, message: str) -> None:
        self.problems.append(Problem(line=row.line, message=message, text=row.as_written()))


_NO_HEADER = (
    "Không tìm thấy dòng tiêu đề của bảng nhiệm vụ, và các ô cũng không đủ rõ để đoán từng "
    "cột. Bảng cần một dòng tiêu đề có cột nội dung công việc (nhiệm vụ, đề án, công việc…) "
    "và ít nhất hai cột khác (STT, đơn vị chủ trì, phối hợp, sản phẩm, thời hạn…), hoặc chọn "
    "cột bằng tay (--columns, --header-row)."
)


def no_header(rows: Sequence[_RawRow], *, hint: str = "", sheets=()) -> TableError:
    """The refusal for rows in which no header was found: a NoHeader carrying the rows when
    they stand in columns (two cells side by side somewhere), so that the clerk can map them;
    a plain TableError for loose text."""
    message = f"{_NO_HEADER} {hint}".strip()
    if not any(sum(1 for cell in row.cells if cell.text) >= 2 for row in rows):
        return TableError(message)
    table = ReadTable(headers={}, rows=[], problems=[], grid=list(rows), sheets=list(sheets))
    return NoHeader(message, table=table)


def _read_rows(rows: Sequence[_RawRow], *, hint: str = "") -> ReadTable:
    found = _find_layout(rows)
    if found is None:
        raise no_header(rows, hint=hint)
    last_header, layout = found
    builder = _Builder()
    builder.start(layout)
    for row in rows[last_header + 1 :]:
        builder.feed(row)
    return builder.finish()
