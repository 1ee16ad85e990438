"""Celery jobs of the campaign: thin wrappers over campaign.services."""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from campaign import services


@shared_task
def warn_stalled_bottlenecks() -> int:
    return services.warn_stalled_bottlenecks(now=timezone.now())
