"""Columns of a table without a recognisable header row, guessed from what the cells hold.

Long sentences are the task; names that read like units are the lead (and a second such column
the coordinating units); date-like text is the deadline; short "Kế hoạch / Báo cáo / Quyết
định" words are the product; people's names are the person responsible; small numbers and
roman numerals are the STT. Every guess is shown to the clerk as a guess (low confidence).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.translation import gettext as _

from imports.tables.cells import Column, ColumnReading, Confidence, _Layout, _RawRow
from imports.tables.columns import (
    _MAX_HEADER_CELL,
    _build_layout,
    _could_be_header,
    _is_label,
    _qualifies,
)
from imports.unit_matching import looks_like_unit_name
from plans.text import fold

_SAMPLE_ROWS = 200
_MIN_ROWS = 2
_MIN_CELLS = 3
_DATEISH = re.compile(
    r"\b(?:19|20)\d{2}\b|\bquy\s+(?:[1-4]|i{1,3}|iv)\b|\bthang\s+\d{1,2}\b|\bthuong xuyen\b"
    r"|\b(?:hang|hang|moi)\s+(?:nam|quy|thang|tuan)\b|\bdinh ky\b|\b\d{1,2}\s+\d{1,2}\s+\d{2,4}\b"
)
_PRODUCT_WORDS = (
    "ke hoach", "bao cao", "quyet dinh", "van ban", "to trinh", "de an", "chi thi", "cong van",
    "huong dan", "quy che", "quy dinh", "bien ban", "thong bao", "nghi quyet", "chuong trinh",
    "danh muc", "so lieu", "tai lieu", "phan mem", "he thong", "tin bai", "hoi nghi",
)
_PRODUCT_MAX_WORDS = 8
# "Nguyễn Văn An", "Đ/c Trần Thị Bình", "PGĐ Lê Minh": two to five capitalised words, no digits.
_PERSON = re.compile(
    r"(?:(?:Đ/c|Đồng chí|Ông|Bà|PGĐ|GĐ|TP|PTP)\.?\s+)?"
    r"(?:[A-ZĐÀ-Ỹ][a-zà-ỹđ]+\s+){1,4}[A-ZĐÀ-Ỹ][a-zà-ỹđ]+"
)


@dataclass
class _Profile:
    position: int
    texts: list[str]

    def share(self, test) -> float:
        return sum(1 for text in self.texts if test(text)) / len(self.texts) if self.texts else 0

    @property
    def words(self) -> float:
        return sum(len(t.split()) for t in self.texts) / len(self.texts) if self.texts else 0


def _is_dateish(text: str) -> bool:
    return bool(_DATEISH.search(fold(text)))


def _is_product(text: str) -> bool:
    key = fold(text)
    return len(key.split()) <= _PRODUCT_MAX_WORDS and key.startswith(_PRODUCT_WORDS)


def _is_person(text: str) -> bool:
    return bool(_PERSON.fullmatch(text.strip())) and not looks_like_unit_name(text)


def infer_layout(rows: Sequence[_RawRow]) -> tuple[int, _Layout] | None:
    """(index of the row before the first task, layout), or None when nothing reads as a table
    (fewer than two rows of three cells)."""
    wide = [i for i, row in enumerate(rows) if not row.loose and len(row.filled()) >= _MIN_CELLS]
    if len(wide) < _MIN_ROWS:
        return None
    first = wide[0]
    body = [rows[i] for i in wide[: _SAMPLE_ROWS + 1]]
    width = max(len(row.cells) for row in body)
    # First as if the first row were a header in words we do not know; if its cells read like
    # the columns found below them, it was a task after all.
    header: _RawRow | None = body[0]
    found = _assign(_profiles(body[1:], width), rows=len(body) - 1)
    if not _could_be_header(body[0]) or _fits(body[0], found) or len(body) <= _MIN_ROWS:
        header = None
        found = _assign(_profiles(body, width), rows=len(body))
    if not _qualifies({pos: col for pos, (col, _how) in found.items()}):
        return None
    profiles = _profiles(body[1:] if header else body, width)
    texts = [header.cell(p).text if header else "" for p in range(width)]
    readings = {
        position: ColumnReading(
            position=position,
            header=texts[position],
            choice=column,
            how=how,
            confidence=Confidence.LOW,
        )
        for position, (column, how) in found.items()
    }
    layout = _build_layout(
        {position: column for position, (column, _how) in found.items()},
        texts,
        readings=readings,
        rows=(header,) if header else (),
        header_line=header.line if header else None,
        as_notes=[p.position for p in profiles if p.texts and p.position not in found],
    )
    return (first if header else first - 1), layout


def _profiles(body: Sequence[_RawRow], width: int) -> list[_Profile]:
    profiles = []
    for position in range(width):
        seen: set[object] = set()
        texts = []
        for row in body:
            cell = row.cell(position)
            # A value merged over several columns counts once, in its first column.
            if cell.text and cell.key not in seen and row.positions(cell)[0] == position:
                seen.add(cell.key)
                texts.append(cell.text)
        profiles.append(_Profile(position, texts))
    return profiles


_TESTS = {
    Column.ORDER: _is_label,
    Column.DEADLINE: _is_dateish,
    Column.LEAD: looks_like_unit_name,
    Column.COORDINATING: looks_like_unit_name,
    Column.PRODUCT: _is_product,
    Column.PERSON: _is_person,
}


def _fits(row: _RawRow, found: dict[int, tuple[Column, str]]) -> bool:
    """Whether a row's cells read like the columns found below it (then it is no header)."""
    content = next((p for p, (col, _how) in found.items() if col == Column.CONTENT), None)
    if content is not None and len(row.cell(content).text) > _MAX_HEADER_CELL:
        return True
    return any(
        _TESTS[column](row.cell(position).text)
        for position, (column, _how) in found.items()
        if column in _TESTS and row.cell(position).text
    )


