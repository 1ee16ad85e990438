"""The nightly roll-forward of periods (kỳ): each recurring or continuous task gets its new
period when its time comes, and shows its current one.

Set-based, in batches of tasks: per batch one query for the tasks (locked, so that a progress
update cannot be overwritten), one for the due dates and progress of their periods, the missing
periods worked out in Python, one insert for them, and one update plus one history insert for the
tasks whose shown period changed. The result is the one `tasks.services.ensure_occurrences` gives
task by task, except that a task whose shown period did not change is left untouched (no new
`updated_at`, no empty history row). See benchmarks/roll_forward.md.
"""

from __future__ import annotations

from datetime import date
from typing import NamedTuple

from django.db import transaction
from django.utils import timezone

from plans.deadlines import DeadlineKind
from tasks.bulk import update_in_place
from tasks.models import Occurrence, Task
from tasks.punctuality import Status
from tasks.services import missing_occurrences, show_current_period

BATCH = 2000  # tasks per transaction
SHOWN = ("status", "percent", "due_date", "completed_on")  # what a period sets on its task


class _Period(NamedTuple):
    """What `show_current_period` reads of a period; sorts by due date."""

    due_date: date
    status: str
    percent: int
    completed_on: date | None


def periodic_tasks():
    return (
        Task.objects.tracked()
        .filter(deadline_kind__in=[DeadlineKind.RECURRING, DeadlineKind.CONTINUOUS])
        .exclude(status=Status.CANCELLED)
    )


def roll_forward_periods(*, today: date, batch: int = BATCH) -> int:
    """Open each recurring or continuous task's periods that have begun by `today` (daily job).
    Returns the number of periods created."""
    ids = list(periodic_tasks().order_by("pk").values_list("pk", flat=True))
    return sum(
        _roll_batch(ids[start : start + batch], today=today) for start in range(0, len(ids), batch)
    )


@transaction.atomic
def _roll_batch(ids: list[int], *, today: date) -> int:
    tasks = (
        periodic_tasks()
        .filter(pk__in=ids)
        .select_related("plan")
        .select_for_update(of=("self",))
        .order_by("pk")
    )
    periods: dict[int, list[_Period]] = {}
    rows = (
        Occurrence.objects.filter(task_id__in=ids)
        .order_by()
        .values_list("task_id", "due_date", "status", "percent", "completed_on")
    )
    for task_id, *period in rows:
        periods.setdefault(task_id, []).append(_Period(*period))
    new: list[Occurrence] = []
    changed: list[Task] = []
    now = timezone.now()
    for task in tasks:
        known = periods.get(task.pk, [])
        missing = missing_occurrences(
            task, until=today, existing={period.due_date for period in known}
        )
        if not missing:
            continue
        new += missing
        before = [getattr(task, name) for name in SHOWN]
        known += [_Period(o.due_date, o.status, o.percent, o.completed_on) for o in missing]
        show_current_period(task, sorted(known))
        if [getattr(task, name) for name in SHOWN] != before:
            task.updated_at = now  # a bulk write does not set auto_now fields
            changed.append(task)
    # A period another process created meanwhile is kept (the unique due date per task).
    Occurrence.objects.bulk_create(new, batch_size=BATCH, ignore_conflicts=True)
    update_in_place(changed, [*SHOWN, "updated_at"])
    # A history row for each changed task, as its save() would have written.
    Task.history.bulk_history_create(changed, update=True, batch_size=BATCH)
    return len(new)
