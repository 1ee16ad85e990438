"""What a written deadline is understood as: its kind, due date, recurrence and periods."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

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


# Deadlines with one occurrence (kỳ) per period rather than one due date.
PERIODIC = (DeadlineKind.RECURRING, DeadlineKind.CONTINUOUS)


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
