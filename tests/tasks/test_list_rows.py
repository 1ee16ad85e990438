"""The task list's rows are drawn once per version of a task and kept (tasks.list_rows): what a
person sees must still be what the task, its names and the day say now."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import Role
from tasks.punctuality import Status
from tasks.services import record_progress
from tests.factories import TaskFactory, UnitFactory, UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_clock")]
URL = reverse("tasks:list")


@pytest.fixture
def office(client):
    user = UserFactory(role=Role.OFFICE)
    client.force_login(user)
    return user


def page(client, **params) -> str:
    return client.get(URL, params).content.decode()


def rows(html: str) -> str:
    return html[html.index("<tbody>") : html.index("</tbody>")]


def row_reads(captured) -> list[str]:
    """The queries that read tasks whole (their text among their columns) to draw rows."""
    return [q["sql"] for q in captured if '"tasks_task"."content"' in q["sql"]]


def test_a_second_view_draws_no_row_and_shows_the_same_page(client, office, today):
    for n in range(3):
        TaskFactory(content=f"Việc {n}", due_date=today + timedelta(days=n))
    first = page(client)
    with CaptureQueriesContext(connection) as captured:
        second = page(client)
    assert row_reads(captured) == []
    assert rows(second) == rows(first)
    assert all(f"Việc {n}" in second for n in range(3))


def test_a_progress_update_shows_at_once(client, office, today):
    task = TaskFactory(content="Báo cáo quý", due_date=today + timedelta(days=30))
    assert "· 0%" in page(client)
    record_progress(task=task, by=office, percent=60, status=Status.IN_PROGRESS, achieved="Làm")
    html = page(client)
    assert "· 60%" in html and "· 0%" not in html


def test_a_renamed_unit_or_person_shows_at_once(client, office, today):
    unit = UnitFactory(name="Phòng Tin học", short_name="")
    person = UserFactory(full_name="Trần Thị Mai", unit=unit)
    TaskFactory(content="Việc A", lead_unit=unit, assignee=person, due_date=today)
    assert "Phòng Tin học" in page(client) and "Trần Thị Mai" in page(client)
    unit.name = "Phòng Chuyển đổi số"
    unit.save()
    person.full_name = "Trần Thị Mai Anh"
    person.save()
    html = page(client)
    assert "Phòng Chuyển đổi số" in html and "Phòng Tin học" not in html
    assert "Trần Thị Mai Anh" in html


def test_a_login_keeps_the_rows(client, office, today):
    TaskFactory(content="Việc A", due_date=today)
    page(client)
    client.force_login(office)  # stamps last_login only
    with CaptureQueriesContext(connection) as captured:
        page(client)
    assert row_reads(captured) == []


def test_the_next_day_an_open_task_past_its_date_reads_overdue(client, office, today, frozen_clock):
    TaskFactory(content="Nộp báo cáo", due_date=today, status=Status.IN_PROGRESS)
    assert "badge-due_soon" in page(client)
    frozen_clock.shift(timedelta(days=1))
    html = page(client)
    assert "badge-overdue" in html and "badge-due_soon" not in html


def test_english_is_drawn_apart_from_vietnamese(client, office, today):
    TaskFactory(content="Việc A", due_date=today + timedelta(days=30), status=Status.NOT_STARTED)
    assert "Chưa thực hiện" in page(client)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = page(client)
    assert "Not started" in html and "Chưa thực hiện" not in html


def test_the_pick_box_follows_the_person_not_the_cached_row(client, today):
    unit = UnitFactory()
    TaskFactory(content="Việc của phòng", lead_unit=unit, due_date=today)
    client.force_login(UserFactory(role=Role.UNIT_HEAD, unit=unit))
    assert 'name="tasks"' in page(client)  # the head may pick it
    client.force_login(UserFactory(role=Role.STAFF, unit=unit))
    html = page(client)
    assert "Việc của phòng" in html and 'name="tasks"' not in html
