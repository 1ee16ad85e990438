"""The parts of a report that people write: header, assessment, proposals, recipients, signer.

`Document` is what the renderers print around the `ReportData`; the `default_*` functions give
Văn phòng a first draft to edit (from the figures and the updates), never the final word.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.conf import settings

from accounts.models import Role, User
from plans.models import Unit
from reporting.data import ReportData


def number_text(value: float | None, digits: int = 1) -> str:
    """A figure as Vietnamese documents write it: a decimal comma (77,8)."""
    if value is None:
        return "–"
    text = f"{value:.{digits}f}".rstrip("0").rstrip(",.") if digits else f"{value:.0f}"
    return text.replace(".", ",")


# A blank left to write the number or the day in by hand: non-breaking spaces, which neither
# HTML nor a PDF reader collapses into one.
BLANK = "\u00a0" * 8


@dataclass
class Document:
    """The administrative document around the data (Nghị định 30/2020/NĐ-CP)."""

    superior_body: str = ""
    issuing_body: str = ""
    number: str = ""  # "15"; empty on a draft: "Số:      /BC-SKHCN"
    symbol: str = ""  # "BC-SKHCN"
    place: str = ""
    issued_on: date | None = None
    signer_title: str = ""  # "KT. GIÁM ĐỐC\nPHÓ GIÁM ĐỐC"
    signer_name: str = ""
    recipients: list[str] = field(default_factory=list)
    assessment: str = ""
    proposals: str = ""
    draft: bool = True
    version: int | None = None
    year: int | None = None  # printed in a blank date line: "ngày      tháng      năm 2026"

    @property
    def number_line(self) -> str:
        return f"Số: {self.number or BLANK}/{self.symbol}"

    @property
    def reference(self) -> str:
        """How an appendix cites the report: "số 15/BC-SKHCN"."""
        return f"số {self.number or BLANK}/{self.symbol}"

    @property
    def reference_date(self) -> str:
        """How an appendix cites the report's date: "ngày 08/6/2026", or blanks to fill in."""
        if self.issued_on is None:
            return f"ngày{BLANK}tháng{BLANK}năm {self.year or ''}".rstrip()
        return f"ngày {self.issued_on:%d/%m/%Y}"

    @property
    def date_line(self) -> str:
        if self.issued_on is None:
            # Left blank to be written in by hand when the report is signed and numbered.
            return f"{self.place}, ngày{BLANK}tháng{BLANK}năm {self.year or ''}".rstrip()
        day = self.issued_on
        # NĐ 30: days below 10 and the months 1 and 2 are written with a leading zero.
        month = f"{day.month:02d}" if day.month < 3 else str(day.month)
        return f"{self.place}, ngày {day.day:02d} tháng {month} năm {day.year}"

    @property
    def signer_lines(self) -> list[str]:
        return [line.strip() for line in self.signer_title.splitlines() if line.strip()]


def organisation_defaults(unit: Unit | None = None) -> dict:
    """Who issues the report: the department, or a unit of it reporting to the department."""
    if unit is not None:
        return {
            "superior_body": settings.REPORT_ISSUING_BODY,
            "issuing_body": unit.name,
            "symbol": f"BC-{unit_code(unit)}",
            "place": settings.REPORT_PLACE,
        }
    return {
        "superior_body": settings.REPORT_SUPERIOR_BODY,
        "issuing_body": settings.REPORT_ISSUING_BODY,
        "symbol": settings.REPORT_SYMBOL,
        "place": settings.REPORT_PLACE,
    }


def unit_code(unit: Unit) -> str:
    """The unit's letters in a document symbol: "Phòng Chuyển đổi số" → "CĐS",
    "Văn phòng Sở" → "VP"."""
    words = [w for w in unit.name.split() if w.lower() not in ("và", "-")]
    if len(words) > 1 and words[0].lower() == "phòng":
        words = words[1:]
    if len(words) > 1 and words[-1].lower() == "sở":
        words = words[:-1]
    code = "".join(word[0].upper() for word in words if word[0].isalpha())
    return code or "DV"


def default_signer(user: User | None, unit: Unit | None = None) -> tuple[str, str]:
    """(title lines, name): the director, or a deputy signing on the director's behalf (KT.);
    for a unit's report, the head of the unit."""
    if unit is not None:
        head = (
            User.objects.filter(role=Role.UNIT_HEAD, unit=unit, is_active=True)
            .order_by("pk")
            .first()
        )
        title = head.title if head and head.title else "Thủ trưởng đơn vị"
        return title.upper(), str(head) if head else ""
    director_title = settings.REPORT_HEAD_TITLE
    if user is not None and user.role == Role.LEADERSHIP and user.title:
        if user.title.strip().lower() == director_title.lower():
            return director_title.upper(), str(user)
        return f"KT. {director_title.upper()}\n{user.title.upper()}", str(user)
    director = (
        User.objects.filter(role=Role.LEADERSHIP, title__iexact=director_title, is_active=True)
        .order_by("pk")
        .first()
    )
    return director_title.upper(), str(director) if director else ""


def default_recipients(unit: Unit | None = None) -> list[str]:
    """A unit reports to the department's leadership, through Văn phòng, not to the city."""
    if unit is not None:
        return [
            "Ban Giám đốc Sở (để báo cáo);",
            "Văn phòng Sở (để tổng hợp);",
            f"Lưu: VT, {unit_code(unit)}.",
        ]
    return list(settings.REPORT_RECIPIENTS)


def default_assessment(data: ReportData) -> str:
    figures = data.figures
    rate = figures.on_time_rate
    if figures.total == 0:
        return "Trong kỳ không có nhiệm vụ đến hạn."
    parts = [
        f"Các phòng, đơn vị đã hoàn thành {figures.done}/{figures.total} nhiệm vụ đến hạn "
        f"trong kỳ, tỷ lệ hoàn thành đúng hạn và trước hạn đạt {number_text(rate)}%"
    ]
    if rate is not None:
        met = rate >= data.on_time_target
        parts[0] += (
            f", {'đạt' if met else 'chưa đạt'} chỉ tiêu ≥{number_text(data.on_time_target)}%."
        )
    else:
        parts[0] += "."
    late = figures.overdue + figures.done_late
    if late:
        parts.append(
            f"Còn {late} nhiệm vụ chậm, quá hạn ({figures.overdue} nhiệm vụ quá hạn chưa hoàn "
            f"thành); các đơn vị cần tập trung khắc phục, báo cáo lý do và thời hạn hoàn thành."
        )
    return " ".join(parts)


def default_proposals(data: ReportData) -> str:
    if not data.proposals:
        return ""
    return "\n".join(remark.text for remark in data.proposals)
