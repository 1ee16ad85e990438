from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import Role
from plans.models import Plan
from reporting.data import build_for
from tasks import breakdown
from tasks.breakdown import Part
from tasks.dashboards import task_base
from tasks.figures import count_figures
from tasks.models import Task
from tasks.punctuality import Status
from tasks.services import record_progress
from tasks.unit_plans import plan_for_unit
from tests.factories import TaskFactory, UnitFactory, UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_clock")]


@pytest.fixture
def unit():
    return UnitFactory(name="Phòng Quản lý Khoa học")


@pytest.fixture
def head(unit):
    return UserFactory(role=Role.UNIT_HEAD, unit=unit, full_name="Võ Thành Long")


@pytest.fixture
def staff(unit):
    return [
        UserFactory(unit=unit, full_name="Trương Hoàng Nam"),
        UserFactory(unit=unit, full_name="Lê Thị Hoa"),
    ]


@pytest.fixture
def task(unit, today):
    return TaskFactory(
        lead_unit=unit, order_label="3", content="Xây dựng quy chế", due_date=today + timedelta(30)
    )


def _rows(*rows) -> dict:
    data = {
        "con-TOTAL_FORMS": str(len(rows)),
        "con-INITIAL_FORMS": "0",
        "con-MIN_NUM_FORMS": "0",
        "con-MAX_NUM_FORMS": "20",
    }
    for i, row in enumerate(rows):
        data.update({f"con-{i}-{name}": value for name, value in row.items()})
    return data


def _split(task, head, staff, *dues, reason=""):
    parts = [
        Part(content=f"Phần việc {n}", assignee=staff[n % 2], due_date=due, later_reason=reason)
        for n, due in enumerate(dues, start=1)
    ]
    return breakdown.break_down(task=task, by=head, parts=parts)


def test_the_unit_head_splits_a_task_into_sub_tasks_each_clear_on_its_six_ro(
    client, task, head, staff, today
):
    client.force_login(head)
    due = (today + timedelta(10)).isoformat()
    response = client.post(
        reverse("tasks:break_down", args=[task.pk]),
        _rows(
            {
                "content": "Dự thảo quy chế",
                "assignee": staff[0].pk,
                "due_date": due,
                "product": "Dự thảo",
            },
            {"content": "Lấy ý kiến các phòng", "assignee": staff[1].pk, "due_date": due},
            {"content": "", "assignee": "", "due_date": ""},  # an empty line is skipped
        ),
    )
    assert response.status_code == 302
    subs = list(task.children.order_by("pk"))
    assert [s.content for s in subs] == ["Dự thảo quy chế", "Lấy ý kiến các phòng"]
    assert [s.order_label for s in subs] == ["3.1", "3.2"]
    first = subs[0]
    assert first.plan_id == task.plan_id and first.lead_unit_id == task.lead_unit_id
    assert first.assignee == staff[0] and first.authority_user == head
    assert first.product == "Dự thảo" and first.is_breakdown and not first.missing_ro
    created = first.history.get()
    assert created.history_user == head and "Chia nhỏ từ nhiệm vụ" in created.history_change_reason

    page = client.get(reverse("tasks:detail", args=[task.pk])).content.decode()
    assert "Dự thảo quy chế" in page and "Trương Hoàng Nam" in page
    assert "được cập nhật thủ công" in page
    sub_page = client.get(reverse("tasks:detail", args=[first.pk])).content.decode()
    assert "Nhiệm vụ con của:" in sub_page and "Xây dựng quy chế" in sub_page
    # The assignee finds it among their own tasks.
    client.force_login(staff[0])
    assert "Dự thảo quy chế" in client.get(reverse("tasks:mine")).content.decode()


def test_only_the_lead_units_head_or_its_office_may_split_a_task(client, task, staff, today):
    other_unit = UnitFactory()
    office_unit = UnitFactory(name="Văn phòng Sở")
    office = UserFactory(role=Role.OFFICE, unit=office_unit)
    url = reverse("tasks:break_down", args=[task.pk])
    mode_url = reverse("tasks:progress_mode", args=[task.pk])

    client.force_login(UserFactory(role=Role.UNIT_HEAD, unit=other_unit))
    assert client.get(url).status_code == 404  # another unit's task does not exist for them
    assert client.post(mode_url, {"from_children": "1"}).status_code == 404
    for someone in (staff[0], office, UserFactory(role=Role.LEADERSHIP)):
        client.force_login(someone)
        assert client.get(url).status_code == 403
        assert client.post(mode_url, {"from_children": "1"}).status_code == 403
        page = client.get(reverse("tasks:detail", args=[task.pk])).content.decode()
        assert "Chia nhỏ nhiệm vụ" not in page
    assert not task.children.exists()
    task.refresh_from_db()
    assert not task.progress_from_children

    own = TaskFactory(lead_unit=office_unit, due_date=today + timedelta(30))
    client.force_login(office)
    assert client.get(reverse("tasks:break_down", args=[own.pk])).status_code == 200


