"""A report's life: drafted, generated, issued (frozen, versioned), and prepared ahead."""

from __future__ import annotations

from datetime import date
from unittest import mock

import pytest
from django.core import mail

from accounts.models import Role
from reporting import services
from reporting.models import Report, ReportState
from tasks.models import Task
from tasks.punctuality import Status
from tests.factories import TaskFactory, UnitFactory, UserFactory

TODAY = date(2026, 6, 20)


@pytest.fixture(autouse=True)
def no_queue():
    """Jobs are run by calling the function, as the worker would; nothing is queued."""
    with mock.patch("reporting.jobs.generate_report.delay") as delay:
        yield delay


@pytest.fixture
def office(db):
    return UserFactory(role=Role.OFFICE, email="vp@example.gov.vn")


def _issue(report: Report, *, today=TODAY) -> Report:
    services.start_generation(report=report, issue=True)
    return services.generate_files(report_id=report.pk, today=today)


def _draft_with_files(office, **kwargs) -> Report:
    report = services.create_draft(kind="semiannual", code="2026-H1", by=office, **kwargs)
    services.start_generation(report=report)
    return services.generate_files(report_id=report.pk, today=TODAY)


def test_generating_a_draft_writes_both_files_and_keeps_a_snapshot(
    office, django_capture_on_commit_callbacks, no_queue
):
    TaskFactory(due_date=date(2026, 6, 1))
    report = services.create_draft(kind="semiannual", code="2026-H1", by=office)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.start_generation(report=report)
    no_queue.assert_called_once_with(report.pk, report.attempt)
    assert not services.start_generation(report=report)  # a double click queues nothing

    report = services.generate_files(report_id=report.pk, today=TODAY)
    assert report.state == ReportState.DRAFT
    assert report.progress == 100
    assert report.pdf.read(4) == b"%PDF"
    assert report.xlsx.name.endswith(".xlsx")
    assert report.snapshot["figures"]["total"] == 1
    assert "hoàn thành 0/1 nhiệm vụ" in report.assessment


def test_an_issued_report_does_not_change_when_the_data_later_change(office):
    task = TaskFactory(due_date=date(2026, 6, 1))
    report = _issue(_draft_with_files(office))
    assert report.state == ReportState.ISSUED
    assert report.version == 1
    pdf_before = report.pdf.open("rb").read()

    Task.objects.filter(pk=task.pk).update(status=Status.DONE, completed_on=date(2026, 5, 1))
    report.refresh_from_db()
    assert report.snapshot["figures"]["overdue"] == 1
    assert report.pdf.open("rb").read() == pdf_before
    report.assessment = "Sửa sau khi ban hành"
    with pytest.raises(ValueError):
        report.save()
    assert not services.start_generation(report=report)


def test_issuing_uses_the_reviewed_snapshot_not_fresh_data(office):
    task = TaskFactory(due_date=date(2026, 6, 1))
    report = _draft_with_files(office)
    Task.objects.filter(pk=task.pk).update(status=Status.DONE, completed_on=date(2026, 5, 1))
    report = _issue(report)
    assert report.snapshot["figures"]["overdue"] == 1


def test_issuing_the_same_period_again_makes_version_2(office):
    TaskFactory(due_date=date(2026, 6, 1))
    first = _issue(_draft_with_files(office))
    second = _issue(_draft_with_files(office))
    other_scope = _issue(_draft_with_files(office, unit=UnitFactory()))
    assert (first.version, second.version, other_scope.version) == (1, 2, 1)
    assert first.pdf.name != second.pdf.name


def test_a_failure_is_recorded_on_the_report(office):
    report = services.create_draft(kind="semiannual", code="2026-H1", by=office)
    services.start_generation(report=report)
    with (
        mock.patch("reporting.services.render_pdf", side_effect=RuntimeError("hết bộ nhớ")),
        pytest.raises(RuntimeError),
    ):
        services.generate_files(report_id=report.pk, today=TODAY)
    report.refresh_from_db()
    assert report.state == ReportState.FAILED
    assert "hết bộ nhớ" in report.error


def test_a_deputy_signs_on_behalf_of_the_director(db):
    deputy = UserFactory(role=Role.LEADERSHIP, title="Phó Giám đốc", full_name="Nguyễn Minh Quang")
    report = services.create_draft(kind="annual", code="2026", by=deputy)
    assert report.signer_title == "KT. GIÁM ĐỐC\nPHÓ GIÁM ĐỐC"
    assert report.signer_name == "Nguyễn Minh Quang"


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        (date(2026, 5, 30), []),  # 11 days before 10/6: not yet
        (date(2026, 5, 31), ["6 tháng đầu năm 2026"]),
        (date(2026, 6, 10), []),  # due today: too late to prepare
        (date(2026, 12, 1), ["năm 2026"]),
    ],
)
def test_it_prepares_the_reports_the_plans_require_ahead_and_tells_the_office(
    office, today, expected
):
    prepared = services.prepare_due_reports(today=today)
    assert [r.title.removeprefix("Kết quả thực hiện nhiệm vụ ") for r in prepared] == expected
    assert all(r.prepared_automatically and r.state == ReportState.GENERATING for r in prepared)
    assert len(mail.outbox) == len(expected)
    if expected:
        assert mail.outbox[0].to == ["vp@example.gov.vn"]
        assert "trước ngày" in mail.outbox[0].body
    assert services.prepare_due_reports(today=today) == []  # once only
