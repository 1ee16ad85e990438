"""The queries behind the dashboards: a fixed number of aggregate queries, whatever the rows.

Every figure is counted by `tasks.figures` (so a dashboard and a report never disagree); this
module only chooses what to group by, and shapes the answers for pages and charts. Charts are
drawn on the server as SVG from the geometry computed here: they need no JavaScript, print
well, and read the same on a phone.
"""

from __future__ import annotations

import calendar
import logging
from dataclasses import dataclass, fields
from datetime import date

from django.conf import settings
from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import TruncMonth
from django.utils.translation import gettext_lazy as _

from plans.models import Phase, Plan, Unit
from tasks.figures import Figures, count_figures_by
from tasks.models import ProgressUpdate, Task
from tasks.punctuality import (
    DONE_GROUP,
    OPEN_STATUSES,
    Punctuality,
    days_late,
    punctuality_in,
)

log = logging.getLogger(__name__)

# A task due within DUE_SOON_DAYS whose progress is still below this is "at risk".
AT_RISK_PERCENT = 50
WARNINGS_SHOWN = 50
CHART_UNITS = 12
# The phase table is listed for the plan chosen, or for all when there are no more than this.
PHASES_LISTED = 30
CHART_MONTHS = 12


class Period:
    """Quick periods for the filters: tasks whose due date falls in them."""

    CHOICES = [
        ("thang", _("Tháng này")),
        ("quy", _("Quý này")),
        ("nam", _("Năm nay")),
        ("nam_truoc", _("Năm trước")),
    ]

    @staticmethod
    def bounds(key: str, today: date) -> tuple[date, date] | None:
        if key == "thang":
            last = calendar.monthrange(today.year, today.month)[1]
            return today.replace(day=1), today.replace(day=last)
        if key == "quy":
            first_month = 3 * ((today.month - 1) // 3) + 1
            last_day = calendar.monthrange(today.year, first_month + 2)[1]
            return date(today.year, first_month, 1), date(today.year, first_month + 2, last_day)
        if key == "nam":
            return date(today.year, 1, 1), date(today.year, 12, 31)
        if key == "nam_truoc":
            return date(today.year - 1, 1, 1), date(today.year - 1, 12, 31)
        return None


def apply_filters(
    tasks: QuerySet,
    *,
    today: date,
    plan: Plan | None = None,
    phase: Phase | None = None,
    unit: Unit | None = None,
    period: str = "",
    punctuality: str = "",
) -> QuerySet:
    if plan is not None:
        tasks = tasks.filter(plan=plan)
    if phase is not None:
        tasks = tasks.filter(phase=phase)
    if unit is not None:
        tasks = tasks.filter(lead_unit_id__in=Unit.objects.descendant_ids({unit.pk}))
    bounds = Period.bounds(period, today)
    if bounds:
        tasks = tasks.filter(due_date__range=bounds)
    if punctuality:
        tasks = tasks.with_punctuality(today).filter(punctuality=punctuality)
    return tasks


def add_figures(items) -> Figures:
    """The figures of several groups together (e.g. all units → the headline)."""
    items = list(items)
    return Figures(**{f.name: sum(getattr(i, f.name) for i in items) for f in fields(Figures)})


@dataclass(frozen=True)
class Row:
    """One line of a per-unit, per-plan or per-phase table."""

    key: int | None
    label: str
    figures: Figures
    complete: int | None = None  # tasks clear on all six "rõ" (per plan only)
    title: str = ""

    @property
    def done_share(self) -> int:
        return round(100 * self.figures.done / self.figures.total) if self.figures.total else 0

    @property
    def complete_share(self) -> int | None:
        if self.complete is None or not self.figures.total:
            return None
        return round(100 * self.complete / self.figures.total)


UNIT_SORTS = {
    "ten": (lambda r: r.label.casefold(), False),
    "tong": (lambda r: r.figures.total, True),
    "qua_han": (lambda r: r.figures.overdue, True),
    "tre_han": (lambda r: r.figures.done_late, True),
    "ty_le": (lambda r: (r.figures.on_time_rate is None, r.figures.on_time_rate or 0), False),
}


def unit_rows(tasks: QuerySet, *, today: date, sort: str = "qua_han") -> list[Row]:
    """Figures per lead unit (two queries: the grouped counts and the units' names)."""
    return rows_of_units(count_figures_by(tasks, "lead_unit_id", today=today), sort=sort)


def rows_of_units(by_unit: dict, *, sort: str = "qua_han") -> list[Row]:
    """The unit table's rows from {lead unit id: Figures}, sorted by `sort` (one query)."""
    # Only what a row shows (all 500 units are read at 100,000 tasks, for the sorts).
    names = Unit.objects.only("name", "short_name").in_bulk([pk for pk in by_unit if pk])
    rows = [
        Row(
            key=pk,
            label=names[pk].display_name if pk in names else str(_("Chưa rõ đơn vị chủ trì")),
            title=names[pk].name if pk in names else "",
            figures=figures,
        )
        for pk, figures in by_unit.items()
    ]
    key, reverse = UNIT_SORTS.get(sort, UNIT_SORTS["qua_han"])
    # Ties read alphabetically, then (two units of the same name) always in the same order.
    rows.sort(key=lambda r: (r.label.casefold(), r.key is None, r.key or 0))
    rows.sort(key=key, reverse=reverse)
    return rows


def plan_rows(tasks: QuerySet, *, today: date) -> tuple[list[Row], tuple[int, int]]:
    """Figures and 6-rõ completeness per plan, and the completeness of all (total, complete)."""
    by_plan = count_figures_by(tasks, "plan_id", today=today)
    return rows_of_plans(by_plan, tasks.completeness_by_plan())


def rows_of_plans(by_plan: dict, completeness: dict) -> tuple[list[Row], tuple[int, int]]:
    """The plan table's rows from {plan id: Figures} and {plan id: (total, complete)}."""
    plans = Plan.objects.only("short_name", "kind", "number", "title").in_bulk(list(by_plan))
    rows = sorted(
        (
            Row(
                key=pk,
                label=plans[pk].display_name,
                title=plans[pk].title,
                figures=figures,
                complete=completeness.get(pk, (0, 0))[1],
            )
            for pk, figures in by_plan.items()
        ),
        key=lambda r: (-r.figures.total, r.label),
    )
    total = sum(t for t, _c in completeness.values())
    complete = sum(c for _t, c in completeness.values())
    return rows, (total, complete)


def phases_listed(by_phase: dict, *, plan: Plan | None) -> bool:
    """Whether the dashboard lists the phases of {phase id: Figures} (it reads their rows only
    then: at 100,000 tasks, ~10 ms for 225 phases nobody sees). A phase deleted today still
    counts here until its tasks' unit is recounted (see `rows_of_phases`)."""
    return bool(by_phase) and (plan is not None or len(by_phase) <= PHASES_LISTED)


def phase_rows(tasks: QuerySet, *, today: date) -> list[Row]:
    by_phase = count_figures_by(tasks.filter(phase__isnull=False), "phase_id", today=today)
    return rows_of_phases(by_phase)


def rows_of_phases(by_phase: dict) -> list[Row]:
    """The phase table's rows from {phase id: Figures}, plan by plan in the phases' order.

    A phase no longer there is left out: deleting it took its tasks out of it (an UPDATE that
    does not touch `updated_at`), so a recount would not show it either."""
    phases = Phase.objects.select_related("plan").in_bulk(list(by_phase))
    return [
        Row(key=pk, label=f"{phases[pk].plan.display_name} · {phases[pk]}", figures=figures)
        for pk, figures in sorted(
            ((pk, figures) for pk, figures in by_phase.items() if pk in phases),
            key=lambda item: (phases[item[0]].plan_id, phases[item[0]].order),
        )
    ]


def with_last_update(tasks: QuerySet) -> QuerySet:
    """Annotate what the last progress update said (`last_note`), without a query per row."""
    latest = ProgressUpdate.objects.filter(task=OuterRef("pk")).order_by("-created_at", "-pk")
    return tasks.annotate(last_note=Subquery(latest.values("achieved")[:1]))


def flagged(tasks: QuerySet, *, today: date) -> QuerySet:
    """The tasks the warnings list holds: overdue, or due soon with progress below
    AT_RISK_PERCENT. (The dashboard counts them from the units' shares: tasks.unit_shares.)"""
    # On the columns rather than the annotation, and said to be open (as both are), so that the
    # index of open tasks' due dates serves it.
    return (
        tasks.filter(status__in=OPEN_STATUSES)
        .filter(
            punctuality_in([Punctuality.OVERDUE], today=today)
            | (punctuality_in([Punctuality.DUE_SOON], today=today) & Q(percent__lt=AT_RISK_PERCENT))
        )
        .with_punctuality(today)
    )


def warnings(tasks: QuerySet, *, today: date, limit: int = WARNINGS_SHOWN) -> list:
    """The first `limit` flagged tasks, the most late first, each with `days_late` and
    `at_risk`."""
    shown = list(
        with_last_update(flagged(tasks, today=today))
        .select_related("lead_unit", "assignee", "plan")
        .order_by("due_date", "pk")[:limit]
    )
    for task in shown:
        task.days_late = days_late(due_date=task.due_date, completed_on=None, today=today)
        task.at_risk = task.punctuality == Punctuality.DUE_SOON
    return shown


def _month_starts(today: date, count: int) -> list[date]:
    months, year, month = [], today.year, today.month
    for _i in range(count):
        months.append(date(year, month, 1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return months[::-1]


@dataclass(frozen=True)
class MonthBar:
    month: date
    completed: int
    late: int
    completed_height: float
    late_height: float


def month_window(today: date, months: int = CHART_MONTHS) -> tuple[date, date]:
    """The first and last day the monthly chart covers: whole months up to today's."""
    last = date(today.year, today.month, calendar.monthrange(today.year, today.month)[1])
    return _month_starts(today, months)[0], last


def monthly(tasks: QuerySet, *, today: date, months: int = CHART_MONTHS) -> list[MonthBar]:
    """Per month: tasks completed in it, and tasks due in it that ran late (overdue, done late)."""
    window = month_window(today, months)
    completed = count_figures_by(
        tasks.filter(completed_on__range=window).annotate(month=TruncMonth("completed_on")),
        "month",
        today=today,
    )
    due = count_figures_by(
        tasks.filter(due_date__range=window).annotate(month=TruncMonth("due_date")),
        "month",
        today=today,
    )
    return month_bars(
        today=today,
        months=months,
        completed={month: f.done for month, f in completed.items()},
        late={month: f.overdue + f.done_late for month, f in due.items()},
    )


def month_bars(
    *, today: date, completed: dict, late: dict, months: int = CHART_MONTHS
) -> list[MonthBar]:
    """The chart's bars from {month: tasks completed in it} and {month: tasks due in it that ran
    late}."""
    values = [(m, completed.get(m, 0), late.get(m, 0)) for m in _month_starts(today, months)]
    top = max([1, *(max(c, n) for _m, c, n in values)])
    return [
        MonthBar(m, c, n, round(100 * c / top, 1), round(100 * n / top, 1)) for m, c, n in values
    ]


@dataclass(frozen=True)
class RateBar:
    row: Row
    rate: float
    meets_target: bool


def lowest_rates(rows: list[Row], *, count: int = CHART_UNITS) -> list[RateBar]:
    """The units furthest below the on-time target, for the chart (rows with a rate only)."""
    target = settings.ON_TIME_TARGET_PERCENT
    rated = [r for r in rows if r.figures.on_time_rate is not None]
    rated.sort(key=lambda r: (r.figures.on_time_rate, -r.figures.total))
    return [
        RateBar(row=r, rate=r.figures.on_time_rate, meets_target=r.figures.on_time_rate >= target)
        for r in rated[:count]
    ]


@dataclass(frozen=True)
class Group:
    key: str
    label: str
    punctualities: tuple[Punctuality, ...]


P = Punctuality
URGENCY_GROUPS = (
    Group("qua_han", _("Quá hạn"), (P.OVERDUE,)),
    Group("sap_den_han", _("Sắp đến hạn"), (P.DUE_SOON,)),
    Group("dang_thuc_hien", _("Đang thực hiện"), (P.ON_TRACK,)),
    Group("chua_thuc_hien", _("Chưa thực hiện"), (P.NOT_STARTED,)),
    Group("hoan_thanh", _("Đã hoàn thành"), DONE_GROUP),
    Group("khac", _("Tạm dừng, đã hủy"), (P.PAUSED, P.CANCELLED)),
)


def group_counts(figures: Figures) -> list[tuple[Group, int]]:
    return [(g, sum(getattr(figures, p.value) for p in g.punctualities)) for g in URGENCY_GROUPS]


def pick_group(key: str | None, counts: list[tuple[Group, int]]) -> Group:
    """The group asked for, else the most urgent one that has tasks."""
    for group, _n in counts:
        if group.key == key:
            return group
    return next((g for g, n in counts if n), URGENCY_GROUPS[0])


def coordinated_count(unit_ids: set[int]) -> int:
    """How many measured tasks led by other units these units coordinate on (the unit page's
    "Phối hợp" tab), counted from the coordinating rows: those of the units are found through
    their unit's index (a few thousand for the busiest unit at 100,000 tasks), and each row's
    task is looked up by its key. Written as a filtered aggregate on purpose: as a join (or a
    plain EXISTS) PostgreSQL estimates the key look-ups dearer than reading every task and scans
    the whole table (~60–90 ms at 100,000 tasks instead of ~10 ms)."""
    if not unit_ids:
        return 0
    led_elsewhere = (
        Task.objects.tracked().filter(pk=OuterRef("task_id")).exclude(lead_unit_id__in=unit_ids)
    )
    rows = Task.coordinating_units.through.objects.filter(unit_id__in=unit_ids)
    counted = rows.aggregate(n=Count("task_id", distinct=True, filter=Q(Exists(led_elsewhere))))
    return counted["n"]


def task_base(user) -> QuerySet:
    """The measured tasks `user` may see: what every dashboard starts from."""
    return Task.objects.visible_to(user).tracked()
