"""Product files: only accepted kinds and sizes are stored, and only those who may see the task
download them, always as an attachment."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.models import Role
from tasks.forms import version_of
from tasks.models import ProgressUpdate
from tasks.punctuality import Status
from tests.factories import TaskFactory, UnitFactory, UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_clock")]

PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\n%%EOF\n"
DOCX = b"PK\x03\x04" + b"\x00" * 60
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 40


@pytest.fixture
def head(client):
    user = UserFactory(role=Role.UNIT_HEAD)
    client.force_login(user)
    return user


def upload(client, task, name: str, content: bytes):
    data = {
        "percent": 50,
        "status": Status.IN_PROGRESS,
        "version": version_of(task),
        "product_file": SimpleUploadedFile(name, content),
    }
    return client.post(reverse("tasks:update", args=[task.pk]), data)


@pytest.mark.parametrize(
    ("name", "content"),
    [("Báo cáo kết quả.pdf", PDF), ("du-thao.docx", DOCX), ("anh chup.PNG", PNG)],
)
def test_office_documents_pdf_and_images_are_accepted(client, head, name, content):
    task = TaskFactory(lead_unit=head.unit)
    assert upload(client, task, name, content).status_code == 302
    assert ProgressUpdate.objects.get(task=task).product_file.read() == content


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("xss.html", b"<script>alert(1)</script>", "chỉ nhận văn bản"),
        ("logo.svg", b"<svg onload=alert(1)>", "chỉ nhận văn bản"),
        ("chuong-trinh.bin", b"\x7fELF", "chỉ nhận văn bản"),
        ("khong-co-duoi", PDF, "chỉ nhận văn bản"),
        ("gia-mao.pdf", b"<html><script>alert(1)</script>", "không đúng loại .pdf"),
        ("gia-mao.docx", PDF, "không đúng loại .docx"),
    ],
)
def test_other_kinds_and_disguised_files_are_refused(client, head, name, content, message):
    task = TaskFactory(lead_unit=head.unit)
    response = upload(client, task, name, content)
    assert response.status_code == 200 and message in response.content.decode()
    assert not ProgressUpdate.objects.filter(task=task).exists()


def test_a_file_over_the_size_limit_is_refused_with_the_limit_named(client, head, settings):
    settings.PRODUCT_FILE_MAX_MB = 1
    task = TaskFactory(lead_unit=head.unit)
    response = upload(client, task, "lon.pdf", PDF + b"0" * (1024 * 1024))
    assert response.status_code == 200
    assert "quá lớn (1.0 MB); tối đa 1 MB" in response.content.decode().replace(",", ".")
    assert not ProgressUpdate.objects.filter(task=task).exists()


def test_the_default_limit_is_20_mb():
    from django.conf import settings

    assert settings.PRODUCT_FILE_MAX_MB == 20


@pytest.fixture
def stored(client, head):
    task = TaskFactory(lead_unit=head.unit)
    upload(client, task, "Kết quả <b>.pdf", PDF)
    return ProgressUpdate.objects.get(task=task)


def test_the_task_page_links_to_the_checked_download(client, stored):
    page = client.get(reverse("tasks:detail", args=[stored.task_id])).content.decode()
    assert f'href="{reverse("tasks:product_file", args=[stored.pk])}"' in page
    assert "/media/" not in page


def test_a_person_who_sees_the_task_downloads_it_as_an_attachment(client, stored):
    response = client.get(reverse("tasks:product_file", args=[stored.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Type"] == "application/pdf"
    assert "sandbox" in response["Content-Security-Policy"]


def test_no_one_else_gets_it(client, stored):
    other = UserFactory(role=Role.STAFF, unit=UnitFactory())
    client.force_login(other)
    assert client.get(reverse("tasks:product_file", args=[stored.pk])).status_code == 404
    client.logout()
    response = client.get(reverse("tasks:product_file", args=[stored.pk]))
    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_a_coordinating_unit_which_sees_the_task_page_gets_the_file_too(client, stored):
    partner = UnitFactory()
    stored.task.coordinating_units.add(partner)
    client.force_login(UserFactory(role=Role.STAFF, unit=partner))
    assert client.get(reverse("tasks:product_file", args=[stored.pk])).status_code == 200


def test_there_is_no_open_media_address_even_in_run_mode(stored, settings):
    import importlib

    from django.urls import Resolver404, get_resolver

    import config.urls

    settings.DEBUG = True  # as under `make run`
    try:
        patterns = importlib.reload(config.urls).urlpatterns
        with pytest.raises(Resolver404):
            get_resolver(config.urls).resolve("/media/" + stored.product_file.name)
        assert not any("media" in str(p.pattern) for p in patterns)
    finally:
        settings.DEBUG = False
        importlib.reload(config.urls)


def test_a_proxy_sends_it_after_the_portal_checks(client, stored, settings):
    settings.PRODUCT_FILES_SENDFILE = "nginx"
    response = client.get(reverse("tasks:product_file", args=[stored.pk]))
    assert response["X-Accel-Redirect"].startswith("/protected-media/products/")
    assert response.content == b"" and response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
