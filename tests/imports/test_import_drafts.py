"""An uploaded table is read in the background, never in the web worker; confirming is
idempotent; drafts expire."""

from __future__ import annotations

import json
import threading
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from demo.loader import DEMO_DIR, load_units
from imports import drafts, jobs
from imports.models import DraftState, ImportDraft
from imports.tables.isolated import wall_seconds
from plans.models import Plan
from tasks.models import Task
from tests.factories import UserFactory
from tests.imports.hostile_files import package, padded_sheet, table_rows, worksheet

pytestmark = pytest.mark.django_db
START = reverse("imports:import_start")
NOW = datetime(2026, 11, 22, 9, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))
NEW_PLAN = {
    "number": "/KH-SKHCN",
    "kind": "ke_hoach",
    "issuing_body": "Sở Khoa học và Công nghệ",
    "issued_on": "01/06/2026",
    "title": "Triển khai Kết luận 226-KL/TW",
}


@pytest.fixture
def units():
    return load_units(json.loads((DEMO_DIR / "organisation.json").read_text())["units"])


@pytest.fixture
def office(client, units):
    user = UserFactory(role=Role.OFFICE, unit=units["vp"])
    client.force_login(user)
    return user


@pytest.fixture
def queued(monkeypatch):
    """The drafts queued for reading (the broker is not called)."""
    ids: list[int] = []
    monkeypatch.setattr(jobs.read_draft_upload, "delay", ids.append)
    return ids


def workbook(second_sheet: bool = False) -> bytes:
    sheets = {"Phụ lục I": worksheet(table_rows())}
    if second_sheet:
        other = table_rows().replace("Xây dựng kế hoạch", "Kiểm tra việc thực hiện kế hoạch")
        sheets["Phụ lục II"] = worksheet(other)
    return package(sheets)


def upload(client, units, data: bytes, name: str = "bang.xlsx", **fields):
    payload = {**NEW_PLAN, "issuing_unit": units["skhcn"].pk, **fields}
    return client.post(START, {**payload, "file": SimpleUploadedFile(name, data)})


def read_queued() -> None:
    """What the worker does: read every draft waiting (the plain function, not Celery)."""
    for draft in ImportDraft.objects.filter(state=DraftState.READING):
        drafts.read_draft(draft_id=draft.pk, now=NOW)


# --- reading in the background -----------------------------------------------------------------


def test_an_upload_is_stored_and_queued_then_the_page_polls_while_it_is_read(
    client, office, units, django_capture_on_commit_callbacks, queued
):
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(client, units, workbook())

    draft = ImportDraft.objects.get()
    assert draft.state == DraftState.READING and draft.rows == []
    assert queued == [draft.pk]
    page = client.get(response["Location"]).content.decode()
    assert "Đang đọc tệp…" in page
    assert reverse("imports:import_status", args=[draft.pk]) in page and "every 1s" in page
    status = client.get(
        reverse("imports:import_status", args=[draft.pk]), headers={"HX-Request": "true"}
    )
    assert "Đang đọc tệp…" in status.content.decode() and "<html" not in status.content.decode()


def test_the_poll_costs_a_few_queries(client, office, units, django_assert_max_num_queries):
    upload(client, units, workbook())
    draft = ImportDraft.objects.get()

    with django_assert_max_num_queries(4):
        client.get(
            reverse("imports:import_status", args=[draft.pk]), headers={"HX-Request": "true"}
        )
    with django_assert_max_num_queries(5):  # the layout's notifications included
        client.get(reverse("imports:import_preview", args=[draft.pk]))


def test_once_read_the_poll_reloads_into_the_preview(client, office, units):
    upload(client, units, workbook())
    read_queued()

    draft = ImportDraft.objects.get()
    status = client.get(
        reverse("imports:import_status", args=[draft.pk]), headers={"HX-Request": "true"}
    )
    assert status.headers["HX-Refresh"] == "true"
    page = client.get(reverse("imports:import_preview", args=[draft.pk])).content.decode()
    assert "2 dòng nhiệm vụ" in page and "Xây dựng kế hoạch chuyển đổi số" in page


