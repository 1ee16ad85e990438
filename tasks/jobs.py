"""Celery jobs: thin wrappers over tasks.early_warnings, tasks.alerts and tasks.roll_forward."""

from __future__ import annotations

import logging

from celery import shared_task
from django.utils import timezone

from tasks import alerts, early_warnings, roll_forward, unit_shares
from tasks.punctuality import local_today

log = logging.getLogger(__name__)


def enqueue_deliveries(alert_ids: list[int]) -> int:
    """Queue one delivery job per warning. A broker that is down must not break the caller:
    the deliveries stay pending and the next scan queues them again."""
    queued = 0
    for alert_id in alert_ids:
        try:
            deliver_alert.delay(alert_id)
        except Exception:
            log.exception(
                "Không đưa được cảnh báo %s vào hàng đợi; lượt quét sau gửi lại", alert_id
            )
            break
        queued += 1
    return queued


@shared_task
def scan_early_warnings() -> int:
    """Every 15 minutes: create the new warnings, then queue every delivery still waiting
    (the new ones, retries that are due, and those a broker outage left behind)."""
    now = timezone.now()
    # Every part of create_alerts has committed when it returns: no job sees a row not yet there.
    # A part that failed leaves the others' warnings stored: their deliveries are queued anyway.
    try:
        created = early_warnings.create_alerts(now=now)
    finally:
        enqueue_deliveries(alerts.alerts_to_deliver(now=now))
    return len(created)


@shared_task(bind=True, max_retries=alerts.MAX_ATTEMPTS, acks_late=True)
def deliver_alert(self, alert_id: int) -> int:
    outcome = alerts.deliver_alert(alert_id=alert_id, now=timezone.now())
    if outcome.retry_at is not None:
        countdown = max((outcome.retry_at - timezone.now()).total_seconds(), 1)
        raise self.retry(countdown=countdown)
    return outcome.sent


@shared_task
def send_weekly_digest() -> int:
    return alerts.send_weekly_digest(now=timezone.now())


@shared_task
def roll_forward_periods() -> int:
    """Daily: the new period (kỳ) of each recurring task, so it is tracked and warned about."""
    return roll_forward.roll_forward_periods(today=local_today())


@shared_task
def count_dashboard_shares() -> int:
    """Daily, after midnight: the dashboard's figures for the new day, counted before anyone
    waits for them (tasks.unit_shares)."""
    return unit_shares.count_for_the_day(today=local_today())
