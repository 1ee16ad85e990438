"""A unit's own plan (tasks.unit_plans) on the unit's page, and which department tasks it may
take."""

from __future__ import annotations

from datetime import timedelta

import pytest
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
    for _n in range(4):
        plan_for_unit(unit=unit, by=head, tasks=_department_tasks(unit, today))
    with django_assert_num_queries(len(one)):
        response = client.get(url)
    assert len(response.context["unit_plans"]) == 5
