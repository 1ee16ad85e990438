"""The column-mapping step: in the browser preview, and on the command line."""

from __future__ import annotations

import io
import json
from io import StringIO

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from demo.loader import DEMO_DIR, load_units
from imports import drafts, jobs
from imports.models import ColumnMapping, ImportDraft
from plans.models import Plan
from tests.factories import UserFactory
from tests.imports.shapes import as_text

pytestmark = pytest.mark.django_db
START = reverse("imports:import_start")

# Headers in words the reader has no synonym for: it guesses from the cells, unsure.
ODD_HEADER = ["Hạng mục", "Bên làm", "Khi nào xong", "Đầu ra", "Ghi nhận"]
ODD_ROWS = [
    ["Hoàn thiện hồ sơ đề nghị công nhận sáng kiến cấp tỉnh năm 2026", "Văn phòng Sở",
     "Tháng 10/2026", "Báo cáo", "đã giao"],
    ["Kiểm tra việc thực hiện quy chế dân chủ ở cơ sở tại các đơn vị", "Thanh tra Sở",
     "Quý IV/2026", "Kế hoạch kiểm tra", ""],
    ["Tổng kết công tác thi đua, khen thưởng năm 2026 của toàn Sở", "Văn phòng Sở",
     "Tháng 12/2026", "Báo cáo tổng kết", ""],
]


@pytest.fixture
def units():
    return load_units(json.loads((DEMO_DIR / "organisation.json").read_text())["units"])


@pytest.fixture
def office(client, units):
    user = UserFactory(role=Role.OFFICE, unit=units["vp"])
    client.force_login(user)
    return user


def start(client, units, text):
    return client.post(
        START,
        {
            "kind": "ke_hoach",
            "issuing_body": "Sở Khoa học và Công nghệ",
            "issuing_unit": units["skhcn"].pk,
            "issued_on": "01/06/2026",
            "title": "Kế hoạch thi đua",
            "text": text,
        },
    )


def map_columns(client, draft, **columns):
    data = {"header_line": draft.header_line or 0}
    data.update({f"col_{p}": "notes" for p in range(5)})
    data.update(columns)
    return client.post(reverse("imports:import_columns", args=[draft.pk]), data)


def test_the_preview_shows_how_each_column_was_read_and_the_first_rows(client, office, units):
    start(client, units, as_text([ODD_HEADER, *ODD_ROWS]))
    draft = ImportDraft.objects.get()

    page = client.get(reverse("imports:import_preview", args=[draft.pk])).content.decode()

    assert 'id="cac-cot"' in page
    assert "Các ô là tên đơn vị" in page  # how the lead column was recognised
    assert "đoán, cần xem" in page  # and how sure the reader is
    assert '<select name="col_4"' in page
    assert "Hoàn thiện hồ sơ đề nghị công nhận sáng kiến" in page


def test_mapping_the_columns_reads_the_rows_again_and_is_remembered(client, office, units):
    start(client, units, as_text([ODD_HEADER, *ODD_ROWS]))
    draft = ImportDraft.objects.get()

    response = map_columns(
        client, draft, col_0="content", col_1="lead", col_2="deadline", col_3="product",
        col_4="ignore",
    )

    assert response.status_code == 302
    draft.refresh_from_db()
    assert [row["cells"]["content"] for row in draft.rows] == [r[0] for r in ODD_ROWS]
    assert all(row["notes"] == {} for row in draft.rows)  # "Ghi nhận" left out, as chosen
    assert ColumnMapping.objects.get().mapping["4"] == "ignore"

    # The next table with the same header, below a title, is read the same way at once.
    start(client, units, as_text([["PHỤ LỤC KÈM THEO"], ODD_HEADER, *ODD_ROWS[:2]]))
    again = ImportDraft.objects.latest("pk")
    assert [row["cells"]["lead"] for row in again.rows] == ["Văn phòng Sở", "Thanh tra Sở"]
    assert {reading["how"] for reading in again.columns} == {"Theo lựa chọn của người nhập"}


def test_an_unmapped_column_is_kept_as_a_note_with_its_header(client, office, units):
    start(client, units, as_text([ODD_HEADER, *ODD_ROWS]))
    draft = ImportDraft.objects.get()

    map_columns(client, draft, col_0="content", col_1="lead", col_2="deadline")

    draft.refresh_from_db()
    assert draft.rows[0]["notes"] == {"Đầu ra": "Báo cáo", "Ghi nhận": "đã giao"}


def test_a_mapping_without_a_task_column_is_refused_and_changes_nothing(client, office, units):
    start(client, units, as_text([ODD_HEADER, *ODD_ROWS]))
    draft = ImportDraft.objects.get()
    before = draft.rows

    response = map_columns(client, draft, col_1="lead")

    page = client.get(response["Location"]).content.decode()
    assert "Cần chọn cột nội dung công việc" in page
    draft.refresh_from_db()
    assert draft.rows == before
    assert not ColumnMapping.objects.exists()


