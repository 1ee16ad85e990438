"""Writes from the pages: inline progress updates, assignment, deadline changes and decisions,
both as plain form posts and as htmx requests; permissions, CSRF and stale writes."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import Role
from tasks.forms import version_of
from tasks.models import ChangeState, DeadlineChange, ProgressUpdate
from tasks.punctuality import Status
from tasks.services import record_progress, request_deadline_change
from tests.factories import TaskFactory, UnitFactory, UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_clock")]
HTMX = {"HX-Request": "true"}


@pytest.fixture
def head(client):
    user = UserFactory(role=Role.UNIT_HEAD, full_name="Võ Thành Long")
    client.force_login(user)
    return user


def progress(task, **fields) -> dict:
    data = {"percent": 40, "status": Status.IN_PROGRESS, "version": version_of(task)}
    return {**data, **fields}


def test_the_update_form_comes_inline_for_htmx_and_as_a_page_otherwise(client, head):
    task = TaskFactory(lead_unit=head.unit)
    url = reverse("tasks:update", args=[task.pk])
    inline = client.get(url, headers=HTMX).content.decode()
    assert f'id="task-{task.pk}"' in inline and "<html" not in inline
    assert 'name="version"' in inline and 'hx-post="' in inline and 'method="post"' in inline
    assert "<html" in client.get(url).content.decode()


def test_an_htmx_update_returns_the_fresh_row(client, head):
    task = TaskFactory(lead_unit=head.unit)
    url = reverse("tasks:update", args=[task.pk])
    response = client.post(url, progress(task, achieved="Xong dự thảo"), headers=HTMX)
    row = response.content.decode()
    assert response.status_code == 200 and f'id="task-{task.pk}"' in row
    assert "40%" in row and "Xong dự thảo" in row and "Đã lưu tiến độ." in row
    task.refresh_from_db()
    assert task.percent == 40 and task.status == Status.IN_PROGRESS
    assert ProgressUpdate.objects.get(task=task).author == head


def test_a_plain_post_records_and_goes_back_where_it_came_from(client, head):
    task = TaskFactory(lead_unit=head.unit)
    back = reverse("tasks:unit", args=[head.unit_id])
    url = reverse("tasks:update", args=[task.pk])
    response = client.post(url, progress(task, next=back))
    assert response.status_code == 302 and response["Location"] == back
    task.refresh_from_db()
    response = client.post(url, progress(task, next="https://evil.example/"))
    assert response["Location"] == reverse("tasks:detail", args=[task.pk])


def test_a_late_update_without_a_reason_is_refused_with_the_message(client, head, today):
    task = TaskFactory(lead_unit=head.unit, due_date=today - timedelta(days=4))
    url = reverse("tasks:update", args=[task.pk])
    response = client.post(url, progress(task), headers=HTMX)
    page = response.content.decode()
    assert response.status_code == 200  # htmx 2 swaps only 2xx
    assert "xin nêu lý do chậm trễ" in page and 'role="alert"' in page
    assert not ProgressUpdate.objects.filter(task=task).exists()
    client.post(url, progress(task, delay_reason="Chờ ý kiến Sở Tài chính"), headers=HTMX)
    assert ProgressUpdate.objects.get(task=task).delay_reason == "Chờ ý kiến Sở Tài chính"


def test_a_second_editor_is_told_and_nothing_is_overwritten(client, head):
    task = TaskFactory(lead_unit=head.unit)
    seen = version_of(task)
    colleague = UserFactory(unit=head.unit, full_name="Ngô Kim Ngân")
    task.assignee = colleague
    task.save()
    record_progress(task=task, by=colleague, percent=70, status=Status.IN_PROGRESS, achieved="B")
    url = reverse("tasks:update", args=[task.pk])
    response = client.post(url, {**progress(task, percent=20), "version": seen}, headers=HTMX)
    page = response.content.decode()
    assert "vừa được người khác cập nhật" in page
    assert "70%" in page and "Ngô Kim Ngân" in page
    task.refresh_from_db()
    assert task.percent == 70 and ProgressUpdate.objects.filter(task=task).count() == 1
    # The form now carries the newer version: saving again is a conscious choice.
    assert f'value="{version_of(task)}"' in page
    client.post(url, progress(task, percent=20), headers=HTMX)
    task.refresh_from_db()
    assert task.percent == 20


def test_a_unit_head_cannot_see_or_change_another_units_task(client, head):
    other = TaskFactory(lead_unit=UnitFactory())
    for name in ("detail", "update", "assign", "request_change"):
        assert client.get(reverse(f"tasks:{name}", args=[other.pk])).status_code == 404
    assert client.post(reverse("tasks:update", args=[other.pk]), progress(other)).status_code == 404


def test_staff_update_only_what_is_assigned_to_them(client):
    user = UserFactory(role=Role.STAFF)
    client.force_login(user)
    mine = TaskFactory(lead_unit=user.unit, assignee=user)
    colleagues = TaskFactory(lead_unit=user.unit)
    assert client.post(reverse("tasks:update", args=[mine.pk]), progress(mine)).status_code == 302
    url = reverse("tasks:update", args=[colleagues.pk])
    assert client.post(url, progress(colleagues)).status_code == 403
    assert client.get(reverse("tasks:assign", args=[mine.pk])).status_code == 403


def test_every_post_needs_the_csrf_token(head):
    client = Client(enforce_csrf_checks=True)
    client.force_login(head)
    task = TaskFactory(lead_unit=head.unit)
    response = client.post(reverse("tasks:update", args=[task.pk]), progress(task))
    assert response.status_code == 403
    assert not ProgressUpdate.objects.filter(task=task).exists()


def test_a_unit_head_assigns_a_person_of_the_unit(client, head):
    task = TaskFactory(lead_unit=head.unit)
    person = UserFactory(unit=head.unit, full_name="Trương Hoàng Nam")
    outsider = UserFactory(full_name="Người ngoài")
    url = reverse("tasks:assign", args=[task.pk])
    assert "Người ngoài" not in client.get(url).content.decode()
    data = {"assignee": outsider.pk, "version": version_of(task)}
    assert "Người ngoài" not in client.post(url, data, headers=HTMX).content.decode()
    task.refresh_from_db()
    assert task.assignee is None
    response = client.post(url, {**data, "assignee": person.pk}, headers=HTMX)
    assert "Đã giao cho Trương Hoàng Nam." in response.content.decode()
    task.refresh_from_db()
    assert task.assignee == person


def test_a_unit_head_asks_for_a_new_deadline(client, head, today):
    task = TaskFactory(lead_unit=head.unit, due_date=today + timedelta(3))
    url = reverse("tasks:request_change", args=[task.pk])
    new = today + timedelta(40)
    response = client.post(
        url, {"new_due_date": new.isoformat(), "reason": "Chờ số liệu"}, headers=HTMX
    )
    assert "chờ lãnh đạo quyết định" in response.content.decode()
    change = DeadlineChange.objects.get(task=task)
    assert change.new_due_date == new and change.requested_by == head
    again = client.post(url, {"new_due_date": new.isoformat(), "reason": "Lần nữa"}, headers=HTMX)
    assert "đang chờ quyết định" in again.content.decode()


def test_the_leader_in_charge_approves_and_the_original_deadline_is_kept(client, today):
    unit = UnitFactory()
    leader = UserFactory(role=Role.LEADERSHIP, full_name="Nguyễn Minh Quang")
    leader.units_in_charge.add(unit)
    old = today + timedelta(3)
    task = TaskFactory(lead_unit=unit, due_date=old)
    change = request_deadline_change(
        task=task, by=UserFactory(unit=unit), new_due_date=today + timedelta(30), reason="x"
    )
    client.force_login(leader)
    url = reverse("tasks:decide", args=[change.pk])
    response = client.post(url, {"decision": "approve", "comment": "Đồng ý"}, headers=HTMX)
    assert "Đã đồng ý" in response.content.decode()
    task.refresh_from_db()
    assert task.due_date == today + timedelta(30) and task.original_due_date == old


def test_refusing_needs_a_comment_and_a_plain_post_redirects(client, today):
    leader = UserFactory(role=Role.LEADERSHIP)
    task = TaskFactory(authority_user=leader)
    change = request_deadline_change(
        task=task, by=UserFactory(), new_due_date=today + timedelta(30), reason="x"
    )
    client.force_login(leader)
    url = reverse("tasks:decide", args=[change.pk])
    refused = client.post(url, {"decision": "refuse"}, headers=HTMX).content.decode()
    assert "Xin nêu ý kiến khi không đồng ý." in refused
    response = client.post(url, {"decision": "refuse", "comment": "Không có căn cứ"})
    assert response.status_code == 302 and response["Location"] == reverse("tasks:leadership")
    change.refresh_from_db()
    assert change.state == ChangeState.REFUSED and change.decision_comment == "Không có căn cứ"


def test_a_leader_cannot_decide_outside_their_area(client, today):
    leader = UserFactory(role=Role.LEADERSHIP)
    task = TaskFactory(authority_user=UserFactory(role=Role.LEADERSHIP))
    change = request_deadline_change(
        task=task, by=UserFactory(), new_due_date=today + timedelta(30), reason="x"
    )
    client.force_login(leader)
    response = client.post(reverse("tasks:decide", args=[change.pk]), {"decision": "approve"})
    assert response.status_code == 404
    change.refresh_from_db()
    assert change.state == ChangeState.PENDING


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31", "1999-12-31", "2101-01-01"])
def test_a_deadline_change_to_an_absurd_date_is_refused(client, head, day):
    task = TaskFactory(lead_unit=head.unit)
    url = reverse("tasks:request_change", args=[task.pk])
    response = client.post(url, {"new_due_date": day, "reason": "Gõ nhầm"}, headers=HTMX)
    assert response.status_code == 200
    assert "Ngày phải trong khoảng từ 01/01/2000 đến 31/12/2100." in response.content.decode()
    assert not DeadlineChange.objects.filter(task=task).exists()
    page = client.get(url).content.decode()
    assert 'min="2000-01-01"' in page and 'max="2100-12-31"' in page


def test_100_percent_while_in_progress_is_recorded_as_done_and_the_form_says_so(client, head):
    task = TaskFactory(lead_unit=head.unit, status=Status.IN_PROGRESS)
    url = reverse("tasks:update", args=[task.pk])
    form = client.get(url, headers=HTMX).content.decode()
    assert "100% là hoàn thành" in form
    response = client.post(url, progress(task, percent=100), headers=HTMX)
    assert "100% nên được ghi là hoàn thành" in response.content.decode()
    task.refresh_from_db()
    assert (task.status, task.percent) == (Status.DONE, 100)
    assert ProgressUpdate.objects.get(task=task).status == Status.DONE


def test_the_delay_reason_is_asked_first_and_only_when_late(client, head, today):
    on_time = TaskFactory(lead_unit=head.unit, due_date=today + timedelta(days=10))
    form = client.get(reverse("tasks:update", args=[on_time.pk]), headers=HTMX).content.decode()
    assert "Lý do chậm trễ" not in form and 'name="delay_reason"' not in form
    late = TaskFactory(lead_unit=head.unit, due_date=today - timedelta(days=1))
    form = client.get(reverse("tasks:update", args=[late.pk]), headers=HTMX).content.decode()
    assert form.index('name="delay_reason"') < form.index('name="percent"')


def test_an_inline_save_on_the_unit_page_moves_its_tab_counts(client, head, today):
    task = TaskFactory(
        lead_unit=head.unit, status=Status.IN_PROGRESS, due_date=today + timedelta(60)
    )
    back = reverse("tasks:unit", args=[head.unit_id]) + "?nhom=dang_thuc_hien"
    url = reverse("tasks:update", args=[task.pk])
    response = client.post(url, progress(task, percent=100, next=back), headers=HTMX)
    body = response.content.decode()
    assert f'id="task-{task.pk}"' in body
    tabs = body[body.index('id="group-tabs"') :]
    assert 'hx-swap-oob="true"' in tabs[:200]
    counts = dict(re.findall(r'class="tab tab-(\w+)[^>]*>[^<]*<span class="count">(\d+)', tabs))
    assert counts["dang_thuc_hien"] == "0" and counts["hoan_thanh"] == "1"
    # a plain post still redirects back to the page
    task.refresh_from_db()
    plain = client.post(url, progress(task, percent=100, status=Status.DONE, next=back))
    assert plain.status_code == 302 and plain["Location"] == back


def test_a_recurring_task_shows_its_last_update_after_an_inline_save(client, head, today):
    from plans.deadlines import DeadlineKind, Recurrence
    from tasks.services import ensure_occurrences

    task = TaskFactory(
        lead_unit=head.unit,
        deadline_kind=DeadlineKind.RECURRING,
        deadline_text="Hàng năm, bắt đầu từ năm 2026",
        due_date=date(2026, 12, 31),
        start_date=date(2026, 1, 1),
        recurrence=Recurrence(freq="yearly", dates=((12, 31),), first_year=2026).to_json(),
    )
    ensure_occurrences(task, until=today)
    task.refresh_from_db()
    occurrence = task.occurrences.first()
    url = reverse("tasks:update", args=[task.pk])
    row = client.post(
        url, progress(task, occurrence=occurrence.pk, achieved="Đã họp"), headers=HTMX
    ).content.decode()
    assert "chưa có" not in row and today.strftime("%d/%m/%Y") in row


@pytest.mark.parametrize(
    "fields",
    [
        {"percent": 40, "status": Status.IN_PROGRESS, "achieved": "Xong dự thảo"},
        {"percent": 100, "status": Status.DONE, "achieved": "Đã ban hành"},
    ],
)
def test_the_row_after_an_update_is_the_row_read_afresh(client, head, today, fields):
    """The row returned after a save is drawn from the task as the save left it, not read
    again: it must be the row the database gives."""
    task = TaskFactory(lead_unit=head.unit, due_date=today + timedelta(days=3))
    url = reverse("tasks:update", args=[task.pk])
    saved = client.post(url, progress(task, **fields), headers=HTMX).content.decode()
    afresh = client.get(reverse("tasks:row", args=[task.pk]), headers=HTMX).content.decode()
    note = re.search(r'<p class="message-success" role="status">[^<]*</p>', saved)
    assert note is not None
    assert saved.replace(note.group(0), "") == afresh


def test_an_update_takes_a_fixed_number_of_queries(client, head, django_assert_max_num_queries):
    task = TaskFactory(lead_unit=head.unit)
    url = reverse("tasks:update", args=[task.pk])
    # session, user, the task as its row shows it, then the write: lock, update, task, history
    with django_assert_max_num_queries(10):
        response = client.post(url, progress(task, achieved="Đang làm"), headers=HTMX)
    assert "Đã lưu tiến độ." in response.content.decode()
