"""A bounded first look at the XML inside a .xlsx or .docx, before any library parses it.

openpyxl and python-docx trust what a file says about itself: a sheet declared to reach
XFD1048576 is walked cell by cell, a merge out to it is expanded, a Word document is loaded
whole. Here every part is streamed through expat once, counting what is really stored and
stopping at the first limit passed, so a hostile file costs seconds and a few MB. Nothing is
resolved: a part that declares a DTD or an entity is refused (Office never writes one).
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass, field
from xml.parsers import expat

from imports.tables.cells import (
    _MAX_UNPACKED_BYTES,
    MAX_CELLS,
    MAX_COLUMNS,
    MAX_MERGES,
    MAX_SHEET_ROWS,
    TableError,
)

# The parts that hold the table; every other XML part (styles, relationships, settings…) is small.
MAX_CONTENT_PART_BYTES = 50 * 1024 * 1024
MAX_OTHER_PART_BYTES = 10 * 1024 * 1024
MAX_ELEMENTS = 1_000_000  # in one part
# A cell is two to four elements (<c><v>, <c><is><t>); a worksheet holds little else.
MAX_SHEET_ELEMENTS = 5 * MAX_CELLS
MAX_DEPTH = 100
_CHUNK = 64 * 1024
_REFERENCE = re.compile(r"\$?([A-Z]{1,3})\$?(\d{1,7})")
_TOO_COMPLEX = "Tệp có cấu trúc bất thường hoặc quá phức tạp"


def column_number(letters: str) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + ord(letter) - 64
    return number


def parse_reference(reference: str) -> tuple[int, int] | None:
    """'C12' → (12, 3); None for anything else."""
    match = _REFERENCE.fullmatch(reference.strip().upper())
    if not match:
        return None
    return int(match.group(2)), column_number(match.group(1))


def _refuse_dtd(*_args) -> None:
    raise TableError(f"{_TOO_COMPLEX} (khai báo DTD/thực thể XML) — không đọc.")


class _Walk:
    """Feeds one part through expat, counting elements and depth, calling `start`/`end`."""

    max_elements = MAX_ELEMENTS

    def __init__(self, name: str, kind: str) -> None:
        self.name, self.kind = name, kind
        self.depth = 0
        self.elements = 0

    def start(self, tag: str, attrs: dict[str, str]) -> None:
        pass

    def end(self, tag: str) -> None:
        pass

    def _start(self, name: str, attrs: dict[str, str]) -> None:
        self.depth += 1
        self.elements += 1
        if self.depth > MAX_DEPTH:
            raise TableError(f"{_TOO_COMPLEX} (XML lồng quá {MAX_DEPTH} tầng) — không đọc.")
        if self.elements > self.max_elements:
            raise TableError(
                f"{_TOO_COMPLEX} (quá nhiều phần tử XML, đến phần «{self.name}») — không đọc."
            )
        self.start(name.rpartition(":")[2], attrs)

    def _end(self, name: str) -> None:
        self.depth -= 1
        self.end(name.rpartition(":")[2])

    def run(self, archive: zipfile.ZipFile) -> None:
        parser = expat.ParserCreate()
        parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
        parser.StartDoctypeDeclHandler = _refuse_dtd
        parser.EntityDeclHandler = _refuse_dtd
        parser.StartElementHandler = self._start
        parser.EndElementHandler = self._end
        try:
            with archive.open(self.name) as stream:
                while chunk := stream.read(_CHUNK):
                    parser.Parse(chunk, False)
            parser.Parse(b"", True)
        except expat.ExpatError as error:
            raise TableError(
                f"Tệp {self.kind} bị hỏng: phần «{self.name}» không phải XML hợp lệ. "
                "Hãy mở tệp, lưu lại rồi tải lên lần nữa."
            ) from error


def check_package(
    archive: zipfile.ZipFile,
    *,
    kind: str,
    content_parts: set[str],
    content_limit: int = MAX_CONTENT_PART_BYTES,
) -> None:
    """Sizes from the zip directory (zipfile never unpacks more than a member declares), then
    every XML part except the content parts, which their own surveys read as they are needed."""
    unpacked = 0
    for info in archive.infolist():
        unpacked += info.file_size
        is_content = info.filename in content_parts
        limit = content_limit if is_content else MAX_OTHER_PART_BYTES
        if info.filename.endswith((".xml", ".rels")) and info.file_size > limit:
            size = info.file_size / (1024 * 1024)
            raise TableError(
                f"Tệp quá lớn khi giải nén (phần «{info.filename}» {size:.0f} MB, tối đa "
                f"{limit // (1024 * 1024)} MB) — không thể là một bảng nhiệm vụ."
            )
    if unpacked > _MAX_UNPACKED_BYTES:
        raise TableError("Tệp quá lớn khi giải nén — không thể là một bảng nhiệm vụ.")
    # The other parts share one budget of elements, so that many of them cost no more than one.
    budget = MAX_ELEMENTS
    for info in archive.infolist():
        if info.filename.endswith((".xml", ".rels")) and info.filename not in content_parts:
            walk = _Walk(info.filename, kind)
            walk.max_elements = budget
            walk.run(archive)
            budget -= walk.elements


# --- Excel -----------------------------------------------------------------------------------


@dataclass
class SheetSurvey:
    """What a worksheet really stores: its extent, merged ranges and unanswered formulas."""

    last_row: int = 0  # of the cells holding a value
    last_column: int = 0
    value_rows: set[int] = field(default_factory=set)
    merges: list[tuple[int, int, int, int]] = field(default_factory=list)  # r1, c1, r2, c2
    formulas_without_value: list[str] = field(default_factory=list)


class _SheetWalk(_Walk):
    max_elements = MAX_SHEET_ELEMENTS

    def __init__(self, name: str, title: str) -> None:
        super().__init__(name, "Excel")
        self.title = title
        self.survey = SheetSurvey()
        self.rows = self.cells = 0
        self.row = self.column = 0
        self.reference = ""
        self.has_value = self.has_formula = False

    def _limit(self, what: str) -> TableError:
        return TableError(
            f"Trang tính «{self.title}» {what} — quá lớn để là một bảng nhiệm vụ. "
            "Hãy chép riêng bảng phân công sang một tệp mới rồi tải lên."
        )

    def start(self, tag: str, attrs: dict[str, str]) -> None:
        if tag == "row":
            self.rows += 1
            if self.rows > MAX_SHEET_ROWS:
                raise self._limit(f"có hơn {MAX_SHEET_ROWS:,} dòng".replace(",", "."))
            number = attrs.get("r", "")
            self.row = int(number) if number.isdigit() else self.row + 1
            self.column = 0
        elif tag == "c":
            self.cells += 1
            if self.cells > MAX_CELLS:
                raise self._limit(f"có hơn {MAX_CELLS:,} ô".replace(",", "."))
            self.reference = attrs.get("r", "")
            place = parse_reference(self.reference) if self.reference else None
            self.column = place[1] if place else self.column + 1
            self.has_value = self.has_formula = False
        elif tag in ("v", "is"):
            self.has_value = True
        elif tag == "f":
            self.has_formula = True
        elif tag == "mergeCell":
            self._merge(attrs.get("ref", ""))

    def end(self, tag: str) -> None:
        if tag != "c" or not (self.has_value or self.has_formula):
            return
        survey = self.survey
        if self.column > MAX_COLUMNS:
            raise self._limit(
                f"có dữ liệu ở ô {self.reference or self.column}, ngoài {MAX_COLUMNS} cột đầu"
            )
        survey.last_row = max(survey.last_row, self.row)
        survey.last_column = max(survey.last_column, self.column)
        survey.value_rows.add(self.row)
        if self.has_formula and not self.has_value:
            survey.formulas_without_value.append(self.reference)

    def _merge(self, reference: str) -> None:
        merges = self.survey.merges
        if len(merges) >= MAX_MERGES:
            raise self._limit(f"có hơn {MAX_MERGES:,} vùng gộp ô".replace(",", "."))
        first, _, last = reference.partition(":")
        top, bottom = parse_reference(first), parse_reference(last or first)
        if top and bottom:
            merges.append((top[0], top[1], bottom[0], bottom[1]))


def survey_sheet(archive: zipfile.ZipFile, name: str, *, title: str) -> SheetSurvey:
    walk = _SheetWalk(name, title)
    walk.run(archive)
    return walk.survey


class _CountWalk(_Walk):
    """Counts one kind of element (shared strings, Word table cells) against a limit."""

    def __init__(self, name: str, kind: str, tag: str, refusal: str) -> None:
        super().__init__(name, kind)
        self.tag, self.refusal, self.count = tag, refusal, 0

    def start(self, tag: str, attrs: dict[str, str]) -> None:
        if tag == self.tag:
            self.count += 1
            if self.count > MAX_CELLS:
                raise TableError(self.refusal)


def survey_count(archive: zipfile.ZipFile, name: str, *, kind: str, tag: str, refusal: str) -> int:
    walk = _CountWalk(name, kind, tag, refusal)
    walk.run(archive)
    return walk.count
