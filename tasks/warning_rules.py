"""The early-warning rules (see `tasks.early_warnings` for what they say), twice: `assess()`
judges one task or period in Python, `new_warnings()` is the same rules as database conditions,
so that a scan reads only the few items that need a warning not stored yet instead of judging
every open item in Python. `tests/tasks/test_warning_rules.py` holds the two to the same answers.

The thresholds that depend on the calendar (days left to a due date, the step of an overdue
warning) are worked out in Python for each date that can occur, and handed to the database as a
table of dates: there is one copy of those rules.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

from django.db.models import (
    BooleanField,
    Case,
    Exists,
    ExpressionWrapper,
    F,
    Func,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.lookups import GreaterThanOrEqual, LessThan

from plans.deadlines import add_working_days, is_working_day
from tasks.models import WarningRule, WarningSettings
from tasks.punctuality import OPEN_STATUSES, Punctuality, Status, days_late, punctuality_in

NOT_LATE = (Punctuality.NOT_STARTED, Punctuality.ON_TRACK, Punctuality.DUE_SOON)


@dataclass(frozen=True)
class Item:
    """What the rules need to know about a task or a period."""

    task_id: int
    occurrence_id: int | None
    punctuality: str
    status: str
    due_date: date | None
    start: date
    percent: int
    last_update: date  # the last progress update, else the start
    continuous: bool = False
    is_report: bool = False
    lead_unit_id: int | None = None
    assignee_id: int | None = None
    authority_id: int | None = None
    is_subtask: bool = False  # a sub-task of a break-down: its warnings stay in the unit


@dataclass(frozen=True)
class Finding:
    rule: str
    threshold: int
    reference_date: date


# --- in Python, one item -----------------------------------------------------------------------


@lru_cache(maxsize=4096)
def working_days_between(start: date, end: date) -> int:
    """Working days after `start` up to and including `end`."""
    count, day = 0, start
    while day < end:
        day = date.fromordinal(day.toordinal() + 1)
        count += is_working_day(day)
    return count


def days_left(*, today: date, due: date, working_days: bool) -> int:
    return working_days_between(today, due) if working_days else (due - today).days


def horizon_days(*, today: date, rules: WarningSettings) -> int:
    """Calendar days ahead that any due-soon or report warning can reach, for punctuality."""
    ahead = max([*rules.due_soon_list, rules.report_lead_days, 0])
    if rules.working_days:
        return (add_working_days(today, ahead) - today).days
    return ahead


def due_soon_finding(
    *, due: date, today: date, is_report: bool, rules: WarningSettings
) -> Finding | None:
    """The warning of an item due soon (its punctuality says so), if it has reached one."""
    left = days_left(today=today, due=due, working_days=rules.working_days)
    if is_report:
        if left <= rules.report_lead_days:
            return Finding(WarningRule.REPORT_DUE, rules.report_lead_days, due)
        return None
    reached = [days for days in rules.due_soon_list if left <= days]
    return Finding(WarningRule.DUE_SOON, min(reached), due) if reached else None


def overdue_step(*, late: int, rules: WarningSettings) -> int:
    """The step of an overdue warning `late` days (at least 1) after the due date."""
    return min(1 + (late - 1) // max(rules.overdue_repeat_days, 1), rules.overdue_steps)


def assess(item: Item, *, today: date, rules: WarningSettings) -> list[Finding]:
    """The warnings one task or period deserves today."""
    found: list[Finding] = []
    due = item.due_date
    if item.punctuality == Punctuality.DUE_SOON:
        soon = due_soon_finding(due=due, today=today, is_report=item.is_report, rules=rules)
        found += [soon] if soon else []
    if item.punctuality == Punctuality.OVERDUE and rules.overdue_steps:
        late = days_late(due_date=due, completed_on=None, today=today)
        found.append(Finding(WarningRule.OVERDUE, overdue_step(late=late, rules=rules), due))
    # A report is sent or not (no "half a report"), and a continuous task's percent is not a
    # march towards its period's end: neither can fall behind the calendar.
    measurable = not (item.is_report or item.continuous)
    if measurable and item.punctuality in NOT_LATE and due and item.start < today < due:
        elapsed = 100 * (today - item.start).days / (due - item.start).days
        if (
            elapsed >= rules.at_risk_elapsed_percent
            and item.percent < elapsed - rules.at_risk_gap_points
        ):
            found.append(Finding(WarningRule.AT_RISK, 0, due))
    quiet = (today - item.last_update).days
    if (
        item.status in OPEN_STATUSES
        and (item.status == Status.IN_PROGRESS or item.continuous)
        and item.start <= today
        and quiet >= rules.no_update_days
    ):
        found.append(Finding(WarningRule.NO_UPDATE, rules.no_update_days, item.last_update))
    return found


# --- in the database, every open item at once -------------------------------------------------


class DaysBetween(Func):
    """`DaysBetween(end, start)`: the days from one date to another, an integer."""

    arity = 2
    output_field = IntegerField()
    template = "(%(expressions)s)"
    arg_joiner = " - "

    def as_sqlite(self, compiler, connection, **extra):
        return super().as_sql(
            compiler,
            connection,
            template="CAST(julianday(%(expressions)s) AS INTEGER)",
            arg_joiner=") - julianday(",
            **extra,
        )


def _by_date(field: str, table: dict[date, int]) -> Case:
    return Case(
        *(When(**{field: day}, then=Value(value)) for day, value in table.items()),
        output_field=IntegerField(),
    )


def _overdue_steps(field: str, *, today: date, rules: WarningSettings) -> Case:
    """The step of an overdue warning as a function of the due date in `field`: each step from
    the first day late that reaches it."""
    firsts, late = {}, 1
    while len(firsts) < rules.overdue_steps:
        firsts.setdefault(overdue_step(late=late, rules=rules), late)
        late += 1
    whens = [
        When(**{f"{field}__lte": today - timedelta(days=first)}, then=Value(step))
        for step, first in sorted(firsts.items(), reverse=True)
    ]
    return Case(*whens, output_field=IntegerField())


def new_warnings(
    *,
    today: date,
    rules: WarningSettings,
    stored: QuerySet,
    is_report: Q | None,
    continuous: Q,
) -> dict[str, ExpressionWrapper]:
    """For each rule, a condition on an open task or period that holds when `assess` finds the
    rule's warning today and it is not stored yet. The rows carry the annotations `start_day`
    and `last_day` (`Item.start`, `Item.last_update`); `stored` is the row's warnings (filtered
    with OuterRef); `is_report` is None for tasks (never reports)."""
    soon = horizon_days(today=today, rules=rules)
    window = [today + timedelta(days=n) for n in range(soon + 1)]

    def table(report: bool) -> dict[date, int]:
        found = {
            d: due_soon_finding(due=d, today=today, is_report=report, rules=rules) for d in window
        }
        return {d: f.threshold for d, f in found.items() if f}

    def due(rule: str, *, when: Q, threshold) -> Q:
        already = stored.filter(rule=rule, reference_date=OuterRef("due_date"), threshold=threshold)
        return when & ~Exists(already)

    due_soon = punctuality_in([Punctuality.DUE_SOON], today=today, due_soon_days=soon)
    not_report = ~is_report if is_report is not None else Q()
    reaches = table(report=False)
    conditions = {
        WarningRule.DUE_SOON: due(
            WarningRule.DUE_SOON,
            when=due_soon & not_report & Q(due_date__in=list(reaches)),
            threshold=_by_date("reference_date", reaches),
        )
    }
    if is_report is not None:
        owed = list(table(report=True))
        conditions[WarningRule.REPORT_DUE] = due(
            WarningRule.REPORT_DUE,
            when=due_soon & is_report & Q(due_date__in=owed),
            threshold=rules.report_lead_days,
        )
    if rules.overdue_steps:
        conditions[WarningRule.OVERDUE] = due(
            WarningRule.OVERDUE,
            when=punctuality_in([Punctuality.OVERDUE], today=today, due_soon_days=soon),
            threshold=_overdue_steps("reference_date", today=today, rules=rules),
        )
    # elapsed = 100·a/b ≥ E and percent < elapsed − G, multiplied out by b > 0 (exact integers).
    a = DaysBetween(Value(today), F("start_day"))
    b = DaysBetween(F("due_date"), F("start_day"))
    conditions[WarningRule.AT_RISK] = due(
        WarningRule.AT_RISK,
        when=not_report
        & ~continuous
        & punctuality_in(NOT_LATE, today=today, due_soon_days=soon)
        & Q(due_date__isnull=False, start_day__lt=today, due_date__gt=today)
        & GreaterThanOrEqual(a * 100, b * rules.at_risk_elapsed_percent)
        & LessThan((F("percent") + rules.at_risk_gap_points) * b, a * 100),
        threshold=0,
    )
    silent = stored.filter(
        rule=WarningRule.NO_UPDATE,
        threshold=rules.no_update_days,
        reference_date=OuterRef("last_day"),
    )
    conditions[WarningRule.NO_UPDATE] = (
        Q(status__in=OPEN_STATUSES)
        & (Q(status=Status.IN_PROGRESS) | continuous)
        & Q(start_day__lte=today)
        & Q(last_day__lte=today - timedelta(days=rules.no_update_days))
        & ~Exists(silent)
    )
    return {
        f"new_{rule}": ExpressionWrapper(condition, output_field=BooleanField())
        for rule, condition in conditions.items()
    }
