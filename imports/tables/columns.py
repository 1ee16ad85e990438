"""Recognising the columns of a task table from its header wording."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from imports.tables.cells import _BLANK, Column, _Layout, _RawRow
from plans.text import fold

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
# An order label in the STT column: a number, a roman numeral or a letter, maybe dotted.
_LABEL = re.compile(
    r"\(?(?:\d{1,4}[a-zđ]?|[IVXLC]{1,7}|[A-Za-zĐđ])(?:[.\-](?:\d{1,3}|[a-zđ]))*[.):]?"
)

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
