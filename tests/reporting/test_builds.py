"""No report stays "Đang tạo tệp" forever: a broker that is down, a worker that dies mid-build,
a job delivered twice or late. (The same against real Redis and a real worker: tests/faults/.)"""

from __future__ import annotations

import os
import time
from datetime import date, timedelta
from unittest import mock

import pytest
from celery.schedules import crontab
from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from kombu.exceptions import OperationalError

from accounts.models import Role
from config.celery_app import app
from reporting import builds, jobs, services
from reporting.models import Report, ReportState
from tasks.punctuality import local_today
from tests.factories import TaskFactory, UserFactory

TODAY = date(2026, 6, 20)


@pytest.fixture(autouse=True)
def empty_storage(settings):
    """A storage of this test's own, to count the files a build leaves."""
    settings.STORAGES = {**settings.STORAGES}


@pytest.fixture
def office(db):
    return UserFactory(role=Role.OFFICE)


@pytest.fixture
def report(office):
    TaskFactory(due_date=date(2026, 6, 1))
    return services.create_draft(kind="semiannual", code="2026-H1", by=office)


@pytest.fixture
def broker_down():
    error = OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")
    with mock.patch("reporting.jobs.generate_report.delay", side_effect=error) as delay:
        yield delay


@pytest.fixture
def queue():
    with mock.patch("reporting.jobs.generate_report.delay") as delay:
        yield delay


class WorkerKilled(BaseException):
    """Stands for SIGKILL: no `except Exception` runs, nothing is cleaned up."""


def _stored_files(report: Report) -> list[str]:
    folder = os.path.dirname(report.pdf.name)
    return sorted(report.pdf.storage.listdir(folder)[1])


def test_a_request_while_the_broker_is_down_leaves_the_report_retryable_with_a_message(
    client, office, broker_down, django_capture_on_commit_callbacks
):
    client.force_login(office)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("reporting:new"),
            {"period": f"annual:{local_today().year}", "cutoff": "1", "scope": "organisation"},
        )
    report = Report.objects.get()
    assert response.status_code == 302
    assert report.state == ReportState.FAILED
    assert "hàng đợi" in report.error
    page = client.get(response.url).content.decode()
    assert "Không tạo được tệp" in page and "hàng đợi" in page
    assert reverse("reporting:retry", args=[report.pk]) in page
    assert "every 1s" not in page  # nothing polls a build that no job will make


def test_tao_lai_queues_the_build_again_once_the_broker_is_back(
    client, report, office, queue, django_capture_on_commit_callbacks
):
    queue.side_effect = OperationalError("Error 111 connecting to redis. Connection refused.")
    with django_capture_on_commit_callbacks(execute=True):
        services.start_generation(report=report)
    assert report.state == ReportState.GENERATING
    report.refresh_from_db()
    assert report.state == ReportState.FAILED
    queue.reset_mock(side_effect=True)
    client.force_login(office)
    url = reverse("reporting:retry", args=[report.pk])
    with django_capture_on_commit_callbacks(execute=True):
        partial = client.post(url, headers={"HX-Request": "true"})
    report.refresh_from_db()
    assert partial.status_code == 200
    assert 'hx-trigger="every 1s"' in partial.content.decode()
    assert "Đang chờ máy xử lý nhận việc" in partial.content.decode()  # queued, not started
    assert builds.claim_run(report=report, attempt=2, now=timezone.now())
    progress = client.get(reverse("reporting:progress", args=[report.pk]))
    assert "Đang tạo tệp: 0%" in progress.content.decode()
    assert (report.state, report.attempt, report.error) == (ReportState.GENERATING, 2, "")
    queue.assert_called_once_with(report.pk, 2)

    assert client.post(url).status_code == 302  # a double click queues nothing more
    queue.assert_called_once()
    report.refresh_from_db()
    assert report.attempt == 2


