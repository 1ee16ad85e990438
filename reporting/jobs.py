"""Celery jobs of reporting: thin wrappers over reporting.services."""

from __future__ import annotations

from celery import shared_task

from reporting import services
from tasks.punctuality import local_today


@shared_task
def generate_report(report_id: int) -> int:
    return services.generate_files(report_id=report_id, today=local_today()).progress


@shared_task
def prepare_due_reports() -> int:
    return len(services.prepare_due_reports(today=local_today()))