def test_another_clerks_draft_cannot_be_mapped(client, office, units):
    start(client, units, as_text([ODD_HEADER, *ODD_ROWS]))
    draft = ImportDraft.objects.get()
    client.force_login(UserFactory(role=Role.OFFICE, unit=units["vp"]))

    assert map_columns(client, draft, col_0="content").status_code == 404


def test_the_preview_page_queries_do_not_grow_with_the_rows(
    client, office, units, django_assert_max_num_queries
):
    rows = [[f"Nhiệm vụ số {n} của kế hoạch thi đua năm 2026", "Văn phòng Sở", "Quý IV/2026",
             "Báo cáo", ""] for n in range(60)]
    start(client, units, as_text([ODD_HEADER, *rows]))
    draft = ImportDraft.objects.get()

    with django_assert_max_num_queries(12):
        client.get(reverse("imports:import_preview", args=[draft.pk]))


# --- The command line ----------------------------------------------------------------------------

TWO_TASK_COLUMNS = (
    "PHỤ LỤC\n"
    "Mã\tNội dung tóm tắt\tTên chương trình\tCơ quan thực hiện\tThời điểm hoàn thành\n"
    "CT1\tTóm tắt 1\tChương trình chuyển đổi số\tVăn phòng Sở\tQuý IV/2026\n"
    "CT2\tTóm tắt 2\tChương trình cải cách hành chính\tThanh tra Sở\tTháng 9/2026\n"
)


def run_json(path, *args):
    out = StringIO()
    call_command("import_plan", str(path), "--json", *args, stdout=out)
    return json.loads(out.getvalue())


def test_the_command_line_takes_the_columns_by_their_headers(tmp_path, units):
    path = tmp_path / "bang.txt"
    path.write_text(TWO_TASK_COLUMNS, encoding="utf-8")

    data = run_json(
        path,
        "--columns",
        "task=Tên chương trình;lead=Cơ quan thực hiện;deadline=Thời điểm hoàn thành",
        "--header-row",
        "2",
    )

    assert [row["content"] for row in data["rows"]] == [
        "Chương trình chuyển đổi số", "Chương trình cải cách hành chính",
    ]
    assert data["rows"][0]["notes"] == {"Mã": "CT1", "Nội dung tóm tắt": "Tóm tắt 1"}
    assert data["rows"][1]["deadline"]["due"] == "2026-09-30"


def test_the_command_line_takes_column_letters_for_a_table_without_a_header(tmp_path, units):
    path = tmp_path / "bang.txt"
    path.write_text(TWO_TASK_COLUMNS, encoding="utf-8")

    data = run_json(path, "--columns", "task=C;lead=D;deadline=E", "--header-row", "0")

    # With no header row, the title and the header line are rows too: they are reported.
    assert [row["content"] for row in data["rows"]][-2:] == [
        "Chương trình chuyển đổi số", "Chương trình cải cách hành chính",
    ]


@pytest.mark.parametrize(
    ("columns", "message"),
    [
        ("task=Không có cột này", "Không tìm thấy dòng tiêu đề có các cột"),
        ("viec=Tên chương trình", "không hiểu"),
        ("task=Tên chương trình;lead=Tên chương trình", "chọn hai lần|Không có cột"),
    ],
)
def test_the_command_line_says_what_is_wrong_with_the_columns(tmp_path, units, columns, message):
    path = tmp_path / "bang.txt"
    path.write_text(TWO_TASK_COLUMNS, encoding="utf-8")

    with pytest.raises(CommandError, match=message):
        run_json(path, "--columns", columns)


def test_each_rows_person_authority_and_notes_show_in_the_preview(client, office, units):
    text = as_text([
        ["STT", "Nội dung", "Chủ trì", "Thời hạn", "Cán bộ theo dõi", "Cấp trình", "Kinh phí"],
        ["1", "Việc A", "Văn phòng Sở", "Quý IV/2026", "Nguyễn Văn An", "UBND tỉnh", "1.500.000"],
    ])
    start(client, units, text)
    draft = ImportDraft.objects.get()

    page = client.get(reverse("imports:import_preview", args=[draft.pk])).content.decode()

    assert "Người chịu trách nhiệm: “Nguyễn Văn An”" in page
    assert "Thẩm quyền: “UBND tỉnh”" in page
    assert "Kinh phí: 1.500.000" in page


# A table in which neither the header nor the cells say what the columns are.
UNREADABLE = [
    ["Mục", "Việc", "Ai", "Khi"],
    ["1", "Họp giao ban", "Tổ A", "T5"],
    ["2", "Rà soát quy chế", "Tổ B", "T6"],
]


