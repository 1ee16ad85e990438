"""The report's content, built once as plain data: the only module of reporting that queries.

`build_report_data()` gathers everything a periodic report says — headline figures, the table per
unit, the tasks due in the period with their products or the reasons they are late, difficulties
and proposals, targets against the figures reported — into a `ReportData` that the PDF and Excel
renderers read, and that an issued report keeps as its JSON snapshot.

"Due in the period": a task whose due date falls in it; for a recurring or continuous task, each
of its periods (kỳ) whose due date falls in it. Figures are counted through tasks.figures, so a
report shows the same numbers as the dashboard for the same tasks on the same day. The number of
queries does not depend on the number of tasks or units.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field, fields
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from plans.deadlines import PERIODIC
from plans.models import Comparator, Plan, Target, TargetResult, Unit
from reporting.periods import Period, PeriodKind, PhaseBounds, parse_period, previous_period
from tasks.figures import Figures, count_figures, count_figures_by
from tasks.models import Occurrence, ProgressUpdate, Task
from tasks.punctuality import Punctuality, Status, days_late

P = Punctuality
LATE = (P.OVERDUE, P.DONE_LATE)
CHART_MAX_UNITS = 20


class ScopeKind:
    ORGANISATION = "organisation"
    UNIT = "unit"
    PLAN = "plan"
    LEADER = "leader"

    choices = [
        (ORGANISATION, _("Toàn cơ quan")),
        (UNIT, _("Một đơn vị (kể cả đơn vị trực thuộc)")),
        (PLAN, _("Một kế hoạch")),
        (LEADER, _("Các đơn vị do một lãnh đạo phụ trách")),
    ]


@dataclass(frozen=True)
class Scope:
    kind: str = ScopeKind.ORGANISATION
    unit_id: int | None = None
    plan_id: int | None = None
    leader_id: int | None = None
    label: str = ""  # what follows the title: "của Phòng Chuyển đổi số"

    @property
    def key(self) -> str:
        ident = self.unit_id or self.plan_id or self.leader_id
        return self.kind if ident is None else f"{self.kind}:{ident}"


def scope_for(*, unit: Unit | None = None, plan: Plan | None = None, leader=None) -> Scope:
    if unit is not None:
        return Scope(ScopeKind.UNIT, unit_id=unit.pk, label=f"của {unit.name}")
    if plan is not None:
        return Scope(ScopeKind.PLAN, plan_id=plan.pk, label=f"theo {plan.label}")
    if leader is not None:
        who = f"{leader.title} {leader}".strip()
        return Scope(ScopeKind.LEADER, leader_id=leader.pk, label=f"các đơn vị do {who} phụ trách")
    return Scope()


def plan_phases(plan: Plan | None) -> list[PhaseBounds]:
    if plan is None:
        return []
    return [
        PhaseBounds(order=p.order, name=p.name, start=p.start, end=p.end)
        for p in plan.phases.exclude(end=None)
    ]


# --- the data -------------------------------------------------------------------------------


@dataclass
class UnitRow:
    unit_id: int | None
    name: str
    figures: Figures


@dataclass
class TaskRow:
    """A task, or one period (kỳ) of a recurring task, due in the report's period."""

    task_id: int
    occurrence_id: int | None
    plan: str
    order_label: str
    content: str
    unit: str
    assignee: str
    product: str
    deadline_text: str
    period_label: str  # the kỳ of a recurring task
    due_date: date | None
    status: str
    punctuality: str
    percent: int
    completed_on: date | None
    days_late: int
    reason: str = ""
    explanation: str = ""
    achieved: str = ""
    product_link: str = ""

    @property
    def is_late(self) -> bool:
        return self.punctuality in LATE

    @property
    def is_done(self) -> bool:
        return self.status == Status.DONE

    @property
    def punctuality_label(self) -> str:
        return str(P(self.punctuality).label)

    @property
    def status_label(self) -> str:
        return str(Status(self.status).label)


@dataclass
class Remark:
    """A difficulty or proposal written in the updates, with the units that wrote it."""

    text: str
    units: list[str]


