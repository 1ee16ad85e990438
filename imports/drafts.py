"""The life of an import draft around its uploaded file: read in the background, in a process of
its own; failed and retried; expired.

A file is never read in a web worker. The upload is stored, the draft waits in READING, a job
reads the file in a child process with its own memory and time limits (`read_isolated`), and
the preview polls until the draft is READY or FAILED. A job that never runs or dies leaves no
draft "reading" forever: past its deadline the draft is marked FAILED, and can be read again.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import asdict
from datetime import datetime, timedelta
from pathlib import PurePath

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils.translation import gettext as _

from imports.mapping import draft_source_fields, with_remembered_columns
from imports.models import DraftState, ImportDraft
from imports.tables import MAX_BYTES, TableError
from imports.tables.cells import NoHeader
from imports.tables.isolated import read_isolated, wall_seconds

log = logging.getLogger(__name__)


class DraftNotReady(Exception):
    """The draft is not waiting for a confirmation: confirmed already, or not read yet."""


def _stored_name(filename: str) -> str:
    """A name no one can guess or collide with; only the extension is kept."""
    suffix = PurePath(filename).suffix.lower()
    suffix = suffix if suffix[1:].isalnum() and len(suffix) <= 6 else ""
    return f"{uuid.uuid4().hex}{suffix}"


def start_upload_draft(
    *, by, plan, new_plan: dict, upload, sheet: str, now: datetime
) -> ImportDraft:
    """Store the upload and queue its reading (once the transaction commits)."""
    draft = ImportDraft(
        created_by=by,
        plan=plan,
        new_plan=new_plan,
        source_name=upload.name[:255],
        sheet=sheet,
        state=DraftState.READING,
        queued_at=now,
    )
    draft.upload.save(_stored_name(upload.name), upload, save=False)
    draft.save()
    transaction.on_commit(lambda: enqueue_reading(draft.pk))
    return draft


def enqueue_reading(draft_id: int) -> bool:
    """Queue the job; a broker that is down leaves the draft failed and retryable, not a 500."""
    from imports.jobs import read_draft_upload

    try:
        read_draft_upload.delay(draft_id)
    except Exception:
        log.exception("Could not queue the reading of import draft %s", draft_id)
        ImportDraft.objects.filter(pk=draft_id, state=DraftState.READING).update(
            state=DraftState.FAILED,
            error=_(
                "Chưa đưa được việc đọc tệp vào hàng đợi (máy chủ xử lý tạm ngừng). "
                "Bấm «Đọc lại» sau ít phút."
            ),
        )
        return False
    return True


def read_draft(*, draft_id: int, now: datetime) -> DraftState | None:
    """The job: read the stored upload in a child process and keep the table, or the reason it
    could not be read. A draft no longer READING (discarded, read already) is left alone."""
    claimed = ImportDraft.objects.filter(pk=draft_id, state=DraftState.READING).update(
        reading_started_at=now
    )
    if not claimed:
        return None
    draft = ImportDraft.objects.get(pk=draft_id)
    try:
        with draft.upload.open("rb") as stored:
            data = stored.read(MAX_BYTES + 1)
        reading = read_isolated(
            draft.source_name,
            data,
            sheet=draft.sheet or None,
            memory_mb=settings.IMPORT_READ_MEMORY_MB,
            seconds=settings.IMPORT_READ_SECONDS,
        )
        table = reading.table
        if not table.rows:
            raise TableError(_("Không tìm thấy dòng nhiệm vụ nào trong bảng."))
    except NoHeader as error:
        table = error.table  # rows in columns, none recognised: the clerk maps them
    except (TableError, OSError, ValueError) as error:
        message = (
            str(error)
            if isinstance(error, TableError)
            else _("Không mở được tệp đã tải lên: hãy tải tệp lên lần nữa.")
        )
        ImportDraft.objects.filter(pk=draft_id, state=DraftState.READING).update(
            state=DraftState.FAILED, error=message
        )
        return DraftState.FAILED
    table = with_remembered_columns(table)
    ImportDraft.objects.filter(pk=draft_id, state=DraftState.READING).update(
        **draft_source_fields(table),
        state=DraftState.READY,
        headers=table.headers,
        rows=[row.to_json() for row in table.rows],
        problems=[asdict(problem) for problem in table.problems],
        sheets=table.sheets,
        error="",
    )
    return DraftState.READY


def settle_if_stuck(draft: ImportDraft, *, now: datetime) -> ImportDraft:
    """A draft READING past its deadline failed: its job never ran (no worker) or died."""
    if draft.state != DraftState.READING:
        return draft
    if draft.reading_started_at:
        limit = wall_seconds(settings.IMPORT_READ_SECONDS) + 60
        deadline = draft.reading_started_at + timedelta(seconds=limit)
        reason = _("Việc đọc tệp bị gián đoạn giữa chừng.")
    else:
        deadline = (draft.queued_at or draft.created_at) + timedelta(
            minutes=settings.IMPORT_QUEUE_PATIENCE_MINUTES
        )
        reason = _("Máy chủ xử lý chưa nhận việc đọc tệp.")
    if now <= deadline:
        return draft
    ImportDraft.objects.filter(
        pk=draft.pk, state=DraftState.READING, reading_started_at=draft.reading_started_at
    ).update(state=DraftState.FAILED, error=f"{reason} {_('Bấm «Đọc lại» để thử lần nữa.')}")
    draft.refresh_from_db()
    return draft


def read_again(draft: ImportDraft, *, now: datetime, sheet: str | None = None) -> bool:
    """Queue the reading again (after a failure, or for another sheet of the workbook)."""
    if not draft.upload:
        return False
    fields = {"state": DraftState.READING, "queued_at": now, "reading_started_at": None}
    if sheet is not None:
        fields["sheet"] = sheet
    claimed = ImportDraft.objects.filter(
        pk=draft.pk, state__in=[DraftState.FAILED, DraftState.READY]
    ).update(**fields, error="")
    if claimed:
        transaction.on_commit(lambda: enqueue_reading(draft.pk))
    return bool(claimed)


def claim_for_confirmation(draft: ImportDraft) -> None:
    """Inside the confirming transaction: a second confirm at the same time waits on this row
    until the first commits, then finds it confirmed, and writes nothing."""
    claimed = ImportDraft.objects.filter(pk=draft.pk, state=DraftState.READY).update(
        state=DraftState.CONFIRMED
    )
    if not claimed:
        raise DraftNotReady
    draft.refresh_from_db()


def close_confirmed(draft: ImportDraft, *, plan) -> None:
    """What a confirmed draft keeps: the plan it went to (its rows and file are done with)."""
    names = [draft.upload.name] if draft.upload else []
    ImportDraft.objects.filter(pk=draft.pk).update(plan=plan, rows=[], problems=[], upload="")
    transaction.on_commit(lambda: _delete_files(names))


def discard_drafts(drafts) -> int:
    """Delete drafts and, once that is committed, their uploaded files."""
    names = [name for name in drafts.values_list("upload", flat=True) if name]
    count, _deleted = drafts.delete()
    transaction.on_commit(lambda: _delete_files(names))
    return count


def _delete_files(names: list[str]) -> None:
    for name in names:
        try:
            default_storage.delete(name)
        except OSError:
            log.warning("Could not delete the uploaded file %s", name)


@transaction.atomic
def expire_drafts(*, now: datetime) -> int:
    """Daily: drafts older than IMPORT_DRAFT_MAX_AGE_DAYS go, with their files (the confirmed
    ones too: they were kept only to answer a second click on «Xác nhận»)."""
    cutoff = now - timedelta(days=settings.IMPORT_DRAFT_MAX_AGE_DAYS)
    return discard_drafts(ImportDraft.objects.filter(created_at__lt=cutoff))
