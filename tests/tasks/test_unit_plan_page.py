"""A unit's own plan (tasks.unit_plans) on the unit's page, and which department tasks it may
take."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import Role
from tasks import breakdown
from tasks.breakdown import Part
from tasks.punctuality import Status
from tasks.services import record_progress
from tasks.unit_plans import plan_for_unit, summaries
from tests.factories import PlanFactory, TaskFactory, UnitFactory, UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_clock")]  # 22/11/2026


@pytest.fixture
def unit():
    return UnitFactory(name="Phòng Quản lý Khoa học", short_name="QLKH")


@pytest.fixture
def head(unit):
    return UserFactory(role=Role.UNIT_HEAD, unit=unit)


def _department_tasks(unit, today, plan=None):
    plan = plan or PlanFactory()
    return [
        TaskFactory(plan=plan, lead_unit=unit, due_date=today - timedelta(3), content="Trễ"),
        TaskFactory(plan=plan, lead_unit=unit, due_date=today + timedelta(20), content="Làm"),
        TaskFactory(plan=plan, lead_unit=unit, due_date=today + timedelta(30), content="Xong"),
    ]


def test_the_unit_page_shows_its_own_plan_with_its_counts(client, unit, head, today):
    late, doing, finished = _department_tasks(unit, today)
    result = plan_for_unit(unit=unit, by=head, tasks=[late, doing, finished])
    (own,) = result.plans
    copy = own.tasks.get(parent=finished)
    record_progress(task=copy, by=head, percent=100, status=Status.DONE)
    # A break-down of one of the plan's tasks counts through that task, once.
    breakdown.break_down(
        task=own.tasks.get(parent=doing),
        by=head,
        parts=[Part(content="Phần 1", assignee=head, due_date=today + timedelta(5))],
    )
    (row,) = summaries(unit, today=today)
    assert (row.plan, row.total, row.done, row.overdue) == (own, 3, 1, 1)
    client.force_login(head)
    page = client.get(reverse("tasks:unit", args=[unit.pk])).content.decode()
    section = page.split('aria-labelledby="unit-plans-title"', 1)[1].split("</section>", 1)[0]
    assert f"{reverse('tasks:list')}?plan={own.pk}" in section
    assert own.display_name in section and own.parent.display_name in section
    assert '<td class="num">3</td><td class="num">1</td>' in section
    assert '<strong class="badge-overdue">1</strong>' in section


def test_a_unit_without_a_plan_of_its_own_shows_no_such_section(client, unit, head):
    client.force_login(head)
    page = client.get(reverse("tasks:unit", args=[unit.pk])).content.decode()
    assert "unit-plans-title" not in page


def test_the_unit_page_reads_its_plans_in_fixed_queries(
    client, unit, head, today, django_assert_num_queries
):
    plan_for_unit(unit=unit, by=head, tasks=_department_tasks(unit, today))
    client.force_login(head)
    url = reverse("tasks:unit", args=[unit.pk])
    client.get(url)
    with CaptureQueriesContext(connection) as one:
        client.get(url)
    expected = len(one)  # read now: the next request empties the log it slices
    for _n in range(4):
        plan_for_unit(unit=unit, by=head, tasks=_department_tasks(unit, today))
    client.get(url)  # new plans: the unit tree and choices kept under the reference are read again
    with django_assert_num_queries(expected):
        response = client.get(url)
    assert len(response.context["unit_plans"]) == 5


# --- recurring and continuous tasks stay out of the unit's plan, with the reason -----------------


@pytest.fixture
def recurring(unit):
    from plans.deadlines import DeadlineKind, Recurrence
    from tasks.services import ensure_occurrences

    task = TaskFactory(
        lead_unit=unit,
        content="Báo cáo tình hình thực hiện hằng tháng",
        product="Báo cáo tháng",
        deadline_kind=DeadlineKind.RECURRING,
        deadline_text="Hằng tháng, trước ngày 25",
        due_date=date(2026, 11, 24),
        start_date=date(2026, 1, 1),
        recurrence=Recurrence(
            freq="monthly", dates=tuple((m, 24) for m in range(1, 13)), first_year=2026
        ).to_json(),
    )
    ensure_occurrences(task, until=date(2026, 12, 31))
    return task


@pytest.fixture
def continuous(unit):
    from plans.deadlines import DeadlineKind

    return TaskFactory(
        lead_unit=unit,
        content="Thường xuyên cập nhật cơ sở dữ liệu khoa học",
        deadline_kind=DeadlineKind.CONTINUOUS,
        deadline_text="Thường xuyên",
        due_date=None,
    )


def test_periodic_tasks_are_listed_apart_with_the_reason_they_stay_out(
    client, unit, head, recurring, continuous, today
):
    (ordinary,) = _department_tasks(unit, today)[:1]
    client.force_login(head)
    page = client.get(reverse("tasks:unit_plan", args=[unit.pk])).content.decode()
    form, periodic = page.split('id="periodic-tasks"', 1)
    assert f'value="{ordinary.pk}"' in form
    assert f'value="{recurring.pk}"' not in page and f'value="{continuous.pk}"' not in page
    assert "theo dõi theo từng kỳ ngay trên nhiệm vụ của Sở" in periodic
    assert reverse("tasks:detail", args=[recurring.pk]) in periodic
    assert reverse("tasks:detail", args=[continuous.pk]) in periodic


def test_a_periodic_task_posted_anyway_is_refused_with_the_reason_and_nothing_is_made(
    client, unit, head, recurring, today
):
    (ordinary,) = _department_tasks(unit, today)[:1]
    periods = list(recurring.occurrences.values_list("pk", "due_date", "status"))
    client.force_login(head)
    response = client.post(
        reverse("tasks:unit_plan", args=[unit.pk]), {"tasks": [ordinary.pk, recurring.pk]}
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "Không đưa được vào kế hoạch của đơn vị" in page
    assert "mỗi kỳ sẽ phải cập nhật hai lần" in page
    assert not ordinary.children.exists() and not recurring.children.exists()
    with pytest.raises(ValidationError) as refused:
        plan_for_unit(unit=unit, by=head, tasks=[recurring])
    assert refused.value.code == "periodic"
    assert list(recurring.occurrences.values_list("pk", "due_date", "status")) == periods
