"""The column-mapping step: the clerk says what each source column is; the draft is read again
from its source rows; the choice is remembered for the next table with the same header."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict

from django.db import transaction

from imports.corrections import reapply_corrections
from imports.models import ColumnMapping
from imports.tables import ReadTable
from imports.tables.choice import ColumnChoice
from imports.tables.columns import _header_texts, _is_subheader, _next_filled, header_signature
from imports.tables.grid import grid_from_json, grid_to_json, reread


def draft_source_fields(table: ReadTable) -> dict:
    """What a draft keeps of the table beside its rows: how each column was read, and the rows."""
    return {
        "columns": [asdict(reading) for reading in table.columns],
        "header_line": table.header_line,
        "header_key": table.header_key,
        "grid": grid_to_json(table.grid),
        "footnotes": table.footnotes,
    }


def _header_line_for(key: str, table: ReadTable) -> int | None:
    """The line of the header (one or two rows) whose normalised text is `key`."""
    rows = table.grid
    for index, row in enumerate(rows):
        following = _next_filled(rows, index)
        candidates = [None]
        if following is not None and _is_subheader(row, rows[following]):
            candidates.insert(0, rows[following])
        for below in candidates:
            if header_signature(_header_texts(row, below)) == key:
                return row.line
    return None


def with_remembered_columns(table: ReadTable) -> ReadTable:
    """The table read with the columns a clerk chose last time for a header like this one
    (recognised, or in words the reader did not know): the clerk's choice wins."""
    if not table.grid or not table.header_key:
        return table
    remembered = ColumnMapping.objects.filter(header_key=table.header_key).first()
    if remembered is None:
        return table
    line = _header_line_for(remembered.header_key, table)
    if line is None:
        return table
    choice = ColumnChoice(
        mapping={int(pos): value for pos, value in remembered.mapping.items()},
        header_line=line,
    )
    return reread(table.grid, choice)


@transaction.atomic
def remap_draft(draft, *, mapping: Mapping[int, str], header_line: int | None, by) -> int:
    """Read the draft's source rows again with the clerk's columns, and remember them for the
    next table with the same header. Corrections made row by row stay on the rows that start
    on the same line; returns how many could not stay. Raises ChoiceError (a TableError) when
    the choice does not fit the table."""
    from imports.importing import rows_to_json

    grid = grid_from_json(draft.grid)
    table = reread(grid, ColumnChoice(mapping=dict(mapping), header_line=header_line or 0))
    draft.rows = rows_to_json(table.rows)
    dropped = reapply_corrections(draft)
    draft.problems = [asdict(problem) for problem in table.problems]
    draft.headers = table.headers
    draft.columns = [asdict(reading) for reading in table.columns]
    draft.header_line = table.header_line
    draft.header_key = table.header_key
    draft.footnotes = table.footnotes
    draft.save(
        update_fields=[
            "rows",
            "corrections",
            "problems",
            "headers",
            "columns",
            "header_line",
            "header_key",
            "footnotes",
        ]
    )
    if table.header_key:
        ColumnMapping.objects.update_or_create(
            header_key=table.header_key,
            defaults={"mapping": {str(k): v for k, v in mapping.items()}, "chosen_by": by},
        )
    return dropped
