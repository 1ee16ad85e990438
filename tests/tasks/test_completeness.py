from __future__ import annotations

from datetime import date

import pytest

from plans.deadlines import DeadlineKind
from tasks.completeness import MISSING, Ro, missing_ro
from tasks.models import Task
from tests.factories import PlanFactory, TaskFactory, UserFactory

pytestmark = pytest.mark.django_db


def clear_task(**overrides) -> Task:
    return TaskFactory(assignee=UserFactory(), **overrides)


def test_a_task_clear_on_all_six_lacks_nothing():
    assert missing_ro(clear_task()) == []


@pytest.mark.parametrize(
    ("overrides", "missing"),
    [
        ({"assignee": None}, [Ro.NGUOI]),
        ({"content": ""}, [Ro.VIEC]),
        ({"due_date": None}, [Ro.THOI_GIAN]),
        ({"deadline_kind": DeadlineKind.UNKNOWN}, [Ro.THOI_GIAN]),
        ({"lead_unit": None}, [Ro.TRACH_NHIEM]),
        ({"authority_body": ""}, [Ro.THAM_QUYEN]),
        ({"product": ""}, [Ro.KET_QUA]),
        ({"assignee": None, "product": ""}, [Ro.NGUOI, Ro.KET_QUA]),
    ],
)
def test_it_names_what_is_missing(overrides, missing):
    task = TaskFactory(**{"assignee": UserFactory(), **overrides})
    assert missing_ro(task) == missing


def test_a_continuous_or_recurring_task_is_clear_on_time_without_one_due_date():
    for kind in (DeadlineKind.CONTINUOUS, DeadlineKind.RECURRING):
        assert Ro.THOI_GIAN not in missing_ro(clear_task(deadline_kind=kind, due_date=None))


def test_a_condition_without_a_time_is_not_clear_on_time():
    task = clear_task(deadline_kind=DeadlineKind.CONDITIONAL, due_date=None)
    assert missing_ro(task) == [Ro.THOI_GIAN]


def test_the_database_rules_agree_with_the_function():
    tasks = [
        clear_task(),
        TaskFactory(assignee=None, product=""),
        TaskFactory(
            lead_unit=None, authority_body="", deadline_kind=DeadlineKind.CONTINUOUS, due_date=None
        ),
        TaskFactory(deadline_kind=DeadlineKind.CONDITIONAL, due_date=None, content=""),
    ]
    for ro, rule in MISSING.items():
        in_db = set(Task.objects.filter(rule).values_list("pk", flat=True))
        in_python = {t.pk for t in tasks if ro in missing_ro(t)}
        assert in_db == in_python, ro
    flagged = dict(Task.objects.with_completeness().values_list("pk", "ro_incomplete"))
    assert flagged == {t.pk: bool(missing_ro(t)) for t in tasks}


def test_a_plans_share_of_complete_tasks_counts_tracked_tasks_only():
    plan = PlanFactory()
    other = PlanFactory()
    clear_task(plan=plan)
    clear_task(plan=plan)
    TaskFactory(plan=plan, assignee=None)
    parent = TaskFactory(
        plan=plan, fans_out=True, lead_unit=None, assignee=None
    )  # counted via children
    clear_task(plan=plan, parent=parent)
    TaskFactory(plan=other, product="")
    assert Task.objects.completeness_by_plan() == {plan.pk: (4, 3), other.pk: (1, 0)}


def test_due_dates_do_not_depend_on_the_day():
    # completeness is about what is written, not about punctuality
    assert missing_ro(clear_task(due_date=date(2020, 1, 1))) == []
