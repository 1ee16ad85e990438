"""One deadline cell as text: folded for matching, its time mentions, their years and bounds."""

from __future__ import annotations

import calendar
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache

from plans.deadlines.kinds import Deadline, DeadlineKind

# --- Reasons shown to the clerk -------------------------------------------------------------

_NO_DEADLINE = "Chưa có thời hạn"
_UNREADABLE = "Không đọc được thời hạn; cần nhập thời hạn bằng tay"
_CONDITION_WITHOUT_TIME = (
    "Thời hạn phụ thuộc điều kiện, không có mốc thời gian; cần người có thẩm quyền xác định"
)
_NO_FREQUENCY = "Định kỳ nhưng chưa rõ tần suất hoặc hạn báo cáo; cần xác định"
_FREQUENCY_CONFLICT = "Tần suất ghi ở thời hạn không khớp với các mốc báo cáo; cần xác nhận"
_START_ONLY = "Chỉ ghi thời điểm bắt đầu, chưa có thời hạn hoàn thành"
_CONTINUOUS_WITH_DATE = "Vừa ghi “thường xuyên” vừa ghi mốc thời gian; cần xác nhận"
_VAGUE_POINT = "Thời điểm “đầu/giữa …” không rõ ngày; đã tạm lấy ngày cuối kỳ"
_RECURRENCE_OVER = "Các kỳ đã kết thúc trước ngày của kế hoạch"
_RANGE_BACKWARDS = "Ngày bắt đầu sau ngày kết thúc"
_MILESTONES_OUT_OF_ORDER = (
    "Các mốc không theo thứ tự thời gian; hạn cuối lấy mốc muộn nhất, các mốc khác giữ lại"
)
_TOO_FAR = "Có mốc thời gian quá xa so với ngày của kế hoạch; cần xác nhận"
_ALTERNATIVES = "Ghi hai thời hạn để chọn (“… hoặc …”); cần người có thẩm quyền chọn một"
_PLAUSIBLE_YEARS_AHEAD = 15
_PLAUSIBLE_YEARS_BACK = 5


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
# "/2026", "// 2026", " năm 2026", ", năm 2026", "-2026", " 2026"; and "/26" (a two-digit year)
_THEN_YEAR = rf"(?:(?:\s*[/.,\-]+)?\s*(?:nam\s*)?{_YEAR}|\s*/\s*(?P<yy>\d{{2}})(?![\d/]))"
_QUARTER_NUMERAL = r"(?:iv|iii|ii|i|[1-4])(?![a-z\d])"
_ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4}


def _year_of(match: re.Match[str]) -> int | None:
    groups = match.groupdict()
    if groups.get("year"):
        return int(groups["year"])
    # A two-digit year is of this century: "15/3/26" is 15/03/2026.
    return 2000 + int(groups["yy"]) if groups.get("yy") else None


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
    (  # 15/3/26, 15-03-26: a two-digit year
        re.compile(
            r"(?<![\d/.#])(?P<day>\d{1,2})\s*[/.\-]\s*(?P<month>\d{1,2})\s*[/.\-]\s*"
            r"(?P<yy>\d{2})(?![\d/])",
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
        mentions = _without_remarks(folded, _scan(folded))
        return cls(original, folded, reference, mentions, _strictness(folded, mentions))

    def prefix(self, index: int) -> str:
        begin = self.mentions[index - 1].end if index else 0
        return self.folded[begin : self.mentions[index].start]

    def text_of(self, mention: _Mention) -> str:
        return self.original[mention.start : mention.end]

    def deadline(self, kind: str, due: date | None, **fields) -> Deadline:
        named = [due, fields.get("start"), *fields.get("milestones", ())]
        if any(
            not self.reference.year - _PLAUSIBLE_YEARS_BACK
            <= day.year
            <= self.reference.year + _PLAUSIBLE_YEARS_AHEAD
            for day in named
            if day is not None
        ):
            self.reasons.append(_TOO_FAR)
        reasons = list(dict.fromkeys(self.reasons))
        return Deadline(
            text=self.original,
            kind=kind,
            due=due,
            needs_review=bool(reasons),
            reason="; ".join(reasons),
            **fields,
        )


# A remark in parentheses about what the task covers, not when it is due:
# "Quý II/2026 (áp dụng cho niên độ 2026 – 2028)".
_REMARK = re.compile(
    r"\(\s*(?:ap\s+dung|nien\s+do|giai\s+doan|doi\s+voi|cho\s+(?:nam|giai|nien|ky)|thuc\s+hien"
    r"|theo|can\s+cu|nam\s+hoc|trong\s+do|gom|bao\s+gom)\b[^()]*\)?",
    _F,
)


def _without_remarks(folded: str, mentions: list[_Mention]) -> list[_Mention]:
    """Mentions inside a remark in parentheses are left out when the cell has a time of its own
    outside them (then the remark does not say when the task is due)."""
    remarks = [match.span() for match in _REMARK.finditer(folded)]
    if not remarks:
        return mentions

    def in_remark(mention: _Mention) -> bool:
        return any(start <= mention.start < end for start, end in remarks)

    outside = [mention for mention in mentions if not in_remark(mention)]
    return outside or mentions


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