def test_a_person_outside_the_lead_unit_cannot_take_a_sub_task(task, head, today):
    outsider = UserFactory(unit=UnitFactory())
    part = Part(content="Việc", assignee=outsider, due_date=today + timedelta(5))
    with pytest.raises(ValidationError, match="thuộc đơn vị chủ trì"):
        breakdown.break_down(task=task, by=head, parts=[part])
    assert not task.children.exists()


def test_a_deadline_after_the_parents_needs_the_box_and_a_reason_and_is_flagged(
    client, task, head, staff
):
    client.force_login(head)
    url = reverse("tasks:break_down", args=[task.pk])
    later = (task.due_date + timedelta(15)).isoformat()
    row = {"content": "Tổng hợp", "assignee": staff[0].pk, "due_date": later}

    refused = client.post(url, _rows(row))
    assert refused.status_code == 200 and "xin đánh dấu và nêu lý do" in refused.content.decode()
    refused = client.post(url, _rows({**row, "later": "on"}))
    assert refused.status_code == 200 and not task.children.exists()
    # A reason without the box ticked is not enough either: the later date must be meant.
    assert client.post(url, _rows({**row, "later_reason": "Chờ số liệu"})).status_code == 200
    assert not task.children.exists()

    client.post(url, _rows({**row, "later": "on", "later_reason": "Chờ số liệu quý IV"}))
    sub = task.children.get()
    assert sub.later_than_parent_reason == "Chờ số liệu quý IV"
    parent_page = client.get(reverse("tasks:detail", args=[task.pk])).content.decode()
    assert "1 nhiệm vụ con có hạn muộn hơn hạn của nhiệm vụ này" in parent_page
    assert "Chờ số liệu quý IV" in parent_page
    sub_page = client.get(reverse("tasks:detail", args=[sub.pk])).content.decode()
    assert "Hạn muộn hơn hạn của nhiệm vụ cha." in sub_page


def test_the_parents_progress_follows_its_sub_tasks_when_the_head_chooses(
    client, task, head, staff, today
):
    a, b, c = _split(task, head, staff, *[today + timedelta(5)] * 3)
    client.force_login(head)
    client.post(reverse("tasks:progress_mode", args=[task.pk]), {"from_children": "1"})
    task.refresh_from_db()
    assert task.progress_from_children

    record_progress(task=a, by=staff[1], percent=60, status=Status.IN_PROGRESS)
    task.refresh_from_db()
    assert (task.status, task.percent) == (Status.IN_PROGRESS, 20)
    latest = task.history.first()
    assert latest.history_change_reason == "Tính từ các nhiệm vụ con"
    assert latest.history_user == staff[1]

    record_progress(task=b, by=staff[0], percent=0, status=Status.CANCELLED)
    task.refresh_from_db()
    assert task.percent == 30  # a cancelled sub-task is left out: (60 + 0) / 2

    record_progress(task=a, by=staff[1], percent=100, status=Status.DONE)
    record_progress(task=c, by=staff[1], percent=100, status=Status.DONE)
    task.refresh_from_db()
    assert (task.status, task.percent, task.completed_on) == (Status.DONE, 100, today)

    # While it follows its sub-tasks, nobody records its progress by hand.
    with pytest.raises(ValidationError, match="được tính từ các nhiệm vụ con"):
        record_progress(task=task, by=head, percent=50, status=Status.IN_PROGRESS)


def test_the_parents_progress_stays_manual_when_the_head_keeps_it_so(task, head, staff, today):
    (sub,) = _split(task, head, staff, today + timedelta(5))
    record_progress(task=task, by=head, percent=10, status=Status.IN_PROGRESS)
    record_progress(task=sub, by=staff[1], percent=100, status=Status.DONE)
    task.refresh_from_db()
    assert (task.status, task.percent) == (Status.IN_PROGRESS, 10)

    breakdown.set_progress_mode(task=task, by=head, from_children=True)
    task.refresh_from_db()
    assert (task.status, task.percent) == (Status.DONE, 100)  # taken from the sub-task at once
    task = breakdown.set_progress_mode(task=task, by=head, from_children=False)
    record_progress(task=task, by=head, percent=90, status=Status.IN_PROGRESS)
    task.refresh_from_db()
    assert task.percent == 90
    reasons = list(task.history.values_list("history_change_reason", flat=True))
    assert "Tiến độ tính từ các nhiệm vụ con" in reasons
    assert "Tiến độ cập nhật thủ công" in reasons


