"""Pasted text and CSV: tables copied from Word, PDF or a web page, and their debris."""

from __future__ import annotations

import csv
import io
import re

from imports.tables.cells import _BLANK, ReadTable, _Cell, _RawRow
from imports.tables.rows import _read_rows
from plans.text import clean

# --- Debris from Word/PDF/markdown conversions in pasted text --------------------------------

_SUP = re.compile(r"<sup>.*?</sup>", re.IGNORECASE | re.DOTALL)
_BREAK = re.compile(r"<br\s*/?>", re.IGNORECASE)
_TAG = re.compile(r"</?[a-zA-Z][^<>]*>")
_MATH = re.compile(r"\$([^$\n]*\\[^$\n]*)\$")
_MATH_COMMANDS = {
    "geq": "≥",
    "ge": "≥",
    "leq": "≤",
    "le": "≤",
    "neq": "≠",
    "ne": "≠",
    "times": "×",
    "pm": "±",
    "approx": "≈",
    "cdot": "·",
}
_MATH_COMMAND = re.compile(r"\\([a-zA-Z]+)")
_MARKDOWN_ESCAPE = re.compile(r"\\([*_#%$&\[\]|])")
_PIPE_RULE = re.compile(r"\|?\s*:?-{3,}:?\s*(?:\|\s*:?-{3,}:?\s*)*\|?")

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
