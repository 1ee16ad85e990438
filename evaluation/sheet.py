"""The evaluation sheet of one person (phiếu đánh giá): built once from the snapshot, shown as a
page, a PDF for the personnel file and an Excel workbook. Renderers never query."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date, datetime
from io import BytesIO

from django.template.loader import render_to_string
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side

from evaluation.scoring import ItemScore, Level


def _day(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


_ITEM_FIELDS = {f.name for f in fields(ItemScore)}


def _item(data: dict) -> dict:
    """An item of a snapshot (JSON) as ItemScore's fields, its dates read back."""
    item = {name: value for name, value in data.items() if name in _ITEM_FIELDS}
    return {**item, **{name: _day(data[name]) for name in ("due", "original_due", "completed_on")}}


@dataclass
class SheetRow(ItemScore):
    """An item of the breakdown as the sheet shows it: numbered, with its remark."""

    number: int = 0

    @property
    def remark(self) -> str:
        parts = []
        if not self.completed:
            parts.append("Chưa hoàn thành đến hết kỳ")
        if self.delays:
            parts.append(f"Chậm {self.days_late} ngày: trừ {self.delays} lần")
        if self.excused_by:
            parts.append(f"Trễ {self.days_late} ngày, không trừ: {self.excused_by}")
        if self.quality_failures:
            parts.append(f"{self.quality_failures} lần không đạt yêu cầu")
        if self.quality_excused:
            parts.append(f"{self.quality_excused} lần sai sót do nguyên nhân khách quan")
        return "; ".join(parts)


@dataclass
class Sheet:
    """What every sheet shows: the period, the work task by task, the levels."""

    period_label: str
    period_start: date
    period_end: date
    scheme: str
    rules: dict
    rows: list[SheetRow]
    quantity: float
    quality: float
    progress: float
    quantity_max: float
    quality_max: float
    progress_max: float
    how: str
    total_points: float | None
    proposed_level: str
    confirmed_level: str
    change_reason: str
    confirmed_by: str
    confirmed_at: datetime | None
    computed_at: datetime | None

    @property
    def own_points(self) -> float:
        return self.quantity + self.quality + self.progress

    @property
    def proposed_label(self) -> str:
        return str(Level(self.proposed_level).label) if self.proposed_level else ""

    @property
    def confirmed_label(self) -> str:
        return str(Level(self.confirmed_level).label) if self.confirmed_level else ""


@dataclass
class SheetData(Sheet):
    """The sheet of one person."""

    person: str
    title: str
    unit: str
    own_percent: float | None
    unit_part: dict | None
    results_percent: float | None
    results_points: float | None
    general_points: float | None
    general_note: str
    evaluated_by: str
    evaluated_at: datetime | None


@dataclass
class UnitSheetData(Sheet):
    """The sheet of a unit as a body (`evaluation.units`)."""

    unit: str
    tasks_percent: float | None
    tasks_points: float | None
    staff: dict
    staff_points: float | None


PARTS = ("quantity", "quality", "progress", "quantity_max", "quality_max", "progress_max")


def _num(value):
    return None if value is None else float(value)


def _common(period, snapshot: dict, part: dict, evaluation) -> dict:
    """The fields of `Sheet` from a snapshot's breakdown (`part`) and the saved evaluation."""
    e = evaluation
    return {
        "period_label": period.label,
        "period_start": period.start,
        "period_end": period.end,
        "scheme": snapshot["scheme"],
        "rules": snapshot["rules"],
        "rows": [SheetRow(**_item(i), number=n) for n, i in enumerate(part["items"], start=1)],
        **{name: part[name] for name in PARTS},
        "how": snapshot["how"],
        "total_points": _num(e.total_points) if e else None,
        "proposed_level": e.proposed_level if e else "",
        "confirmed_level": e.confirmed_level if e else "",
        "change_reason": e.change_reason if e else "",
        "confirmed_by": str(e.confirmed_by) if e and e.confirmed_by_id else "",
        "confirmed_at": e.confirmed_at if e else None,
        "computed_at": e.computed_at if e else None,
    }


