"""The nightly roll-forward of periods, set-based: the same periods and the same task fields as
creating them task by task (ensure_occurrences), in a bounded number of queries."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import transaction

from plans.deadlines import DeadlineKind, Recurrence
from tasks.models import Occurrence, Task
from tasks.punctuality import Status
from tasks.roll_forward import periodic_tasks, roll_forward_periods
from tasks.services import ensure_occurrences
from tests.factories import PlanFactory, TaskFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_clock")]


def recurring(rule: Recurrence, **fields) -> Task:
    return TaskFactory(
        deadline_kind=DeadlineKind.RECURRING,
        deadline_text=fields.pop("deadline_text", "Định kỳ"),
        recurrence=rule.to_json(),
        **fields,
    )


def a_mix() -> list[Task]:
    """Every kind of schedule, across a year's end and 29/02/2028."""
    june_plan = PlanFactory(issued_on=date(2026, 6, 15))
    return [
        recurring(Recurrence("yearly", ((12, 31),), first_year=2026), start_date=date(2026, 1, 1)),
        recurring(Recurrence("semiannual"), start_date=date(2026, 1, 1), plan=june_plan),
        recurring(Recurrence("quarterly", first_year=2026), due_date=date(2026, 3, 31)),
        recurring(Recurrence("monthly"), start_date=date(2027, 12, 1)),  # month ends: 29/02/2028
        recurring(Recurrence("yearly", ((2, 29),), first_year=2027)),  # 28/02/2027, 29/02/2028
        recurring(Recurrence("weekly"), start_date=date(2026, 12, 20)),
        recurring(Recurrence("monthly", first_year=2026, last_year=2027)),
        recurring(
            Recurrence("quarterly", ((3, 20), (6, 20), (9, 20), (12, 20))),
            due_date=None,
            original_due_date=date(2026, 12, 20),
            start_date=date(2026, 10, 1),
        ),  # fmt: skip
        recurring(Recurrence("monthly"), start_date=None, due_date=None, original_due_date=None),
        TaskFactory(
            deadline_kind=DeadlineKind.CONTINUOUS,
            deadline_text="Thường xuyên",
            due_date=None,
            original_due_date=None,
            start_date=date(2026, 1, 1),
        ),
        # Not rolled: cancelled, a row given to every unit, a one-off task.
        recurring(Recurrence("monthly"), start_date=date(2026, 1, 1), status=Status.CANCELLED),
        recurring(Recurrence("monthly"), start_date=date(2026, 1, 1), fans_out=True),
        TaskFactory(),
    ]


def old_roll(today: date) -> int:
    """The roll-forward as it was: one ensure_occurrences per task."""
    return sum(len(ensure_occurrences(task, until=today)) for task in periodic_tasks().iterator())


def state() -> tuple[set, set]:
    occurrences = set(
        Occurrence.objects.values_list(
            "task_id", "label", "period_start", "period_end", "due_date", "status", "percent",
            "completed_on",
        )
    )  # fmt: skip
    tasks = set(Task.objects.values_list("pk", "status", "percent", "due_date", "completed_on"))
    return occurrences, tasks


def work_on_some_periods(day: date) -> None:
    """People report: the earliest open period of every other task done, another under way."""
    for index, task in enumerate(Task.objects.order_by("pk")):
        open_ = task.occurrences.exclude(status=Status.DONE).order_by("due_date").first()
        if open_ is None:
            continue
        if index % 2:
            open_.status, open_.percent, open_.completed_on = Status.DONE, 100, day
        else:
            open_.status, open_.percent = Status.IN_PROGRESS, 30
        open_.save()


DAYS = [
    date(2026, 11, 22),
    date(2026, 12, 31),
    date(2027, 1, 1),
    date(2027, 7, 1),
    date(2028, 2, 28),
    date(2028, 2, 29),
    date(2028, 3, 1),
]


@pytest.mark.parametrize("batch", [2000, 3])
def test_it_gives_what_creating_the_periods_task_by_task_gave(batch):
    a_mix()
    for day in DAYS:
        before_tasks = state()[1]
        with transaction.atomic():
            old_count = old_roll(day)
            old = state()
            transaction.set_rollback(True)
        history_before = Task.history.count()
        assert roll_forward_periods(today=day, batch=batch) == old_count
        new = state()
        assert new == old, day
        # A history row for each task whose shown period changed, and only for those.
        changed = new[1] - before_tasks
        assert Task.history.count() - history_before == len(changed)
        for pk, status, percent, due, completed in changed:
            last = Task.history.filter(id=pk).latest("history_date")
            assert (last.status, last.percent, last.due_date, last.completed_on) == (
                status, percent, due, completed,
            )  # fmt: skip
            assert last.history_type == "~"
        work_on_some_periods(day)
    assert Occurrence.objects.filter(due_date=date(2028, 2, 29)).count() == 2
    assert Occurrence.objects.filter(due_date=date(2027, 2, 28)).exists()


def test_a_second_run_the_same_day_changes_nothing():
    a_mix()
    assert roll_forward_periods(today=date(2027, 1, 2)) > 0
    before, history = state(), Task.history.count()
    assert roll_forward_periods(today=date(2027, 1, 2)) == 0
    assert state() == before and Task.history.count() == history


def test_a_task_shows_its_new_period_once_the_last_one_is_done():
    task = recurring(
        Recurrence("yearly", ((12, 31),), first_year=2026), start_date=date(2026, 1, 1)
    )
    roll_forward_periods(today=date(2026, 11, 22))
    task.occurrences.update(status=Status.DONE, percent=100, completed_on=date(2026, 12, 20))
    Task.objects.filter(pk=task.pk).update(status=Status.DONE, percent=100)
    assert roll_forward_periods(today=date(2027, 1, 2)) == 1
    task.refresh_from_db()
    assert (task.status, task.percent, task.due_date) == (Status.IN_PROGRESS, 0, date(2027, 12, 31))


@pytest.mark.parametrize(("count", "batch", "most"), [(3, 2000, 8), (20, 2000, 8), (20, 5, 29)])
def test_the_queries_do_not_grow_with_tasks(count, batch, most, django_assert_max_num_queries):
    plan = PlanFactory(issued_on=date(2026, 1, 1))
    for _ in range(count):
        recurring(Recurrence("monthly"), start_date=date(2026, 1, 1), plan=plan)
    assert roll_forward_periods(today=date(2026, 11, 22)) == 11 * count
    Occurrence.objects.update(status=Status.DONE, percent=100, completed_on=date(2026, 11, 30))
    # The ids, then per batch: savepoint, tasks, periods, insert, update, history, release.
    # (SQLite splits inserts of more than 999 values; 20 history rows of a task are fewer.)
    with django_assert_max_num_queries(most):
        assert roll_forward_periods(today=date(2026, 12, 1), batch=batch) == count
    assert set(Task.objects.values_list("due_date", flat=True)) == {date(2026, 12, 31)}
