"""Read the deadline column ("Thời hạn") of a plan's task table.

The column is free Vietnamese text written by clerks: "Quý IV/2026", "Trước 01/6/2026",
"Hàng năm, bắt đầu từ năm 2026", "Thường xuyên", "Sau khi ... (Quý III/2026)" and their typos.
`interpret_deadline` turns one cell into a `Deadline` (what a careful clerk would record) and
flags, with a Vietnamese reason, whatever it cannot read for certain; it never guesses silently.
`occurrence_schedule` lists the periods (kỳ) of a recurring or continuous deadline.

Conventions followed (see shared/DOMAIN.md, "Deadlines as written"):
- "trước X" is strict: the due is the day before X, as ministries' own systems record it;
  "đến", "chậm nhất", "trong ngày", "hoàn thành ngày" mean that day itself.
- A month, quarter, half-year or year is due on its last day.
- A text without a year takes the reference year (the plan's date); if that lands before the
  reference, the next year is meant and the reading is flagged.
- Document numbers ("34/2014/NĐ-CP", "83/KH-UBND", "123-KH/TU") are never read as dates.

Matching is done on a folded copy of the text (lower case, accents stripped, đ→d) that keeps one
character per character of the original, so spans found in it slice the original text too.
No database access here: the module is pure and may be used by the importer and by forms.
"""

from __future__ import annotations

import calendar
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache

import holidays
from django.db import models
from django.utils.translation import gettext_lazy as _


class DeadlineKind(models.TextChoices):
    DATE = "date", _("Ngày cụ thể")
    MONTH = "month", _("Tháng")
    QUARTER = "quarter", _("Quý")
    HALF_YEAR = "half_year", _("6 tháng")
    YEAR = "year", _("Năm")
    RANGE = "range", _("Khoảng thời gian")
    RECURRING = "recurring", _("Định kỳ")
    CONTINUOUS = "continuous", _("Thường xuyên")
    CONDITIONAL = "conditional", _("Có điều kiện")
    RELATIVE = "relative", _("Tương đối (ngày làm việc)")
    UNKNOWN = "unknown", _("Chưa xác định")


class Frequency(models.TextChoices):
    YEARLY = "yearly", _("Hằng năm")
    SEMIANNUAL = "semiannual", _("6 tháng một lần")
    QUARTERLY = "quarterly", _("Hằng quý")
    MONTHLY = "monthly", _("Hằng tháng")
    WEEKLY = "weekly", _("Hằng tuần")


@dataclass(frozen=True)
class Recurrence:
    freq: str
    # (month, day) due within each year. A day past the month's end means its last day, so
    # (2, 29) is 28/02 in common years; weekly recurrences have none (due each Friday).
    dates: tuple[tuple[int, int], ...] = ()
    first_year: int | None = None
    last_year: int | None = None  # None: open-ended ("và các năm tiếp theo")

    def to_json(self) -> dict:
        return {
            "freq": str(self.freq),
            "dates": [[month, day] for month, day in self.dates],
            "first_year": self.first_year,
            "last_year": self.last_year,
        }

    @classmethod
    def from_json(cls, data: dict | None) -> Recurrence | None:
        if not data:
            return None
        return cls(
            freq=str(data["freq"]),
            dates=tuple((int(month), int(day)) for month, day in data.get("dates") or ()),
            first_year=data.get("first_year"),
            last_year=data.get("last_year"),
        )


@dataclass(frozen=True)
class Deadline:
    text: str
    kind: str
    due: date | None
    start: date | None = None
    recurrence: Recurrence | None = None
    condition: str = ""
    milestones: tuple[date, ...] = ()
    needs_review: bool = False
    reason: str = ""

    def to_json(self) -> dict:
        return {
            "text": self.text,
            "kind": str(self.kind),
            "due": _iso(self.due),
            "start": _iso(self.start),
            "recurrence": self.recurrence.to_json() if self.recurrence else None,
            "condition": self.condition,
            "milestones": [day.isoformat() for day in self.milestones],
            "needs_review": self.needs_review,
            "reason": self.reason,
        }


@dataclass(frozen=True)
class Period:
    label: str
    start: date
    end: date
    due: date


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


# --- Reasons shown to the clerk -------------------------------------------------------------

_NO_DEADLINE = "Chưa có thời hạn"
_UNREADABLE = "Không đọc được thời hạn; cần nhập thời hạn bằng tay"
_CONDITION_WITHOUT_TIME = (
    "Thời hạn phụ thuộc điều kiện, không có mốc thời gian; cần người có thẩm quyền xác định"
)
_NO_FREQUENCY = "Định kỳ nhưng chưa rõ tần suất hoặc hạn báo cáo; cần xác định"
_FREQUENCY_CONFLICT = "Tần suất ghi ở thời hạn không khớp với các mốc báo cáo; cần xác nhận"
_MILESTONES_OUT_OF_ORDER = "Các mốc không theo thứ tự thời gian; hạn cuối lấy mốc ghi sau cùng"
_START_ONLY = "Chỉ ghi thời điểm bắt đầu, chưa có thời hạn hoàn thành"
_CONTINUOUS_WITH_DATE = "Vừa ghi “thường xuyên” vừa ghi mốc thời gian; cần xác nhận"
_VAGUE_POINT = "Thời điểm “đầu/giữa …” không rõ ngày; đã tạm lấy ngày cuối kỳ"
_RECURRENCE_OVER = "Các kỳ đã kết thúc trước ngày của kế hoạch"
_RANGE_BACKWARDS = "Ngày bắt đầu sau ngày kết thúc"