def test_figures_count_a_broken_down_task_once(task, head, staff, today, unit):
    """Explicit recount: the dashboards and the reports count the department's task, not its
    sub-tasks again."""
    other = TaskFactory(lead_unit=unit, due_date=today - timedelta(3))
    _split(task, head, staff, *[today - timedelta(2)] * 3)  # three overdue sub-tasks
    office = UserFactory(role=Role.OFFICE)

    figures = count_figures(task_base(office), today=today)
    assert (figures.total, figures.overdue) == (2, 1)  # `task` and `other`; `other` is overdue
    assert Task.objects.count() == 5

    month = build_for(kind="monthly", code="2026-11", today=today)
    listed = {row.task_id for row in month.tasks}
    assert listed == {task.pk, other.pk}


def test_the_task_page_reads_twenty_sub_tasks_in_a_bounded_number_of_queries(
    client, task, head, staff, today, django_assert_max_num_queries
):
    _split(task, head, staff, today + timedelta(5))
    client.force_login(head)
    url = reverse("tasks:detail", args=[task.pk])
    client.get(url)
    with CaptureQueriesContext(connection) as one:
        client.get(url)
    expected = len(one)  # read now: the next request empties the log it slices
    _split(task, head, staff, *[today + timedelta(5)] * 19)
    client.get(url)  # the split told people: the header's badge is counted again once
    with django_assert_max_num_queries(expected):
        page = client.get(url).content.decode()
    assert page.count("Phần việc") == 20


# --- the unit's own plan ----------------------------------------------------------------------


def test_the_unit_head_makes_the_units_plan_from_the_departments_tasks_once(
    client, task, head, unit, today
):
    second = TaskFactory(plan=task.plan, lead_unit=unit, content="Báo cáo sơ kết", assignee=None)
    elsewhere = TaskFactory(lead_unit=unit, content="Nhiệm vụ của kế hoạch khác")
    not_ours = TaskFactory(plan=task.plan)  # another unit leads it
    client.force_login(head)
    url = reverse("tasks:unit_plan", args=[unit.pk])
    assert (
        "Lập kế hoạch của đơn vị"
        in client.get(reverse("tasks:unit", args=[unit.pk])).content.decode()
    )
    page = client.get(url).content.decode()
    assert "Xây dựng quy chế" in page and not_ours.content not in page

    response = client.post(url, {"tasks": [task.pk, second.pk]})
    plan = Plan.objects.get(issuing_unit=unit)
    assert response.url == f"{reverse('tasks:list')}?plan={plan.pk}"
    assert plan.parent == task.plan and plan.kind == "ke_hoach"
    own = {t.parent_id: t for t in plan.tasks.all()}
    assert set(own) == {task.pk, second.pk}
    assert own[task.pk].content == "Xây dựng quy chế" and own[task.pk].due_date == task.due_date
    assert own[task.pk].history.get().history_user == head

    # A double submit, then the same task with one from another plan: no copy.
    client.post(url, {"tasks": [task.pk, second.pk]})
    client.post(url, {"tasks": [task.pk, elsewhere.pk]})
    assert plan.tasks.count() == 2
    assert (
        Plan.objects.get(issuing_unit=unit, parent=elsewhere.plan).tasks.get().parent == elsewhere
    )
    refused = client.post(url, {"tasks": [not_ours.pk]})
    assert refused.status_code == 200 and not not_ours.children.exists()

    # Linked both ways: each page shows the other.
    department_page = client.get(reverse("tasks:detail", args=[task.pk])).content.decode()
    assert plan.title in department_page
    unit_task_page = client.get(reverse("tasks:detail", args=[own[task.pk].pk])).content.decode()
    assert "Nhiệm vụ con của:" in unit_task_page and "Xây dựng quy chế" in unit_task_page


def test_the_units_plan_counts_its_tasks_in_its_own_list_only(client, task, head, unit, today):
    result = plan_for_unit(unit=unit, by=head, tasks=[task])
    (plan,) = result.plans
    office = UserFactory(role=Role.OFFICE)
    assert count_figures(task_base(office), today=today).total == 1
    client.force_login(office)
    listed = client.get(reverse("tasks:list"), {"plan": plan.pk}).content.decode()
    assert "Xây dựng quy chế" in listed
    department = client.get(reverse("tasks:list"), {"plan": task.plan_id}).content.decode()
    assert f'href="{reverse("tasks:detail", args=[task.pk])}"' in department
    own = plan.tasks.get()
    assert f'href="{reverse("tasks:detail", args=[own.pk])}"' not in department


def test_only_the_units_head_makes_its_plan(client, unit, staff, task):
    url = reverse("tasks:unit_plan", args=[unit.pk])
    client.force_login(UserFactory(role=Role.UNIT_HEAD, unit=UnitFactory()))
    assert client.get(url).status_code == 404
    assert client.post(url, {"tasks": [task.pk]}).status_code == 404
    for someone in (staff[0], UserFactory(role=Role.OFFICE), UserFactory(role=Role.LEADERSHIP)):
        client.force_login(someone)
        assert client.post(url, {"tasks": [task.pk]}).status_code == 403
    assert not Plan.objects.filter(issuing_unit=unit).exists()