def test_a_file_that_cannot_be_read_leaves_a_failed_draft_that_says_why(client, office, units):
    upload(client, units, "Chỉ là một đoạn văn.\nKhông có bảng nào.\n".encode(), name="bang.txt")
    read_queued()

    draft = ImportDraft.objects.get()
    assert draft.state == DraftState.FAILED
    page = client.get(reverse("imports:import_preview", args=[draft.pk])).content.decode()
    assert "Không tìm thấy dòng tiêu đề" in page and "Đọc lại" in page
    assert not Plan.objects.exists()


def test_a_file_the_reader_cannot_finish_fails_with_a_message(client, office, units, settings):
    settings.IMPORT_READ_MEMORY_MB = 90  # the zip bomb needs 100 MB to be read
    upload(client, units, padded_sheet(49))
    read_queued()

    draft = ImportDraft.objects.get()
    assert draft.state == DraftState.FAILED
    assert "quá lớn hoặc quá phức tạp" in draft.error


def test_a_broker_that_is_down_leaves_the_draft_failed_and_retryable(
    client, office, units, django_capture_on_commit_callbacks, monkeypatch
):
    def broker_down(draft_id):
        raise ConnectionError("redis down")

    monkeypatch.setattr(jobs.read_draft_upload, "delay", broker_down)
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(client, units, workbook())

    assert response.status_code == 302
    draft = ImportDraft.objects.get()
    assert draft.state == DraftState.FAILED and "hàng đợi" in draft.error


@pytest.mark.parametrize(
    ("started", "age", "state"),
    [
        (False, timedelta(minutes=9), DraftState.READING),
        (False, timedelta(minutes=11), DraftState.FAILED),  # no worker took it
        (True, timedelta(seconds=60), DraftState.READING),
        (
            True,
            timedelta(seconds=wall_seconds(settings.IMPORT_READ_SECONDS) + 61),
            DraftState.FAILED,
        ),
    ],
)
def test_a_reading_that_never_ends_is_failed_when_its_page_is_seen(
    client, office, units, started, age, state, frozen_clock
):
    upload(client, units, workbook())
    draft = ImportDraft.objects.get()
    moment = timezone.now() - age  # the frozen clock the view reads too
    ImportDraft.objects.filter(pk=draft.pk).update(
        queued_at=moment, reading_started_at=moment if started else None
    )

    page = client.get(reverse("imports:import_preview", args=[draft.pk])).content.decode()

    draft.refresh_from_db()
    assert draft.state == state
    if state == DraftState.FAILED:
        assert "Bấm «Đọc lại»" in page


def test_reading_again_queues_the_draft_and_reads_it(
    client, office, units, django_capture_on_commit_callbacks, queued
):
    upload(client, units, workbook())
    draft = ImportDraft.objects.get()
    ImportDraft.objects.filter(pk=draft.pk).update(state=DraftState.FAILED, error="gián đoạn")

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("imports:import_read_again", args=[draft.pk]))
    read_queued()

    draft.refresh_from_db()
    assert queued == [draft.pk] and draft.state == DraftState.READY and len(draft.rows) == 2


def test_the_clerk_chooses_another_sheet_of_the_workbook(client, office, units):
    upload(client, units, workbook(second_sheet=True))
    read_queued()
    draft = ImportDraft.objects.get()
    page = client.get(reverse("imports:import_preview", args=[draft.pk])).content.decode()
    assert "Trang tính đang đọc" in page and "Phụ lục II" in page

    client.post(reverse("imports:import_read_again", args=[draft.pk]), {"sheet": "Phụ lục II"})
    read_queued()

    draft.refresh_from_db()
    assert draft.sheet == "Phụ lục II"
    assert draft.rows[0]["cells"]["content"].startswith("Kiểm tra")


def test_the_sheet_can_be_named_on_upload(client, office, units):
    upload(client, units, workbook(second_sheet=True), sheet="Phụ lục II")
    read_queued()

    assert ImportDraft.objects.get().rows[0]["cells"]["content"].startswith("Kiểm tra")


def test_the_job_reads_the_draft_it_is_given(client, office, units):
    upload(client, units, workbook())
    draft = ImportDraft.objects.get()

    assert jobs.read_draft_upload(draft.pk) == DraftState.READY
    assert jobs.read_draft_upload(draft.pk) is None  # read already: a repeat does nothing


def test_a_web_request_never_parses_the_upload(client, office, units, monkeypatch):
    def no_parsing(*args, **kwargs):
        raise AssertionError("parsed in the web request")

    monkeypatch.setattr("imports.tables.uploads.read_xlsx", no_parsing)
    response = upload(client, units, workbook())

    assert response.status_code == 302


