"""Bulk actions from the task list: assign, mark done, ask one deadline change; all or nothing,
through the single-task services (so every change is in the task's history)."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from accounts.models import Role
from tasks.models import ChangeState, DeadlineChange, ProgressUpdate, Task
from tasks.punctuality import Status
from tasks.services import BulkRefused, bulk_assign
from tests.factories import TaskFactory, UnitFactory, UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_clock")]
URL = reverse("tasks:bulk")
LIST = reverse("tasks:list")
HTMX = {"HX-Request": "true"}


@pytest.fixture
def unit():
    return UnitFactory(name="Phòng Chuyển đổi số")


@pytest.fixture
def head(client, unit):
    user = UserFactory(role=Role.UNIT_HEAD, unit=unit, full_name="Võ Thành Long")
    client.force_login(user)
    return user


def post(client, tasks, headers=None, **fields):
    data = {"tasks": [t.pk for t in tasks], "next": f"{LIST}?sort=han", **fields}
    return client.post(URL, data, headers=headers or {})


def messages_of(response) -> list[str]:
    return [str(m) for m in response.wsgi_request._messages]


def test_the_list_offers_checkboxes_and_the_actions_to_a_unit_head(client, head, unit):
    task = TaskFactory(lead_unit=unit)
    page = client.get(LIST).content.decode()
    assert f'name="tasks" value="{task.pk}"' in page
    assert f'action="{URL}"' in page and f'hx-post="{URL}"' in page
    assert "Giao cho một người" in page and "Đánh dấu hoàn thành" in page


def test_staff_with_nothing_to_update_see_no_checkboxes(client, unit):
    TaskFactory(lead_unit=unit)
    client.force_login(UserFactory(role=Role.STAFF, unit=unit))
    assert 'name="tasks"' not in client.get(LIST).content.decode()


def test_a_plain_post_assigns_every_ticked_task_and_returns_to_the_list(client, head, unit):
    person = UserFactory(unit=unit, full_name="Trần Thị Lan")
    tasks = TaskFactory.create_batch(3, lead_unit=unit)
    response = post(client, tasks, action="giao", assignee=person.pk)
    assert response.status_code == 302 and response["Location"] == f"{LIST}?sort=han"
    assert messages_of(response) == ["Đã giao 3 nhiệm vụ cho Trần Thị Lan."]
    for task in tasks:
        task.refresh_from_db()
        assert task.assignee == person
        latest = task.history.first()
        assert latest.assignee_id == person.pk and latest.history_user == head


def test_an_htmx_post_gets_the_table_back_with_the_summary(client, head, unit):
    tasks = TaskFactory.create_batch(2, lead_unit=unit, status=Status.IN_PROGRESS)
    response = post(client, tasks, HTMX, action="hoan_thanh", note="Đã ban hành kế hoạch")
    body = response.content.decode()
    assert response.status_code == 200 and 'id="task-table"' in body and "<html" not in body
    assert "Đã ghi hoàn thành 2 nhiệm vụ." in body
    for task in tasks:
        task.refresh_from_db()
        assert (task.status, task.percent) == (Status.DONE, 100)
    assert ProgressUpdate.objects.filter(achieved="Đã ban hành kế hoạch").count() == 2


def test_one_late_task_without_a_reason_stops_them_all(client, head, unit):
    fine = TaskFactory(lead_unit=unit, content="Đúng hạn", due_date=date(2026, 12, 31))
    late = TaskFactory(lead_unit=unit, content="Trễ hạn", due_date=date(2026, 11, 1))
    response = post(client, [fine, late], HTMX, action="hoan_thanh", note="Xong")
    body = response.content.decode()
    assert "Chưa thay đổi nhiệm vụ nào: 1/2 nhiệm vụ không thực hiện được." in body
    assert "«Trễ hạn»" in body and "xin nêu lý do chậm trễ" in body
    # what was ticked stays ticked, to fix and resend
    assert f'value="{late.pk}" id="pick-{late.pk}" checked' in body
    assert ProgressUpdate.objects.count() == 0
    assert set(Task.objects.values_list("status", flat=True)) == {Status.NOT_STARTED}
    # with the reason, both are done
    post(client, [fine, late], action="hoan_thanh", note="Xong", delay_reason="Chờ số liệu")
    assert set(Task.objects.values_list("status", flat=True)) == {Status.DONE}


def test_one_deadline_change_for_several_tasks(client, head, unit):
    tasks = TaskFactory.create_batch(2, lead_unit=unit)
    response = post(
        client, tasks, action="gia_han", new_due_date="2027-03-31", reason="Chờ hướng dẫn"
    )
    assert messages_of(response) == [
        "Đã gửi đề nghị điều chỉnh thời hạn đến ngày 31/03/2027 cho 2 nhiệm vụ, "
        "chờ lãnh đạo quyết định."
    ]
    changes = DeadlineChange.objects.filter(state=ChangeState.PENDING)
    assert {c.task_id for c in changes} == {t.pk for t in tasks}
    assert {c.new_due_date for c in changes} == {date(2027, 3, 31)}


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"action": "giao"}, "Xin chọn người được giao."),
        ({"action": "hoan_thanh"}, "Xin ghi kết quả đạt được."),
        ({"action": "gia_han", "new_due_date": "2020-01-01", "reason": "x"}, "Hạn đề nghị phải từ"),
        ({"action": "gia_han", "new_due_date": "2027-01-01"}, "Xin nêu lý do"),
        ({"action": "xoa"}, "Chưa thay đổi nhiệm vụ nào."),
    ],
)
def test_incomplete_forms_change_nothing_and_say_why(client, head, unit, fields, message):
    task = TaskFactory(lead_unit=unit)
    response = post(client, [task], **fields)
    assert response.status_code == 302
    assert any(message in m for m in messages_of(response))
    task.refresh_from_db()
    assert task.assignee is None and task.status == Status.NOT_STARTED
    assert not DeadlineChange.objects.exists()


def test_another_units_task_cannot_be_slipped_in(client, head, unit):
    mine = TaskFactory(lead_unit=unit)
    theirs = TaskFactory(content="Của đơn vị khác")
    response = post(client, [mine, theirs], HTMX, action="hoan_thanh", note="Xong")
    assert "Chưa thay đổi nhiệm vụ nào." in response.content.decode()
    assert not ProgressUpdate.objects.exists()


def test_staff_may_not_assign_even_the_tasks_given_to_them(client, unit):
    staff = UserFactory(role=Role.STAFF, unit=unit)
    client.force_login(staff)
    task = TaskFactory(lead_unit=unit, assignee=staff)
    page = client.get(LIST).content.decode()
    assert 'name="tasks"' in page and "Đánh dấu hoàn thành" in page
    assert "Giao cho một người" not in page  # not offered…
    response = post(client, [task], action="giao", assignee=staff.pk)  # …nor allowed
    assert any("không có quyền" in m for m in messages_of(response))
    # what they may do (update their own task) works
    post(client, [task], action="hoan_thanh", note="Xong")
    task.refresh_from_db()
    assert task.status == Status.DONE


def test_a_person_outside_the_lead_unit_cannot_be_given_the_tasks(head, unit):
    outsider = UserFactory(unit=UnitFactory())
    task = TaskFactory(lead_unit=unit)
    with pytest.raises(BulkRefused) as refused:
        bulk_assign(tasks=[task], assignee=outsider, by=head)
    assert "không thuộc đơn vị chủ trì" in refused.value.problems[0].message
    task.refresh_from_db()
    assert task.assignee is None


def test_too_many_tasks_at_once_are_refused(client, head, unit):
    task = TaskFactory(lead_unit=unit)
    data = {"tasks": [task.pk] * 101, "action": "hoan_thanh", "note": "Xong"}
    response = client.post(URL, data)
    assert any("tối đa 100" in m for m in messages_of(response))


def test_it_needs_a_login_and_a_post(client, unit):
    assert reverse("login") in client.post(URL, {})["Location"]
    client.force_login(UserFactory(role=Role.UNIT_HEAD, unit=unit))
    assert client.get(URL).status_code == 405


def test_a_foreign_next_address_is_not_followed(client, head, unit):
    task = TaskFactory(lead_unit=unit)
    data = {
        "tasks": [task.pk],
        "action": "hoan_thanh",
        "note": "Xong",
        "next": "https://evil.example/",
    }
    assert client.post(URL, data)["Location"] == LIST


def test_marking_a_recurring_task_done_does_its_current_period(head, unit, today):
    from plans.deadlines import DeadlineKind, Recurrence
    from tasks.services import bulk_mark_done, ensure_occurrences

    task = TaskFactory(
        lead_unit=unit,
        deadline_kind=DeadlineKind.RECURRING,
        deadline_text="Hàng năm, bắt đầu từ năm 2026",
        due_date=date(2026, 12, 31),
        start_date=date(2026, 1, 1),
        recurrence=Recurrence(freq="yearly", dates=((12, 31),), first_year=2026).to_json(),
    )
    ensure_occurrences(task, until=date(2027, 3, 1))
    bulk_mark_done(tasks=[task], by=head, note="Đã nộp báo cáo năm 2026")
    first, second = task.occurrences.order_by("due_date")
    assert first.status == Status.DONE and second.status == Status.NOT_STARTED
    task.refresh_from_db()
    assert task.due_date == date(2027, 12, 31)  # the task moves on to its next period