def build_sheet(*, person, period, snapshot: dict, evaluation=None) -> SheetData:
    """The sheet from a breakdown snapshot (`services.Computed.snapshot()` or an evaluation's)."""
    own, e = snapshot["own"], evaluation
    results_percent = snapshot["results_percent"]
    results_max = snapshot["rules"]["results_max"]
    results_points = None if results_percent is None else results_max * results_percent / 100
    return SheetData(
        **_common(period, snapshot, own, e),
        person=str(person),
        title=person.title,
        unit=person.unit.name if person.unit_id else "",
        own_percent=own["percent"],
        unit_part=snapshot["unit"],
        results_percent=results_percent,
        results_points=_num(e.results_points)
        if e and e.results_points is not None
        else results_points,  # fmt: skip
        general_points=_num(e.general_points) if e else None,
        general_note=e.general_note if e else "",
        evaluated_by=str(e.evaluated_by) if e and e.evaluated_by_id else "",
        evaluated_at=e.evaluated_at if e else None,
    )


def build_unit_sheet(*, unit, period, snapshot: dict, evaluation) -> UnitSheetData:
    """A unit's sheet from its snapshot; `evaluation` is the saved one or, before it is
    confirmed, one refreshed from the record and not saved."""
    tasks, staff = snapshot["tasks"], snapshot["staff"]
    rated = [{**m, "level_label": str(Level(m["level"]).label) if m["level"] else ""}
             for m in staff["rated"]]  # fmt: skip
    return UnitSheetData(
        **_common(period, snapshot, tasks, evaluation),
        unit=unit.name,
        tasks_percent=tasks["percent"],
        tasks_points=_num(evaluation.tasks_points),
        staff={**staff, "rated": rated},
        staff_points=_num(evaluation.staff_points),
    )


def render_pdf(sheet: Sheet, template: str = "evaluation/sheet_pdf.html") -> bytes:
    from weasyprint import HTML  # imported here: loading WeasyPrint costs a second at startup

    from reporting.pdf import FONTS, font_faces

    html = render_to_string(template, {"s": sheet, "font_faces": font_faces()})
    return HTML(string=html, base_url=str(FONTS)).write_pdf()


FONT = "Times New Roman"
THIN = Side(style="thin", color="000000")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
HEADER_FILL = PatternFill("solid", fgColor="DDE6F0")
WRAP = Alignment(wrap_text=True, vertical="top")
DATE = "dd/mm/yyyy"
POINTS = "0.00"
BOLD = Font(name=FONT, size=11, bold=True)
PLAIN = Font(name=FONT, size=11)


class _Book:
    """A one-sheet workbook written line by line, in the sheets' fonts and borders."""

    def __init__(self, title: str):
        self.wb = Workbook()
        self.ws = self.wb.active
        self.ws.title = title

    def line(self, *values, font=PLAIN, fill=None, formats=()):
        ws = self.ws
        ws.append(list(values))
        for index, cell in enumerate(ws[ws.max_row]):
            cell.font = font
            cell.alignment = WRAP
            if fill is not None:
                cell.fill, cell.border = fill, BORDER
            if index < len(formats) and formats[index]:
                cell.number_format = formats[index]

    def heading(self, sheet: Sheet, title: str, *who: tuple[str, str]) -> None:
        self.line(f"{title} — {sheet.period_label.upper()}", font=BOLD)
        for label, value in who:
            self.line(label, value)
        self.line("Kỳ đánh giá", sheet.period_start, sheet.period_end, formats=(None, DATE, DATE))
        self.line("Cách đánh giá", sheet.scheme)
        self.line()

    def items(self, sheet: Sheet) -> None:
        """The work task by task, each line summed by a formula, and the totals."""
        ws, line = self.ws, self.line
        header = ["STT", "Công việc", "Hạn ban đầu", "Hạn", "Hoàn thành", "Hệ số quy đổi",
                  "Số lượng", "Chất lượng", "Tiến độ", "Cộng", "Ghi chú"]  # fmt: skip
        line(*header, font=BOLD, fill=HEADER_FILL)
        first = ws.max_row + 1
        for row in sheet.rows:
            line(
                row.number, row.label, row.original_due, row.due, row.completed_on, row.factor,
                row.quantity, row.quality, row.progress, None, row.remark,
                fill=PatternFill(fill_type=None),
                formats=(None, None, DATE, DATE, DATE, "0.00", POINTS, POINTS, POINTS, POINTS),
            )  # fmt: skip
            ws.cell(ws.max_row, 10, f"=SUM(G{ws.max_row}:I{ws.max_row})").number_format = POINTS
        last = ws.max_row
        line("", "Cộng (tối đa)", "", "", "", "", font=BOLD)
        for column, letter in ((7, "G"), (8, "H"), (9, "I"), (10, "J")):
            cell = ws.cell(ws.max_row, column, f"=SUM({letter}{first}:{letter}{last})" if
                           sheet.rows else 0)  # fmt: skip
            cell.number_format, cell.font = POINTS, BOLD
        line("", "Tối đa", "", "", "", "", sheet.quantity_max, sheet.quality_max,
             sheet.progress_max, sheet.quantity_max + sheet.quality_max + sheet.progress_max,
             formats=(None,) * 6 + (POINTS,) * 4)  # fmt: skip
        line()

    def levels(self, sheet: Sheet) -> None:
        self.line("Tổng điểm", sheet.total_points, font=BOLD, formats=(None, POINTS))
        self.line("Mức đề xuất", sheet.proposed_label)
        self.line("Mức xếp loại", sheet.confirmed_label, font=BOLD)
        if sheet.change_reason:
            self.line("Lý do thay đổi mức", sheet.change_reason)
        if sheet.confirmed_by:
            moment = timezone.localtime(sheet.confirmed_at).strftime("%d/%m/%Y %H:%M")
            self.line("Người xếp loại", f"{sheet.confirmed_by}, {moment}")

    def save(self) -> bytes:
        ws = self.ws
        for letter, width in zip("ABCDEFGHIJK", (8, 60, 13, 13, 13, 10, 10, 10, 10, 10, 45),
                                 strict=True):  # fmt: skip
            ws.column_dimensions[letter].width = width
        ws.page_setup.orientation = "landscape"
        ws.page_setup.paperSize = ws.PAPERSIZE_A4
        ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
        ws.sheet_properties.pageSetUpPr.fitToPage = True
        out = BytesIO()
        self.wb.save(out)
        return out.getvalue()