class _Unreadable(Exception):
    """The text names a date that does not exist (31/02, tháng 13): the clerk must fix it."""


# --- Folding ----------------------------------------------------------------------------------


@lru_cache(maxsize=4096)
def _fold_char(char: str) -> str:
    """One character, lower case, without accents; always exactly one character long."""
    decomposed = unicodedata.normalize("NFD", char.lower())
    base = "".join(c for c in decomposed if not unicodedata.combining(c)).replace("đ", "d")
    return base[:1] or " "


def _fold(text: str) -> str:
    return "".join(_fold_char(char) for char in text)


def _mask(match: re.Match[str]) -> str:
    # Same length, so positions still line up with the original text.
    return "#" * len(match.group())


_F = re.IGNORECASE

# "34/2014/NĐ-CP", "13/2026/QĐ-UBND", "83/KH-UBND", "123-KH/TU": a number followed by "/" and
# letters, or by "/yyyy/" and letters, or "-letters/" is a document number, and so is the
# issue date that follows it ("83/KH-UBND ngày 10/6/2026" is not a deadline).
_DOCUMENT_NUMBER = re.compile(
    r"(?<![\d/])\d{1,5}"
    r"(?:\s*/\s*(?:19|20)\d{2})?"
    r"(?:\s*/\s*|\s*-\s*[a-z][a-z&]*\s*/\s*)"
    r"(?!(?:nam|ngay|thang|quy)\b)[a-z][a-z0-9&.\-]*"
    r"(?:\s*/\s*[a-z][a-z0-9&.\-]*)*"
    r"(?:\s*,?\s*ngay\s*\d{1,2}\s*[/.\-]\s*\d{1,2}\s*[/.\-]\s*(?:19|20)\d{2})?",
    _F,
)


# --- Time mentions ----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Mention:
    """One period named in the text: a day, a month, quarters, a half-year or a year."""

    kind: str
    start: int  # span in the folded text
    end: int
    year: int | None  # None when the text gives no year
    first: tuple[int, int]  # (month, day) of its first day
    last: tuple[int, int | None]  # (month, day) of its last day; None = end of that month

    def bounds(self, year: int) -> tuple[date, date]:
        """First and last day in `year`; ValueError when the text names an impossible date."""
        last_month, last_day = self.last
        if last_day is None:
            last_day = calendar.monthrange(year, last_month)[1]
        return date(year, *self.first), date(year, last_month, last_day)

    def due(self, year: int, strict: bool) -> date:
        first, last = self.bounds(year)
        return first - timedelta(days=1) if strict else last


_YEAR = r"(?P<year>(?:19|20)\d{2})(?!\d)"
# "/2026", "// 2026", " năm 2026", ", năm 2026", "-2026", " 2026"
_THEN_YEAR = rf"(?:(?:\s*[/.,\-]+)?\s*(?:nam\s*)?{_YEAR})"
_QUARTER_NUMERAL = r"(?:iv|iii|ii|i|[1-4])(?![a-z\d])"
_ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4}


def _year_of(match: re.Match[str]) -> int | None:
    year = match.groupdict().get("year")
    return int(year) if year else None


def _day_mention(match: re.Match[str]) -> list[_Mention]:
    day, month = int(match["day"]), int(match["month"])
    return [_Mention(DeadlineKind.DATE, *match.span(), _year_of(match), (month, day), (month, day))]


def _month_mention(match: re.Match[str]) -> list[_Mention]:
    month = int(match["month"])
    return [_Mention(DeadlineKind.MONTH, *match.span(), _year_of(match), (month, 1), (month, None))]


def _month_range_mentions(match: re.Match[str]) -> list[_Mention]:
    """Two months joined by a dash ("tháng 7-9/2026"), read later as a range."""
    year = _year_of(match)
    first, last = int(match["first"]), int(match["month"])
    return [
        _Mention(
            DeadlineKind.MONTH, match.start(), match.end("first"), year, (first, 1), (first, None)
        ),
        _Mention(
            DeadlineKind.MONTH, match.start("month"), match.end(), year, (last, 1), (last, None)
        ),
    ]


def _quarter_mention(match: re.Match[str]) -> list[_Mention]:
    numerals = re.findall(rf"(?<![a-z]){_QUARTER_NUMERAL}", match["quarters"], _F)
    quarters = [_ROMAN.get(numeral.lower()) or int(numeral) for numeral in numerals]
    first, last = min(quarters), max(quarters)
    return [
        _Mention(
            DeadlineKind.QUARTER,
            *match.span(),
            _year_of(match),
            (3 * first - 2, 1),
            (3 * last, None),
        )
    ]


def _half_year_mention(match: re.Match[str]) -> list[_Mention]:
    first_half = match["part"].lower() == "dau"
    first, last = ((1, 1), (6, None)) if first_half else ((7, 1), (12, None))
    return [_Mention(DeadlineKind.HALF_YEAR, *match.span(), _year_of(match), first, last)]


def _year_mention(match: re.Match[str]) -> list[_Mention]:
    return [_Mention(DeadlineKind.YEAR, *match.span(), _year_of(match), (1, 1), (12, None))]


