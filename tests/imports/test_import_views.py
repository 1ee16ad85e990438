from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.models import Role
from demo.loader import DEMO_DIR, load_units
from imports.models import DraftState, ImportDraft
from plans.models import Plan
from tasks.models import Task
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
TABLE_000 = (DEMO_DIR / "tables" / "000_bang_phan_cong.txt").read_text(encoding="utf-8")
START = reverse("imports:import_start")


@pytest.fixture
def units():
    return load_units(json.loads((DEMO_DIR / "organisation.json").read_text())["units"])


@pytest.fixture
def office(client, units):
    user = UserFactory(role=Role.OFFICE, unit=units["vp"])
    client.force_login(user)
    return user


NEW_PLAN = {
    "number": "/KH-SKHCN",
    "kind": "ke_hoach",
    "issuing_body": "Sở Khoa học và Công nghệ",
    "issued_on": "01/06/2026",
    "title": "Triển khai Kết luận 226-KL/TW",
}


def start(client, units, **data):
    payload = {**NEW_PLAN, "issuing_unit": units["skhcn"].pk, **data}
    return client.post(START, payload)


def test_only_the_office_may_import(client, units):
    client.force_login(UserFactory(role=Role.UNIT_HEAD, unit=units["cds"]))
    assert client.get(START).status_code == 403
    assert start(client, units, text=TABLE_000).status_code == 403
    assert not ImportDraft.objects.exists()


def test_pasting_a_table_shows_each_row_understood_and_writes_nothing(client, office, units):
    response = start(client, units, text=TABLE_000)
    draft = ImportDraft.objects.get()
    assert response["Location"] == reverse("imports:import_preview", args=[draft.pk])
    page = client.get(response["Location"]).content.decode()
    assert "18 dòng nhiệm vụ" in page
    assert "“Quý IV/2026”" in page and "31/12/2026" in page
    assert "“Phòng Chuyên đổi số”" in page and "✓ Phòng Chuyển đổi số" in page
    assert "giao cho 6 đơn vị" in page  # "Các phòng, đơn vị" fans out
    assert "Định kỳ" in page and "09/06" in page  # the schedule read from the product cell
    assert not Plan.objects.exists() and not Task.objects.exists()


def test_correcting_a_row_in_place_then_confirming_saves_everything(client, office, units):
    start(
        client,
        units,
        text=TABLE_000.replace(
            "Văn phòng Sở\tCác phòng, đơn vị\tKế hoạch được",
            "Phòng Giáo dục\tCác phòng, đơn vị\tKế hoạch được",
        ),
    )
    draft = ImportDraft.objects.get()
    preview = client.get(reverse("imports:import_preview", args=[draft.pk])).content.decode()
    assert "Chưa nhận ra đơn vị “Phòng Giáo dục”" in preview
    row_url = reverse("imports:import_row", args=[draft.pk, 1])
    form = client.get(row_url, {"edit": 1}, headers={"HX-Request": "true"}).content.decode()
    assert 'value="Phòng Giáo dục"' in form and "<html" not in form
    fixed = client.post(
        row_url,
        {
            "order_label": "2",
            "content": "Rà soát văn bản QPPL",
            "lead": "VP Sở",
            "coordinating": "Các phòng, đơn vị",
            "product": "Kế hoạch được phê duyệt",
            "deadline": "Quý IV/2026",
        },
        headers={"HX-Request": "true"},
    ).content.decode()
    assert "✓ Văn phòng Sở" in fixed and "Chưa nhận ra" not in fixed

    response = client.post(reverse("imports:import_confirm", args=[draft.pk]))
    plan = Plan.objects.get()
    assert response["Location"] == reverse("tasks:list") + f"?plan={plan.pk}"
    assert plan.tasks.filter(parent=None).count() == 18
    assert plan.tasks.get(order_label="2").lead_unit.name == "Văn phòng Sở"
    assert ImportDraft.objects.get().state == DraftState.CONFIRMED


def test_a_plain_post_of_a_row_correction_redirects_back_to_the_preview(client, office, units):
    start(client, units, text=TABLE_000)
    draft = ImportDraft.objects.get()
    response = client.post(
        reverse("imports:import_row", args=[draft.pk, 0]),
        {
            "order_label": "1",
            "content": "Xây dựng Kế hoạch",
            "lead": "Phòng CĐS",
            "coordinating": "",
            "product": "Kế hoạch",
            "deadline": "Tháng 7/2026",
        },
    )
    assert response.status_code == 302 and response["Location"].endswith("#dong-0")
    draft.refresh_from_db()
    assert draft.rows[0]["cells"]["deadline"] == "Tháng 7/2026"


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("bang.xlsx", b"", "rỗng"),
        ("bang.pdf", b"%PDF-1.7\n" + b"\x00" * 200, "PDF"),
        ("bang.docx", b"PK\x03\x04garbage", "hỏng"),
    ],
)
def test_a_bad_file_gets_a_clear_message_and_nothing_is_written(
    client, office, units, name, content, message
):
    response = start(client, units, file=SimpleUploadedFile(name, content))
    assert response.status_code == 200
    assert message.lower() in response.content.decode().lower()
    assert not ImportDraft.objects.exists() and not Plan.objects.exists()


