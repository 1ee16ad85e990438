"""Who may see, update and decide what: the one place pages and the API ask.

Seeing is `Task.objects.visible_to` (leadership, Văn phòng and administrators see everything;
others their unit's tasks and those assigned to them). Changing is narrower:
- a unit head updates, assigns and asks deadline changes for the tasks their unit (or a unit
  below it) leads; Văn phòng does the same for Văn phòng's own tasks (it is a unit too);
- staff update the tasks assigned to them;
- a coordinating unit (phối hợp) sees the tasks it coordinates on and adds coordination notes,
  but does not change the lead's progress;
- a leader decides deadline changes for the tasks under their authority: those naming them as
  the leader in charge, or led by a unit they are in charge of (or one below it).
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q
from django.http import Http404
from django.shortcuts import get_object_or_404

from accounts.models import Role
from plans.models import Unit
from tasks.models import ChangeState, DeadlineChange, Task, own_unit_ids


def get_task_for_user(user, pk, *, queryset=None, coordinated: bool = False) -> Task:
    """The task if `user` may see it; 404 otherwise (another unit's task does not exist).
    `coordinated` also admits the tasks the user's unit coordinates on (to read and comment)."""
    tasks = queryset if queryset is not None else Task.objects.all()
    if coordinated and user.is_authenticated and not user.sees_everything:
        visible = tasks.visible_to(user).values("pk")
        return get_object_or_404(tasks.filter(Q(pk__in=visible) | coordinated_filter(user)), pk=pk)
    return get_object_or_404(tasks.visible_to(user), pk=pk)


def coordinated_filter(user, *, unit_ids: set[int] | None = None) -> Q:
    """Tasks on which the user's unit (or one below it) is a coordinating unit."""
    ids = own_unit_ids(user) if unit_ids is None else unit_ids
    if not ids:
        return Q(pk__in=[])
    through = Task.coordinating_units.through.objects.filter(task=OuterRef("pk"), unit_id__in=ids)
    return Q(Exists(through))


def coordinating_unit_for(user, task: Task, *, unit_ids: set[int] | None = None) -> Unit | None:
    """The user's unit among the task's coordinating units (whom a coordination note is from);
    None when the user's unit does not coordinate on it. Reads `task.coordinating_units.all()`,
    so a prefetch serves it."""
    if not user.is_authenticated or not user.unit_id:
        return None
    ids = own_unit_ids(user) if unit_ids is None else unit_ids
    units = sorted(task.coordinating_units.all(), key=lambda u: (u.order, u.name))
    return next((unit for unit in units if unit.pk in ids), None)


def units_above(unit_ids) -> set[int]:
    """The units and every unit they belong to (one query)."""
    parents = dict(Unit.objects.values_list("pk", "parent_id"))
    found: set[int] = set()
    for unit_id in unit_ids:
        while unit_id is not None and unit_id not in found:
            found.add(unit_id)
            unit_id = parents.get(unit_id)
    return found


def units_in_charge_ids(user) -> set[int]:
    roots = set(user.units_in_charge.values_list("pk", flat=True))
    return Unit.objects.descendant_ids(roots) if roots else set()


def heads_lead_unit(user, task: Task, *, unit_ids: set[int] | None = None) -> bool:
    """Whether `user` heads the unit leading `task`: a unit head for their unit (and those below
    it), Văn phòng for its own tasks. `unit_ids` (from `own_unit_ids`) saves a query when a page
    asks for many tasks."""
    if user.role not in (Role.UNIT_HEAD, Role.OFFICE) or task.lead_unit_id is None:
        return False
    ids = own_unit_ids(user) if unit_ids is None else unit_ids
    return task.lead_unit_id in ids


def can_update(user, task: Task, *, unit_ids: set[int] | None = None) -> bool:
    """Record progress or ask a deadline change."""
    if not user.is_authenticated:
        return False
    if user.is_superuser or (task.assignee_id is not None and task.assignee_id == user.pk):
        return True
    return heads_lead_unit(user, task, unit_ids=unit_ids)


def can_assign(user, task: Task, *, unit_ids: set[int] | None = None) -> bool:
    if not user.is_authenticated:
        return False
    return user.is_superuser or heads_lead_unit(user, task, unit_ids=unit_ids)


def authority_filter(user, *, prefix: str = "") -> Q:
    """Tasks under `user`'s authority, as a filter (prefix "task__" for deadline changes)."""
    if not user.is_authenticated or user.role != Role.LEADERSHIP:
        return Q(pk__in=[])
    scope = Q(**{f"{prefix}authority_user": user})
    unit_ids = units_in_charge_ids(user)
    if unit_ids:
        scope |= Q(**{f"{prefix}lead_unit_id__in": unit_ids})
    return scope


def can_decide(user, change: DeadlineChange) -> bool:
    """Approve or refuse a deadline change: the leader the task answers to."""
    if not user.is_authenticated or user.role != Role.LEADERSHIP:
        return False
    task = change.task
    if task.authority_user_id == user.pk:
        return True
    return task.lead_unit_id is not None and task.lead_unit_id in units_in_charge_ids(user)


def pending_changes_for(user):
    """Deadline-change requests waiting for `user`'s decision."""
    return DeadlineChange.objects.filter(
        authority_filter(user, prefix="task__"), state=ChangeState.PENDING
    )


def get_change_to_decide(user, pk) -> DeadlineChange:
    change = get_object_or_404(DeadlineChange.objects.select_related("task"), pk=pk)
    if not can_decide(user, change):
        raise Http404
    return change