# Tried in this order; each masks what it matched so that later, looser patterns ("6/2026",
# "10/6", "2026") never see the parts of a fuller one.
_MENTION_PATTERNS = (
    (  # Excel / ISO: 2026-09-30, 2026-09-30 00:00:00
        re.compile(
            r"(?<![\d#])(?P<year>(?:19|20)\d{2})\s*[-/.]\s*(?P<month>\d{1,2})\s*[-/.]\s*"
            r"(?P<day>\d{1,2})(?!\d)(?:[ t]\d{1,2}:\d{2}(?::\d{2})?)?",
            _F,
        ),
        _day_mention,
    ),
    (  # ngày 30 tháng 9 năm 2026, ngày 30 tháng 9
        re.compile(
            rf"\bngay\s*(?P<day>\d{{1,2}})\s*thang\s*(?P<month>\d{{1,2}})(?!\d){_THEN_YEAR}?", _F
        ),
        _day_mention,
    ),
    (  # tháng 7-9/2026
        re.compile(
            rf"\bthang\s*(?P<first>\d{{1,2}})\s*[\-–]\s*(?P<month>\d{{1,2}})(?!\d){_THEN_YEAR}",
            _F,
        ),
        _month_range_mentions,
    ),
    (  # 30/9/2026, 30-9-2026, 30.9.2026, 10 / 6/2026
        re.compile(
            r"(?<![\d/.#])(?P<day>\d{1,2})\s*[/.\-]+\s*(?P<month>\d{1,2})\s*[/.\-]+\s*"
            rf"{_YEAR}(?!/)",
            _F,
        ),
        _day_mention,
    ),
    (  # 6 tháng đầu năm 2026, 6 tháng cuối năm, nửa đầu năm
        re.compile(
            rf"\b(?:(?:6|06|sau)\s*thang|nua)\s*(?P<part>dau|cuoi)(?:\s*nam)?{_THEN_YEAR}?", _F
        ),
        _half_year_mention,
    ),
    (  # Quý IV/2026, quý 4 năm 2026, Quý I, II/2026, Quý II-III/2026
        re.compile(
            rf"\bquy\s*(?P<quarters>{_QUARTER_NUMERAL}"
            rf"(?:\s*(?:[,&\-–]|va|den|toi)\s*(?:quy\s*)?{_QUARTER_NUMERAL})*){_THEN_YEAR}?",
            _F,
        ),
        _quarter_mention,
    ),
    (  # Tháng 6/2026, Tháng 6 năm 2026, Tháng 12//2026, Thang 8/2026, Tháng 9
        re.compile(rf"\bthang\s*(?P<month>\d{{1,2}})(?!\d){_THEN_YEAR}?", _F),
        _month_mention,
    ),
    (  # 06/2026
        re.compile(rf"(?<![\d/.#])(?P<month>\d{{1,2}})\s*/+\s*{_YEAR}(?!/)", _F),
        _month_mention,
    ),
    (  # 10/6 (no year)
        re.compile(r"(?<![\d/.#])(?P<day>\d{1,2})\s*/+\s*(?P<month>\d{1,2})(?!\d)(?!\s*/)", _F),
        _day_mention,
    ),
    (  # Năm 2026, cuối năm 2026, 2026
        re.compile(rf"(?<![\d/.#])(?:(?:cuoi|het)\s+)?(?:nam\s*)?{_YEAR}(?!/)", _F),
        _year_mention,
    ),
    (  # cuối năm, hết năm, trong năm (no year)
        re.compile(r"\b(?:cuoi|het|trong)\s+nam\b(?!\s*[\d#])", _F),
        _year_mention,
    ),
)


def _scan(folded: str) -> list[_Mention]:
    found: list[_Mention] = []
    for pattern, build in _MENTION_PATTERNS:
        for match in pattern.finditer(folded):
            found.extend(build(match))
        folded = pattern.sub(_mask, folded)
    return sorted(found, key=lambda mention: mention.start)


# What stands between two mentions, or before the first one.
_STRICT_PREFIX = re.compile(r"\btruoc(?:\s+(?:ngay|thoi\s+han))?\s*[:,]?\s*$", _F)
_CONJUNCTION = re.compile(r"\s*(?:,|&|va|hoac)\s*(?:ngay\s*)?", _F)
_FROM_PREFIX = re.compile(r"\b(?:tu|ke\s+tu|bat\s+dau(?:\s+tu)?)(?:\s+ngay)?\s*$", _F)
_UNTIL_PREFIX = re.compile(r"\b(?:den|toi)(?:\s+(?:het|ngay))?\s*$", _F)
_VAGUE_PREFIX = re.compile(r"\b(?:dau|giua)\s*$", _F)
_RANGE_CONNECTOR = re.compile(r"\s*(?:[\-–—~]+|(?:den|toi)(?:\s+(?:het|ngay))?)\s*", _F)


# --- The reading of one cell ------------------------------------------------------------------


@dataclass
class _Cell:
    original: str  # NFC
    folded: str  # folded, document numbers masked; same length as `original`
    reference: date
    mentions: list[_Mention]
    strict: list[bool]
    reasons: list[str] = field(default_factory=list)

    @classmethod
    def read(cls, original: str, reference: date) -> _Cell:
        folded = _DOCUMENT_NUMBER.sub(_mask, _fold(original))
        mentions = _scan(folded)
        return cls(original, folded, reference, mentions, _strictness(folded, mentions))

    def prefix(self, index: int) -> str:
        begin = self.mentions[index - 1].end if index else 0
        return self.folded[begin : self.mentions[index].start]

    def text_of(self, mention: _Mention) -> str:
        return self.original[mention.start : mention.end]

    def deadline(self, kind: str, due: date | None, **fields) -> Deadline:
        reasons = list(dict.fromkeys(self.reasons))
        return Deadline(
            text=self.original,
            kind=kind,
            due=due,
            needs_review=bool(reasons),
            reason="; ".join(reasons),
            **fields,
        )


