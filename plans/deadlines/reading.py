"""The reading of one cell: single dues, ranges, milestones, relative, continuous, conditional."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, replace
from datetime import date, timedelta
from itertools import pairwise

from plans.deadlines.calendar_days import _add_months, add_working_days
from plans.deadlines.cells import (
    _ALTERNATIVES,
    _CONDITION_WITHOUT_TIME,
    _CONTINUOUS_WITH_DATE,
    _F,
    _FROM_PREFIX,
    _MILESTONES_OUT_OF_ORDER,
    _NO_DEADLINE,
    _RANGE_BACKWARDS,
    _RANGE_CONNECTOR,
    _START_ONLY,
    _UNREADABLE,
    _UNTIL_PREFIX,
    _VAGUE_POINT,
    _VAGUE_PREFIX,
    _bounds,
    _Cell,
    _due,
    _resolve_years,
    _Unreadable,
)
from plans.deadlines.kinds import Deadline, DeadlineKind
from plans.deadlines.recurrence import _frequency_in, _next_due, _recurrence, _recurring

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
    last, milestones = _latest(cell, _read_points(cell))
    _flag_if_past(cell, last.due)
    return cell.deadline(last.kind, last.due, start=last.start, milestones=milestones)


def _latest(cell: _Cell, points: list[_Point]) -> tuple[_Point, tuple[date, ...]]:
    """Milestones written in any order: the latest is the due date, the others are kept."""
    if _ALTERNATIVE.search(cell.folded) and len(points) > 1:
        cell.reasons.append(_ALTERNATIVES)
    if any(later.due < earlier.due for earlier, later in pairwise(points)):
        cell.reasons.append(_MILESTONES_OUT_OF_ORDER)
    last = max(reversed(points), key=lambda point: point.due)
    return last, tuple(sorted(point.due for point in points if point is not last))


# "Tháng 11/2026 hoặc tháng 02/2027": two dues to choose from, not two milestones.
_ALTERNATIVE = re.compile(r"\bhoac\b", _F)


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
    estimate, milestones = _latest(cell, _read_points(cell))
    _flag_if_past(cell, estimate.due)
    return cell.deadline(
        DeadlineKind.CONDITIONAL,
        estimate.due,
        start=estimate.start,
        condition=_condition_text(cell),
        milestones=milestones,
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


# "ngày 12 / 10 /202 6": a year broken by text extraction from PDF, joined again.
_BROKEN_YEAR = re.compile(r"(?<=/)(\s*)(2\s*0\s*\d\s*\d)(?!\s*\d)")
# A date cell pasted from Excel as its serial number (days since 30/12/1899): 2000 to 2099.
_EXCEL_SERIAL = re.compile(r"\s*(?P<days>3[6-9]\d{3}|[4-6]\d{4}|7[0-2]\d{3})(?:[.,]0+)?\s*")
_EXCEL_EPOCH = date(1899, 12, 30)


def _repaired(text: str) -> str:
    return _BROKEN_YEAR.sub(lambda m: m.group(1) + re.sub(r"\s+", "", m.group(2)), text)


def interpret_deadline(text: str, *, reference: date, product: str = "") -> Deadline:
    """What a careful clerk would record for one "Thời hạn" cell.

    `reference` is the plan's date: it gives the year when the text has none and the start of
    relative deadlines. `product` is the "Sản phẩm/Kết quả" cell, which sometimes holds the
    real schedule of a periodic report ("Báo cáo 6 tháng (trước 10/6) và năm (trước 10/12)").
    Never raises: what cannot be read comes back as kind "unknown" with a reason.
    """
    original = _nfc(text)
    try:
        serial = _EXCEL_SERIAL.fullmatch(original)
        if serial:
            cell = _Cell.read(original, reference)
            due = _EXCEL_EPOCH + timedelta(days=int(serial["days"]))
            _flag_if_past(cell, due)
            return cell.deadline(DeadlineKind.DATE, due)
        reading = _interpret(_repaired(original), reference, _nfc(product))
        return reading if reading.text == original else replace(reading, text=original)
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
