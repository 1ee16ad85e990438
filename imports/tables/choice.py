"""The clerk's choice of columns: in the browser's mapping step, or on the command line.

A choice is applied by reading the table inside `columns_chosen(choice)`: every reader, whatever
its format, then takes the clerk's columns instead of recognising them.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field

from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from imports.tables.cells import Column, ColumnReading, Confidence, TableError, _Layout, _RawRow
from imports.tables.columns import (
    _CONFIDENCE,
    NOTES,
    _build_layout,
    _find_header,
    _header_key,
    _header_texts,
    _is_subheader,
    _next_filled,
    _recognised,
)

# --- What a source column can be -------------------------------------------------------------


class Choice(models.TextChoices):
    """What the clerk may say a source column is (the mapping step)."""

    CONTENT = Column.CONTENT.value, gettext_lazy("Nội dung công việc")
    LEAD = Column.LEAD.value, gettext_lazy("Đơn vị chủ trì")
    COORDINATING = Column.COORDINATING.value, gettext_lazy("Đơn vị phối hợp")
    DEADLINE = Column.DEADLINE.value, gettext_lazy("Thời hạn")
    PRODUCT = Column.PRODUCT.value, gettext_lazy("Sản phẩm, kết quả")
    PERSON = Column.PERSON.value, gettext_lazy("Người chịu trách nhiệm")
    AUTHORITY = Column.AUTHORITY.value, gettext_lazy("Cấp có thẩm quyền")
    GROUP = Column.GROUP.value, gettext_lazy("Nhóm, lĩnh vực")
    PERIOD = Column.PERIOD.value, gettext_lazy("Thời gian bắt đầu, thực hiện")
    ORDER = Column.ORDER.value, gettext_lazy("STT")
    NOTES = NOTES, gettext_lazy("Ghi chú (giữ trên nhiệm vụ)")
    IGNORE = "ignore", gettext_lazy("Bỏ qua")


# The short English names a clerk may use on the command line (--columns "task=…").
CHOICE_NAMES = {
    "task": Choice.CONTENT,
    "content": Choice.CONTENT,
    "lead": Choice.LEAD,
    "coordinating": Choice.COORDINATING,
    "deadline": Choice.DEADLINE,
    "product": Choice.PRODUCT,
    "person": Choice.PERSON,
    "authority": Choice.AUTHORITY,
    "group": Choice.GROUP,
    "start": Choice.PERIOD,
    "period": Choice.PERIOD,
    "order": Choice.ORDER,
    "notes": Choice.NOTES,
    "ignore": Choice.IGNORE,
}


# --- The clerk's choice -----------------------------------------------------------------------


class ChoiceError(TableError):
    """The clerk's columns do not fit the table; str() says why, in Vietnamese."""