def _strictness(folded: str, mentions: list[_Mention]) -> list[bool]:
    """Whether each mention is governed by "trước" (strict, the day before).

    "trước ngày 20/6 và 20/12": the second date has no "trước" of its own but shares the first's.
    """
    strict: list[bool] = []
    for index, mention in enumerate(mentions):
        begin = mentions[index - 1].end if index else 0
        prefix = folded[begin : mention.start]
        if _STRICT_PREFIX.search(prefix):
            strict.append(True)
        else:
            strict.append(bool(index) and strict[-1] and bool(_CONJUNCTION.fullmatch(prefix)))
    return strict


def _bounds(cell: _Cell, mention: _Mention, year: int) -> tuple[date, date]:
    try:
        return mention.bounds(year)
    except ValueError:
        raise _Unreadable(f"Ngày tháng không hợp lệ: “{cell.text_of(mention)}”") from None


def _due(cell: _Cell, index: int, year: int) -> date:
    first, last = _bounds(cell, cell.mentions[index], year)
    return first - timedelta(days=1) if cell.strict[index] else last


def _resolve_years(cell: _Cell) -> list[int]:
    """The year of each mention: its own, else the nearest one written in the cell, else the
    reference year ("trước 10/6" in a plan of June 2026 is 09/06/2026)."""
    written = [mention.year for mention in cell.mentions]
    years: list[int] = []
    for index, year in enumerate(written):
        later = [y for y in written[index + 1 :] if y is not None]
        earlier = [y for y in written[:index] if y is not None]
        if year is not None:
            years.append(year)
        elif later or earlier:
            years.append(later[0] if later else earlier[-1])
        else:
            years.append(_reference_year(cell, index))
    return years


def _reference_year(cell: _Cell, index: int) -> int:
    year = cell.reference.year
    if _due(cell, index, year) >= cell.reference:
        return year
    # A yearless date already past at the plan's date must mean next year: say so.
    cell.reasons.append(
        f"Không ghi năm; “{cell.text_of(cell.mentions[index])}” của năm {year} đã qua "
        f"nên hiểu là năm {year + 1}"
    )
    return year + 1


# --- Single dues, ranges and milestones -------------------------------------------------------


@dataclass(frozen=True)
class _Point:
    kind: str
    due: date
    start: date | None = None


def _read_points(cell: _Cell) -> list[_Point]:
    """Every due named in the cell, with "từ X đến Y" and "2026-2027" joined into ranges."""
    years = _resolve_years(cell)
    mentions = cell.mentions
    points: list[_Point] = []
    index = 0
    while index < len(mentions):
        mention = mentions[index]
        if _VAGUE_PREFIX.search(cell.prefix(index)):
            cell.reasons.append(_VAGUE_POINT)
        if index + 1 < len(mentions) and _joins_range(cell, index):
            points.append(_range_point(cell, index, years))
            index += 2
            continue
        first, _last = _bounds(cell, mention, years[index])
        # Several quarters ("Quý II-III/2026") start with the first of them.
        several = mention.kind == DeadlineKind.QUARTER and mention.first[0] + 2 < mention.last[0]
        start = first if several and not cell.strict[index] else None
        points.append(_Point(mention.kind, _due(cell, index, years[index]), start))
        index += 1
    return points


def _joins_range(cell: _Cell, index: int) -> bool:
    between = cell.folded[cell.mentions[index].end : cell.mentions[index + 1].start]
    return bool(_RANGE_CONNECTOR.fullmatch(between))


def _range_point(cell: _Cell, index: int, years: list[int]) -> _Point:
    start_year = years[index]
    due = _due(cell, index + 1, years[index + 1])
    start = _bounds(cell, cell.mentions[index], start_year)[0]
    if start > due and cell.mentions[index].year is None:
        # "từ tháng 11 đến tháng 2/2027": the start borrowed the end's year; it is the year before.
        start = _bounds(cell, cell.mentions[index], start_year - 1)[0]
    if start > due:
        cell.reasons.append(_RANGE_BACKWARDS)
    return _Point(DeadlineKind.RANGE, due, start)


def _flag_if_past(cell: _Cell, due: date | None) -> None:
    if due is not None and due < cell.reference:
        cell.reasons.append(
            f"Thời hạn {due:%d/%m/%Y} sớm hơn ngày của kế hoạch ({cell.reference:%d/%m/%Y})"
        )


def _from_points(cell: _Cell) -> Deadline | None:
    if not cell.mentions:
        return None
    if len(cell.mentions) == 1 and _FROM_PREFIX.search(cell.prefix(0)):
        return _start_only(cell)
    points = _read_points(cell)
    last = points[-1]
    milestones = tuple(point.due for point in points[:-1])
    if any(milestone > last.due for milestone in milestones):
        cell.reasons.append(_MILESTONES_OUT_OF_ORDER)
    _flag_if_past(cell, last.due)
    return cell.deadline(last.kind, last.due, start=last.start, milestones=milestones)