def test_a_new_plan_needs_a_title(client, office, units):
    response = start(client, units, text=TABLE_000, title="")
    assert "trích yếu" in response.content.decode()


def test_re_importing_shows_what_changed_before_confirming(client, office, units):
    start(client, units, text=TABLE_000)
    client.post(reverse("imports:import_confirm", args=[ImportDraft.objects.get().pk]))
    plan = Plan.objects.get()
    client.post(
        START,
        {
            "plan": plan.pk,
            "kind": "ke_hoach",
            "text": TABLE_000.replace("Tháng 6/2026", "Tháng 7/2026"),
        },
    )
    page = client.get(
        reverse("imports:import_preview", args=[ImportDraft.objects.latest("pk").pk])
    ).content.decode()
    assert "So với lần nhập trước" in page
    assert "“Tháng 6/2026” → “Tháng 7/2026”" in page


def test_fixing_a_row_updates_the_count_of_what_still_needs_a_look(client, office, units):
    table = TABLE_000.replace("Văn phòng Sở\tCác phòng, đơn vị\tKế hoạch được",
                              "Phòng Giáo dục\tCác phòng, đơn vị\tKế hoạch được")
    start(client, units, text=table)
    draft = ImportDraft.objects.get()
    page = client.get(reverse("imports:import_preview", args=[draft.pk])).content.decode()
    before = int(page.split(" chỗ cần xem")[0].rsplit(">", 1)[1])

    fixed = client.post(
        reverse("imports:import_row", args=[draft.pk, 1]),
        {"order_label": "2", "content": "Rà soát văn bản QPPL", "lead": "VP Sở",
         "coordinating": "Các phòng, đơn vị", "product": "Kế hoạch", "deadline": "Quý IV/2026"},
        headers={"HX-Request": "true"},
    ).content.decode()

    assert before == 1
    assert 'id="tom-tat" hx-swap-oob="true"' in fixed
    assert "Tất cả đã được hiểu" in fixed and "chỗ cần xem" not in fixed


def test_the_plan_date_is_a_date_input_and_a_silly_year_is_refused(client, office, units):
    page = client.get(START).content.decode()
    assert 'type="date" name="issued_on"' in page

    response = start(client, units, text=TABLE_000, issued_on="01/06/1066")
    assert "Ngày ban hành không hợp lệ" in response.content.decode()
    assert not ImportDraft.objects.exists()


def test_a_row_correction_can_name_the_person_responsible(client, office, units):
    UserFactory(full_name="Nguyễn Văn An", unit=units["vp"])
    start(client, units, text=TABLE_000)
    draft = ImportDraft.objects.get()

    fixed = client.post(
        reverse("imports:import_row", args=[draft.pk, 0]),
        {"order_label": "1", "content": "Xây dựng Kế hoạch", "lead": "Phòng Chuyển đổi số",
         "product": "Kế hoạch", "deadline": "Tháng 6/2026", "person": "nguyễn văn an"},
        headers={"HX-Request": "true"},
    ).content.decode()

    assert "Người chịu trách nhiệm: “nguyễn văn an” <span class=\"ok-name\">✓</span>" in fixed


def test_the_tables_footnotes_are_kept_on_the_plan_once_and_shown_with_its_tasks(
    client, office, units
):
    footnotes = "\n<sup>1</sup> Kết luận số 226-KL/TW của Ban Bí thư\nGhi chú: báo cáo hằng tháng"
    start(client, units, text=TABLE_000 + footnotes)
    client.post(reverse("imports:import_confirm", args=[ImportDraft.objects.get().pk]))
    plan = Plan.objects.get()
    assert plan.notes.splitlines() == [
        "¹ Kết luận số 226-KL/TW của Ban Bí thư", "Ghi chú: báo cáo hằng tháng",
    ]
    assert not Task.objects.filter(content__contains="Ban Bí thư").exists()

    # Imported again (a corrected table): the same footnotes are not added twice.
    client.post(START, {"plan": plan.pk, "kind": "ke_hoach", "text": TABLE_000 + footnotes})
    client.post(reverse("imports:import_confirm", args=[ImportDraft.objects.latest("pk").pk]))
    plan.refresh_from_db()
    assert len(plan.notes.splitlines()) == 2

    page = client.get(reverse("tasks:list"), {"plan": plan.pk}).content.decode()
    assert "Chú thích của" in page and "báo cáo hằng tháng" in page
