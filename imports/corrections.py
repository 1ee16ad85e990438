"""The clerk's corrections of single rows in the preview, kept beside the rows they correct:
reading the table again with other columns (the mapping step) keeps them, by source line."""

from __future__ import annotations

from imports.tables import Column
from plans.text import clean


def _apply(row: dict, correction: dict) -> None:
    row["cells"] = {**row["cells"], **correction["cells"]}
    if "order_label" in correction:
        row["order_label"] = correction["order_label"]
    if Column.DEADLINE in correction["cells"]:
        row["deadline_date"], row["deadline_is_month"] = None, False  # the text now decides


def correct_draft_row(draft, index: int, *, cells: dict[str, str], order_label: str) -> None:
    """The clerk's correction of one row, as if the document had said it. What the clerk
    changed is kept for the row's source line (added to earlier changes of the same row)."""
    row = draft.rows[index]
    line = str(row["line"])
    earlier = draft.corrections.get(line, {"cells": {}})
    changed = {
        key: value
        for key, value in ((key, clean(value)) for key, value in cells.items())
        if value != row["cells"].get(key, "")
    }
    correction = {"cells": {**earlier["cells"], **changed}}
    if "order_label" in earlier or clean(order_label) != row["order_label"]:
        correction["order_label"] = clean(order_label)
    _apply(row, correction)
    draft.corrections = {**draft.corrections, line: correction}
    draft.save(update_fields=["rows", "corrections"])


def reapply_corrections(draft) -> int:
    """After the rows were read again: the corrections applied again to the rows that start on
    the same source line; those whose line no longer starts a row are dropped. Returns how many
    were dropped (the caller saves the draft)."""
    by_line = {str(row["line"]): row for row in draft.rows}
    kept = {}
    for line, correction in draft.corrections.items():
        if line in by_line:
            _apply(by_line[line], correction)
            kept[line] = correction
    dropped = len(draft.corrections) - len(kept)
    draft.corrections = kept
    return dropped
