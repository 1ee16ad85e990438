"""Breaking a task down (chia nhỏ nhiệm vụ): the head of the unit leading a task splits it into
sub-tasks, one per person or step, each clear on its six "rõ".

A sub-task is a Task with `parent` = the task and `is_breakdown` set; it keeps the parent's plan,
phase and lead unit, names a person of that unit, its own deadline and product, and the unit head
who split it as its authority.

Counting (TaskQuerySet.tracked): the department's and the units' figures (dashboards, reports,
evaluation, campaign) count the parent task only; its sub-tasks are not counted again. They are
their assignees' work: they show on the parent's page and on the assignee's "Việc của tôi".

Deadlines: a sub-task is due no later than its parent, unless the unit head ticks the box and
gives a reason; it is then flagged on both pages.

Progress: manual on the parent as always, unless the unit head makes it follow the sub-tasks
(`progress_from_children`): the parent's percent is then the mean of its sub-tasks' (cancelled ones
left out), it is done when they all are, and it is recomputed in the same transaction as each
sub-task's progress update, kept in its history with the reason "Tính từ các nhiệm vụ con".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Role, User
from plans.deadlines import DeadlineKind
from plans.deadlines.kinds import PERIODIC
from plans.models import Unit
from plans.text import clean
from tasks import early_warnings, notices
from tasks.models import Task
from tasks.permissions import can_assign
from tasks.punctuality import Status, local_today

MAX_PARTS = 20  # sub-tasks per submission
CONTENT_MAX = 2000
PRODUCT_MAX = 1000
REASON_MAX = 1000


def counted(tasks, *, plan_id: int | None = None):
    """The tasks counted in a scope, each piece of work once. Everywhere, `tracked()`: sub-tasks
    count through their parent. Within one plan (`plan_id`), that plan's tasks except those whose
    parent is in the plan too: a unit's own plan (tasks.unit_plans), whose tasks are sub-tasks of
    the department's, counts them there, and only there."""
    if plan_id is None:
        return tasks.tracked()
    return tasks.filter(plan_id=plan_id, fans_out=False).exclude(
        is_breakdown=True, parent__plan_id=plan_id
    )


def can_break_down(user, task: Task, *, unit_ids: set[int] | None = None) -> bool:
    """The lead unit's head (Văn phòng for its own tasks) splits a task or sets how its progress
    is kept. A row for every unit is split per unit already; a recurring task has its periods."""
    return splittable(task) and can_assign(user, task, unit_ids=unit_ids)


def splittable(task: Task) -> bool:
    return not task.fans_out and task.deadline_kind not in PERIODIC


def people_for(task: Task):
    """Who may take a sub-task: the active people of the lead unit and the units below it."""
    return User.objects.filter(
        is_active=True, unit_id__in=Unit.objects.descendant_ids({task.lead_unit_id})
    ).order_by("full_name", "username")


@dataclass(frozen=True)
class Part:
    """One sub-task as the unit head writes it."""

    content: str
    assignee: User
    due_date: date
    product: str = ""
    later_reason: str = ""


def later_than_parent(parent: Task, due_date: date | None) -> bool:
    return due_date is not None and parent.due_date is not None and due_date > parent.due_date


def check_part(*, parent: Task, part: Part, people_ids: set[int] | None = None) -> Part:
    """The part cleaned, or a ValidationError keyed by field (content, assignee, due_date,
    product, later_reason): the one place the rules of a sub-task are written."""
    errors: dict[str, str] = {}
    content, product = clean(part.content or ""), clean(part.product or "")
    reason = clean(part.later_reason or "")
    if not content:
        errors["content"] = _("Xin nhập nội dung công việc.")
    elif len(content) > CONTENT_MAX:
        errors["content"] = _("Nội dung dài quá %(n)s ký tự.") % {"n": CONTENT_MAX}
    if len(product) > PRODUCT_MAX:
        errors["product"] = _("Sản phẩm dài quá %(n)s ký tự.") % {"n": PRODUCT_MAX}
    if people_ids is None:
        people_ids = set(people_for(parent).values_list("pk", flat=True))
    if part.assignee is None or part.assignee.pk not in people_ids:
        errors["assignee"] = _("Người thực hiện phải thuộc đơn vị chủ trì nhiệm vụ.")
    if part.due_date is None:
        errors["due_date"] = _("Xin nhập hạn hoàn thành.")
    elif later_than_parent(parent, part.due_date):
        if not reason:
            errors["later_reason"] = _(
                "Hạn muộn hơn hạn của nhiệm vụ cha (%(due)s): xin đánh dấu và nêu lý do."
            ) % {"due": parent.due_date.strftime("%d/%m/%Y")}
        elif len(reason) > REASON_MAX:
            errors["later_reason"] = _("Lý do dài quá %(n)s ký tự.") % {"n": REASON_MAX}
    else:
        reason = ""
    if errors:
        raise ValidationError(errors)
    return replace(part, content=content, product=product, later_reason=reason)


def authority_for(parent: Task, by) -> dict:
    """Who accepts a sub-task's result: the unit head who split it, else the parent's authority."""
    if by.role in (Role.UNIT_HEAD, Role.OFFICE):
        return {"authority_user": by, "authority_body": ""}
    return {"authority_user": parent.authority_user, "authority_body": parent.authority_body}