def _start_only(cell: _Cell) -> Deadline:
    """A start with no end ("Từ tháng 7/2026"): carried on from then; the clerk must confirm."""
    year = _resolve_years(cell)[0]
    cell.reasons.append(_START_ONLY)
    start = _bounds(cell, cell.mentions[0], year)[0]
    return cell.deadline(DeadlineKind.CONTINUOUS, None, start=start)


# --- Relative deadlines -----------------------------------------------------------------------

# "trong 05 ngày làm việc", "trong vòng 10 ngày làm việc kể từ ngày …", "sau 30 ngày",
# "05 ngày làm việc kể từ …"; not "trong 6 tháng đầu năm" nor "trong ngày 25/8/2026".
_RELATIVE = re.compile(
    r"(?:\b(?P<lead>trong(?:\s+(?:vong|thoi\s+han|thoi\s+gian|khoang))?|sau"
    r"|cham\s+nhat(?:\s+(?:la|sau))?|khong\s+qua|toi\s+da)\s+)?"
    r"(?<![\d/.#])(?P<count>\d{1,3})\s+(?P<unit>ngay(?:\s+lam\s+viec)?|tuan|thang)\b"
    r"(?!\s*(?:dau|cuoi)\b)(?!\s*\d)",
    _F,
)


@lru_cache(maxsize=64)
def _vietnam_calendar(year: int) -> holidays.HolidayBase:
    return holidays.Vietnam(years=year)


def is_working_day(day: date) -> bool:
    # Knows both the public holidays (Tết, 30/4, 1/5, 2/9…) and the Saturdays the government
    # turns into working days in exchange for a bridge day off.
    return _vietnam_calendar(day.year).is_working_day(day)


def add_working_days(start: date, count: int) -> date:
    day = start
    while count > 0:
        day += timedelta(days=1)
        if is_working_day(day):
            count -= 1
    return day


def _add_months(start: date, count: int) -> date:
    years, month_index = divmod(start.month - 1 + count, 12)
    year, month = start.year + years, month_index + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def _relative(cell: _Cell) -> Deadline | None:
    match = next(
        (
            found
            for found in _RELATIVE.finditer(cell.folded)
            if found["lead"] or "lam" in found["unit"].lower()
        ),
        None,
    )
    if match is None:
        return None
    count, unit = int(match["count"]), match["unit"].lower()
    start = _explicit_start_after(cell, match.end())
    if start is None:
        start = cell.reference
        cell.reasons.append(
            "Thời hạn tính từ một sự kiện chưa rõ ngày; đã tạm tính từ ngày "
            f"{start:%d/%m/%Y}, cần xác nhận ngày bắt đầu"
        )
    if "lam" in unit:
        due = add_working_days(start, count)
    elif unit == "ngay":
        due = start + timedelta(days=count)
    elif unit == "tuan":
        due = start + timedelta(weeks=count)
    else:
        due = _add_months(start, count)
    condition = (cell.original[: match.start()] + cell.original[match.end() :]).strip(" ,;:.-–")
    return cell.deadline(DeadlineKind.RELATIVE, due, start=start, condition=condition)


def _explicit_start_after(cell: _Cell, position: int) -> date | None:
    """A written start ("… kể từ ngày 10/6/2026"): the count starts there, nothing to guess."""
    for mention in cell.mentions:
        if mention.start >= position and mention.kind == DeadlineKind.DATE and mention.year:
            return _bounds(cell, mention, mention.year)[0]
    return None


# --- Recurrences ------------------------------------------------------------------------------

# Most frequent first: "định kỳ 6 tháng, hằng năm" is twice a year.
_FREQUENCY_PATTERNS = (
    (Frequency.WEEKLY, re.compile(r"\b(?:(?:hang|moi|tung)\s+|dinh\s+ky\s+)tuan\b", _F)),
    (Frequency.MONTHLY, re.compile(r"\b(?:(?:hang|moi|tung)\s+|dinh\s+ky\s+)thang\b", _F)),
    (
        Frequency.QUARTERLY,
        re.compile(
            r"\b(?:(?:hang|moi|tung)\s+|dinh\s+ky\s+)quy\b|\b(?:3|03|ba)\s+thang\s+(?:mot|1)\s+lan",
            _F,
        ),
    ),
    (
        Frequency.SEMIANNUAL,
        re.compile(
            r"\b(?:(?:hang|moi|tung)\s+|dinh\s+ky\s+)(?:6|06|sau)\s+thang\b(?!\s+(?:dau|cuoi))"
            r"|\b(?:6|06|sau)\s+thang\s+(?:mot|1)\s+lan",
            _F,
        ),
    ),
    (
        Frequency.YEARLY,
        re.compile(
            r"\b(?:(?:hang|moi|tung)\s+|dinh\s+ky\s+(?:hang\s+)?)nam\b"
            r"|\b(?:cac|nhung)\s+nam\s+(?:tiep\s+theo|sau)\b",
            _F,
        ),
    ),
)
_PERIODIC = re.compile(r"\bdinh\s+ky\b", _F)
_OPEN_ENDED = re.compile(r"\b(?:cac|nhung)\s+nam\s+(?:tiep\s+theo|sau)\b", _F)
# "Trước ngày 15 hằng tháng", "ngày 20 tháng cuối quý"
_DAY_OF_EACH_MONTH = re.compile(
    r"\bngay\s*(?P<day>\d{1,2})\s*(?:cua\s+)?(?:hang|moi|tung)\s+thang\b", _F
)
_DAY_OF_QUARTER_END = re.compile(
    r"\bngay\s*(?P<day>\d{1,2})\s*(?:cua\s+)?thang\s+cuoi\s+(?:(?:hang|moi|tung)\s+)?quy\b", _F
)
# A leap year, so that a month-end in February is kept as 29 and cut to 28 in common years.
_ANY_LEAP_YEAR = 2000
_DEFAULT_DATES = {
    Frequency.YEARLY: ((12, 31),),
    Frequency.SEMIANNUAL: ((6, 30), (12, 31)),
    Frequency.QUARTERLY: ((3, 31), (6, 30), (9, 30), (12, 31)),
    Frequency.MONTHLY: tuple(
        (month, calendar.monthrange(_ANY_LEAP_YEAR, month)[1]) for month in range(1, 13)
    ),
    Frequency.WEEKLY: (),
}
_FREQUENCY_BY_COUNT = {
    1: Frequency.YEARLY,
    2: Frequency.SEMIANNUAL,
    4: Frequency.QUARTERLY,
    12: Frequency.MONTHLY,
}