@dataclass
class TargetRow:
    plan: str
    name: str
    comparator: str
    target_value: float
    unit_of_measure: str
    unit: str
    actual: float | None
    period_end: date | None
    met: bool | None

    @property
    def target_label(self) -> str:
        value = f"{self.target_value:g}{self.unit_of_measure}"
        return {
            Comparator.AT_LEAST: f"≥ {value}",
            Comparator.AT_MOST: f"≤ {value}",
            Comparator.EQUAL: f"= {value}",
            Comparator.REDUCE_BY: f"giảm ≥ {value}",
            Comparator.INCREASE_BY: f"tăng ≥ {value}",
        }.get(self.comparator, value)


@dataclass
class ChartBar:
    label: str
    rate: float | None


@dataclass
class ReportData:
    period: Period
    previous: Period | None
    scope: Scope
    as_of: date
    figures: Figures
    previous_figures: Figures | None
    on_time_target: float
    units: list[UnitRow] = field(default_factory=list)
    tasks: list[TaskRow] = field(default_factory=list)
    difficulties: list[Remark] = field(default_factory=list)
    proposals: list[Remark] = field(default_factory=list)
    targets: list[TargetRow] = field(default_factory=list)
    chart: list[ChartBar] = field(default_factory=list)
    chart_note: str = ""

    @property
    def title(self) -> str:
        return " ".join(
            part
            for part in ("Kết quả thực hiện nhiệm vụ", self.period.label, self.scope.label)
            if part
        )

    @property
    def late_tasks(self) -> list[TaskRow]:
        return [row for row in self.tasks if row.is_late]

    @property
    def completed_tasks(self) -> list[TaskRow]:
        return [row for row in self.tasks if row.is_done]

    @property
    def rate_change(self) -> float | None:
        """Points gained (or lost) on the on-time rate against the previous period."""
        now = self.figures.on_time_rate
        before = self.previous_figures.on_time_rate if self.previous_figures else None
        if now is None or before is None:
            return None
        return round(now - before, 1)

    @property
    def late_change(self) -> int | None:
        if self.previous_figures is None:
            return None
        late = self.figures.overdue + self.figures.done_late
        return late - (self.previous_figures.overdue + self.previous_figures.done_late)

    # -- snapshot: a plain JSON document, read back as the same data --------------------------

    def to_json(self) -> dict:
        return {
            "period": _period_json(self.period),
            "previous": _period_json(self.previous) if self.previous else None,
            "scope": asdict(self.scope),
            "as_of": self.as_of.isoformat(),
            "figures": asdict(self.figures),
            "previous_figures": asdict(self.previous_figures) if self.previous_figures else None,
            "on_time_target": self.on_time_target,
            "units": [
                {"unit_id": u.unit_id, "name": u.name, "figures": asdict(u.figures)}
                for u in self.units
            ],
            # Rows as lists in field order: a third of the size of dictionaries.
            "task_fields": [f.name for f in fields(TaskRow)],
            "tasks": [_row_json(row) for row in self.tasks],
            "difficulties": [asdict(r) for r in self.difficulties],
            "proposals": [asdict(r) for r in self.proposals],
            "targets": [{**asdict(t), "period_end": _iso(t.period_end)} for t in self.targets],
            "chart": [asdict(bar) for bar in self.chart],
            "chart_note": self.chart_note,
        }

    @classmethod
    def from_json(cls, data: dict) -> ReportData:
        names = data["task_fields"]
        return cls(
            period=Period(**{**data["period"], **_dates(data["period"], "start", "end")}),
            previous=(
                Period(**{**data["previous"], **_dates(data["previous"], "start", "end")})
                if data["previous"]
                else None
            ),
            scope=Scope(**data["scope"]),
            as_of=date.fromisoformat(data["as_of"]),
            figures=Figures(**data["figures"]),
            previous_figures=(
                Figures(**data["previous_figures"]) if data["previous_figures"] else None
            ),
            on_time_target=data["on_time_target"],
            units=[
                UnitRow(u["unit_id"], u["name"], Figures(**u["figures"])) for u in data["units"]
            ],
            tasks=[
                TaskRow(
                    **{
                        **(row := dict(zip(names, values, strict=True))),
                        **_dates(row, "due_date", "completed_on"),
                    }
                )
                for values in data["tasks"]
            ],
            difficulties=[Remark(**r) for r in data["difficulties"]],
            proposals=[Remark(**r) for r in data["proposals"]],
            targets=[TargetRow(**{**t, **_dates(t, "period_end")}) for t in data["targets"]],
            chart=[ChartBar(**bar) for bar in data["chart"]],
            chart_note=data["chart_note"],
        )


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


