from __future__ import annotations

from datetime import date
from unittest import mock

import pytest
from django.urls import reverse

from accounts.models import Role
from reporting import services
from reporting.models import Report, ReportState
from tests.factories import PlanFactory, TaskFactory, UnitFactory, UserFactory

pytestmark = pytest.mark.usefixtures("frozen_clock")


@pytest.fixture(autouse=True)
def no_queue():
    with mock.patch("reporting.jobs.generate_report.delay") as delay:
        yield delay


@pytest.fixture
def office(db):
    return UserFactory(role=Role.OFFICE)


@pytest.fixture
def leader(db):
    return UserFactory(role=Role.LEADERSHIP, title="Phó Giám đốc")


@pytest.fixture
def report(office):
    return services.create_draft(kind="semiannual", code="2026-H1", by=office)


def _generated(report) -> Report:
    services.start_generation(report=report)
    return services.generate_files(report_id=report.pk, today=date(2026, 6, 20))


@pytest.mark.parametrize("role", [Role.STAFF, Role.UNIT_HEAD])
def test_others_may_not_see_reports(client, db, report, role):
    client.force_login(UserFactory(role=role))
    assert client.get(reverse("reporting:list")).status_code == 403
    assert client.get(reverse("reporting:new")).status_code == 403
    assert client.get(reverse("reporting:detail", args=[report.pk])).status_code == 403
    assert client.get(reverse("reporting:download", args=[report.pk, "pdf"])).status_code == 403


def test_a_leader_picks_six_months_and_the_report_is_generated(
    client, leader, no_queue, django_capture_on_commit_callbacks
):
    client.force_login(leader)
    page = client.get(reverse("reporting:new"))
    assert "6 tháng đầu năm 2026" in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("reporting:new"),
            {"period": "semiannual:2026-H1", "cutoff": "1", "scope": "organisation"},
        )
    report = Report.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("reporting:detail", args=[report.pk])
    assert report.title == "Kết quả thực hiện nhiệm vụ 6 tháng đầu năm 2026"
    assert (report.period_start, report.period_end) == (date(2025, 12, 15), date(2026, 6, 14))
    assert report.state == ReportState.GENERATING
    no_queue.assert_called_once_with(report.pk, report.attempt)


def test_a_custom_range_needs_both_dates(client, office):
    client.force_login(office)
    response = client.post(
        reverse("reporting:new"), {"period": "custom", "cutoff": "1", "scope": "organisation"}
    )
    assert response.status_code == 200
    assert "Xin nhập từ ngày và đến ngày." in response.content.decode()
    assert not Report.objects.exists()


def test_the_progress_partial_polls_until_the_files_are_ready(client, office, report):
    client.force_login(office)
    services.start_generation(report=report)
    url = reverse("reporting:progress", args=[report.pk])
    polling = client.get(url, headers={"HX-Request": "true"}).content.decode()
    assert 'hx-trigger="every 1s"' in polling
    assert "<html" not in polling

    services.generate_files(report_id=report.pk, today=date(2026, 6, 20))
    ready = client.get(url, headers={"HX-Request": "true"}).content.decode()
    assert "every 1s" not in ready
    assert reverse("reporting:download", args=[report.pk, "pdf"]) in ready


def test_generate_works_as_a_plain_post_and_with_htmx(client, office, report, no_queue):
    client.force_login(office)
    url = reverse("reporting:generate", args=[report.pk])
    plain = client.post(url)
    assert plain.status_code == 302
    report.refresh_from_db()
    assert report.state == ReportState.GENERATING
    Report.objects.filter(pk=report.pk).update(state=ReportState.DRAFT)
    partial = client.post(url, headers={"HX-Request": "true"})
    assert partial.status_code == 200
    assert 'id="report-progress"' in partial.content.decode()


