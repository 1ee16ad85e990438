"""Celery jobs of reporting: thin wrappers over reporting.services and reporting.builds."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from reporting import builds, services
from tasks.punctuality import local_today


# Safe to repeat (see services.generate_files): acknowledged once done, and requeued when the
# worker running it dies, instead of being lost with the report left "Đang tạo tệp". A build
# past the time limit is killed and not requeued; its heartbeat stops and the sweep fails it.
# Its result is written on the report, so none is stored (queuing it never waits on a result
# store).
@shared_task(
    acks_late=True,
    reject_on_worker_lost=True,
    ignore_result=True,
    time_limit=settings.REPORT_BUILD_TIME_LIMIT,
)
def generate_report(report_id: int, attempt: int | None = None) -> int:
    report = services.generate_files(report_id=report_id, today=local_today(), attempt=attempt)
    return report.progress


@shared_task(ignore_result=True)
def sweep_stalled_reports() -> int:
    """Every minute: fail the builds whose worker died or that no worker picked up."""
    return len(builds.sweep_stalled(now=timezone.now()))


@shared_task
def prepare_due_reports() -> int:
    return len(services.prepare_due_reports(today=local_today()))
