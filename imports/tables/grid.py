"""The source rows of a table, kept as JSON on an import draft, and read again with the columns
the clerk chose: the mapping step never needs the file a second time."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from imports.tables.cells import _BLANK, ReadTable, _Cell, _RawRow
from imports.tables.choice import ColumnChoice, columns_chosen
from imports.tables.rows import _read_rows


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
        out.append(
            {"line": row.line, "cells": cells, "written": row.written, "loose": row.loose}
        )
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


def reread(grid: list[_RawRow], choice: ColumnChoice | None) -> ReadTable:
    """The same source rows, read with the clerk's columns (or recognised again: None)."""
    with columns_chosen(choice):
        return _read_rows(grid)