def _assign(profiles: list[_Profile], *, rows: int) -> dict[int, tuple[Column, str]]:
    found: dict[int, tuple[Column, str]] = {}

    def free(test, threshold: float) -> list[_Profile]:
        return [
            p
            for p in profiles
            if p.texts and p.position not in found and p.share(test) >= threshold
        ]

    orders = [p for p in free(_is_label, 0.7) if p.words <= 1.5]
    if orders:
        found[orders[0].position] = (Column.ORDER, _("Số thứ tự, chữ số La Mã"))
    # Deadlines are short; a sentence naming a year ("… năm 2026") is a task.
    dates = sorted(
        (p for p in free(_is_dateish, 0.6) if p.words <= _PRODUCT_MAX_WORDS),
        key=lambda p: (-p.share(_is_dateish), p.words),
    )
    if dates:
        found[dates[0].position] = (Column.DEADLINE, _("Các ô ghi thời gian (tháng, quý, năm…)"))
    units = free(looks_like_unit_name, 0.5)
    if units:
        found[units[0].position] = (Column.LEAD, _("Các ô là tên đơn vị"))
        if len(units) > 1:
            found[units[1].position] = (Column.COORDINATING, _("Cột tên đơn vị thứ hai"))
    products = sorted(free(_is_product, 0.5), key=lambda p: -p.share(_is_product))
    if products:
        found[products[0].position] = (
            Column.PRODUCT,
            _("Các ô ngắn như “Kế hoạch”, “Báo cáo”, “Quyết định”"),
        )
    people = free(_is_person, 0.6)
    if people:
        found[people[0].position] = (Column.PERSON, _("Các ô là họ tên người"))
    remaining = [p for p in profiles if p.texts and p.position not in found]
    if remaining:
        longest = max(remaining, key=lambda p: (p.words, len(p.texts)))
        if longest.words >= 3 and len(longest.texts) >= rows / 2:
            found[longest.position] = (Column.CONTENT, _("Các ô là câu dài nhất"))
    return found