def test_tao_lai_after_a_failed_issue_issues_again(report, office, client, queue):
    services.start_generation(report=report)
    services.generate_files(report_id=report.pk, today=TODAY)
    services.start_generation(report=report, issue=True)
    builds.fail(report_id=report.pk, attempt=report.attempt, error="gián đoạn")
    client.force_login(UserFactory(role=Role.LEADERSHIP))
    assert client.post(reverse("reporting:retry", args=[report.pk])).status_code == 403
    client.force_login(office)
    page = client.get(reverse("reporting:detail", args=[report.pk])).content.decode()
    assert "Tạo lại tệp ban hành" in page
    client.post(reverse("reporting:retry", args=[report.pk]))
    report = services.generate_files(report_id=report.pk, today=TODAY)
    assert (report.state, report.version) == (ReportState.ISSUED, 1)


def test_a_second_run_of_the_same_build_leaves_one_set_of_files(report):
    services.start_generation(report=report)
    with (
        mock.patch.object(Report, "save", side_effect=WorkerKilled),
        pytest.raises(WorkerKilled),
    ):
        services.generate_files(report_id=report.pk, today=TODAY, attempt=1)
    report.refresh_from_db()
    assert report.state == ReportState.GENERATING  # as a killed worker leaves it

    again = services.generate_files(report_id=report.pk, today=TODAY, attempt=1)
    again.refresh_from_db()
    assert (again.state, again.runs, again.progress) == (ReportState.DRAFT, 2, 100)
    assert _stored_files(again) == sorted(
        os.path.basename(name) for name in (again.pdf.name, again.xlsx.name)
    )
    assert again.pdf.open("rb").read(4) == b"%PDF"


def test_a_job_delivered_again_after_the_build_finished_changes_nothing(report):
    services.start_generation(report=report)
    services.generate_files(report_id=report.pk, today=TODAY)
    services.start_generation(report=report, issue=True)
    issued = services.generate_files(report_id=report.pk, today=TODAY)
    pdf = issued.pdf.open("rb").read()

    late = services.generate_files(report_id=report.pk, today=TODAY + timedelta(5), attempt=2)
    assert (late.state, late.version, late.issued_on, late.runs) == (
        ReportState.ISSUED,
        1,
        TODAY,
        1,
    )
    assert late.pdf.open("rb").read() == pdf
    assert _stored_files(late).count(os.path.basename(issued.pdf.name)) == 1


def test_a_late_job_of_an_older_build_does_nothing(report, queue):
    services.start_generation(report=report)
    builds.fail(report_id=report.pk, attempt=1, error="bị gián đoạn")
    services.start_generation(report=report)

    stale = services.generate_files(report_id=report.pk, today=TODAY, attempt=1)
    assert (stale.state, stale.attempt, stale.runs, stale.pdf.name) == (
        ReportState.GENERATING,
        2,
        0,
        "",
    )
    current = services.generate_files(report_id=report.pk, today=TODAY, attempt=2)
    assert current.state == ReportState.DRAFT


def test_a_build_failed_by_the_sweep_midway_stops_and_writes_nothing(report):
    services.start_generation(report=report)

    def swept_meanwhile(*args, **kwargs):
        Report.objects.filter(pk=report.pk).update(heartbeat_at=timezone.now() - timedelta(1))
        assert builds.sweep_stalled(now=timezone.now()) == [report.pk]
        return b"%PDF-1.7"

    with mock.patch("reporting.services.render_pdf", side_effect=swept_meanwhile):
        result = services.generate_files(report_id=report.pk, today=TODAY)
    assert result.state == ReportState.FAILED
    assert "gián đoạn" in result.error
    assert (result.pdf.name, result.xlsx.name, result.snapshot) == ("", "", None)


def test_a_build_that_kills_its_worker_each_time_is_stopped(report):
    services.start_generation(report=report)
    Report.objects.filter(pk=report.pk).update(runs=builds.MAX_RUNS)
    result = services.generate_files(report_id=report.pk, today=TODAY, attempt=1)
    assert result.state == ReportState.FAILED
    assert f"bị dừng {builds.MAX_RUNS} lần" in result.error


