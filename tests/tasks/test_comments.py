"""Comments on a task: a thread, oldest first, where @ names the people who may see the task
(they are notified), with several files per comment or progress update, all in the history."""

from __future__ import annotations

import uuid
from unittest import mock

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.models import Role
from tasks import comments
from tasks.comments import add_comment, find_mentions, resolve_mentions
from tasks.forms import version_of
from tasks.models import (
    Attachment,
    Channel,
    Comment,
    Notification,
    ProgressUpdate,
    WarningRule,
)
from tasks.punctuality import Status
from tasks.services import record_progress
from tests.factories import TaskFactory, UnitFactory, UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_clock")]
HTMX = {"HX-Request": "true"}
PDF = b"%PDF-1.7\n1 0 obj<<>>endobj\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 40


def pdf(name: str = "bao-cao.pdf", content: bytes = PDF) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content)


@pytest.fixture
def lead():
    return UnitFactory(name="Phòng Chuyển đổi số")


@pytest.fixture
def partner():
    return UnitFactory(name="Trung tâm KHCN")


@pytest.fixture
def task(lead, partner):
    task = TaskFactory(content="Xây dựng Trợ lý ảo", lead_unit=lead)
    task.coordinating_units.add(partner)
    return task


@pytest.fixture
def head(lead):
    return UserFactory(role=Role.UNIT_HEAD, unit=lead, username="hanv", full_name="Nguyễn Văn Hà")


@pytest.fixture
def thu(partner):
    return UserFactory(unit=partner, username="thu.lt", full_name="Lê Thị Thu")


@pytest.fixture
def outsider():
    return UserFactory(unit=UnitFactory(), username="binh", full_name="Trần Văn Bình")


def stored_files(path: str = "attachments") -> set[str]:
    """Every attached file in storage (the tests' storage lives as long as the process)."""
    storage = Attachment._meta.get_field("file").storage
    try:
        folders, files = storage.listdir(path)
    except FileNotFoundError:
        return set()
    found = {f"{path}/{name}" for name in files}
    for folder in folders:
        found |= stored_files(f"{path}/{folder}")
    return found


# --- @mentions -------------------------------------------------------------------------------


def test_a_mention_names_by_login_or_by_full_name_typed_without_accents(task, head, thu):
    text = "@hanv xem giúp. Chị @le thi thu, gửi số liệu nhé; @Lê Thị Thu."
    found = resolve_mentions(text, task=task)
    assert found.people == [head, thu]  # each once, in the order named
    assert found.not_found == found.cannot_see == []
    spans = [(m.written, m.people) for m in find_mentions(text, people=[head, thu])]
    assert spans == [("hanv", (head,)), ("le thi thu", (thu,)), ("Lê Thị Thu", (thu,))]


def test_the_longest_full_name_wins_and_an_email_address_is_no_mention(task, lead):
    short = UserFactory(unit=lead, username="thu", full_name="Thu")
    long = UserFactory(unit=lead, username="thu2", full_name="Lê Thị Thu Hằng")
    assert resolve_mentions("@lê thị thu hằng và @Thu", task=task).people == [long, short]
    assert resolve_mentions("gửi thu@so.gov.vn", task=task).people == []


def test_a_person_who_cannot_see_the_task_or_nobody_is_not_mentioned(task, head, outsider):
    found = resolve_mentions("@binh @Trần Văn Bình @khong_ai @hanv", task=task)
    assert found.people == [head]
    assert found.cannot_see == ["@binh", "@Trần Văn Bình"]
    assert found.not_found == ["@khong_ai"]


def test_the_office_and_leaders_may_be_mentioned_anywhere(task):
    office = UserFactory(role=Role.OFFICE, unit=UnitFactory(), username="vanphong")
    leader = UserFactory(role=Role.LEADERSHIP, unit=None, username="giamdoc")
    UserFactory(role=Role.OFFICE, username="nghi", is_active=False)
    found = resolve_mentions("@vanphong @giamdoc @nghi", task=task)
    assert found.people == [office, leader] and found.not_found == ["@nghi"]


