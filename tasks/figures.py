"""Headline figures: how many tasks are done on time, late, overdue… — one aggregate query.

Dashboards, warnings and reports all count through here, so they always agree.

The on-time rate (target ≥ 98% in plan 001) is the share of tasks done on time or early among
the tasks that are done or whose deadline has passed: a task not yet due and not yet done
counts neither for nor against it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import date

from django.db.models import Count, QuerySet

from tasks.punctuality import Punctuality, Status, punctuality, punctuality_expression

P = Punctuality

ON_TIME_RATE_NOTE = (
    "Tỷ lệ hoàn thành đúng hạn = (số nhiệm vụ hoàn thành trước hạn + hoàn thành đúng hạn) / "
    "(số nhiệm vụ đã hoàn thành + số nhiệm vụ quá hạn chưa hoàn thành) × 100%; nhiệm vụ chưa "
    "đến hạn, tạm dừng hoặc đã hủy không tính vào tỷ lệ."
)


# The states a report prints, in its order; "under_way" is on track and due soon together.
REPORT_STATES = (
    "not_started",
    "under_way",
    "overdue",
    "done_early",
    "done_on_time",
    "done_late",
    "paused",
    "cancelled",
)


@dataclass(frozen=True)
class Figures:
    total: int = 0
    not_started: int = 0
    on_track: int = 0
    due_soon: int = 0
    overdue: int = 0
    done_early: int = 0
    done_on_time: int = 0
    done_late: int = 0
    paused: int = 0
    cancelled: int = 0

    @property
    def done(self) -> int:
        return self.done_early + self.done_on_time + self.done_late

    @property
    def in_progress(self) -> int:
        """Open and not (yet) late: under way, due soon, or not started. (Reports: beside done
        and overdue; a page that also shows "due soon" uses `not_due_yet` instead.)"""
        return self.not_started + self.on_track + self.due_soon

    @property
    def not_due_yet(self) -> int:
        """Open, neither late nor due soon: under way or not started, the deadline still ahead."""
        return self.not_started + self.on_track

    @property
    def stopped(self) -> int:
        return self.paused + self.cancelled

    def headline(self) -> dict[str, int]:
        """The dashboard's figures: every task in exactly one, so they add up to `total`."""
        return {
            "done_early": self.done_early,
            "done_on_time": self.done_on_time,
            "done_late": self.done_late,
            "not_due_yet": self.not_due_yet,
            "due_soon": self.due_soon,
            "overdue": self.overdue,
            "stopped": self.stopped,
        }

    @property
    def under_way(self) -> int:
        """Started, open and not late ("đang thực hiện, trong hạn"): never a task not started."""
        return self.on_track + self.due_soon

    @property
    def states(self) -> tuple[int, ...]:
        """One figure per state, in the order reports print them; they add up to the total."""
        return tuple(getattr(self, name) for name in REPORT_STATES)

    @property
    def named_states(self) -> tuple[tuple[str, int], ...]:
        """(state, figure) in the order of `states`."""
        return tuple((name, getattr(self, name)) for name in REPORT_STATES)

    @property
    def on_time(self) -> int:
        return self.done_early + self.done_on_time

    @property
    def on_time_rate(self) -> float | None:
        """Percent, or None when no task is done or due yet."""
        judged = self.done + self.overdue
        return round(100 * self.on_time / judged, 1) if judged else None

    def as_dict(self) -> dict:
        return {
            **asdict(self),
            "done": self.done,
            "in_progress": self.in_progress,
            "not_due_yet": self.not_due_yet,
            "under_way": self.under_way,
            "on_time": self.on_time,
            "on_time_rate": self.on_time_rate,
        }


FIELDS = {
    "not_started": P.NOT_STARTED,
    "on_track": P.ON_TRACK,
    "due_soon": P.DUE_SOON,
    "overdue": P.OVERDUE,
    "done_early": P.DONE_EARLY,
    "done_on_time": P.DONE_ON_TIME,
    "done_late": P.DONE_LATE,
    "paused": P.PAUSED,
    "cancelled": P.CANCELLED,
}


def report_state_of(state: Punctuality | str) -> str:
    """The state of REPORT_STATES an item is counted in."""
    name = next(name for name, value in FIELDS.items() if value == state)
    return "under_way" if name in ("on_track", "due_soon") else name


def _by_punctuality(items: QuerySet, fields: list[str], *, today: date) -> dict:
    """{(the values of `fields`): Figures}, in one query grouped by `fields` and punctuality:
    the database evaluates the punctuality expression once per row, not once per figure as ten
    filtered counts would (8 ms instead of 22 ms for the busiest unit page's 4,300 tasks, half
    the time for the per-unit figures of 100,000)."""
    annotated = items.annotate(_punctuality=punctuality_expression(today=today))
    rows = annotated.order_by().values(*fields, "_punctuality").annotate(n=Count("pk"))
    names = {value: name for name, value in FIELDS.items()}
    counts: dict = {}
    for row in rows:
        tally = counts.setdefault(
            tuple(row[f] for f in fields), dict.fromkeys(["total", *FIELDS], 0)
        )
        tally[names[row["_punctuality"]]] += row["n"]
        tally["total"] += row["n"]
    return {key: Figures(**tally) for key, tally in counts.items()}


def count_figures(items: QuerySet, *, today: date) -> Figures:
    """Figures for tasks (or occurrences) in one query."""
    return _by_punctuality(items, [], today=today).get((), Figures())


def count_figures_by(items: QuerySet, field: str, *, today: date) -> dict:
    """{value of `field`: Figures}, e.g. per lead unit, in one query."""
    grouped = _by_punctuality(items, [field], today=today)
    return {key: figures for (key,), figures in grouped.items()}


def report_state(
    *, status: str, due_date: date | None, completed_on: date | None, today: date
) -> Punctuality:
    """The punctuality a report prints: as `punctuality()`, except that a task not started stays
    "not started" when it is due soon (a report has no "due soon" column; the dashboard has)."""
    found = punctuality(status=status, due_date=due_date, completed_on=completed_on, today=today)
    if found == P.DUE_SOON and status == Status.NOT_STARTED:
        return P.NOT_STARTED
    return found


def tally(states: Iterable[Punctuality | str]) -> Figures:
    """Figures from punctualities already judged (each item once)."""
    names = {value: name for name, value in FIELDS.items()}
    counts = dict.fromkeys(["total", *FIELDS], 0)
    for state in states:
        counts[names[P(state)]] += 1
        counts["total"] += 1
    return Figures(**counts)