def test_the_office_edits_the_narrative_and_a_leader_may_not(client, office, leader, report):
    client.force_login(leader)
    fields = {
        "number": "15",
        "assessment": "Cơ bản hoàn thành.",
        "proposals": "Đề nghị bổ sung kinh phí.",
        "recipients": "Sở Nội vụ;\nLưu: VT, VP.",
        "signer_title": "GIÁM ĐỐC",
        "signer_name": "Phạm Văn Trinh",
    }
    assert client.post(reverse("reporting:detail", args=[report.pk]), fields).status_code == 403
    assert client.post(reverse("reporting:issue", args=[report.pk])).status_code == 403
    client.force_login(office)
    response = client.post(reverse("reporting:detail", args=[report.pk]), fields)
    assert response.status_code == 302
    report.refresh_from_db()
    assert (report.number, report.assessment) == ("15", "Cơ bản hoàn thành.")


def test_the_office_issues_and_the_archive_lists_the_version(client, office):
    TaskFactory(due_date=date(2026, 6, 1))
    report = _generated(services.create_draft(kind="semiannual", code="2026-H1", by=office))
    client.force_login(office)
    assert client.post(reverse("reporting:issue", args=[report.pk])).status_code == 302
    services.generate_files(report_id=report.pk, today=date(2026, 6, 20))
    archive = client.get(reverse("reporting:list")).content.decode()
    assert "Đã ban hành" in archive
    assert "lần 1" in archive
    download = client.get(reverse("reporting:download", args=[report.pk, "xlsx"]))
    assert download.status_code == 200
    # named in Vietnamese (without accents), as a clerk would name the file
    assert 'filename="bao-cao-6-thang-dau-nam-2026-lan-1.xlsx"' in download["Content-Disposition"]
    detail = client.get(reverse("reporting:detail", args=[report.pk])).content.decode()
    assert "<textarea" not in detail  # an issued report is not edited


def test_the_archive_runs_a_fixed_number_of_queries(client, office, django_assert_max_num_queries):
    for _ in range(5):
        services.create_draft(kind="annual", code="2026", by=office)
    client.force_login(office)
    with django_assert_max_num_queries(6):
        assert client.get(reverse("reporting:list")).status_code == 200


def test_the_form_includes_the_tasks_other_bodies_lead_in_a_plan(
    client, office, django_capture_on_commit_callbacks, settings
):
    city = UnitFactory(name="UBND thành phố")
    department = UnitFactory(name="Sở Khoa học và Công nghệ", parent=city)
    other = UnitFactory(name="Sở Nội vụ", parent=city)
    plan = PlanFactory(issuing_unit=city)
    ours = TaskFactory(plan=plan, lead_unit=department, due_date=date(2026, 6, 1))
    theirs = TaskFactory(plan=plan, lead_unit=other, due_date=date(2026, 6, 1))
    settings.REPORT_ISSUING_BODY = "Sở Khoa học và Công nghệ"
    client.force_login(office)
    assert (
        "Gồm cả nhiệm vụ do cơ quan khác chủ trì"
        in client.get(reverse("reporting:new")).content.decode()
    )
    fields = {"period": "semiannual:2026-H1", "cutoff": "1", "scope": "plan", "plan": plan.pk}
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("reporting:new"), fields)
        client.post(reverse("reporting:new"), {**fields, "other_bodies": "on"})
    own, wider = Report.objects.order_by("pk")
    assert not own.scope_other_bodies and wider.scope_other_bodies
    assert wider.title == f"{own.title} (gồm cả nhiệm vụ do cơ quan khác chủ trì)"
    assert own.scope_key != wider.scope_key  # two reports, each issued in its own versions
    today = date(2026, 6, 20)
    assert {r.task_id for r in services.build_data(own, today=today).tasks} == {ours.pk}
    assert {r.task_id for r in services.build_data(wider, today=today).tasks} == {
        ours.pk,
        theirs.pk,
    }


def test_other_bodies_cannot_be_asked_of_a_units_report(client, office):
    unit = UnitFactory()
    client.force_login(office)
    response = client.post(
        reverse("reporting:new"),
        {
            "period": "semiannual:2026-H1",
            "cutoff": "1",
            "scope": "unit",
            "unit": unit.pk,
            "other_bodies": "on",
        },
    )
    assert "Chỉ chọn được với phạm vi toàn cơ quan hoặc một kế hoạch." in response.content.decode()
    assert not Report.objects.exists()
