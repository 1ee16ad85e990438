"""Coordinating units (phối hợp): a tab of their own on the unit page, read-only for the lead's
progress, and coordination notes kept with the task's history."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from accounts.models import Role
from tasks.models import CoordinationNote, ProgressUpdate
from tests.factories import TaskFactory, UnitFactory, UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_clock")]
HTMX = {"HX-Request": "true"}


@pytest.fixture
def lead():
    return UnitFactory(name="Phòng Chuyển đổi số")


@pytest.fixture
def partner():
    return UnitFactory(name="Trung tâm KHCN")


@pytest.fixture
def task(lead, partner):
    task = TaskFactory(content="Xây dựng Trợ lý ảo", lead_unit=lead, due_date=date(2026, 12, 31))
    task.coordinating_units.add(partner)
    return task


@pytest.fixture
def partner_head(client, partner):
    user = UserFactory(role=Role.UNIT_HEAD, unit=partner, full_name="Lê Thu Hà")
    client.force_login(user)
    return user


def note_url(task) -> str:
    return reverse("tasks:coordination_note", args=[task.pk])


def test_the_coordinating_unit_sees_the_task_in_a_tab_of_its_own(client, partner_head, task):
    TaskFactory(content="Việc của chính trung tâm", lead_unit=partner_head.unit)
    url = reverse("tasks:unit", args=[partner_head.unit_id])
    page = client.get(url).content.decode()
    assert "Đơn vị phối hợp" in page and "?nhom=phoi_hop" in page
    assert "Xây dựng Trợ lý ảo" not in page  # not among the unit's own tasks
    tab = client.get(url, {"nhom": "phoi_hop"}, headers=HTMX).content.decode()
    assert "<html" not in tab and "Xây dựng Trợ lý ảo" in tab
    assert "Việc của chính trung tâm" not in tab
    # read-only for the lead's progress: a note, no update, assignment or deadline request
    assert note_url(task) in tab
    assert reverse("tasks:update", args=[task.pk]) not in tab
    assert reverse("tasks:assign", args=[task.pk]) not in tab
    assert reverse("tasks:request_change", args=[task.pk]) not in tab


def test_the_coordinating_unit_reads_the_task_page_but_cannot_update_it(client, partner_head, task):
    page = client.get(reverse("tasks:detail", args=[task.pk]))
    assert page.status_code == 200
    assert "Ghi ý kiến phối hợp của Trung tâm KHCN" in page.content.decode()
    update = reverse("tasks:update", args=[task.pk])
    assert client.post(update, {"percent": 90, "status": "in_progress"}).status_code == 404
    assert not ProgressUpdate.objects.exists()


def test_an_htmx_note_returns_the_row_and_is_in_the_task_history(client, partner_head, task):
    response = client.post(
        note_url(task), {"text": "Đã cử 2 cán bộ tham gia tổ biên tập"}, headers=HTMX
    )
    body = response.content.decode()
    assert response.status_code == 200 and f'id="task-{task.pk}"' in body
    assert "Đã ghi ý kiến phối hợp của Trung tâm KHCN." in body
    note = CoordinationNote.objects.get()
    assert (note.task, note.unit, note.author) == (task, partner_head.unit, partner_head)
    client.force_login(UserFactory(role=Role.UNIT_HEAD, unit=task.lead_unit))
    page = client.get(reverse("tasks:detail", args=[task.pk])).content.decode()
    history = page[page.index('id="history"') :]
    assert "Ý kiến phối hợp của Trung tâm KHCN" in history
    assert "Đã cử 2 cán bộ tham gia tổ biên tập" in history


def test_a_plain_note_redirects_and_an_empty_one_is_refused(client, partner_head, task):
    back = reverse("tasks:unit", args=[partner_head.unit_id]) + "?nhom=phoi_hop"
    response = client.post(note_url(task), {"text": "  ", "next": back})
    assert response.status_code == 200 and "Xin nhập ý kiến phối hợp." in response.content.decode()
    assert "This field is required" not in response.content.decode()
    response = client.post(note_url(task), {"text": "Thống nhất nội dung", "next": back})
    assert response.status_code == 302 and response["Location"] == back
    assert CoordinationNote.objects.count() == 1


def test_units_that_do_not_coordinate_cannot_note(client, task, lead):
    outsider = UserFactory(role=Role.UNIT_HEAD, unit=UnitFactory())
    client.force_login(outsider)
    assert client.post(note_url(task), {"text": "x"}).status_code == 404
    # the lead unit sees the task but is not a coordinating unit of it
    client.force_login(UserFactory(role=Role.UNIT_HEAD, unit=lead))
    assert client.post(note_url(task), {"text": "x"}).status_code == 403
    assert not CoordinationNote.objects.exists()


def test_the_coordinated_tab_query_count_does_not_grow(client, partner_head, lead, partner):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    url = reverse("tasks:unit", args=[partner_head.unit_id]) + "?nhom=phoi_hop"

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    TaskFactory(lead_unit=lead).coordinating_units.add(partner)
    count()  # the first view keeps the names, the unit tree and the badge for the next ones
    few = count()
    for task in TaskFactory.create_batch(15, lead_unit=lead, assignee=UserFactory(unit=lead)):
        task.coordinating_units.add(partner)
    count()  # a new person: what is kept under the names' version is read again once
    assert count() == few <= 13


def test_open_tasks_come_before_done_ones_in_the_tab(client, partner_head, lead, partner):
    from tasks.punctuality import Status

    done = TaskFactory(content="Đã xong", lead_unit=lead, due_date=date(2026, 1, 31))
    done.status, done.completed_on = Status.DONE, date(2026, 1, 30)
    done.save()
    later = TaskFactory(content="Còn làm", lead_unit=lead, due_date=date(2026, 12, 31))
    for task in (done, later):
        task.coordinating_units.add(partner)
    url = reverse("tasks:unit", args=[partner_head.unit_id])
    response = client.get(url, {"nhom": "phoi_hop"})
    assert [t.content for t in response.context["page"].object_list] == ["Còn làm", "Đã xong"]


def test_the_lead_unit_hears_of_a_coordination_note(
    client, partner_head, task, lead, django_capture_on_commit_callbacks
):
    from unittest import mock

    from tasks.models import Channel, Notification, WarningRule

    lead_head = UserFactory(role=Role.UNIT_HEAD, unit=lead)
    assignee = UserFactory(unit=lead)
    task.assignee = assignee
    task.save()
    with (
        mock.patch("tasks.jobs.deliver_alert.delay"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        client.post(note_url(task), {"text": "Đã cử 2 cán bộ\ntham gia"}, headers=HTMX)
    inbox = Notification.objects.filter(channel=Channel.IN_APP).select_related("alert")
    assert {n.recipient for n in inbox} == {lead_head, assignee}
    alert = inbox[0].alert
    assert alert.rule == WarningRule.COORDINATION_NOTE
    assert alert.message == "Lê Thu Hà (Trung tâm KHCN, đơn vị phối hợp): Đã cử 2 cán bộ tham gia"


def test_the_office_reads_a_units_coordinated_tab_without_writing_its_notes(client, task, partner):
    client.force_login(UserFactory(role=Role.OFFICE, unit=UnitFactory(name="Văn phòng Sở")))
    url = reverse("tasks:unit", args=[partner.pk])
    tab = client.get(url, {"nhom": "phoi_hop"}).content.decode()
    assert "Xây dựng Trợ lý ảo" in tab and note_url(task) not in tab
    assert client.post(note_url(task), {"text": "x"}).status_code == 403


def plain_recount(unit_ids: set[int]) -> int:
    """The "Phối hợp" figure as the tab lists it: every measured task, tested for a row."""
    from tasks.models import Task
    from tasks.permissions import coordinated_filter

    return (
        Task.objects.tracked()
        .filter(coordinated_filter(None, unit_ids=unit_ids))
        .exclude(lead_unit_id__in=unit_ids)
        .count()
    )


def test_the_coordinated_count_equals_a_plain_recount_before_and_after_writes(
    client, partner_head, lead, partner
):
    from plans.models import Unit
    from tasks.dashboards import coordinated_count

    team = UnitFactory(name="Tổ ứng dụng", parent=partner)
    unit_ids = Unit.objects.descendant_ids({partner.pk})
    both = TaskFactory(lead_unit=lead)
    both.coordinating_units.add(partner, team)  # counted once
    TaskFactory(lead_unit=lead).coordinating_units.add(team)  # through the unit below
    TaskFactory(lead_unit=team).coordinating_units.add(partner)  # led from inside: not counted
    TaskFactory(lead_unit=lead, fans_out=True).coordinating_units.add(partner)  # not measured
    TaskFactory(lead_unit=lead, is_breakdown=True).coordinating_units.add(partner)
    TaskFactory(lead_unit=lead).coordinating_units.add(lead)  # another unit's
    late = TaskFactory(lead_unit=lead)
    url = reverse("tasks:unit", args=[partner.pk])

    def shown() -> int:
        return client.get(url).context["coordinated_count"]

    assert coordinated_count(unit_ids) == plain_recount(unit_ids) == shown() == 2
    late.coordinating_units.add(partner)
    assert coordinated_count(unit_ids) == plain_recount(unit_ids) == shown() == 3
    both.coordinating_units.remove(partner)  # still through the unit below
    assert coordinated_count(unit_ids) == plain_recount(unit_ids) == shown() == 3
    late.lead_unit = team  # now led from inside
    late.save()
    assert coordinated_count(unit_ids) == plain_recount(unit_ids) == shown() == 2
    tab = client.get(url, {"nhom": "phoi_hop"})
    assert tab.context["coordinated_count"] == 2
    assert coordinated_count(set()) == plain_recount(set()) == 0


def test_the_coordinated_count_after_an_inline_save_equals_a_recount(
    client, partner_head, lead, partner
):
    """The tabs sent back with a saved row (htmx, out of band) carry the same figure."""
    from tasks.views import _tabs_after_write

    for task in TaskFactory.create_batch(3, lead_unit=lead):
        task.coordinating_units.add(partner)
    request = client.get(reverse("tasks:unit", args=[partner.pk])).wsgi_request
    tabs = _tabs_after_write(request, reverse("tasks:unit", args=[partner.pk]))
    assert tabs["coordinated_count"] == plain_recount({partner.pk}) == 3