def test_a_failure_keeps_what_was_being_made_so_tao_lai_makes_it_again(report):
    services.start_generation(report=report, issue=True)
    with (
        mock.patch("reporting.services.render_pdf", side_effect=RuntimeError("hết bộ nhớ")),
        pytest.raises(RuntimeError),
    ):
        services.generate_files(report_id=report.pk, today=TODAY)
    report.refresh_from_db()
    assert (report.state, report.issuing, report.version) == (ReportState.FAILED, True, None)


def test_the_sweep_fails_stalled_and_never_started_builds_and_keeps_live_ones(office):
    now = timezone.now()
    stale_beat = now - timedelta(seconds=settings.REPORT_BUILD_STALE_SECONDS + 1)
    stale_queue = now - timedelta(seconds=settings.REPORT_QUEUE_STALE_SECONDS + 1)
    cases = {
        "killed mid-build": {"heartbeat_at": stale_beat, "queued_at": stale_queue},
        "beating": {"heartbeat_at": now - timedelta(seconds=5), "queued_at": stale_queue},
        "never picked up": {"queued_at": stale_queue},
        "just queued": {"queued_at": now - timedelta(seconds=30)},
        "from before heartbeats": {},
    }
    reports = {}
    for name, fields in cases.items():
        report = services.create_draft(kind="annual", code="2026", by=office)
        Report.objects.filter(pk=report.pk).update(state=ReportState.GENERATING, **fields)
        reports[name] = report.pk
    done = services.create_draft(kind="annual", code="2026", by=office)
    Report.objects.filter(pk=done.pk).update(heartbeat_at=stale_beat)  # a draft: not a build

    swept = builds.sweep_stalled(now=now)
    assert sorted(swept) == sorted(
        reports[n] for n in ("killed mid-build", "never picked up", "from before heartbeats")
    )
    states = dict(Report.objects.values_list("pk", "state"))
    assert states[reports["beating"]] == states[reports["just queued"]] == ReportState.GENERATING
    assert states[done.pk] == ReportState.DRAFT
    errors = dict(Report.objects.filter(pk__in=swept).values_list("pk", "error"))
    assert "máy xử lý ngừng giữa chừng" in errors[reports["killed mid-build"]]
    assert "Chưa có máy xử lý nào nhận" in errors[reports["never picked up"]]
    assert builds.sweep_stalled(now=now) == []


@pytest.mark.django_db(transaction=True)
def test_the_heartbeat_beats_from_a_thread_while_the_build_works(office):
    report = services.create_draft(kind="annual", code="2026", by=office)
    with mock.patch("reporting.builds.enqueue"):
        services.start_generation(report=report)
    Report.objects.filter(pk=report.pk).update(heartbeat_at=timezone.now() - timedelta(1))
    heartbeat = builds.Heartbeat(report_id=report.pk, attempt=report.attempt, every=0.05)
    time.sleep(0.3)  # a long render: the main thread cannot beat
    heartbeat.stop()
    report.refresh_from_db()
    assert timezone.now() - report.heartbeat_at < timedelta(seconds=1)


def test_the_build_job_is_requeued_when_its_worker_dies_and_the_sweep_runs_every_minute():
    task = app.tasks["reporting.jobs.generate_report"]
    assert (task.acks_late, task.reject_on_worker_lost, task.ignore_result) == (True, True, True)
    assert task.time_limit == settings.REPORT_BUILD_TIME_LIMIT
    schedule = settings.CELERY_BEAT_SCHEDULE["sweep-stalled-reports"]
    assert schedule == {"task": "reporting.jobs.sweep_stalled_reports", "schedule": crontab()}
    assert jobs.sweep_stalled_reports.name == schedule["task"]


def test_the_polled_progress_runs_a_fixed_number_of_queries(
    client, office, report, django_assert_max_num_queries
):
    services.start_generation(report=report)
    builds.fail(report_id=report.pk, attempt=report.attempt, error="bị gián đoạn")
    client.force_login(office)
    url = reverse("reporting:progress", args=[report.pk])
    with django_assert_max_num_queries(3):
        partial = client.get(url, headers={"HX-Request": "true"}).content.decode()
    assert "bị gián đoạn" in partial and reverse("reporting:retry", args=[report.pk]) in partial