def _frequency_in(folded: str) -> str | None:
    return next((freq for freq, pattern in _FREQUENCY_PATTERNS if pattern.search(folded)), None)


def _on(year: int, month: int, day: int) -> date:
    return date(year, month, min(day, calendar.monthrange(year, month)[1]))


def _month_day(day: date) -> tuple[int, int]:
    return day.month, day.day


def _every_month(day: int, strict: bool) -> tuple[tuple[int, int], ...]:
    firsts = [date(_ANY_LEAP_YEAR, month, 1) for month in range(1, 13)]
    return _shifted(firsts, day, strict)


def _every_quarter_end(day: int, strict: bool) -> tuple[tuple[int, int], ...]:
    firsts = [date(_ANY_LEAP_YEAR, month, 1) for month in (3, 6, 9, 12)]
    return _shifted(firsts, day, strict)


def _shifted(month_firsts: list[date], day: int, strict: bool) -> tuple[tuple[int, int], ...]:
    if not 1 <= day <= 31:
        raise _Unreadable(f"Ngày không hợp lệ: {day}")
    dues = [
        _on(first.year, first.month, day) - timedelta(days=1 if strict else 0)
        for first in month_firsts
    ]
    return tuple(sorted(_month_day(due) for due in dues))


def _schedule_dates(cell: _Cell, *, periods_allowed: bool) -> tuple[tuple[int, int], ...]:
    """The (month, day) dues a cell names without a year: "(trước 10/6) và năm (trước 10/12)"."""
    for pattern, spread in (
        (_DAY_OF_EACH_MONTH, _every_month),
        (_DAY_OF_QUARTER_END, _every_quarter_end),
    ):
        match = pattern.search(cell.folded)
        if match:
            strict = bool(_STRICT_PREFIX.search(cell.folded[: match.start()]))
            return spread(int(match["day"]), strict)
    yearless = [index for index, mention in enumerate(cell.mentions) if mention.year is None]
    days = [index for index in yearless if cell.mentions[index].kind == DeadlineKind.DATE]
    chosen = days or (yearless if periods_allowed else [])
    return tuple(sorted({_month_day(_due(cell, index, _ANY_LEAP_YEAR)) for index in chosen}))


def _recurrence(cell: _Cell, product: _Cell | None, text_freq: str | None) -> Recurrence | None:
    dates = _schedule_dates(cell, periods_allowed=True)
    if not dates and product is not None:
        dates = _schedule_dates(product, periods_allowed=False)
    freq = text_freq
    if dates:
        dates_freq = _FREQUENCY_BY_COUNT.get(len(dates))
        # "hằng năm" with a 6-month and a yearly report is twice a year: the dates say how often.
        if dates_freq and (text_freq in (None, Frequency.YEARLY) or text_freq == dates_freq):
            freq = dates_freq
        else:
            cell.reasons.append(_FREQUENCY_CONFLICT)
            dates = ()
    if freq is None:
        cell.reasons.append(_NO_FREQUENCY)
        return None
    years = sorted({mention.year for mention in cell.mentions if mention.year})
    first_year = years[0] if years else cell.reference.year
    open_ended = bool(_OPEN_ENDED.search(cell.folded)) or len(years) < 2
    return Recurrence(
        freq=freq,
        dates=dates or _DEFAULT_DATES[freq],
        first_year=first_year,
        last_year=None if open_ended else years[-1],
    )


def _recurrence_start(cell: _Cell, recurrence: Recurrence) -> date:
    """Where the first period begins: 01/01 of the first year, or "từ Quý III/2026"'s start."""
    dated = [mention for mention in cell.mentions if mention.year == recurrence.first_year]
    if dated:
        return _bounds(cell, dated[0], recurrence.first_year)[0]
    return date(recurrence.first_year, 1, 1)


def _next_due(recurrence: Recurrence, after: date) -> date | None:
    """The first due on or after `after`, within the recurrence's last year."""
    last_year = recurrence.last_year
    if recurrence.freq == Frequency.WEEKLY:
        friday = after + timedelta(days=(4 - after.weekday()) % 7)
        return friday if last_year is None or friday.isocalendar().year <= last_year else None
    for year in range(after.year, after.year + 2):
        if last_year is not None and year > last_year:
            return None
        for month, day in recurrence.dates:
            due = _on(year, month, day)
            if due >= after:
                return due
    return None