@dataclass(frozen=True)
class ColumnChoice:
    """Columns as the clerk chose them.

    `mapping`: position → Choice value; `names`: a header as written, a column letter ("C") or
    number ("3") → Choice value (the command line's --columns); `header_line`: the header's
    line in the source, 0 for a table without a header row, None to find it (the row naming
    every header in `names`, else the recognised header). Columns not chosen are recognised
    from their header as usual when nothing is chosen, else kept as notes.
    """

    mapping: Mapping[int, str] = field(default_factory=dict)
    names: Mapping[str, str] = field(default_factory=dict)
    header_line: int | None = None

    def layout(self, rows: Sequence[_RawRow]) -> tuple[int, _Layout] | None:
        header_index = self._header_index(rows)
        top = rows[header_index] if header_index is not None else None
        below = None
        if top is not None:
            following = _next_filled(rows, header_index)
            if following is not None and _is_subheader(top, rows[following]):
                below = rows[following]
        width = max((len(row.cells) for row in rows), default=0)
        texts = _header_texts(top, below) if top is not None else [""] * width
        texts += [""] * (width - len(texts))
        mapping = {**self._resolve_names(texts), **self.mapping}
        readings: dict[int, ColumnReading] = {}
        if not mapping and top is not None:
            guesses = _recognised(top, below)[1]
            mapping = {position: guess.kind for position, guess in guesses.items()}
            readings = {
                position: ColumnReading(
                    position=position,
                    header=texts[position],
                    choice=guess.kind,
                    how=_("Theo tiêu đề «%(h)s» (từ «%(w)s»)")
                    % {"h": texts[position], "w": guess.phrase},
                    confidence=_CONFIDENCE[guess.strength],
                )
                for position, guess in guesses.items()
            }
        columns: dict[int, Column] = {}
        ignored, as_notes = [], []
        for position, value in sorted(mapping.items()):
            if not 0 <= position < width or value not in Choice.values:
                continue
            if value == Choice.IGNORE:
                ignored.append(position)
            elif value == Choice.NOTES:
                as_notes.append(position)
            elif Column(value) in columns.values():
                raise ChoiceError(
                    _("Cột «%(c)s» được chọn hai lần; mỗi loại cột chỉ chọn một lần.")
                    % {"c": Choice(value).label}
                )
            else:
                columns[position] = Column(value)
            readings.setdefault(
                position,
                ColumnReading(
                    position=position,
                    header=texts[position],
                    choice=value,
                    how=_("Theo lựa chọn của người nhập"),
                    confidence=Confidence.HIGH,
                ),
            )
        if Column.CONTENT not in columns.values():
            raise ChoiceError(_("Cần chọn cột nội dung công việc (nhiệm vụ)."))
        layout = _build_layout(
            columns,
            texts,
            readings=readings,
            rows=(top, below),
            header_line=top.line if top is not None else None,
            ignored=ignored,
            as_notes=as_notes,
        )
        last = rows.index(below) if below is not None else header_index
        return (-1 if last is None else last), layout

    def _header_index(self, rows: Sequence[_RawRow]) -> int | None:
        if self.header_line == 0:
            return None
        if self.header_line is not None:
            for index, row in enumerate(rows):
                if row.line == self.header_line:
                    return index
            raise ChoiceError(
                _("Không có dòng %(n)d trong bảng để làm dòng tiêu đề.") % {"n": self.header_line}
            )
        wanted = {_header_key(name) for name in self.names if not _COLUMN_REF.fullmatch(name)}
        if wanted:
            for index, row in enumerate(rows):
                keys = {_header_key(cell.text) for cell in row.filled()}
                following = _next_filled(rows, index)
                if following is not None:
                    keys |= {_header_key(cell.text) for cell in rows[following].filled()}
                if wanted <= keys:
                    return index
            raise ChoiceError(
                _("Không tìm thấy dòng tiêu đề có các cột: %(names)s.")
                % {"names": ", ".join(n for n in self.names if not _COLUMN_REF.fullmatch(n))}
            )
        found = _find_header(rows)
        if found is None:
            return None
        line = found[1].header_line
        return next(index for index, row in enumerate(rows) if row.line == line)

    def _resolve_names(self, texts: Sequence[str]) -> dict[int, str]:
        resolved: dict[int, str] = {}
        for name, value in self.names.items():
            position = _column_position(name, texts)
            if position is None:
                raise ChoiceError(_("Không có cột «%(n)s» trong bảng.") % {"n": name})
            resolved[position] = value
        return resolved


_COLUMN_REF = re.compile(r"\d{1,3}|[A-Za-z]{1,2}")


def _column_position(name: str, texts: Sequence[str]) -> int | None:
    """A header as written (the whole header, or its lower part under a merged heading), a
    column number counted from 1, or an Excel column letter."""
    key = _header_key(name)
    for position, text in enumerate(texts):
        if _header_key(text) == key or _header_key(text.rsplit(" / ", 1)[-1]) == key:
            return position
    if name.isdigit():
        return int(name) - 1
    if _COLUMN_REF.fullmatch(name):
        number = 0
        for letter in name.upper():
            number = number * 26 + ord(letter) - ord("A") + 1
        return number - 1
    return None


_CHOSEN: ContextVar[ColumnChoice | None] = ContextVar("column_choice", default=None)


@contextmanager
def columns_chosen(choice: ColumnChoice | None) -> Iterator[None]:
    """Read the tables inside this block with the clerk's columns instead of recognising them.
    (A context rather than an argument, so that every reader, whatever its format, obeys it.)"""
    token = _CHOSEN.set(choice)
    try:
        yield
    finally:
        _CHOSEN.reset(token)