def test_a_table_nothing_is_recognised_in_opens_at_the_mapping_step(client, office, units):
    response = start(client, units, as_text(UNREADABLE))

    draft = ImportDraft.objects.get()
    assert response["Location"] == reverse("imports:import_preview", args=[draft.pk])
    assert draft.rows == [] and draft.header_line is None
    page = client.get(response["Location"]).content.decode()
    assert "Chưa nhận ra được dòng tiêu đề và các cột" in page
    assert "Rà soát quy chế" in page  # the first rows, to choose by
    assert "Xác nhận nhập" not in page  # nothing to confirm yet

    map_columns(
        client, draft, header_line=1, col_0="order", col_1="content", col_2="lead", col_3="deadline"
    )

    draft.refresh_from_db()
    assert [(r["order_label"], r["cells"]["lead"]) for r in draft.rows] == [
        ("1", "Tổ A"),
        ("2", "Tổ B"),
    ]
    assert ColumnMapping.objects.get().mapping["1"] == "content"


def test_confirming_before_the_columns_are_chosen_writes_nothing(client, office, units):
    start(client, units, as_text(UNREADABLE))
    draft = ImportDraft.objects.get()

    response = client.post(reverse("imports:import_confirm", args=[draft.pk]))

    page = client.get(response["Location"]).content.decode()
    assert "hãy chọn các cột trước" in page
    draft.refresh_from_db()
    assert draft.state == "ready"
    assert not Plan.objects.exists()


def test_an_uploaded_workbook_nothing_is_recognised_in_is_mapped_too(
    client, office, units, monkeypatch
):
    monkeypatch.setattr(jobs.read_draft_upload, "delay", lambda draft_id: None)
    book = openpyxl.Workbook()
    for row in UNREADABLE:
        book.active.append(row)
    data = io.BytesIO()
    book.save(data)
    client.post(
        START,
        {
            "kind": "ke_hoach",
            "issuing_body": "Sở Khoa học và Công nghệ",
            "title": "Kế hoạch thi đua",
            "issued_on": "01/06/2026",
            "file": SimpleUploadedFile("bang.xlsx", data.getvalue()),
        },
    )
    draft = ImportDraft.objects.get()
    drafts.read_draft(draft_id=draft.pk, now=timezone.now())

    draft.refresh_from_db()
    assert draft.state == "ready" and draft.rows == []
    assert [row["line"] for row in draft.grid] == [1, 2, 3]


def test_loose_text_is_still_refused_with_the_reason(client, office, units):
    response = start(client, units, "Chỉ là một đoạn văn.\nKhông có bảng nào ở đây.")

    assert response.status_code == 200
    assert "Không tìm thấy dòng tiêu đề" in response.content.decode()
    assert not ImportDraft.objects.exists()


def test_a_rows_correction_stays_when_the_columns_are_chosen_again(client, office, units):
    start(client, units, as_text([ODD_HEADER, *ODD_ROWS]))
    draft = ImportDraft.objects.get()
    fixed = {"order_label": "", "content": ODD_ROWS[1][0], "lead": "Văn phòng Sở",
             "deadline": "Tháng 11/2026", "product": "Kế hoạch kiểm tra"}
    client.post(reverse("imports:import_row", args=[draft.pk, 1]), fixed)

    map_columns(client, draft, col_0="content", col_1="lead", col_2="deadline", col_3="product")

    draft.refresh_from_db()
    assert draft.rows[1]["cells"]["lead"] == "Văn phòng Sở"  # the clerk's, not the file's
    assert draft.rows[1]["cells"]["deadline"] == "Tháng 11/2026"
    changed = {"lead": "Văn phòng Sở", "deadline": "Tháng 11/2026"}
    assert draft.corrections == {"3": {"cells": changed}}  # only what the clerk changed
    assert draft.rows[0]["cells"]["lead"] == "Văn phòng Sở"


def test_a_correction_whose_row_is_gone_after_mapping_is_dropped_and_said(client, office, units):
    start(client, units, as_text([ODD_HEADER, *ODD_ROWS]))
    draft = ImportDraft.objects.get()
    client.post(reverse("imports:import_row", args=[draft.pk, 0]),
                {"order_label": "", "content": "Sửa nội dung", "lead": "Văn phòng Sở"})

    # The first task row is now taken for the header: its correction has no row left.
    response = map_columns(client, draft, header_line=2, col_0="content", col_1="lead")

    page = client.get(response["Location"]).content.decode()
    assert "1 chỉnh sửa từng dòng không còn dòng nào để áp dụng" in page
    draft.refresh_from_db()
    assert draft.corrections == {}
    assert "Sửa nội dung" not in [row["cells"]["content"] for row in draft.rows]


def test_the_command_line_maps_a_table_nothing_is_recognised_in(tmp_path, units):
    path = tmp_path / "bang.txt"
    path.write_text(as_text(UNREADABLE), encoding="utf-8")

    data = run_json(path, "--columns", "task=B;lead=C;deadline=D", "--header-row", "1")

    assert [row["content"] for row in data["rows"]] == ["Họp giao ban", "Rà soát quy chế"]