# --- confirming once -----------------------------------------------------------------------------


def _ready_draft(client, units) -> ImportDraft:
    upload(client, units, workbook())
    read_queued()
    return ImportDraft.objects.get()


def test_a_second_confirm_is_told_it_is_done_and_nothing_is_duplicated(client, office, units):
    draft = _ready_draft(client, units)
    url = reverse("imports:import_confirm", args=[draft.pk])

    first = client.post(url)
    second = client.post(url, follow=True)

    plan = Plan.objects.get()
    assert first["Location"] == reverse("tasks:list") + f"?plan={plan.pk}"
    assert second.redirect_chain[0][0] == reverse("tasks:list") + f"?plan={plan.pk}"
    assert "đã được xác nhận rồi" in second.content.decode()
    assert Task.objects.count() == 2


def test_a_confirmed_draft_cannot_be_edited_or_discarded(client, office, units):
    draft = _ready_draft(client, units)
    client.post(reverse("imports:import_confirm", args=[draft.pk]))

    client.post(reverse("imports:import_discard", args=[draft.pk]))
    row = client.get(reverse("imports:import_row", args=[draft.pk, 0]), {"edit": 1})

    assert row.status_code == 302
    assert ImportDraft.objects.get().state == DraftState.CONFIRMED


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("existing_plan", [False, True])
def test_two_confirms_at_once_import_the_tasks_once(postgres, units, existing_plan):
    from django.db import close_old_connections
    from django.test import Client

    office = UserFactory(role=Role.OFFICE, unit=units["vp"])
    client = Client()
    client.force_login(office)
    if existing_plan:
        plan = Plan.objects.create(number="1/KH", title="Có sẵn", issuing_body="Sở", slug="co-san")
        upload(client, units, workbook(), plan=plan.pk)
    else:
        upload(client, units, workbook())
    read_queued()
    draft = ImportDraft.objects.get()
    url = reverse("imports:import_confirm", args=[draft.pk])
    barrier, statuses = threading.Barrier(2), []

    def confirm():
        browser = Client()
        browser.force_login(office)
        barrier.wait()
        try:
            statuses.append(browser.post(url, follow=True).status_code)
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=confirm) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert statuses == [200, 200]
    assert Plan.objects.count() == 1
    assert Task.objects.count() == 2


# --- expiry --------------------------------------------------------------------------------------


def test_drafts_older_than_the_limit_are_removed_with_their_files(client, office, units):
    upload(client, units, workbook())
    upload(client, units, workbook())
    old, recent = ImportDraft.objects.order_by("pk")
    ImportDraft.objects.filter(pk=old.pk).update(created_at=NOW - timedelta(days=31))
    ImportDraft.objects.filter(pk=recent.pk).update(created_at=NOW - timedelta(days=29))
    assert default_storage.exists(old.upload.name)

    from django.test import TestCase

    with TestCase.captureOnCommitCallbacks(execute=True):
        removed = drafts.expire_drafts(now=NOW)

    assert removed == 1
    assert list(ImportDraft.objects.all()) == [recent]
    assert not default_storage.exists(old.upload.name)
    assert default_storage.exists(recent.upload.name)


def test_the_age_limit_is_a_setting(client, office, units, settings):
    settings.IMPORT_DRAFT_MAX_AGE_DAYS = 7
    upload(client, units, workbook())
    ImportDraft.objects.update(created_at=NOW - timedelta(days=8))

    assert drafts.expire_drafts(now=NOW) == 1


def test_expiry_runs_daily():
    entry = settings.CELERY_BEAT_SCHEDULE["expire-import-drafts"]
    assert entry["task"] == jobs.expire_import_drafts.name
    assert entry["schedule"].hour == {2}


def test_only_the_office_member_who_uploaded_sees_or_rereads_the_draft(client, office, units):
    upload(client, units, workbook())
    draft = ImportDraft.objects.get()
    status = reverse("imports:import_status", args=[draft.pk])
    again = reverse("imports:import_read_again", args=[draft.pk])

    client.force_login(UserFactory(role=Role.OFFICE, unit=units["vp"]))
    assert client.get(status).status_code == 404
    assert client.post(again).status_code == 404
    client.force_login(UserFactory(role=Role.UNIT_HEAD, unit=units["cds"]))
    assert client.get(status).status_code == 403
    assert client.post(again).status_code == 403
