from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from tasks.models import Occurrence, Task
from tasks.punctuality import (
    Punctuality,
    Status,
    days_late,
    local_today,
    punctuality,
    punctuality_in,
)
from tests.factories import TaskFactory

TODAY = date(2026, 11, 22)
P = Punctuality

CASES = [
    # status, due, completed_on, expected
    (Status.NOT_STARTED, date(2026, 12, 31), None, P.NOT_STARTED),
    (Status.IN_PROGRESS, date(2026, 12, 31), None, P.ON_TRACK),
    (Status.IN_PROGRESS, date(2026, 11, 30), None, P.ON_TRACK),  # 8 days ahead: on track
    (Status.IN_PROGRESS, date(2026, 11, 29), None, P.DUE_SOON),  # 7 days ahead: due soon
    (Status.NOT_STARTED, date(2026, 11, 29), None, P.DUE_SOON),
    (Status.IN_PROGRESS, TODAY, None, P.DUE_SOON),  # due today is not yet overdue
    (Status.IN_PROGRESS, date(2026, 11, 21), None, P.OVERDUE),  # the day after the due date
    (Status.NOT_STARTED, date(2026, 1, 1), None, P.OVERDUE),
    (Status.DONE, date(2026, 11, 20), date(2026, 11, 19), P.DONE_EARLY),
    (Status.DONE, date(2026, 11, 20), date(2026, 11, 20), P.DONE_ON_TIME),  # done on the due date
    (Status.DONE, date(2026, 11, 20), date(2026, 11, 21), P.DONE_LATE),
    (Status.DONE, None, date(2026, 11, 21), P.DONE_ON_TIME),  # continuous: no due to miss
    (Status.PAUSED, date(2026, 1, 1), None, P.PAUSED),
    (Status.CANCELLED, date(2026, 1, 1), None, P.CANCELLED),
    (Status.IN_PROGRESS, None, None, P.ON_TRACK),
    (Status.NOT_STARTED, None, None, P.NOT_STARTED),
]


@pytest.mark.parametrize(("status", "due", "completed", "expected"), CASES)
def test_it_judges_each_boundary(status, due, completed, expected):
    assert punctuality(status=status, due_date=due, completed_on=completed, today=TODAY) == expected


@pytest.mark.django_db
def test_the_database_annotation_agrees_with_the_function_on_every_case():
    for status, due, completed, _ in CASES:
        TaskFactory(status=status, due_date=due, completed_on=completed)
    for task in Task.objects.with_punctuality(TODAY):
        assert task.punctuality == task.punctuality_on(TODAY), (task.status, task.due_date)


@pytest.mark.django_db
def test_the_condition_on_columns_finds_the_same_tasks_as_the_annotation():
    for status, due, completed, _ in CASES:
        TaskFactory(status=status, due_date=due, completed_on=completed)
    TaskFactory(status=Status.DONE, due_date=date(2026, 11, 20), completed_on=None)
    tasks = Task.objects.with_punctuality(TODAY)
    for value in P:
        by_case = set(tasks.filter(punctuality=value).values_list("pk", flat=True))
        assert (
            set(tasks.filter(punctuality_in([value], today=TODAY)).values_list("pk", flat=True))
            == by_case
        ), value
        assert by_case, value
    either = punctuality_in([P.OVERDUE, P.DUE_SOON], today=TODAY)
    assert (
        tasks.filter(either).count()
        == tasks.filter(punctuality__in=[P.OVERDUE, P.DUE_SOON]).count()
        == 5
    )


@pytest.mark.django_db
def test_occurrences_of_recurring_tasks_are_judged_by_the_same_rule():
    task = TaskFactory(deadline_kind="recurring")
    Occurrence.objects.create(
        task=task,
        label="Năm 2025",
        period_start=date(2025, 1, 1),
        period_end=date(2025, 12, 31),
        due_date=date(2025, 12, 31),
        status=Status.DONE,
        completed_on=date(2026, 1, 5),
    )
    Occurrence.objects.create(
        task=task,
        label="Năm 2026",
        period_start=date(2026, 1, 1),
        period_end=date(2026, 12, 31),
        due_date=date(2026, 12, 31),
    )
    judged = dict(task.occurrences.with_punctuality(TODAY).values_list("label", "punctuality"))
    assert judged == {"Năm 2025": P.DONE_LATE, "Năm 2026": P.NOT_STARTED}


def test_midnight_is_counted_in_ho_chi_minh_city():
    # 16:59 UTC is 23:59 in Hà Nội / TP.HCM (UTC+7): still the 22nd; one minute later, the 23rd.
    assert local_today(datetime(2026, 11, 22, 16, 59, tzinfo=UTC)) == date(2026, 11, 22)
    assert local_today(datetime(2026, 11, 22, 17, 0, tzinfo=UTC)) == date(2026, 11, 23)
    due = date(2026, 11, 22)
    before = local_today(datetime(2026, 11, 22, 16, 59, tzinfo=UTC))
    after = local_today(datetime(2026, 11, 22, 17, 0, tzinfo=UTC))
    assert (
        punctuality(status=Status.IN_PROGRESS, due_date=due, completed_on=None, today=before)
        == P.DUE_SOON
    )
    assert (
        punctuality(status=Status.IN_PROGRESS, due_date=due, completed_on=None, today=after)
        == P.OVERDUE
    )


def test_days_late_counts_to_today_until_done_then_to_the_completion():
    due = date(2026, 11, 10)
    assert days_late(due_date=due, completed_on=None, today=TODAY) == 12
    assert days_late(due_date=due, completed_on=date(2026, 11, 13), today=TODAY) == 3
    assert days_late(due_date=due, completed_on=date(2026, 11, 1), today=TODAY) == 0
    assert days_late(due_date=None, completed_on=None, today=TODAY) == 0
