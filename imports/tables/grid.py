"""The source rows of a table, kept as JSON on an import draft (`grid_to_json`), read again with
the columns the clerk chose: the mapping step never needs the file a second time."""

from __future__ import annotations

from imports.tables.cells import ReadTable, _RawRow, grid_from_json, grid_to_json
from imports.tables.choice import ColumnChoice, columns_chosen
from imports.tables.rows import _read_rows


def reread(grid: list[_RawRow], choice: ColumnChoice | None) -> ReadTable:
    """The same source rows, read with the clerk's columns (or recognised again: None)."""
    with columns_chosen(choice):
        return _read_rows(grid)


__all__ = ["grid_from_json", "grid_to_json", "reread"]