def _dates(data: dict, *names: str) -> dict:
    return {name: date.fromisoformat(data[name]) if data[name] else None for name in names}


def _period_json(period: Period) -> dict:
    return {**asdict(period), "start": _iso(period.start), "end": _iso(period.end)}


def _row_json(row: TaskRow) -> list:
    values = []
    for f in fields(TaskRow):
        value = getattr(row, f.name)
        values.append(value.isoformat() if isinstance(value, date) else value)
    return values


# --- building it ----------------------------------------------------------------------------


def _scope_unit_ids(scope: Scope) -> list[int] | None:
    """The lead units a unit or leader scope covers, with everything below them (None: any)."""
    if scope.kind == ScopeKind.UNIT:
        roots = {scope.unit_id}
    elif scope.kind == ScopeKind.LEADER:
        roots = set(
            User.units_in_charge.through.objects.filter(user_id=scope.leader_id).values_list(
                "unit_id", flat=True
            )
        )
    else:
        return None
    return sorted(Unit.objects.descendant_ids(roots))


def _scope_q(scope: Scope, unit_ids: list[int] | None, prefix: str = "") -> Q:
    """Which tasks a scope covers (`prefix` "task__" for occurrences and updates)."""
    if scope.kind == ScopeKind.PLAN:
        return Q(**{f"{prefix}plan_id": scope.plan_id})
    if unit_ids is not None:
        return Q(**{f"{prefix}lead_unit_id__in": unit_ids})
    return Q()


def _items(scope: Scope, unit_ids: list[int] | None, period: Period) -> tuple[QuerySet, QuerySet]:
    """(tasks, occurrences) due in the period within the scope."""
    tasks = (
        Task.objects.tracked()
        .filter(_scope_q(scope, unit_ids), due_date__range=(period.start, period.end))
        .exclude(deadline_kind__in=PERIODIC)
    )
    occurrences = Occurrence.objects.filter(
        _scope_q(scope, unit_ids, "task__"),
        task__fans_out=False,
        task__deadline_kind__in=PERIODIC,
        due_date__range=(period.start, period.end),
    )
    return tasks, occurrences


def add_figures(*parts: Figures) -> Figures:
    names = [f.name for f in fields(Figures)]
    return Figures(**{name: sum(getattr(p, name) for p in parts) for name in names})


def build_report_data(
    *, period: Period, scope: Scope, today: date, previous: Period | None = None
) -> ReportData:
    """Everything the report says, as of `today` (the local date the data are read on)."""
    unit_ids = _scope_unit_ids(scope)
    tasks, occurrences = _items(scope, unit_ids, period)
    figures = add_figures(
        count_figures(tasks, today=today), count_figures(occurrences, today=today)
    )
    previous_figures = None
    if previous is not None:
        before_tasks, before_occurrences = _items(scope, unit_ids, previous)
        previous_figures = add_figures(
            count_figures(before_tasks, today=today),
            count_figures(before_occurrences, today=today),
        )
    data = ReportData(
        period=period,
        previous=previous,
        scope=scope,
        as_of=today,
        figures=figures,
        previous_figures=previous_figures,
        on_time_target=float(settings.ON_TIME_TARGET_PERCENT),
    )
    data.units = _unit_rows(tasks, occurrences, today=today)
    data.chart, data.chart_note = _chart(data.units)
    data.tasks = _task_rows(tasks, occurrences, today=today)
    _attach_evidence(data.tasks, tasks, occurrences)
    data.difficulties, data.proposals = _remarks(_scope_q(scope, unit_ids, "task__"), period)
    data.targets = _target_rows(scope, unit_ids, period)
    return data


def _unit_rows(tasks: QuerySet, occurrences: QuerySet, *, today: date) -> list[UnitRow]:
    by_unit = count_figures_by(tasks, "lead_unit_id", today=today)
    for unit_id, figures in count_figures_by(
        occurrences, "task__lead_unit_id", today=today
    ).items():
        by_unit[unit_id] = add_figures(by_unit.get(unit_id, Figures()), figures)
    units = list(
        Unit.objects.filter(pk__in=[pk for pk in by_unit if pk is not None])
        .select_related("parent")
        .order_by("parent_id", "order", "name")
    )
    # A city has a "Phòng Văn hóa - Xã hội" in every commune: name the parent when needed.
    repeated = Counter(unit.name for unit in units)
    rows = [
        UnitRow(
            unit.pk,
            f"{unit.name} ({unit.parent.name})"
            if repeated[unit.name] > 1 and unit.parent
            else unit.name,
            by_unit[unit.pk],
        )
        for unit in units
    ]
    if None in by_unit:
        rows.append(UnitRow(None, "Chưa xác định đơn vị chủ trì", by_unit[None]))
    return rows


