"""A unit's own plan (kế hoạch của phòng), made in a few clicks from the department's tasks the
unit leads, and linked to them for good.

For each department plan the chosen tasks come from, the unit has one plan of its own: a Plan
issued by the unit whose `parent` is that department plan. Each chosen task gets one task in it,
a sub-task of the department's (`parent`, `is_breakdown`: tasks.breakdown), so the unit's task
shows the department's task it serves and the department's task lists it in its break-down; its
progress may roll up into the department's task like any sub-task's.

Counting (tasks.breakdown.counted): the department's figures keep counting the department's task;
the unit's plan counts its own tasks only when it is the scope (the task list of that plan).

Choosing a task already in the unit's plan adds nothing: a second click, or two people at once,
never makes a copy.

Recurring and continuous tasks (with their periods, kỳ) stay out, with the reason said on the
page and in the refusal (`PERIODIC_REASON`). A copy would need periods of its own, rolled forward
every night beside the department task's: each period would then be updated twice (or the two
would drift apart), warned twice, and counted twice for the person, and a parent's progress that
follows its sub-tasks (tasks.breakdown) has no meaning per period. The department task's periods
are already the unit's work: the unit head assigns its person and updates each period there.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from uuid import uuid4

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Exists, F, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from plans.deadlines.kinds import PERIODIC
from plans.models import DocumentKind, Plan, Unit
from tasks.breakdown import authority_for
from tasks.models import Task
from tasks.punctuality import Punctuality, Status, local_today, punctuality_in

LIMIT = 100  # tasks per submission
PERIODIC_REASON = gettext_lazy(
    "Nhiệm vụ định kỳ hoặc thường xuyên được theo dõi theo từng kỳ ngay trên nhiệm vụ của Sở, "
    "nên không đưa vào kế hoạch của đơn vị (nếu đưa vào, mỗi kỳ sẽ phải cập nhật hai lần và bị "
    "cảnh báo, tính điểm hai lần). Trưởng đơn vị giao người thực hiện và cập nhật từng kỳ trên "
    "chính nhiệm vụ đó."
)
OFFERED_LIMIT = 300  # rows the choosing page shows: one unit's open work


def open_department_tasks(unit: Unit):
    """The department's open tasks `unit` (or a unit below it) leads, not the unit's own."""
    return (
        Task.objects.tracked()
        .filter(lead_unit_id__in=Unit.objects.descendant_ids({unit.pk}))
        .exclude(status__in=(Status.DONE, Status.CANCELLED))
        .exclude(plan__issuing_unit=unit)
        .select_related("plan")
        .order_by("plan__issued_on", "plan_id", "position", "pk")
    )


def offered_tasks(unit: Unit):
    """The department's tasks `unit` (or a unit below it) leads that its plan may take: open,
    with a deadline that is not periodic, not already the unit's own; `in_unit_plan` says which
    are in its plan already."""
    in_plan = Task.objects.filter(parent=OuterRef("pk"), plan__issuing_unit=unit)
    return (
        open_department_tasks(unit)
        .exclude(deadline_kind__in=PERIODIC)
        .annotate(in_unit_plan=Exists(in_plan))
    )


def periodic_tasks(unit: Unit):
    """The unit's open recurring and continuous tasks, which its plan does not take
    (`PERIODIC_REASON`): the page lists them with the reason."""
    return open_department_tasks(unit).filter(deadline_kind__in=PERIODIC)


@dataclass
class UnitPlanResult:
    plans: list[Plan] = field(default_factory=list)
    created: int = 0
    already: int = 0


def _unit_plan(unit: Unit, source: Plan, *, at: datetime) -> Plan:
    found = (
        Plan.objects.filter(issuing_unit=unit, parent=source, kind=DocumentKind.PLAN)
        .order_by("pk")
        .first()
    )
    if found is not None:
        return found
    name = unit.short_name or unit.name
    return Plan.objects.create(
        kind=DocumentKind.PLAN,
        short_name=(_("KH của %(unit)s") % {"unit": name})[:100],
        issuing_body=unit.name[:255],
        issuing_unit=unit,
        issued_on=local_today(at),
        title=_("Kế hoạch của %(unit)s thực hiện %(plan)s")
        % {"unit": unit.name, "plan": source.display_name},
        parent=source,
        slug=f"don-vi-{unit.pk}-{source.pk}-{uuid4().hex[:8]}",
    )


@transaction.atomic
def plan_for_unit(
    *, unit: Unit, by, tasks: Sequence[Task], at: datetime | None = None
) -> UnitPlanResult:
    """Put the chosen department tasks in the unit's own plan(s), one task each, keeping those
    already there. All or nothing; every task created is in its history."""
    at = at or timezone.now()
    if not tasks:
        raise ValidationError(_("Chưa chọn nhiệm vụ nào."))
    if len(tasks) > LIMIT:
        raise ValidationError(_("Mỗi lần chọn tối đa %(n)s nhiệm vụ.") % {"n": LIMIT})
    # One unit's plan at a time: a double submit waits here, then finds the first one's tasks.
    unit = Unit.objects.select_for_update().get(pk=unit.pk)
    periodic = [task for task in tasks if task.deadline_kind in PERIODIC]
    if periodic:
        named = _("Không đưa được vào kế hoạch của đơn vị: %(tasks)s.") % {
            "tasks": "; ".join(str(task) for task in periodic)
        }
        raise ValidationError(f"{named} {PERIODIC_REASON}", code="periodic")
    offered = set(offered_tasks(unit).values_list("pk", flat=True))
    refused = [task for task in tasks if task.pk not in offered]
    if refused:
        raise ValidationError(
            _("Không đưa được vào kế hoạch của đơn vị: %(tasks)s")
            % {"tasks": "; ".join(str(task) for task in refused)}
        )
    result = UnitPlanResult()
    sources = list(dict.fromkeys(task.plan for task in tasks))
    for source in sources:
        plan = _unit_plan(unit, source, at=at)
        result.plans.append(plan)
        chosen = [task for task in tasks if task.plan_id == source.pk]
        there = set(
            Task.objects.filter(plan=plan, parent__in=chosen).values_list("parent_id", flat=True)
        )
        position = plan.tasks.count()
        for task in chosen:
            if task.pk in there:
                result.already += 1
                continue
            position += 1
            own = Task(
                plan=plan,
                parent=task,
                is_breakdown=True,
                order_label=str(position),
                position=position,
                content=task.content,
                lead_unit_id=task.lead_unit_id,
                assignee_id=task.assignee_id,
                product=task.product,
                deadline_text=task.deadline_text,
                deadline_kind=task.deadline_kind,
                due_date=task.due_date,
                start_date=task.start_date,
                condition=task.condition,
                is_key=task.is_key,
                is_breakthrough=task.is_breakthrough,
                **authority_for(task, by),
            )
            own._history_user = by
            own._change_reason = _("Lập kế hoạch của đơn vị từ nhiệm vụ %(task)s") % {
                "task": str(task)[:80]
            }
            own.save()
            result.created += 1
    return result


@dataclass(frozen=True)
class PlanSummary:
    """A unit's own plan as its page shows it."""

    plan: Plan
    total: int
    done: int
    overdue: int


