from __future__ import annotations

from datetime import date

import pytest

from tasks.figures import Figures, count_figures, count_figures_by
from tasks.models import Task
from tasks.punctuality import Status
from tests.factories import TaskFactory, UnitFactory

pytestmark = pytest.mark.django_db
TODAY = date(2026, 11, 22)


def test_it_counts_each_kind_of_punctuality_in_one_query(django_assert_num_queries):
    a, b = UnitFactory(), UnitFactory()
    TaskFactory(
        lead_unit=a,
        status=Status.DONE,
        due_date=date(2026, 11, 20),
        completed_on=date(2026, 11, 19),
    )
    TaskFactory(
        lead_unit=a,
        status=Status.DONE,
        due_date=date(2026, 11, 20),
        completed_on=date(2026, 11, 20),
    )
    TaskFactory(
        lead_unit=a,
        status=Status.DONE,
        due_date=date(2026, 11, 20),
        completed_on=date(2026, 11, 25),
    )
    TaskFactory(lead_unit=b, status=Status.IN_PROGRESS, due_date=date(2026, 11, 1))
    TaskFactory(lead_unit=b, status=Status.IN_PROGRESS, due_date=date(2026, 11, 25))
    TaskFactory(lead_unit=b, status=Status.NOT_STARTED, due_date=date(2026, 12, 31))
    with django_assert_num_queries(1) as captured:
        figures = count_figures(Task.objects.all(), today=TODAY)
    # The rule is evaluated once per task (grouped by it), not once per figure.
    assert captured.captured_queries[0]["sql"].count("CASE WHEN") == 1
    assert figures == Figures(
        total=6, not_started=1, due_soon=1, overdue=1, done_early=1, done_on_time=1, done_late=1
    )
    assert (figures.done, figures.in_progress, figures.on_time) == (3, 2, 2)
    assert figures.on_time_rate == 50.0  # 2 on time of 3 done + 1 overdue
    with django_assert_num_queries(1) as captured:
        by_unit = count_figures_by(Task.objects.all(), "lead_unit", today=TODAY)
    assert captured.captured_queries[0]["sql"].count("CASE WHEN") == 1
    assert by_unit[a.pk].on_time_rate == 66.7
    assert by_unit[b.pk].overdue == 1 and by_unit[b.pk].total == 3


def test_with_nothing_due_there_is_no_rate():
    TaskFactory(status=Status.NOT_STARTED, due_date=date(2027, 1, 31))
    assert count_figures(Task.objects.all(), today=TODAY).on_time_rate is None


def test_the_headline_figures_partition_the_tasks_and_agree_with_the_reports():
    # one task of each punctuality, due soon and not started among them
    for status, due, completed in [
        (Status.NOT_STARTED, date(2026, 12, 31), None),  # not started, not due yet
        (Status.IN_PROGRESS, date(2026, 12, 31), None),  # on track
        (Status.NOT_STARTED, date(2026, 11, 25), None),  # due soon, not started
        (Status.IN_PROGRESS, date(2026, 11, 24), None),  # due soon
        (Status.IN_PROGRESS, date(2026, 11, 1), None),  # overdue
        (Status.DONE, date(2026, 11, 20), date(2026, 11, 19)),
        (Status.DONE, date(2026, 11, 20), date(2026, 11, 20)),
        (Status.DONE, date(2026, 11, 20), date(2026, 11, 21)),
        (Status.PAUSED, date(2026, 12, 31), None),
        (Status.CANCELLED, date(2026, 12, 31), None),
    ]:
        TaskFactory(status=status, due_date=due, completed_on=completed)
    figures = count_figures(Task.objects.all(), today=TODAY)
    headline = figures.headline()
    assert sum(headline.values()) == figures.total == 10
    assert headline["not_due_yet"] == 2 and headline["due_soon"] == 2
    # the reports' "in progress" (no separate "due soon") is the same tasks
    assert figures.in_progress == headline["not_due_yet"] + headline["due_soon"]
    assert figures.done + figures.in_progress + figures.overdue + figures.stopped == figures.total