def _chart(units: list[UnitRow]) -> tuple[list[ChartBar], str]:
    """On-time rate by unit; with many units, those furthest behind (a chart of 500 bars
    helps no one)."""
    judged = [u for u in units if u.figures.on_time_rate is not None]
    if len(judged) <= CHART_MAX_UNITS:
        return [ChartBar(u.name, u.figures.on_time_rate) for u in judged], ""
    lowest = sorted(judged, key=lambda u: (u.figures.on_time_rate, -u.figures.total))
    bars = [ChartBar(u.name, u.figures.on_time_rate) for u in lowest[:CHART_MAX_UNITS]]
    return bars, f"{CHART_MAX_UNITS} đơn vị có tỷ lệ thấp nhất trong {len(judged)} đơn vị"


def _task_rows(tasks: QuerySet, occurrences: QuerySet, *, today: date) -> list[TaskRow]:
    rows: list[TaskRow] = []
    task_fields = (
        "pk", "plan__number", "plan__short_name", "plan__kind", "order_label", "content",
        "lead_unit__name", "assignee__full_name", "assignee__username", "product",
        "deadline_text", "due_date", "status", "punctuality", "percent", "completed_on",
    )  # fmt: skip
    for values in (
        tasks.with_punctuality(today)
        .order_by("lead_unit__order", "lead_unit_id", "due_date", "plan_id", "position", "pk")
        .values_list(*task_fields)
        .iterator(chunk_size=5000)
    ):
        pk, number, short, _kind, label, content, unit, name, username, product, *rest = values
        text, due, status, punctuality, percent, completed_on = rest
        rows.append(
            TaskRow(
                task_id=pk,
                occurrence_id=None,
                plan=short or number,
                order_label=label,
                content=content,
                unit=unit or "",
                assignee=name or username or "",
                product=product,
                deadline_text=text,
                period_label="",
                due_date=due,
                status=status,
                punctuality=punctuality,
                percent=percent,
                completed_on=completed_on,
                days_late=days_late(due_date=due, completed_on=completed_on, today=today),
            )
        )
    occurrence_fields = (
        "pk", "task_id", "task__plan__number", "task__plan__short_name", "task__order_label",
        "task__content", "task__lead_unit__name", "task__assignee__full_name",
        "task__assignee__username", "task__product", "task__deadline_text", "label",
        "due_date", "status", "punctuality", "percent", "completed_on",
    )  # fmt: skip
    for values in (
        occurrences.with_punctuality(today)
        .order_by("task__lead_unit__order", "task__lead_unit_id", "due_date", "task_id")
        .values_list(*occurrence_fields)
        .iterator(chunk_size=5000)
    ):
        pk, task_id, number, short, label, content, unit, name, username, product, *rest = values
        text, period_label, due, status, punctuality, percent, completed_on = rest
        rows.append(
            TaskRow(
                task_id=task_id,
                occurrence_id=pk,
                plan=short or number,
                order_label=label,
                content=content,
                unit=unit or "",
                assignee=name or username or "",
                product=product,
                deadline_text=text,
                period_label=period_label,
                due_date=due,
                status=status,
                punctuality=punctuality,
                percent=percent,
                completed_on=completed_on,
                days_late=days_late(due_date=due, completed_on=completed_on, today=today),
            )
        )
    return rows


