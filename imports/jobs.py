"""Celery jobs of imports: thin wrappers over imports.drafts."""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from imports import drafts


# Safe to repeat: the draft is read only while it is READING, and reading writes nothing else.
@shared_task(acks_late=True, reject_on_worker_lost=True)
def read_draft_upload(draft_id: int) -> str | None:
    return drafts.read_draft(draft_id=draft_id, now=timezone.now())


@shared_task
def expire_import_drafts() -> int:
    return drafts.expire_drafts(now=timezone.now())