def _is_recurring(cell: _Cell, text_freq: str | None) -> bool:
    lone_from_year = (
        len(cell.mentions) == 1
        and cell.mentions[0].kind == DeadlineKind.YEAR
        and cell.mentions[0].year is not None
        and bool(_FROM_PREFIX.search(cell.prefix(0)))
    )
    return bool(text_freq or _PERIODIC.search(cell.folded) or lone_from_year)


def _recurring(cell: _Cell, product: _Cell | None) -> Deadline | None:
    text_freq = _frequency_in(cell.folded)
    if not _is_recurring(cell, text_freq):
        return None
    if text_freq is None and not _PERIODIC.search(cell.folded):
        text_freq = Frequency.YEARLY  # "Từ năm 2026": every year from 2026 (DOMAIN.md)
    recurrence = _recurrence(cell, product, text_freq)
    if recurrence is None:
        return cell.deadline(DeadlineKind.RECURRING, None)
    start = _recurrence_start(cell, recurrence)
    due = _next_due(recurrence, max(cell.reference, start))
    if due is None:
        cell.reasons.append(_RECURRENCE_OVER)
    return cell.deadline(DeadlineKind.RECURRING, due, start=start, recurrence=recurrence)


# --- Continuous and conditional ---------------------------------------------------------------

_CONTINUOUS = re.compile(r"\b(?:thuong\s+xuyen|lien\s+tuc|(?:hang|moi)\s+ngay)\b", _F)


def _continuous(cell: _Cell) -> Deadline | None:
    if not _CONTINUOUS.search(cell.folded):
        return None
    years = _resolve_years(cell)
    start = due = None
    for index, mention in enumerate(cell.mentions):
        prefix = cell.prefix(index)
        if _FROM_PREFIX.search(prefix):
            start = _bounds(cell, mention, years[index])[0]
            continue
        if not _UNTIL_PREFIX.search(prefix):
            cell.reasons.append(_CONTINUOUS_WITH_DATE)
        due = _due(cell, index, years[index])
    text_freq = _frequency_in(cell.folded)
    recurrence = _recurrence(cell, None, text_freq) if text_freq else None
    if recurrence is not None:
        due = _next_due(recurrence, max(filter(None, (cell.reference, start))))
    return cell.deadline(DeadlineKind.CONTINUOUS, due, start=start, recurrence=recurrence)


# "Sau khi …", "Khi có yêu cầu", "Tùy theo …", "Theo chỉ đạo …"
_CONDITION = re.compile(
    r"\bsau\s+khi\b|^\W*khi\b|\bkhi\s+(?:co|duoc|can)\b|\bneu\b|\btuy\s+(?:theo|thuoc)\b"
    r"|\btheo\s+(?:yeu\s+cau|chi\s+dao|de\s+nghi|huong\s+dan)\b|\bphu\s+thuoc\b",
    _F,
)
_PARENTHESES = re.compile(r"\([^()]*\)")
_TRAILING_TIME_WORDS = re.compile(
    r"(?:\s+(?:cham\s+nhat|du\s+kien|truoc|trong|vao|den|han|khoang|ngay))+\s*$", _F
)


def _conditional(cell: _Cell) -> Deadline | None:
    if not _CONDITION.search(cell.folded):
        return None
    if not cell.mentions:
        cell.reasons.append(_CONDITION_WITHOUT_TIME)
        return cell.deadline(DeadlineKind.CONDITIONAL, None, condition=cell.original.strip())
    points = _read_points(cell)
    estimate = points[-1]
    _flag_if_past(cell, estimate.due)
    return cell.deadline(
        DeadlineKind.CONDITIONAL,
        estimate.due,
        start=estimate.start,
        condition=_condition_text(cell),
        milestones=tuple(point.due for point in points[:-1]),
    )


def _condition_text(cell: _Cell) -> str:
    """The cell without its time estimate: "Sau khi … ban hành Chỉ thị (Quý III/2026)" loses
    the parenthesis; "Sau khi …, dự kiến Quý III/2026" loses everything from the comma."""
    keep = [True] * len(cell.original)
    for group in _PARENTHESES.finditer(cell.folded):
        if any(group.start() <= m.start < group.end() for m in cell.mentions):
            keep[group.start() : group.end()] = [False] * (group.end() - group.start())
    remaining = [m for m in cell.mentions if keep[m.start]]
    if remaining:
        cut = remaining[0].start
        clause = max(cell.folded.rfind(sep, 0, cut) for sep in ",;(–-")
        cut = clause if clause > 0 else cut
        tail = _TRAILING_TIME_WORDS.search(cell.folded[:cut])
        cut = tail.start() if tail else cut
        keep[cut:] = [False] * (len(keep) - cut)
    text = "".join(char for char, kept in zip(cell.original, keep, strict=True) if kept)
    return " ".join(text.split()).strip(" ,;:-–(")


# --- Entry points -----------------------------------------------------------------------------


def _nfc(text: object) -> str:
    return unicodedata.normalize("NFC", text) if isinstance(text, str) else ""


