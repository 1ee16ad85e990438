from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import Role
from plans.deadlines import DeadlineKind
from tasks.punctuality import Status
from tasks.services import (
    assign_task,
    decide_deadline_change,
    ensure_occurrences,
    record_progress,
    request_deadline_change,
)
from tests.factories import TaskFactory, UnitFactory, UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_clock")]


def test_the_task_page_shows_the_six_ro_and_what_is_missing(client):
    task = TaskFactory(
        content="Rà soát quy chế",
        product="",
        deadline_text="Trước 01/6/2026",
        deadline_kind=DeadlineKind.DATE,
        due_date=date(2026, 5, 31),
    )
    client.force_login(UserFactory(role=Role.OFFICE))
    page = client.get(reverse("tasks:detail", args=[task.pk])).content.decode()
    assert "Rà soát quy chế" in page
    assert "“Trước 01/6/2026”" in page and "31/05/2026" in page
    assert "Còn thiếu:" in page and "chưa giao cho người cụ thể" in page
    assert "chưa rõ sản phẩm, kết quả" in page


def test_the_person_as_the_plan_wrote_it_shows_until_someone_is_assigned(client):
    task = TaskFactory(assignee=None, assignee_as_written="Đ/c Phó Giám đốc phụ trách")
    client.force_login(UserFactory(role=Role.OFFICE))

    page = client.get(reverse("tasks:detail", args=[task.pk])).content.decode()
    listed = client.get(reverse("tasks:list")).content.decode()

    assert "chưa giao cho người cụ thể" in page
    assert "“Đ/c Phó Giám đốc phụ trách”" in page and "“Đ/c Phó Giám đốc phụ trách”" in listed


def test_the_history_shows_who_changed_what_from_and_to(client, today):
    unit = UnitFactory()
    leader = UserFactory(role=Role.LEADERSHIP, full_name="Nguyễn Minh Quang")
    head = UserFactory(role=Role.UNIT_HEAD, unit=unit, full_name="Võ Thành Long")
    person = UserFactory(unit=unit, full_name="Trương Hoàng Nam")
    old = today + timedelta(days=5)
    task = TaskFactory(lead_unit=unit, authority_user=leader, due_date=old)
    assign_task(task=task, assignee=person, by=head)
    record_progress(task=task, by=person, percent=30, status=Status.IN_PROGRESS, achieved="Dự thảo")
    change = request_deadline_change(
        task=task, by=head, new_due_date=old + timedelta(30), reason="x"
    )
    decide_deadline_change(change=change, by=leader, approve=True)
    client.force_login(head)
    page = client.get(reverse("tasks:detail", args=[task.pk])).content.decode()
    assert "Người thực hiện: <del>—</del> → <ins>Trương Hoàng Nam</ins>" in page
    assert "Tiến độ (%): <del>0</del> → <ins>30</ins>" in page
    assert "Trạng thái: <del>Chưa thực hiện</del> → <ins>Đang thực hiện</ins>" in page
    new = (old + timedelta(30)).strftime("%d/%m/%Y")
    assert f"Hạn hoàn thành: <del>{old:%d/%m/%Y}</del> → <ins>{new}</ins>" in page
    assert "Nguyễn Minh Quang" in page and "Điều chỉnh thời hạn theo đề nghị" in page
    assert "Dự thảo" in page  # the progress update itself


def test_a_recurring_task_shows_its_periods(client):
    task = TaskFactory(
        deadline_text="Hàng năm, bắt đầu từ năm 2026",
        deadline_kind=DeadlineKind.RECURRING,
        due_date=None,
        start_date=date(2026, 1, 1),
        recurrence={"freq": "yearly", "dates": [[12, 31]], "first_year": 2026},
    )
    ensure_occurrences(task, until=date(2027, 3, 1))
    client.force_login(UserFactory(role=Role.OFFICE))
    page = client.get(reverse("tasks:detail", args=[task.pk])).content.decode()
    assert "Các kỳ thực hiện" in page and "31/12/2026" in page


def test_another_units_task_does_not_exist_for_a_unit_head(client):
    client.force_login(UserFactory(role=Role.UNIT_HEAD))
    task = TaskFactory(lead_unit=UnitFactory())
    assert client.get(reverse("tasks:detail", args=[task.pk])).status_code == 404


def test_the_task_page_query_count_does_not_grow_with_its_history(client):
    head = UserFactory(role=Role.UNIT_HEAD)
    task = TaskFactory(lead_unit=head.unit)
    client.force_login(head)
    url = reverse("tasks:detail", args=[task.pk])

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    record_progress(task=task, by=head, percent=10, status=Status.IN_PROGRESS)
    few = count()
    for percent in range(20, 90, 10):
        assign_task(task=task, assignee=UserFactory(unit=head.unit), by=head)
        record_progress(task=task, by=head, percent=percent, status=Status.IN_PROGRESS)
    # + the names of the people who were assigned; the comment thread (comments, the updates'
    # files, whom @ may name) is counted in tests/tasks/test_comments.py
    assert count() <= few + 1 <= 19