def render_xlsx(sheet: SheetData) -> bytes:
    book = _Book("Phiếu đánh giá")
    line = book.line
    book.heading(
        sheet,
        "PHIẾU ĐÁNH GIÁ, XẾP LOẠI CHẤT LƯỢNG",
        ("Họ và tên", sheet.person),
        ("Chức vụ", sheet.title),
        ("Đơn vị", sheet.unit),
    )
    book.items(sheet)
    if sheet.unit_part:
        line("Kết quả đơn vị phụ trách", sheet.unit_part["unit_name"])
        line("Tiến độ công việc của đơn vị (%)", sheet.unit_part["progress_percent"],
             formats=(None, POINTS))  # fmt: skip
        line("Phần kết quả của đơn vị (%)", sheet.unit_part["percent"], formats=(None, POINTS))
    line("Cách tính", sheet.how)
    line("Điểm kết quả thực hiện nhiệm vụ", sheet.results_points, formats=(None, POINTS))
    line("Điểm tiêu chí chung", sheet.general_points, formats=(None, POINTS))
    line("Nhận xét tiêu chí chung", sheet.general_note)
    book.levels(sheet)
    return book.save()


def render_unit_xlsx(sheet: UnitSheetData) -> bytes:
    book = _Book("Đánh giá đơn vị")
    line = book.line
    book.heading(sheet, "ĐÁNH GIÁ, XẾP LOẠI CHẤT LƯỢNG ĐƠN VỊ", ("Đơn vị", sheet.unit))
    line("I. Kết quả thực hiện nhiệm vụ của đơn vị (chủ trì), từng công việc", font=BOLD)
    book.items(sheet)
    line("II. Kết quả xếp loại công chức của đơn vị", font=BOLD)
    line("STT", "Họ và tên", "Mức xếp loại", font=BOLD, fill=HEADER_FILL)
    for number, member in enumerate(sheet.staff["rated"], start=1):
        line(number, member["name"], member["level_label"], fill=PatternFill(fill_type=None))
    line("Số được xếp loại", sheet.staff["evaluated"])
    line("Đạt từ hoàn thành nhiệm vụ trở lên", sheet.staff["at_least_done"])
    line("Phiếu chưa xếp loại", sheet.staff["pending"])
    line()
    line("Cách tính", sheet.how)
    line("Điểm kết quả nhiệm vụ", sheet.tasks_points, formats=(None, POINTS))
    line("Điểm xếp loại công chức", sheet.staff_points, formats=(None, POINTS))
    book.levels(sheet)
    return book.save()