def _attach_evidence(rows: list[TaskRow], tasks: QuerySet, occurrences: QuerySet) -> None:
    """Each row's latest reason and explanation for being late, and its latest product, from
    the progress updates (one pass over the updates that carry them, oldest first)."""
    updates = (
        ProgressUpdate.objects.filter(
            Q(task__in=tasks.values("pk"), occurrence__isnull=True)
            | Q(occurrence__in=occurrences.values("pk"))
        )
        .exclude(delay_reason="", product_link="", product_file="", achieved="")
        .order_by("created_at", "pk")
        .values_list(
            "task_id",
            "occurrence_id",
            "delay_reason",
            "delay_explanation",
            "achieved",
            "product_link",
            "product_file",
        )  # fmt: skip
    )
    latest: dict[tuple[int, int | None], list[str]] = {}
    for task_id, occurrence_id, reason, explanation, achieved, link, file in updates.iterator(
        chunk_size=5000
    ):
        found = latest.setdefault((task_id, occurrence_id), ["", "", "", ""])
        if reason:
            found[0], found[1] = reason, explanation
        if achieved:
            found[2] = achieved
        if link or file:
            found[3] = link or settings.MEDIA_URL + file
    for row in rows:
        found = latest.get((row.task_id, row.occurrence_id))
        if found:
            row.reason, row.explanation, row.achieved, row.product_link = found


def _day_bounds(period: Period) -> tuple[datetime, datetime]:
    zone = timezone.get_default_timezone()
    start = timezone.make_aware(datetime.combine(period.start, time.min), zone)
    end = timezone.make_aware(datetime.combine(period.end + timedelta(days=1), time.min), zone)
    return start, end


def _remarks(scope_q: Q, period: Period) -> tuple[list[Remark], list[Remark]]:
    """Difficulties and proposals written during the period, each once, with who wrote them."""
    start, end = _day_bounds(period)
    updates = (
        ProgressUpdate.objects.filter(
            scope_q, task__fans_out=False, created_at__gte=start, created_at__lt=end
        )
        .exclude(difficulties="", proposals="")
        .values_list("difficulties", "proposals", "task__lead_unit__name")
        .distinct()
        .order_by("difficulties", "proposals", "task__lead_unit__name")
    )
    difficulties: dict[str, list[str]] = {}
    proposals: dict[str, list[str]] = {}
    for difficulty, proposal, unit in updates:
        for text, found in ((difficulty.strip(), difficulties), (proposal.strip(), proposals)):
            if text:
                units = found.setdefault(text, [])
                if unit and unit not in units:
                    units.append(unit)
    return (
        [Remark(text, units) for text, units in difficulties.items()],
        [Remark(text, units) for text, units in proposals.items()],
    )


def _target_rows(scope: Scope, unit_ids: list[int] | None, period: Period) -> list[TargetRow]:
    """Targets against the latest figure each unit reported for the period."""
    targets = Target.objects.select_related("plan", "responsible_unit").order_by(
        "plan__issued_on", "plan_id", "order"
    )
    results = TargetResult.objects.filter(period_end__range=(period.start, period.end))
    if scope.kind == ScopeKind.PLAN:
        targets = targets.filter(plan_id=scope.plan_id)
    elif unit_ids is not None:
        results = results.filter(unit_id__in=unit_ids)
        targets = targets.filter(
            Q(responsible_unit_id__in=unit_ids) | Q(pk__in=results.values("target_id"))
        )
    latest: dict[int, dict[int | None, TargetResult]] = {}
    for result in (
        results.filter(target__in=targets).select_related("unit").order_by("period_end", "pk")
    ):
        latest.setdefault(result.target_id, {})[result.unit_id] = result
    rows = []
    for target in targets:
        base = {
            "plan": target.plan.display_name,
            "name": target.name,
            "comparator": target.comparator,
            "target_value": float(target.target_value),
            "unit_of_measure": target.unit_of_measure,
        }
        reported = latest.get(target.pk)
        if not reported:
            unit = target.responsible_unit.name if target.responsible_unit else ""
            rows.append(TargetRow(**base, unit=unit, actual=None, period_end=None, met=None))
            continue
        for result in reported.values():
            rows.append(
                TargetRow(
                    **base,
                    unit=result.unit.name if result.unit else "",
                    actual=float(result.value),
                    period_end=result.period_end,
                    met=target.is_met(result.value),
                )
            )
    return rows


def build_for(
    *,
    kind: str,
    code: str,
    today: date,
    cutoff: bool = True,
    unit: Unit | None = None,
    plan: Plan | None = None,
    leader=None,
) -> ReportData:
    """Period and scope from their parts, then `build_report_data` (with the previous period)."""
    phases = plan_phases(plan) if kind == PeriodKind.PHASE else []
    period = parse_period(kind, code, cutoff=cutoff, phases=phases)
    return build_report_data(
        period=period,
        scope=scope_for(unit=unit, plan=plan, leader=leader),
        today=today,
        previous=previous_period(period, phases=phases),
    )