def test_a_mentioned_person_is_notified_once_and_the_poster_not_at_all(
    task, head, thu, django_capture_on_commit_callbacks
):
    with (
        mock.patch("tasks.jobs.deliver_alert.delay"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        posted = add_comment(task=task, by=head, text="@thu.lt @Lê Thị Thu và tôi @hanv: xem lại")
    inbox = Notification.objects.filter(channel=Channel.IN_APP).select_related("alert")
    assert [n.recipient for n in inbox] == [thu]
    assert inbox[0].alert.rule == WarningRule.MENTIONED
    assert inbox[0].alert.message.startswith("Nguyễn Văn Hà nhắc đến bạn: @thu.lt")
    assert set(posted.comment.mentions.all()) == {thu, head}
    assert WarningRule.MENTIONED.label == "Được nhắc đến trong ý kiến"


def test_mentions_are_highlighted_in_the_thread_and_the_text_is_escaped(task, head, thu):
    posted = add_comment(task=task, by=head, text="<b>Chị</b> @le thi thu xem")
    html = comments.comment_html(posted.comment)
    assert (
        html == '&lt;b&gt;Chị&lt;/b&gt; <mark class="mention" title="thu.lt">@le thi thu</mark> xem'
    )


# --- the comment -----------------------------------------------------------------------------


def test_the_text_is_normalised_bounded_and_required(task, head):
    decomposed = "Đe\u0300 nghi\u0323  xem"  # NFD, as pasted from some PDFs
    assert add_comment(task=task, by=head, text=decomposed).comment.text == "Đè nghị xem"
    with pytest.raises(ValidationError, match="Xin nhập ý kiến"):
        add_comment(task=task, by=head, text="   ")
    with pytest.raises(ValidationError, match="dài quá 4000"):
        add_comment(task=task, by=head, text="x" * 4001)


def test_anyone_who_sees_the_task_may_comment_others_may_not(task, head, thu, outsider):
    add_comment(task=task, by=thu, text="Phối hợp")  # a coordinating unit
    add_comment(task=task, by=UserFactory(role=Role.OFFICE), text="Văn phòng")
    with pytest.raises(PermissionDenied):
        add_comment(task=task, by=outsider, text="Không được")
    assert Comment.objects.count() == 2


def test_the_same_form_posted_twice_is_one_comment(task, head):
    token = uuid.uuid4()
    first = add_comment(task=task, by=head, text="Một lần", token=token)
    again = add_comment(task=task, by=head, text="Một lần", token=token)
    assert first.created and not again.created and again.comment == first.comment
    assert Comment.objects.count() == 1


def test_a_comment_is_evidence(task, head):
    comment = add_comment(task=task, by=head, text="Giữ nguyên").comment
    comment.text = "Sửa"
    with pytest.raises(ValueError, match="append-only"):
        comment.save()
    with pytest.raises(ValueError, match="append-only"):
        comment.delete()


# --- attachments -----------------------------------------------------------------------------


def test_several_files_are_attached_to_a_comment(task, head):
    files = [pdf("Báo cáo quý.pdf"), SimpleUploadedFile("so-do.png", PNG)]
    comment = add_comment(task=task, by=head, text="", files=files).comment
    attached = list(comment.attachments.all())
    assert [a.original_name for a in attached] == ["Báo cáo quý.pdf", "so-do.png"]
    assert [a.size for a in attached] == [len(PDF), len(PNG)]
    assert attached[0].file.read() == PDF and attached[0].uploaded_by == head


@pytest.mark.parametrize(
    ("files", "message"),
    [
        ([pdf(f"{n}.pdf") for n in range(11)], "tối đa 10 tệp"),
        ([pdf(), pdf("trang.html", b"<script>alert(1)</script>")], "chỉ nhận văn bản"),
        ([pdf("gia.pdf", b"<html>")], "không đúng loại .pdf"),
    ],
)
def test_a_bad_set_of_files_is_refused_and_nothing_is_written(task, head, files, message):
    before = stored_files()
    with pytest.raises(ValidationError, match=message):
        add_comment(task=task, by=head, text="Kèm tệp", files=files)
    assert not Comment.objects.exists() and not Attachment.objects.exists()
    assert stored_files() == before


def test_files_too_large_together_are_refused(task, head, settings, monkeypatch):
    monkeypatch.setattr(comments, "MAX_TOTAL_MB", 1)
    big = PDF + b"0" * (600 * 1024)
    with pytest.raises(ValidationError, match="cộng lại quá lớn"):
        add_comment(task=task, by=head, text="", files=[pdf("a.pdf", big), pdf("b.pdf", big)])
    assert not Comment.objects.exists()


def test_a_failure_after_storing_removes_the_stored_files(task, head):
    before = stored_files()
    with (
        mock.patch("tasks.notices.notify", side_effect=RuntimeError("mạng")),
        pytest.raises(RuntimeError),
    ):
        add_comment(task=task, by=head, text="@hanv", files=[pdf("a.pdf"), pdf("b.pdf")])
    assert not Comment.objects.exists() and not Attachment.objects.exists()
    assert stored_files() == before


def test_an_attachment_belongs_to_exactly_one_comment_or_update(task, head):
    from django.db import IntegrityError, transaction

    comment = add_comment(task=task, by=head, text="x").comment
    update = record_progress(task=task, by=head, percent=10, status=Status.IN_PROGRESS)
    for owners in ({}, {"comment": comment, "update": update}):
        with pytest.raises(IntegrityError), transaction.atomic():
            Attachment.objects.create(
                **owners,
                file="a.pdf",
                original_name="a.pdf",
                size=1,
                uploaded_by=head,
                created_at=comment.created_at,
            )


def test_a_progress_update_keeps_its_product_file_and_takes_several_more(client, task, head):
    client.force_login(head)
    data = {
        "percent": 40,
        "status": Status.IN_PROGRESS,
        "version": version_of(task),
        "product_file": pdf("san-pham.pdf"),
        "attachments": [pdf("phu-luc-1.pdf"), SimpleUploadedFile("anh.png", PNG)],
    }
    assert client.post(reverse("tasks:update", args=[task.pk]), data).status_code == 302
    update = ProgressUpdate.objects.get()
    assert update.product_file.name.endswith("san-pham.pdf")
    assert [a.original_name for a in update.attachments.all()] == ["phu-luc-1.pdf", "anh.png"]
    page = client.get(reverse("tasks:detail", args=[task.pk])).content.decode()
    assert "Tệp đính kèm khác" in page and "phu-luc-1.pdf" in page
    history = page[page.index('id="history"') :]
    assert "Tệp đính kèm cập nhật tiến độ" in history and "anh.png" in history


def test_a_bad_extra_file_refuses_the_whole_update(client, task, head):
    client.force_login(head)
    form = client.get(reverse("tasks:update", args=[task.pk])).content.decode()
    assert 'name="attachments"' in form and "multiple" in form and "Tệp đính kèm khác" in form
    data = {
        "percent": 40,
        "status": Status.IN_PROGRESS,
        "version": version_of(task),
        "attachments": [pdf("ok.pdf"), SimpleUploadedFile("x.svg", b"<svg onload=alert(1)>")],
    }
    response = client.post(reverse("tasks:update", args=[task.pk]), data)
    assert response.status_code == 200 and "Không nhận tệp “x.svg”" in response.content.decode()
    assert not ProgressUpdate.objects.exists() and not Attachment.objects.exists()


def test_record_progress_stores_files_with_the_update(task, head):
    update = record_progress(
        task=task, by=head, percent=10, status=Status.IN_PROGRESS, attachments=[pdf("a.pdf")]
    )
    assert [a.original_name for a in update.attachments.all()] == ["a.pdf"]


def test_only_those_who_see_the_task_download_a_file(client, task, head, thu, outsider):
    comment = add_comment(task=task, by=head, text="", files=[pdf("Kết quả.pdf")]).comment
    url = reverse("tasks:attachment", args=[comment.attachments.get().pk])
    client.force_login(thu)  # a coordinating unit sees the task
    response = client.get(url)
    assert response.status_code == 200 and b"".join(response.streaming_content) == PDF
    assert response["Content-Disposition"].startswith("attachment;")
    assert "K%E1%BA%BFt%20qu%E1%BA%A3.pdf" in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    client.force_login(outsider)
    assert client.get(url).status_code == 404


# --- the page --------------------------------------------------------------------------------


def comment_url(task) -> str:
    return reverse("tasks:comment", args=[task.pk])


def test_an_htmx_comment_returns_the_thread_oldest_first_with_a_fresh_form(client, task, head, thu):
    client.force_login(head)
    add_comment(task=task, by=thu, text="Ý kiến đầu tiên")
    token = str(uuid.uuid4())
    data = {"text": "@thu.lt @khong_ai xin số liệu", "token": token, "files": [pdf()]}
    body = client.post(comment_url(task), data, headers=HTMX).content.decode()
    assert "<html" not in body and 'id="comments"' in body
    assert body.index("Ý kiến đầu tiên") < body.index("xin số liệu")
    assert '<mark class="mention" title="thu.lt">@thu.lt</mark>' in body
    assert "Đã báo cho: Lê Thị Thu." in body and "Không tìm thấy người dùng: @khong_ai." in body
    assert "bao-cao.pdf" in body and token not in body  # a new token for the next comment
    history = body[body.index('id="history"') :]  # swapped out of band: in the history at once
    assert 'hx-swap-oob="true"' in history[:40] and "xin số liệu" in history
    client.post(comment_url(task), data, headers=HTMX)  # the same form again
    assert Comment.objects.filter(author=head).count() == 1


def test_a_plain_comment_redirects_to_the_thread_and_is_in_the_history(client, task, head, thu):
    client.force_login(thu)
    data = {"text": "Đề nghị @Nguyen Van Ha bổ sung", "token": str(uuid.uuid4())}
    response = client.post(comment_url(task), data)
    assert response.status_code == 302
    assert response["Location"] == reverse("tasks:detail", args=[task.pk]) + "#comments"
    page = client.get(response["Location"]).content.decode()
    assert "Đã báo cho: Nguyễn Văn Hà." in page
    history = page[page.index('id="history"') :]
    assert "Ý kiến trao đổi" in history and "Đề nghị @Nguyen Van Ha bổ sung" in history
    # whom @ may name, without JavaScript
    assert "<code>@hanv</code> Nguyễn Văn Hà" in page


def test_a_refused_comment_is_shown_again_with_its_errors(client, task, head):
    client.force_login(head)
    data = {"text": "Giữ lại chữ này", "token": str(uuid.uuid4()), "files": [pdf("x.pdf", b"MZ")]}
    response = client.post(comment_url(task), data)
    body = response.content.decode()
    assert response.status_code == 200 and "không đúng loại .pdf" in body
    assert "Giữ lại chữ này" in body
    assert not Comment.objects.exists()
    empty = client.post(comment_url(task), {"text": " ", "token": str(uuid.uuid4())}, headers=HTMX)
    assert "Xin nhập ý kiến hoặc đính kèm tệp." in empty.content.decode()


def test_someone_who_cannot_see_the_task_cannot_comment(client, task, outsider):
    client.force_login(outsider)
    data = {"text": "Xin chào", "token": str(uuid.uuid4())}
    assert client.post(comment_url(task), data).status_code == 404
    assert not Comment.objects.exists()


def test_the_page_with_30_comments_with_files_has_a_fixed_query_count(
    client, task, head, thu, django_assert_max_num_queries
):
    for n in range(30):
        add_comment(
            task=task,
            by=thu if n % 2 else head,
            text=f"Ý kiến {n} @hanv @thu.lt",
            files=[pdf(f"{n}-a.pdf"), pdf(f"{n}-b.pdf")],
        )
    client.force_login(head)
    with django_assert_max_num_queries(20):
        page = client.get(reverse("tasks:detail", args=[task.pk])).content.decode()
    assert "29-b.pdf" in page and page.count('class="mention"') == 60


def test_the_lead_units_head_hears_of_a_comment_from_outside_the_unit(
    task, head, thu, lead, django_capture_on_commit_callbacks
):
    staff = UserFactory(unit=lead, username="nam")
    with (
        mock.patch("tasks.jobs.deliver_alert.delay"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        add_comment(task=task, by=thu, text="Trung tâm đã gửi số liệu")  # a coordinating unit
        add_comment(task=task, by=thu, text="@hanv xem giúp")  # mentioned: told once, as such
        add_comment(task=task, by=staff, text="Trong đơn vị")  # the lead unit itself
    inbox = Notification.objects.filter(channel=Channel.IN_APP).order_by("pk")
    assert [(n.recipient, n.alert.rule) for n in inbox] == [
        (head, WarningRule.COMMENTED),
        (head, WarningRule.MENTIONED),
    ]
    assert inbox[0].alert.message == "Lê Thị Thu góp ý: Trung tâm đã gửi số liệu"
