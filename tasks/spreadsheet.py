"""Styled cells for the workbooks the portal writes (the task list here, the reports above):
one font, borders and fills. The reports are written in openpyxl's write-only mode
(`StyledCells`); the task list, tens of thousands of rows, with XlsxWriter (`xlsx_format`)."""

from __future__ import annotations

from weakref import WeakKeyDictionary

from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side

FONT = "Times New Roman"  # what a clerk's Excel has; Liberation Serif has the same metrics
THIN = Side(style="thin", color="000000")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
HEADER_COLOR = "DDE6F0"
HEADER_FILL = PatternFill("solid", fgColor=HEADER_COLOR)
WRAP = Alignment(wrap_text=True, vertical="top")
CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)


class StyledCells:
    """Makes styled cells. Styling a cell attribute by attribute costs more than writing it (a
    hundred thousand rows took minutes), so each combination of styles is built once per
    workbook and shared by the cells that use it."""

    def __init__(self):
        # Style ids are indexes into one workbook's tables: a cache per workbook.
        self._styles: WeakKeyDictionary = WeakKeyDictionary()

    def __call__(self, ws, value, *, bold=False, fill=None, number_format=None, align=WRAP,
                 border=True):  # fmt: skip
        key = (bold, id(fill), number_format, id(align), border)
        styles = self._styles.setdefault(ws.parent, {})
        style = styles.get(key)
        if style is None:
            proto = WriteOnlyCell(ws)
            proto.font = Font(name=FONT, size=11, bold=bold)
            proto.alignment = align
            if border:
                proto.border = BORDER
            if fill is not None:
                proto.fill = fill
            if number_format:
                proto.number_format = number_format
            style = styles[key] = proto._style
        if isinstance(value, str):
            value = ILLEGAL_CHARACTERS_RE.sub("", value)  # control characters Excel refuses
        cell = WriteOnlyCell(ws, value=value)
        if cell.data_type == "f":
            # Text from the plans is never a formula (an imported "=HYPERLINK(…)" stays text).
            cell.data_type = "s"
        # Shared, not copied: write-only cells are written once and never restyled.
        cell._style = style
        return cell


def xlsx_format(*, size=11, bold=False, italic=False, fill=None, number_format=None,
                align="wrap", border=True) -> dict:  # fmt: skip
    """The properties of an XlsxWriter format that looks as `StyledCells` cells do: `align` is
    "wrap" (WRAP), "center" (CENTER), "top" (centred across, at the top) or None (plain)."""
    properties: dict = {"font_name": FONT, "font_size": size, "bold": bold, "italic": italic}
    properties.update(
        {
            "wrap": {"text_wrap": True, "valign": "top"},
            "center": {"text_wrap": True, "align": "center", "valign": "vcenter"},
            "top": {"align": "center", "valign": "top"},
            None: {},
        }[align]
    )
    if border:
        properties.update(border=1, border_color="#000000")
    if fill:
        properties.update(pattern=1, bg_color=f"#{fill}")
    if number_format:
        properties["num_format"] = number_format
    return properties
