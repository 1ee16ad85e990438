"""The Celery wiring of early warnings, against the real Redis (no eager mode)."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from celery.schedules import crontab
from django.conf import settings
from kombu.exceptions import OperationalError

from config.celery_app import app
from tasks import jobs
from tasks.models import Notification
from tasks.punctuality import Status, local_today
from tests.factories import TaskFactory, UserFactory


def test_the_beat_scans_every_quarter_hour_and_sends_the_digest_on_monday_at_seven():
    schedule = settings.CELERY_BEAT_SCHEDULE
    assert schedule["scan-early-warnings"]["task"] == "tasks.jobs.scan_early_warnings"
    assert schedule["scan-early-warnings"]["schedule"] == crontab(minute="*/15")
    assert schedule["weekly-warning-digest"]["schedule"] == crontab(
        minute=0, hour=7, day_of_week="mon"
    )
    assert settings.CELERY_TIMEZONE == "Asia/Ho_Chi_Minh"
    assert {"tasks.jobs.scan_early_warnings", "tasks.jobs.deliver_alert"} <= set(app.tasks)


@pytest.fixture
def late_task(db):
    return TaskFactory(
        due_date=local_today() - timedelta(days=2),
        status=Status.IN_PROGRESS,
        percent=50,
        assignee=UserFactory(email="cv@so.gov.vn"),
    )


def test_the_scan_puts_one_delivery_job_per_warning_on_the_broker(late_task, redis_url):
    queue_name = f"test-warnings-{uuid.uuid4().hex[:8]}"
    previous = (app.conf.broker_url, app.conf.task_default_queue)
    app.conf.broker_url, app.conf.task_default_queue = redis_url, queue_name
    try:
        assert jobs.scan_early_warnings() == 1
        with app.connection_for_read() as conn:
            queue = conn.SimpleQueue(queue_name)
            message = queue.get(timeout=5)
            assert message.headers["task"] == "tasks.jobs.deliver_alert"
            alert_id = message.headers["argsrepr"]
            message.ack()
            queue.queue.delete()
            queue.close()
    finally:
        app.conf.broker_url, app.conf.task_default_queue = previous
        app.pool.force_close_all()
    assert alert_id == f"({late_task.alerts.get().pk},)"


def test_a_broker_that_is_down_does_not_break_the_scan(late_task, monkeypatch):
    def down(*args, **kwargs):
        raise OperationalError("Error 111 connecting to redis: Connection refused")

    monkeypatch.setattr(jobs.deliver_alert, "delay", down)
    assert jobs.scan_early_warnings() == 1
    # The email waits as pending: the next scan queues it again.
    assert Notification.objects.filter(state="pending").count() == 1
    monkeypatch.setattr(jobs.deliver_alert, "delay", lambda alert_id: None)
    assert jobs.scan_early_warnings() == 0
    assert jobs.enqueue_deliveries([late_task.alerts.get().pk]) == 1


def test_long_jobs_go_to_their_own_queue_so_warnings_never_wait_behind_them():
    from config.celery_app import app
    from imports.jobs import read_draft_upload
    from reporting.jobs import generate_report
    from tasks.jobs import deliver_alert, scan_early_warnings

    def queue(job) -> str:
        return app.amqp.router.route({}, job.name)["queue"].name

    assert {queue(generate_report), queue(read_draft_upload)} == {"documents"}
    assert {queue(scan_early_warnings), queue(deliver_alert)} == {"celery"}
    # A worker started without -Q (make run, the tests) takes both.
    assert {q.name for q in app.conf.task_queues} == {"celery", "documents"}