@transaction.atomic
def break_down(*, task: Task, by, parts: Sequence[Part], at: datetime | None = None) -> list[Task]:
    """Create the sub-tasks of `task`, all or none; each creation is in its history and tells
    its assignee."""
    if not parts:
        raise ValidationError(_("Chưa có nhiệm vụ con nào."))
    if len(parts) > MAX_PARTS:
        raise ValidationError(_("Mỗi lần thêm tối đa %(n)s nhiệm vụ con.") % {"n": MAX_PARTS})
    at = at or timezone.now()
    parent = Task.objects.select_for_update().get(pk=task.pk)
    people_ids = set(people_for(parent).values_list("pk", flat=True))
    checked = []
    for number, part in enumerate(parts, start=1):
        try:
            checked.append(check_part(parent=parent, part=part, people_ids=people_ids))
        except ValidationError as error:
            raise ValidationError(
                [f"{_('Nhiệm vụ con %(n)s') % {'n': number}}: {m}" for m in error.messages]
            ) from None
    count = parent.children.count()
    authority = authority_for(parent, by)
    reason = _("Chia nhỏ từ nhiệm vụ %(task)s") % {"task": str(parent)[:80]}
    created = []
    for number, part in enumerate(checked, start=count + 1):
        label = f"{parent.order_label}.{number}" if parent.order_label else str(number)
        sub = Task(
            plan_id=parent.plan_id,
            phase_id=parent.phase_id,
            parent=parent,
            is_breakdown=True,
            order_label=label[:20],
            position=parent.position,
            section=parent.section,
            content=part.content,
            lead_unit_id=parent.lead_unit_id,
            assignee=part.assignee,
            product=part.product,
            deadline_text=part.due_date.strftime("%d/%m/%Y"),
            deadline_kind=DeadlineKind.DATE,
            due_date=part.due_date,
            later_than_parent_reason=part.later_reason,
            **authority,
        )
        sub._history_user = by
        sub._change_reason = reason
        sub.save()
        notices.task_assigned(sub, by=by, now=at)
        created.append(sub)
    if parent.progress_from_children:
        follow_children(parent, by=by, at=at)
    return created


@transaction.atomic
def set_progress_mode(*, task: Task, by, from_children: bool, at: datetime | None = None) -> Task:
    """The unit head chooses: the parent's progress follows its sub-tasks, or is kept by hand."""
    task = Task.objects.select_for_update().get(pk=task.pk)
    if task.progress_from_children == from_children:
        return task
    task.progress_from_children = from_children
    task._history_user = by
    task._change_reason = (
        _("Tiến độ tính từ các nhiệm vụ con") if from_children else _("Tiến độ cập nhật thủ công")
    )
    task.save(update_fields=["progress_from_children", "updated_at"])
    if from_children:
        follow_children(task, by=by, at=at or timezone.now())
    return task


def progress_of(children: Sequence[Task], *, today: date) -> tuple[str, int, date | None] | None:
    """(status, percent, completed on) of a task made of `children`; None when none counts."""
    counted = [child for child in children if child.status != Status.CANCELLED]
    if not counted:
        return None
    if all(child.status == Status.DONE for child in counted):
        finished = [child.completed_on for child in counted if child.completed_on]
        return Status.DONE, 100, max(finished, default=today)
    percent = round(sum(child.percent for child in counted) / len(counted))
    begun = percent > 0 or any(c.status in (Status.IN_PROGRESS, Status.DONE) for c in counted)
    return (Status.IN_PROGRESS if begun else Status.NOT_STARTED), percent, None


def follow_children(task: Task, *, by, at: datetime) -> None:
    """Bring a task whose progress follows its sub-tasks up to date, then its own parent if that
    one follows too. A task paused or cancelled by its authority stays so."""
    while task is not None:
        task = Task.objects.select_for_update().get(pk=task.pk)
        if not task.progress_from_children or task.status in (Status.PAUSED, Status.CANCELLED):
            return
        computed = progress_of(list(task.children.all()), today=local_today(at))
        if computed is None or computed == (task.status, task.percent, task.completed_on):
            return
        task.status, task.percent, task.completed_on = computed
        task.last_update_at = at
        task._history_user = by
        task._change_reason = _("Tính từ các nhiệm vụ con")
        task.save(
            update_fields=["status", "percent", "completed_on", "last_update_at", "updated_at"]
        )
        early_warnings.settle_alerts(task=task, now=at)
        task = task.parent if task.is_breakdown else None


def after_progress(task: Task, *, by, at: datetime) -> None:
    """Called by tasks.services.record_progress once a task's progress is saved."""
    if task.is_breakdown and task.parent_id:
        follow_children(task.parent, by=by, at=at)


def refuse_manual_progress(task: Task) -> None:
    if task.progress_from_children:
        raise ValidationError(
            _(
                "Tiến độ của nhiệm vụ này được tính từ các nhiệm vụ con: xin cập nhật các nhiệm vụ "
                "con, hoặc chuyển sang cập nhật thủ công."
            ),
            code="from_children",
        )


def with_children_flag(tasks):
    """`has_children` on each task: the task's page reads its sub-tasks only when there are."""
    return tasks.annotate(has_children=Exists(Task.objects.filter(parent=OuterRef("pk"))))


def page_context(task: Task, *, today: date, may_assign: bool) -> dict:
    """What the task's page shows of its break-down: its sub-tasks (one query, whatever their
    number), those due after it, and whether the person may split it (`may_assign`, from
    tasks.permissions.can_assign, as the page already asked)."""
    children = []
    if getattr(task, "has_children", True):
        children = list(
            task.children.with_punctuality(today)
            .select_related("assignee", "lead_unit", "plan")
            .order_by("due_date", "pk")
        )
    for child in children:
        child.later = later_than_parent(task, child.due_date)
    parent = task.parent if task.parent_id else None
    return {
        "subtasks": children,
        "later_count": sum(child.later for child in children),
        "parent_task": parent,
        "later_than_parent": parent is not None and later_than_parent(parent, task.due_date),
        "may_break_down": may_assign and splittable(task),
    }