def interpret_deadline(text: str, *, reference: date, product: str = "") -> Deadline:
    """What a careful clerk would record for one "Thời hạn" cell.

    `reference` is the plan's date: it gives the year when the text has none and the start of
    relative deadlines. `product` is the "Sản phẩm/Kết quả" cell, which sometimes holds the
    real schedule of a periodic report ("Báo cáo 6 tháng (trước 10/6) và năm (trước 10/12)").
    Never raises: what cannot be read comes back as kind "unknown" with a reason.
    """
    original = _nfc(text)
    try:
        return _interpret(original, reference, _nfc(product))
    except _Unreadable as problem:
        return Deadline(
            original, DeadlineKind.UNKNOWN, None, needs_review=True, reason=str(problem)
        )
    except Exception as problem:  # a cell must never stop an import; the clerk sees why
        return Deadline(
            original,
            DeadlineKind.UNKNOWN,
            None,
            needs_review=True,
            reason=f"Lỗi khi đọc thời hạn ({type(problem).__name__}); cần nhập bằng tay",
        )


def _interpret(original: str, reference: date, product: str) -> Deadline:
    if not original.strip():
        return Deadline(
            original, DeadlineKind.UNKNOWN, None, needs_review=True, reason=_NO_DEADLINE
        )
    cell = _Cell.read(original, reference)
    product_cell = _Cell.read(product, reference) if product.strip() else None
    reading = (
        _relative(cell)
        or _continuous(cell)
        or _recurring(cell, product_cell)
        or _conditional(cell)
        or _from_points(cell)
    )
    if reading is None:
        return Deadline(original, DeadlineKind.UNKNOWN, None, needs_review=True, reason=_UNREADABLE)
    return reading


_QUARTER_LABELS = ("I", "II", "III", "IV")


def occurrence_schedule(deadline: Deadline, *, until: date) -> list[Period]:
    """The periods (kỳ) of a recurring or continuous deadline, from its start up to and
    including the period containing `until`. A single-due deadline has none."""
    if deadline.recurrence is not None:
        return _recurring_periods(deadline, deadline.recurrence, until)
    if deadline.kind == DeadlineKind.CONTINUOUS:
        return _half_year_periods(deadline, until)
    return []


def _recurring_periods(deadline: Deadline, recurrence: Recurrence, until: date) -> list[Period]:
    if deadline.start:
        begin = deadline.start
    elif recurrence.first_year:
        begin = date(recurrence.first_year, 1, 1)
    elif deadline.due:
        begin = date(deadline.due.year, 1, 1)
    else:
        return []
    if recurrence.freq == Frequency.WEEKLY:
        periods = _weekly_periods(begin, until)
    else:
        periods = _dated_periods(recurrence, begin.year, until)
    return [
        period
        for period in periods
        if period.end >= begin
        and period.start <= until
        and (recurrence.last_year is None or period.due.year <= recurrence.last_year)
    ]


def _dated_periods(recurrence: Recurrence, first_year: int, until: date) -> list[Period]:
    """Each period runs from the day after the previous due to its own due, as the cut-off
    dates of periodic reports do (Nghị định 09/2019/NĐ-CP); a yearly one is the calendar year."""
    dates = recurrence.dates or _DEFAULT_DATES.get(recurrence.freq, ((12, 31),))
    periods: list[Period] = []
    previous_due = date(first_year, 1, 1) - timedelta(days=1)
    # One year past `until`: the period containing it may be next year's first ("6 tháng đầu
    # năm 2027" starts on 10/12/2026).
    for year in range(first_year, until.year + 2):
        dues = sorted(_on(year, month, day) for month, day in dates)
        for index, due in enumerate(dues):
            if recurrence.freq == Frequency.YEARLY:
                start, end = date(year, 1, 1), date(year, 12, 31)
            else:
                start, end = previous_due + timedelta(days=1), due
            label = _period_label(recurrence.freq, index, due)
            periods.append(Period(label, start, end, due))
            previous_due = due
    return periods


def _period_label(freq: str, index: int, due: date) -> str:
    if freq == Frequency.SEMIANNUAL:
        return f"6 tháng đầu năm {due.year}" if index == 0 else f"Năm {due.year}"
    if freq == Frequency.QUARTERLY:
        return f"Quý {_QUARTER_LABELS[(due.month - 1) // 3]}/{due.year}"
    if freq == Frequency.MONTHLY:
        return f"Tháng {due.month}/{due.year}"
    return f"Năm {due.year}"


def _weekly_periods(begin: date, until: date) -> list[Period]:
    monday = begin - timedelta(days=begin.weekday())
    periods: list[Period] = []
    while monday <= until:
        iso = monday.isocalendar()
        periods.append(
            Period(
                f"Tuần {iso.week}/{iso.year}",
                monday,
                monday + timedelta(days=6),
                monday + timedelta(days=4),  # reports of the week are due on Friday
            )
        )
        monday += timedelta(weeks=1)
    return periods


def _half_year_periods(deadline: Deadline, until: date) -> list[Period]:
    """A continuous task still reports each half-year: "6 tháng đầu năm" and "6 tháng cuối năm"."""
    begin = deadline.start or date(until.year, 1, 1)
    last = min(until, deadline.due) if deadline.due else until
    periods: list[Period] = []
    for year in range(begin.year, last.year + 1):
        for label, start, end in (
            (f"6 tháng đầu năm {year}", date(year, 1, 1), date(year, 6, 30)),
            (f"6 tháng cuối năm {year}", date(year, 7, 1), date(year, 12, 31)),
        ):
            if end >= begin and start <= last:
                periods.append(Period(label, start, end, end))
    return periods