def summaries(unit: Unit, *, today) -> list[PlanSummary]:
    """The unit's own plans (made by "Lập kế hoạch của đơn vị"), each with its tasks counted as
    that plan's list counts them (tasks.breakdown.counted: the plan's tasks, not their own
    break-downs), how many are done and how many overdue today. Two queries, whatever the
    number of plans and tasks."""
    plans = list(
        Plan.objects.filter(issuing_unit=unit, parent__isnull=False, kind=DocumentKind.PLAN)
        .select_related("parent")
        .order_by("issued_on", "pk")
    )
    if not plans:
        return []
    counts = {
        row["plan_id"]: row
        for row in Task.objects.filter(plan__in=plans, fans_out=False)
        .exclude(is_breakdown=True, parent__plan_id=F("plan_id"))
        .values("plan_id")
        .annotate(
            total=Count("pk"),
            done=Count("pk", filter=Q(status=Status.DONE)),
            overdue=Count("pk", filter=punctuality_in([Punctuality.OVERDUE], today=today)),
        )
    }
    empty = {"total": 0, "done": 0, "overdue": 0}
    return [
        PlanSummary(
            plan=plan,
            total=counts.get(plan.pk, empty)["total"],
            done=counts.get(plan.pk, empty)["done"],
            overdue=counts.get(plan.pk, empty)["overdue"],
        )
        for plan in plans
    ]
