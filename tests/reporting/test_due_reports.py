"""The drafts the portal prepares: their data stop before the report is due, and a plan says
which of its periodic reports it requires in a given year (plan 83: only the annual one in 2026).
"""

from __future__ import annotations

from datetime import date, datetime, time
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts.models import Role
from reporting import services
from reporting.data import Group
from reporting.models import Report, RequiredReport
from reporting.pdf import render_html
from reporting.periods import PeriodError, parse_period
from tasks.punctuality import local_today
from tests.factories import PlanFactory, TaskFactory, UserFactory


@pytest.fixture(autouse=True)
def no_queue():
    with mock.patch("reporting.jobs.generate_report.delay") as delay:
        yield delay


def _prepare_on(day: date) -> list[Report]:
    """What the daily job prepares, the clock set to 09:00 that day in Vietnam."""
    moment = datetime.combine(day, time(9), tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))
    with time_machine.travel(moment, tick=False):
        return services.prepare_due_reports(today=local_today())


def _drafts(prepared: list[Report]) -> list[tuple[str, str | None, date]]:
    return [
        (r.period_code, r.scope_plan.number if r.scope_plan else None, r.period_end)
        for r in prepared
    ]


def test_the_six_month_draft_takes_its_data_up_to_five_days_before_it_is_due(db, client):
    (report,) = _prepare_on(date(2026, 5, 31))
    assert (report.period_code, report.period_start) == ("2026-H1", date(2025, 12, 15))
    assert report.period_end == date(2026, 6, 5) < date(2026, 6, 10)  # not the decree's 14/6
    assert report.ends_early and report.period_key == "semiannual:2026-H1:nd09:den-2026-06-05"

    due_before = TaskFactory(due_date=date(2026, 6, 4))
    due_after = TaskFactory(due_date=date(2026, 6, 8))
    data = services.build_data(report, today=date(2026, 6, 9))
    groups = {row.task_id: row.group for row in data.tasks}
    assert groups == {due_before.pk: Group.DUE, due_after.pk: Group.NOT_YET_DUE}
    assert data.as_of == date(2026, 6, 5)
    document = render_html(data, report.document())
    assert "số liệu tính đến ngày 05/06/2026 để gửi báo cáo đúng hạn" in document
    assert "Nghị định số 09/2019/NĐ-CP" not in document  # its 14/06 is not the cut-off here

    client.force_login(UserFactory(role=Role.OFFICE))
    page = client.get(reverse("reporting:detail", args=[report.pk])).content.decode()
    assert "số liệu tính đến ngày 05/06/2026" in page
    assert _prepare_on(date(2026, 6, 1)) == []  # prepared once


def test_the_annual_draft_takes_its_data_up_to_before_ten_december(db, settings):
    settings.REPORT_CUTOFF_DAYS_BEFORE_DUE = 3
    (report,) = _prepare_on(date(2026, 12, 1))
    assert report.period_code == "2026"
    assert report.period_end == date(2026, 12, 7)


def test_a_report_of_that_period_made_by_hand_is_not_prepared_again(db):
    office = UserFactory(role=Role.OFFICE)
    services.create_draft(kind="semiannual", code="2026-H1", by=office)  # to 14/06
    assert _prepare_on(date(2026, 5, 31)) == []


def test_plan_83_requires_only_the_year_end_report_in_2026(demo):
    plan = demo.plans[0]
    assert plan.number == "83/KH-UBND"
    assert set(plan.required_reports.values_list("kind", "due_day", "due_month", "first_year")) == {
        ("semiannual", 10, 6, 2027),
        ("annual", 10, 12, 2026),
    }
    assert _drafts(_prepare_on(date(2026, 5, 31))) == [("2026-H1", None, date(2026, 6, 5))]
    assert _drafts(_prepare_on(date(2026, 12, 1))) == [
        ("2026", None, date(2026, 12, 5)),
        ("2026", "83/KH-UBND", date(2026, 12, 5)),
    ]
    assert _drafts(_prepare_on(date(2027, 5, 31))) == [
        ("2027-H1", None, date(2027, 6, 5)),
        ("2027-H1", "83/KH-UBND", date(2027, 6, 5)),
    ]
    plan_report = Report.objects.get(scope_plan=plan, period_code="2027-H1")
    assert (
        plan_report.title
        == "Kết quả thực hiện nhiệm vụ 6 tháng đầu năm 2027 theo Kế hoạch số 83/KH-UBND"
    )


def test_no_report_is_required_before_the_plan_is_issued_or_after_its_last_year(db):
    plan = PlanFactory(issued_on=date(2026, 7, 1))
    RequiredReport.objects.create(plan=plan, kind="semiannual", due_month=6, due_day=10)
    RequiredReport.objects.create(
        plan=plan, kind="annual", due_month=12, due_day=10, last_year=2026
    )
    assert [d.code for d in services.due_reports(year=2026) if d.plan] == ["2026"]
    assert [d.code for d in services.due_reports(year=2027) if d.plan] == ["2027-H1"]


def test_a_due_date_every_year_has(db):
    required = RequiredReport(plan=PlanFactory(), kind="annual", due_month=2, due_day=29)
    with pytest.raises(ValidationError, match="Tháng 2 không có ngày 29 mọi năm"):
        required.full_clean()


def test_an_early_cut_off_lies_inside_the_period():
    period = parse_period("semiannual", "2026-H1", until=date(2026, 6, 5))
    assert (period.start, period.end, period.ends_early) == (
        date(2025, 12, 15),
        date(2026, 6, 5),
        True,
    )
    assert parse_period("semiannual", "2026-H1", until=date(2026, 6, 14)).key == (
        "semiannual:2026-H1:nd09"
    )
    with pytest.raises(PeriodError, match="Ngày chốt số liệu 20/06/2026"):
        parse_period("semiannual", "2026-H1", until=date(2026, 6, 20))
