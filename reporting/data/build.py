"""Building a `ReportData`: the only module of reporting that queries.

Which items a report holds (DOMAIN.md, "What the cut-off means"); an item is a task with one due
date, or one period (kỳ) of a recurring or continuous task:
- DUE: due inside the window (e.g. 15/12/2025–14/06/2026), in the state it was in at the end of
  the cut-off day. Only these are counted for punctuality;
- OVERDUE_BEFORE: due before the window and still not done at the cut-off;
- NOT_YET_DUE: due after the cut-off but inside the named period (a "Quý III" task due 30/09 in
  the Q3 report, whose data stop on 14/09);
- CONTINUOUS: a continuous task's period running at the cut-off, when not already above;
- NEXT: not done at the cut-off and due in the next period.
Periods of a plan due before the plan was issued do not exist. The scope "the department" is the
tasks led by the unit that issues the reports (settings.REPORT_ISSUING_BODY) and its units.

The number of queries does not depend on the number of tasks or units.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, time

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils import timezone

from accounts.models import User
from plans.deadlines import PERIODIC, DeadlineKind
from plans.models import Plan, Target, TargetResult, Unit
from plans.text import fold
from reporting.data.history import STATE_FIELDS, Cutoff, cutoff_for, state_at, with_history
from reporting.data.model import (
    ChangeRow,
    ChartBar,
    Group,
    Remark,
    ReportData,
    Scope,
    ScopeKind,
    TargetRow,
    TaskRow,
    UnitRow,
    scope_for,
)
from reporting.periods import (
    Period,
    PeriodKind,
    PhaseBounds,
    named_bounds,
    next_period,
    parse_period,
    previous_period,
)
from tasks.figures import report_state, tally
from tasks.models import ChangeState, DeadlineChange, Occurrence, ProgressUpdate, Task
from tasks.punctuality import Punctuality, Status, days_late

CHART_MAX_UNITS = 20


def plan_phases(plan: Plan | None) -> list[PhaseBounds]:
    if plan is None:
        return []
    return [
        PhaseBounds(order=p.order, name=p.name, start=p.start, end=p.end)
        for p in plan.phases.exclude(end=None)
    ]


# --- scope ----------------------------------------------------------------------------------


def organisation_unit_ids() -> set[int] | None:
    """The department and everything below it: the units named as the body that issues the
    reports (None when no unit is: every task is then the organisation's)."""
    wanted = fold(settings.REPORT_ISSUING_BODY)
    units = list(Unit.objects.values_list("pk", "parent_id", "name", "short_name", "aliases"))
    roots = {
        pk
        for pk, _parent, name, short, aliases in units
        if wanted in {fold(n) for n in (name, short, *aliases) if n}
    }
    if not roots:
        return None
    children: dict[int | None, list[int]] = {}
    for pk, parent_id, *_rest in units:
        children.setdefault(parent_id, []).append(pk)
    found, stack = set(), list(roots)
    while stack:
        pk = stack.pop()
        if pk not in found:
            found.add(pk)
            stack.extend(children.get(pk, ()))
    return found


def _scope_unit_ids(scope: Scope) -> list[int] | None:
    """The lead units a scope covers, with everything below them (None: any)."""
    if scope.kind == ScopeKind.UNIT:
        roots = {scope.unit_id}
    elif scope.kind == ScopeKind.LEADER:
        roots = set(
            User.units_in_charge.through.objects.filter(user_id=scope.leader_id).values_list(
                "unit_id", flat=True
            )
        )
    elif scope.other_bodies:
        return None
    else:
        found = organisation_unit_ids()
        return None if found is None else sorted(found)
    return sorted(Unit.objects.descendant_ids(roots))


def _scope_q(scope: Scope, unit_ids: list[int] | None, prefix: str = "") -> Q:
    """Which tasks a scope covers (`prefix` "task__" for occurrences and updates)."""
    q = Q()
    if scope.kind == ScopeKind.PLAN:
        q &= Q(**{f"{prefix}plan_id": scope.plan_id})
    if unit_ids is not None:
        led = Q(**{f"{prefix}lead_unit_id__in": unit_ids})
        if scope.kind in (ScopeKind.ORGANISATION, ScopeKind.PLAN):
            # A row whose lead is not yet known, in the department's own plan, is its own.
            led |= Q(
                **{
                    f"{prefix}lead_unit__isnull": True,
                    f"{prefix}plan__issuing_unit_id__in": unit_ids,
                }
            )
        q &= led
    return q


# --- which items, and their state at the cut-off ---------------------------------------------


@dataclass(frozen=True)
class Bounds:
    """The dates that place an item in a group."""

    window_start: date
    window_end: date
    named_end: date
    next_end: date | None

    @property
    def last(self) -> date:
        return self.next_end or self.named_end


def _before_issue() -> Q:
    """Periods due before their plan was issued (or, for a draft, before the month it names)."""
    q = Q(pk__in=[])
    for plan in Plan.objects.only("pk", "issued_on", "issued_as_written"):
        if issued := plan.issue_date:
            q |= Q(task__plan_id=plan.pk, due_date__lt=issued)
    return q


def _items(scope_q: Q, task_scope_q: Q) -> tuple[QuerySet, QuerySet]:
    """(tasks with one due date, periods of recurring and continuous tasks) in the scope; the
    periods of a plan due before it was issued do not exist."""
    tasks = Task.objects.tracked().filter(task_scope_q).exclude(deadline_kind__in=PERIODIC)
    occurrences = Occurrence.objects.filter(
        scope_q, task__fans_out=False, task__deadline_kind__in=PERIODIC
    ).exclude(_before_issue())
    return tasks, occurrences


def _candidates(items: QuerySet, bounds: Bounds, cutoff: Cutoff) -> QuerySet:
    """Items that may be in a group, before their state at the cut-off is known: due up to the
    end of the next period, less what was already done before the window began."""
    annotated = with_history(items, moment=cutoff.moment)
    in_reach = Q(due_then__lte=bounds.last)
    done_before = Q(status=Status.DONE, completed_on__lt=bounds.window_start)
    may_be_open = Q(due_then__gte=bounds.window_start) | ~done_before
    wanted = in_reach & may_be_open
    if annotated.model is Occurrence:
        # A continuous task's period running at the cut-off, whatever its due date.
        wanted |= Q(
            task__deadline_kind=DeadlineKind.CONTINUOUS,
            period_start__lte=cutoff.day,
            period_end__gte=cutoff.day,
        )
    return annotated.filter(wanted)


def _group(*, due: date | None, status: str, continuous_now: bool, bounds: Bounds) -> str | None:
    open_ = status in (Status.NOT_STARTED, Status.IN_PROGRESS)
    if due is not None and bounds.window_start <= due <= bounds.window_end:
        return Group.DUE
    if due is not None and due < bounds.window_start and open_:
        return Group.OVERDUE_BEFORE
    if due is not None and bounds.window_end < due <= bounds.named_end:
        return Group.NOT_YET_DUE
    if continuous_now:
        return Group.CONTINUOUS
    if due is not None and bounds.next_end and bounds.named_end < due <= bounds.next_end and open_:
        return Group.NEXT
    return None


TASK_FIELDS = (
    "pk", "plan__number", "plan__short_name", "order_label", "content", "lead_unit_id",
    "lead_unit__name", "assignee__full_name", "assignee__username", "product", "deadline_text",
    "due_then", "is_key", "is_breakthrough", *STATE_FIELDS,
)  # fmt: skip
OCCURRENCE_FIELDS = (
    "pk", "task_id", "task__plan__number", "task__plan__short_name", "task__order_label",
    "task__content", "task__lead_unit_id", "task__lead_unit__name", "task__assignee__full_name",
    "task__assignee__username", "task__product", "task__deadline_text", "label", "due_then",
    "task__deadline_kind", "period_start", "period_end", "task__is_key", "task__is_breakthrough",
    *STATE_FIELDS,
)  # fmt: skip


def _key_label(key: bool, breakthrough: bool) -> str:
    labels = ((key, "Trọng tâm"), (breakthrough, "Đột phá"))
    return ", ".join(label for flag, label in labels if flag)


def _rows(items: QuerySet, bounds: Bounds, cutoff: Cutoff) -> list[TaskRow]:
    """Every item of the report with its group and its state at the cut-off."""
    is_task = items.model is Task
    names = TASK_FIELDS if is_task else OCCURRENCE_FIELDS
    found: list[TaskRow] = []
    ordering = ("due_then", "pk")
    for values in (
        _candidates(items, bounds, cutoff)
        .order_by(*ordering)
        .values_list(*names)
        .iterator(chunk_size=2000)
    ):
        row = dict(zip(names, values, strict=True))
        status, percent, completed = state_at(row, day=cutoff.day)
        due = row["due_then"]
        continuous_now = (
            not is_task
            and row["task__deadline_kind"] == DeadlineKind.CONTINUOUS
            and row["period_start"] <= cutoff.day <= row["period_end"]
        )
        group = _group(due=due, status=status, continuous_now=continuous_now, bounds=bounds)
        if group is None:
            continue
        prefix = "" if is_task else "task__"
        name = row[f"{prefix}assignee__full_name"] or row[f"{prefix}assignee__username"]
        state = report_state(
            status=status, due_date=due, completed_on=completed, today=cutoff.judge
        )
        found.append(
            TaskRow(
                task_id=row["pk"] if is_task else row["task_id"],
                occurrence_id=None if is_task else row["pk"],
                plan=row[f"{prefix}plan__short_name"] or row[f"{prefix}plan__number"],
                order_label=row[f"{prefix}order_label"],
                content=row[f"{prefix}content"],
                unit=row[f"{prefix}lead_unit__name"] or "",
                assignee=name or "",
                product=row[f"{prefix}product"],
                deadline_text=row[f"{prefix}deadline_text"],
                period_label="" if is_task else row["label"],
                due_date=due,
                status=status,
                punctuality=state,
                percent=percent,
                completed_on=completed,
                days_late=days_late(due_date=due, completed_on=completed, today=cutoff.day)
                if state in (Punctuality.OVERDUE, Punctuality.DONE_LATE)
                else 0,
                group=group,
                unit_id=row[f"{prefix}lead_unit_id"],
                key=_key_label(row[f"{prefix}is_key"], row[f"{prefix}is_breakthrough"]),
            )
        )
    return found


def _bounds(period: Period, following: Period | None) -> Bounds:
    _named_start, named_end = named_bounds(period)
    return Bounds(
        window_start=period.start,
        window_end=period.end,
        named_end=named_end,
        next_end=following.end if following else None,
    )


# --- the report -----------------------------------------------------------------------------


def build_report_data(
    *,
    period: Period,
    scope: Scope,
    today: date,
    previous: Period | None = None,
    following: Period | None = None,
) -> ReportData:
    """Everything the report says, as the data stood at the end of the cut-off day (or today,
    for a period not yet over)."""
    unit_ids = _scope_unit_ids(scope)
    scope_q, task_q = _scope_q(scope, unit_ids, "task__"), _scope_q(scope, unit_ids)
    cutoff = cutoff_for(end=period.end, today=today)
    tasks, occurrences = _items(scope_q, task_q)
    bounds = _bounds(period, following)
    items = _rows(tasks, bounds, cutoff) + _rows(occurrences, bounds, cutoff)
    due = [row for row in items if row.group == Group.DUE]
    previous_figures = None
    if previous is not None:
        before = _bounds(previous, None)
        before_cutoff = cutoff_for(end=previous.end, today=today)
        before_bounds = Bounds(before.window_start, before.window_end, before.window_end, None)
        previous_figures = tally(
            row.punctuality
            for model in (tasks, occurrences)
            for row in _rows(model, before_bounds, before_cutoff)
            if row.group == Group.DUE
        )
    named_start, named_end = named_bounds(period)
    data = ReportData(
        period=period,
        previous=previous,
        scope=scope,
        as_of=cutoff.day,
        figures=tally(row.punctuality for row in due),
        previous_figures=previous_figures,
        on_time_target=float(settings.ON_TIME_TARGET_PERCENT),
        named_start=named_start,
        named_end=named_end,
        next_label=following.label if following else "",
    )
    data.units = _unit_rows(due)
    data.chart, data.chart_note = _chart(data.units)
    data.tasks = _ordered(items)
    data.difficulties, data.proposals = _attach_evidence(
        data.tasks, scope_q=scope_q, period=period, cutoff=cutoff
    )
    data.changes = _changes(scope_q, period=period, cutoff=cutoff)
    data.targets = _target_rows(scope, unit_ids, cutoff)
    return data


GROUP_ORDER = {group: index for index, group in enumerate(Group.values)}


def _ordered(rows: list[TaskRow]) -> list[TaskRow]:
    return sorted(
        rows,
        key=lambda row: (
            GROUP_ORDER[row.group],
            row.unit,
            row.due_date or date.max,
            row.task_id,
            row.occurrence_id or 0,
        ),
    )


def _unit_rows(due: list[TaskRow]) -> list[UnitRow]:
    states: dict[int | None, list[str]] = {}
    for row in due:
        states.setdefault(row.unit_id, []).append(row.punctuality)
    by_unit = {unit_id: tally(found) for unit_id, found in states.items()}
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


def _midnight(day: date) -> datetime:
    """The local moment a day begins."""
    return timezone.make_aware(datetime.combine(day, time.min), timezone.get_default_timezone())


def _attach_evidence(
    rows: list[TaskRow], *, scope_q: Q, period: Period, cutoff: Cutoff
) -> tuple[list[Remark], list[Remark]]:
    """From the updates made by the end of the cut-off day, in one pass, oldest first: each
    row's latest reason and explanation for being late, its latest product, what was achieved
    inside the window; and the difficulties and proposals written inside the window, plus the
    latest ones of the tasks still open at the cut-off, whenever they were written."""
    start = _midnight(period.start)
    updates = (
        ProgressUpdate.objects.filter(scope_q, task__fans_out=False, created_at__lt=cutoff.moment)
        .exclude(
            delay_reason="",
            product_link="",
            product_file="",
            achieved="",
            difficulties="",
            proposals="",
        )
        .order_by("created_at", "pk")
        .values_list(
            "task_id",
            "occurrence_id",
            "created_at",
            "delay_reason",
            "delay_explanation",
            "achieved",
            "product_link",
            "product_file",
            "difficulties",
            "proposals",
            "task__lead_unit__name",
        )  # fmt: skip
    )
    by_key = {(row.task_id, row.occurrence_id): row for row in rows}
    open_keys = {key for key, row in by_key.items() if row.is_open}
    difficulties: dict[str, list[str]] = {}
    proposals: dict[str, list[str]] = {}
    latest_remarks: dict[tuple, tuple[str, str, str]] = {}
    for values in updates.iterator(chunk_size=5000):
        task_id, occurrence_id, at, reason, explanation, achieved, link, file, *rest = values
        difficulty, proposal, unit = rest
        key = (task_id, occurrence_id)
        row = by_key.get(key)
        inside = at >= start
        if row is not None:
            if reason:
                row.reason, row.explanation = reason, explanation
            if achieved and inside:
                row.achieved = achieved
            if link or file:
                row.product_link = link or settings.MEDIA_URL + file
        if difficulty or proposal:
            if inside:
                _remember(difficulties, difficulty, unit)
                _remember(proposals, proposal, unit)
            latest_remarks[key] = (difficulty, proposal, unit)
    for key in open_keys:
        if key in latest_remarks:
            difficulty, proposal, unit = latest_remarks[key]
            _remember(difficulties, difficulty, unit)
            _remember(proposals, proposal, unit)
    return (
        [Remark(text, units) for text, units in sorted(difficulties.items())],
        [Remark(text, units) for text, units in sorted(proposals.items())],
    )


def _remember(found: dict[str, list[str]], text: str, unit: str | None) -> None:
    text = text.strip()
    if text:
        units = found.setdefault(text, [])
        if unit and unit not in units:
            units.append(unit)


def _changes(scope_q: Q, *, period: Period, cutoff: Cutoff) -> list[ChangeRow]:
    """Deadline changes granted inside the window: old → new, who approved."""
    start = _midnight(period.start)
    changes = (
        DeadlineChange.objects.filter(
            scope_q,
            task__fans_out=False,
            task__is_breakdown=False,  # a unit's own sub-tasks: not the department's figures
            state=ChangeState.APPROVED,
            decided_at__gte=start,
            decided_at__lt=cutoff.moment,
        )
        .select_related("task__lead_unit", "decided_by")
        .order_by("decided_at", "pk")
    )
    return [
        ChangeRow(
            task_id=change.task_id,
            content=change.task.content,
            unit=change.task.lead_unit.name if change.task.lead_unit else "",
            old_due_date=change.old_due_date,
            new_due_date=change.new_due_date,
            decided_on=timezone.localdate(change.decided_at),
            decided_by=f"{change.decided_by.title} {change.decided_by}".strip()
            if change.decided_by
            else "",
            reason=change.reason,
        )
        for change in changes
    ]


def _target_rows(scope: Scope, unit_ids: list[int] | None, cutoff: Cutoff) -> list[TargetRow]:
    """Targets against the latest figure each unit had reported by the cut-off."""
    targets = Target.objects.select_related("plan", "responsible_unit").order_by(
        "plan__issued_on", "plan_id", "order"
    )
    results = TargetResult.objects.filter(period_end__lte=cutoff.day)
    if scope.kind == ScopeKind.PLAN:
        targets = targets.filter(plan_id=scope.plan_id)
    if unit_ids is not None:
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
    other_bodies: bool = False,
) -> ReportData:
    """Period and scope from their parts, then `build_report_data` (with the periods before
    and after)."""
    phases = plan_phases(plan) if kind == PeriodKind.PHASE else []
    period = parse_period(kind, code, cutoff=cutoff, phases=phases)
    return build_report_data(
        period=period,
        scope=scope_for(unit=unit, plan=plan, leader=leader, other_bodies=other_bodies),
        today=today,
        previous=previous_period(period, phases=phases),
        following=next_period(period, phases=phases),
    )
