"""The deadline calendar: the month view, and the iCal feed a phone or Outlook subscribes to."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse
from icalendar import Calendar

from accounts.models import CalendarFeed, Role
from plans.deadlines import DeadlineKind, Recurrence
from tasks.punctuality import Status
from tasks.services import ensure_occurrences
from tests.factories import TaskFactory, UnitFactory, UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_clock")]  # 22/11/2026


@pytest.fixture
def unit():
    return UnitFactory(name="Phòng Chuyển đổi số", short_name="Phòng CĐS")


@pytest.fixture
def head(unit):
    return UserFactory(role=Role.UNIT_HEAD, unit=unit)


def _monthly_report(unit):
    task = TaskFactory(
        lead_unit=unit,
        content="Báo cáo tình hình chuyển đổi số hằng tháng",
        product="Báo cáo tháng",
        deadline_kind=DeadlineKind.RECURRING,
        deadline_text="Hằng tháng, trước ngày 25",
        due_date=date(2026, 11, 24),
        original_due_date=date(2026, 11, 24),
        start_date=date(2026, 1, 1),
        recurrence=Recurrence(
            freq="monthly", dates=tuple((m, 24) for m in range(1, 13)), first_year=2026
        ).to_json(),
    )
    ensure_occurrences(task, until=date(2026, 12, 31))
    return task


def _days(page: str) -> str:
    return page.split('<table class="month">', 1)[1]


def test_the_month_shows_each_deadline_on_its_day_with_a_link(client, head, unit):
    task = TaskFactory(lead_unit=unit, content="Ban hành quy chế", due_date=date(2026, 11, 30))
    client.force_login(head)
    page = client.get(reverse("tasks:calendar")).content.decode()
    assert "Lịch hạn tháng 11/2026" in page
    grid = _days(page)
    assert "30/11" in grid and "Ban hành quy chế" in grid
    assert reverse("tasks:detail", args=[task.pk]) in grid


def test_a_recurring_report_shows_once_per_period_and_is_marked_as_a_report(client, head, unit):
    _monthly_report(unit)
    client.force_login(head)
    grid = _days(client.get(reverse("tasks:calendar"), {"thang": "2026-12"}).content.decode())
    # December's period, on 24/12, once, marked as a report the unit owes
    assert grid.count(">Báo cáo: Báo cáo tình hình chuyển đổi số") == 1


def test_a_unit_head_sees_nothing_of_another_units_deadlines(client, head):
    TaskFactory(lead_unit=UnitFactory(), content="Việc của phòng khác", due_date=date(2026, 11, 27))
    client.force_login(head)
    assert "Việc của phòng khác" not in client.get(reverse("tasks:calendar")).content.decode()
    # nor by asking for that unit in the URL: the choice is ignored
    other = TaskFactory(lead_unit=UnitFactory(), due_date=date(2026, 11, 27))
    page = client.get(reverse("tasks:calendar"), {"don-vi": other.lead_unit_id}).content.decode()
    assert other.content not in page


def test_the_calendar_narrows_to_a_person(client, head, unit):
    person = UserFactory(unit=unit, full_name="Lê Thị Hoa")
    TaskFactory(
        lead_unit=unit, assignee=person, content="Việc của Hoa", due_date=date(2026, 11, 26)
    )
    TaskFactory(lead_unit=unit, content="Việc chưa giao", due_date=date(2026, 11, 26))
    client.force_login(head)
    grid = _days(client.get(reverse("tasks:calendar"), {"nguoi": person.pk}).content.decode())
    assert "Việc của Hoa" in grid and "Việc chưa giao" not in grid


@pytest.mark.parametrize("asked", ["2026-13", "99999-01", "x", "0001-01", "2026-11-01"])
def test_a_month_that_makes_no_sense_shows_this_month(client, head, asked):
    client.force_login(head)
    response = client.get(reverse("tasks:calendar"), {"thang": asked, "nguoi": "9" * 30})
    assert response.status_code == 200
    assert "Lịch hạn tháng 11/2026" in response.content.decode()


def test_the_month_reads_the_same_few_queries_however_many_deadlines(
    client, head, unit, django_assert_max_num_queries
):
    for day in range(1, 29):
        TaskFactory(lead_unit=unit, due_date=date(2026, 11, day), assignee=head)
    _monthly_report(unit)
    client.force_login(head)
    with django_assert_max_num_queries(12):
        assert client.get(reverse("tasks:calendar")).status_code == 200


# --- the iCal feed ------------------------------------------------------------------------------


def _events(client, key: str) -> dict[str, dict]:
    response = client.get(reverse("tasks:calendar_feed", args=[key]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    feed = Calendar.from_ical(response.content)
    return {str(e["summary"]): e for e in feed.walk("VEVENT")}


def test_the_feed_holds_my_open_deadlines_and_the_reports_my_unit_owes(client, head, unit):
    mine = TaskFactory(lead_unit=unit, content="Xây dựng kế hoạch", due_date=date(2026, 12, 15))
    TaskFactory(
        lead_unit=unit,
        content="Việc đã xong",
        due_date=date(2026, 12, 10),
        status=Status.DONE,
        completed_on=date(2026, 11, 20),
    )
    TaskFactory(lead_unit=UnitFactory(), content="Việc đơn vị khác", due_date=date(2026, 12, 1))
    _monthly_report(unit)
    key = CalendarFeed.for_user(head).key
    events = _events(client, key)  # no login: a calendar application cannot log in
    plan = events["Hạn: Xây dựng kế hoạch"]
    assert plan["dtstart"].dt == date(2026, 12, 15)
    assert f"/nhiem-vu/{mine.pk}/" in str(plan["url"])
    assert any(s.startswith("Nộp báo cáo: Báo cáo tình hình") for s in events)
    assert not any("Việc đã xong" in s or "Việc đơn vị khác" in s for s in events)


def test_staff_get_only_what_is_assigned_to_them(client, unit):
    person = UserFactory(unit=unit)
    TaskFactory(lead_unit=unit, assignee=person, content="Giao cho tôi", due_date=date(2026, 12, 5))
    TaskFactory(lead_unit=unit, content="Việc chung của phòng", due_date=date(2026, 12, 5))
    events = _events(client, CalendarFeed.for_user(person).key)
    assert list(events) == ["Hạn: Giao cho tôi"]


def test_a_new_address_replaces_the_old_one(client, head):
    old = CalendarFeed.for_user(head).key
    client.force_login(head)
    page = client.get(reverse("tasks:calendar_sync")).content.decode()
    assert f"/nhiem-vu/lich/{old}.ics" in page
    response = client.post(reverse("tasks:calendar_renew"), follow=True)
    assert "địa chỉ cũ không còn dùng được" in response.content.decode()
    client.logout()
    assert client.get(reverse("tasks:calendar_feed", args=[old])).status_code == 404
    new = CalendarFeed.objects.get(user=head).key
    assert new != old and len(new) >= 40
    assert client.get(reverse("tasks:calendar_feed", args=[new])).status_code == 200


def test_an_unknown_or_a_deactivated_persons_address_is_not_found(client, head):
    key = CalendarFeed.for_user(head).key
    assert client.get(reverse("tasks:calendar_feed", args=["x" * 43])).status_code == 404
    head.is_active = False
    head.save()
    assert client.get(reverse("tasks:calendar_feed", args=[key])).status_code == 404


# --- sub-tasks of a break-down ------------------------------------------------------------------


@pytest.fixture
def split(unit, head):
    """A task due 15/12 split into a part due 10/12 (Nam's) and one due 15/12 (Hoa's)."""
    from tasks import breakdown
    from tasks.breakdown import Part

    nam = UserFactory(unit=unit, full_name="Trương Hoàng Nam")
    hoa = UserFactory(unit=unit, full_name="Lê Thị Hoa")
    parent = TaskFactory(
        lead_unit=unit, assignee=hoa, content="Số hóa hồ sơ lưu trữ", due_date=date(2026, 12, 15)
    )
    parts = breakdown.break_down(
        task=parent,
        by=head,
        parts=[
            Part(content="Số hóa hồ sơ 2024", assignee=nam, due_date=date(2026, 12, 10)),
            Part(content="Số hóa hồ sơ 2025", assignee=hoa, due_date=date(2026, 12, 15)),
        ],
    )
    return parent, parts, nam, hoa


def _entries_of(page: str) -> list[str]:
    import re

    return re.findall(r'href="/nhiem-vu/(\d+)/"', _days(page))


def test_a_persons_calendar_shows_their_sub_tasks_and_a_same_day_parent_once(client, head, split):
    parent, (for_nam, for_hoa), nam, hoa = split
    client.force_login(head)
    month = {"thang": "2026-12"}
    page = client.get(reverse("tasks:calendar"), {**month, "nguoi": nam.pk}).content.decode()
    assert _entries_of(page) == [str(for_nam.pk)]
    assert "↳" in _days(page) and "Việc con của: Số hóa hồ sơ lưu trữ" in page
    # Hoa holds the parent and its part due the same day: her piece, once.
    page = client.get(reverse("tasks:calendar"), {**month, "nguoi": hoa.pk}).content.decode()
    assert _entries_of(page) == [str(for_hoa.pk)]


def test_a_units_calendar_shows_the_parent_once_and_the_parts_on_other_days(
    client, head, unit, split
):
    parent, (for_nam, _for_hoa), _nam, _hoa = split
    client.force_login(head)
    page = client.get(
        reverse("tasks:calendar"), {"thang": "2026-12", "don-vi": unit.pk}
    ).content.decode()
    # 10/12 Nam's part; 15/12 the parent, which stands for Hoa's part due that day.
    assert _entries_of(page) == [str(for_nam.pk), str(parent.pk)]


def test_staff_feed_holds_their_sub_tasks_and_a_heads_feed_the_unit_once(client, head, split):
    parent, (for_nam, for_hoa), nam, hoa = split
    events = _events(client, CalendarFeed.for_user(nam).key)
    assert list(events) == ["Hạn: Số hóa hồ sơ 2024"]
    assert "Việc con của: Số hóa hồ sơ lưu trữ" in str(
        events["Hạn: Số hóa hồ sơ 2024"]["description"]
    )
    assert list(_events(client, CalendarFeed.for_user(hoa).key)) == ["Hạn: Số hóa hồ sơ 2025"]
    assert sorted(_events(client, CalendarFeed.for_user(head).key)) == [
        "Hạn: Số hóa hồ sơ 2024",
        "Hạn: Số hóa hồ sơ lưu trữ",
    ]


def test_the_month_with_sub_tasks_reads_the_same_few_queries(
    client, head, unit, split, django_assert_max_num_queries
):
    from tasks import breakdown
    from tasks.breakdown import Part

    parent, _parts, nam, _hoa = split
    breakdown.break_down(
        task=parent,
        by=head,
        parts=[
            Part(content=f"Phần {day}", assignee=nam, due_date=date(2026, 12, day))
            for day in range(1, 15)
        ],
    )
    client.force_login(head)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("tasks:calendar"), {"thang": "2026-12"})
    assert response.content.decode().count("↳") == 15
