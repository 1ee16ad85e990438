"""The task list's Excel export: the filtered rows, all of them, every "rõ" column, printable."""

from __future__ import annotations

import csv
import tempfile
import zipfile
from datetime import date
from io import BytesIO, StringIO

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from accounts.models import Role
from tasks.punctuality import Status
from tests.factories import TaskFactory, UnitFactory, UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_clock")]
URL = reverse("tasks:export")


def workbook(response):
    assert response.status_code == 200
    body = b"".join(response.streaming_content)
    return load_workbook(BytesIO(body))


def rows(ws) -> list[tuple]:
    return list(ws.iter_rows(min_row=4, values_only=True))


def test_it_exports_every_filtered_row_with_every_ro_column(client, settings):
    settings.TASKS_PER_PAGE = 2  # more rows than one page of the list
    unit, other = UnitFactory(name="Phòng Chuyển đổi số"), UnitFactory(name="Văn phòng Sở")
    partner = UnitFactory(name="Trung tâm KHCN", short_name="TT KHCN")
    person = UserFactory(full_name="Trần Thị Lan", unit=unit)
    leader = UserFactory(full_name="Lê Văn Hùng", title="Phó Giám đốc", role=Role.LEADERSHIP)
    first = TaskFactory(
        content="Xây dựng Trợ lý ảo",
        lead_unit=unit,
        assignee=person,
        authority_user=leader,
        deadline_text="Quý III/2026",
        due_date=date(2026, 9, 30),
        product="Trợ lý ảo vận hành",
        status=Status.IN_PROGRESS,
        percent=40,
    )
    first.coordinating_units.add(partner)
    TaskFactory.create_batch(4, lead_unit=unit)
    TaskFactory(content="Của đơn vị khác", lead_unit=other)
    client.force_login(UserFactory(role=Role.OFFICE))
    response = client.get(URL, {"unit": unit.pk, "sort": "han"})
    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    disposition = response["Content-Disposition"]
    assert "attachment" in disposition and "22-11-2026.xlsx" in disposition
    assert "Danh%20s%C3%A1ch%20nhi%E1%BB%87m%20v%E1%BB%A5" in disposition  # Vietnamese, encoded
    ws = workbook(response).active
    header = [c.value for c in ws[3]]
    expected = ["Người thực hiện", "Thời hạn như trong văn bản", "Hạn hoàn thành", "Đơn vị chủ trì",
                "Đơn vị phối hợp", "Thẩm quyền", "Sản phẩm", "Trạng thái", "Tiến độ",
                "Cập nhật gần nhất"]  # fmt: skip
    for name in expected:
        assert any(name in h for h in header), name
    data = rows(ws)
    assert len(data) == 5 and "Của đơn vị khác" not in {r[2] for r in data}
    row = data[0]  # sorted by due date, as asked
    assert row[2:10] == (
        "Xây dựng Trợ lý ảo",
        "Trần Thị Lan",
        "Quý III/2026",
        row[5],
        "Phòng Chuyển đổi số",
        "TT KHCN",
        "Phó Giám đốc Lê Văn Hùng",
        "Trợ lý ảo vận hành",
    )
    assert row[5].date() == date(2026, 9, 30) and ws.cell(4, 6).number_format == "dd/mm/yyyy"
    assert row[10:13] == ("Đang thực hiện", "Quá hạn", 40)


def test_the_workbook_prints_on_a4_landscape_fitted_to_width_with_the_header_repeated(client):
    TaskFactory()
    client.force_login(UserFactory(role=Role.OFFICE))
    ws = workbook(client.get(URL)).active
    assert int(ws.page_setup.paperSize) == int(ws.PAPERSIZE_A4)
    assert ws.page_setup.orientation == "landscape"
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    # One page wide (fitToWidth left out of the file is its default, 1), as many pages down as
    # it takes.
    assert (ws.page_setup.fitToWidth or 1, ws.page_setup.fitToHeight) == (1, 0)
    assert ws.print_title_rows == "$3:$3"
    assert ws.freeze_panes == "A4"
    assert ws.print_options.horizontalCentered
    margins = ws.page_margins
    assert (margins.left, margins.right, margins.top, margins.bottom) == (0.4, 0.4, 0.6, 0.6)
    assert ws.oddFooter.center.text == "Trang &P/&N"
    assert ws.auto_filter.ref == "A3:N3"


def test_the_workbook_keeps_its_look_column_widths_fonts_borders_and_header(client):
    TaskFactory(content="Một việc", product="", due_date=date(2026, 12, 31))
    client.force_login(UserFactory(role=Role.OFFICE))
    ws = workbook(client.get(URL)).active
    assert ws.title == "Nhiệm vụ"
    widths = {}
    for dimension in ws.column_dimensions.values():  # adjacent equal widths share one entry
        for index in range(dimension.min, dimension.max + 1):
            widths[index] = dimension.width
    assert widths == {1: 6, 2: 16, 3: 48, 4: 18, 5: 18, 6: 12, 7: 20, 8: 22, 9: 18, 10: 28,
                      11: 13, 12: 14, 13: 8, 14: 12}  # fmt: skip
    title, as_of = ws["A1"], ws["A2"]
    assert title.value == "DANH SÁCH NHIỆM VỤ" and (title.font.sz, title.font.b) == (13, True)
    assert as_of.value.startswith("Tính đến ngày 22/11/2026; 1 nhiệm vụ") and as_of.font.i
    assert title.border.left.style is None
    for cell in ws[3]:  # the header: bold, filled, centred, wrapped, bordered
        assert (cell.font.name, cell.font.b) == ("Times New Roman", True)
        assert cell.fill.fill_type == "solid" and cell.fill.fgColor.rgb.endswith("DDE6F0")
        assert (cell.alignment.horizontal, cell.alignment.vertical) == ("center", "center")
        assert cell.alignment.wrap_text and cell.border.top.style == "thin"
    row = ws[4]
    for cell in row:  # every cell of a row bordered, even an empty one
        assert cell.font.name == "Times New Roman" and cell.font.sz == 11
        assert cell.border.left.style == cell.border.bottom.style == "thin"
        assert cell.alignment.vertical == "top"
    assert row[2].value == "Một việc" and row[2].alignment.wrap_text
    assert row[9].value is None  # no product: an empty cell, not an empty text
    assert row[5].value.date() == date(2026, 12, 31) and row[5].number_format == "dd/mm/yyyy"
    assert row[5].alignment.horizontal == "center"
    assert row[13].number_format == "dd/mm/yyyy"


def test_the_workbook_is_written_a_row_at_a_time(client):
    """Constant-memory writing keeps text in each cell (inline strings): no table of shared
    strings, which would hold every text of the file in memory until the end."""
    TaskFactory.create_batch(3)
    client.force_login(UserFactory(role=Role.OFFICE))
    response = client.get(URL)
    body = b"".join(response.streaming_content)
    with zipfile.ZipFile(BytesIO(body)) as package:
        assert "xl/sharedStrings.xml" not in package.namelist()
        assert b't="inlineStr"' in package.read("xl/worksheets/sheet1.xml")


def test_a_failed_export_leaves_no_temporary_files(monkeypatch, tmp_path):
    from tasks import exports
    from tasks.models import Task

    TaskFactory.create_batch(3)

    def broken(tasks):
        yield from ()
        raise RuntimeError("the database went away")

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    monkeypatch.setattr(exports, "task_rows", broken)
    with pytest.raises(RuntimeError):
        exports.task_list_file(Task.objects.all(), today=date(2026, 11, 22))
    assert list(tmp_path.iterdir()) == []


def test_text_that_looks_like_a_formula_stays_text(client):
    TaskFactory(content='=HYPERLINK("http://x","bấm")', product="=1+1\x07")
    client.force_login(UserFactory(role=Role.OFFICE))
    row = rows(workbook(client.get(URL)).active)[0]
    assert row[2] == '=HYPERLINK("http://x","bấm")' and row[9] == "=1+1"


def test_a_unit_head_exports_only_what_they_may_see(client):
    unit = UnitFactory()
    TaskFactory(content="Của tôi", lead_unit=unit)
    TaskFactory(content="Của người khác")
    client.force_login(UserFactory(role=Role.UNIT_HEAD, unit=unit))
    assert [r[2] for r in rows(workbook(client.get(URL)).active)] == ["Của tôi"]


def test_it_asks_for_a_login_first(client):
    response = client.get(URL)
    assert response.status_code == 302 and reverse("login") in response["Location"]


@pytest.mark.parametrize("count", [3, 60])
def test_the_export_query_count_does_not_grow_with_rows(
    client, count, django_assert_max_num_queries
):
    unit = UnitFactory()
    for task in TaskFactory.create_batch(count, lead_unit=unit, assignee=UserFactory(unit=unit)):
        task.coordinating_units.add(unit)
    client.force_login(UserFactory(role=Role.OFFICE))
    with django_assert_max_num_queries(6):
        ws = workbook(client.get(URL)).active
    assert len(rows(ws)) == count


# --- CSV ------------------------------------------------------------------------------------

CSV_URL = reverse("tasks:export_csv")


def csv_rows(response) -> list[list[str]]:
    assert response.status_code == 200 and response.streaming
    body = b"".join(response.streaming_content)
    assert body.startswith(b"\xef\xbb\xbf")  # the BOM: Excel reads the file as UTF-8
    text = body[3:].decode("utf-8")
    parsed = list(csv.reader(StringIO(text, newline="")))
    assert text.endswith("\r\n") and text.count("\r\n") == len(parsed)  # one CRLF a row
    return parsed


def test_the_csv_has_the_rows_and_columns_of_the_workbook(client, settings):
    settings.TASKS_PER_PAGE = 2
    unit, other = UnitFactory(name="Phòng Chuyển đổi số"), UnitFactory(name="Văn phòng Sở")
    partner = UnitFactory(name="Trung tâm KHCN", short_name="TT KHCN")
    leader = UserFactory(full_name="Lê Văn Hùng", title="Phó Giám đốc", role=Role.LEADERSHIP)
    first = TaskFactory(
        content="Xây dựng Trợ lý ảo",
        lead_unit=unit,
        assignee=UserFactory(full_name="Trần Thị Lan", unit=unit),
        authority_user=leader,
        deadline_text="Quý III/2026",
        due_date=date(2026, 9, 30),
        product="Trợ lý ảo vận hành",
        status=Status.IN_PROGRESS,
        percent=40,
    )
    first.coordinating_units.add(partner)
    TaskFactory.create_batch(4, lead_unit=unit)
    TaskFactory(content="Của đơn vị khác", lead_unit=other)
    client.force_login(UserFactory(role=Role.OFFICE))
    query = {"unit": unit.pk, "sort": "han"}
    response = client.get(CSV_URL, query)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    disposition = response["Content-Disposition"]
    assert "attachment" in disposition and "22-11-2026.csv" in disposition
    assert "Danh%20s%C3%A1ch%20nhi%E1%BB%87m%20v%E1%BB%A5" in disposition
    header, *data = csv_rows(response)
    sheet = workbook(client.get(URL, query)).active
    assert header == [c.value for c in sheet[3]]
    assert header[2] == "Nội dung công việc (rõ việc)"
    assert len(data) == 5 and data[0] == [
        data[0][0],
        data[0][1],
        "Xây dựng Trợ lý ảo",
        "Trần Thị Lan",
        "Quý III/2026",
        "30/09/2026",
        "Phòng Chuyển đổi số",
        "TT KHCN",
        "Phó Giám đốc Lê Văn Hùng",
        "Trợ lý ảo vận hành",
        "Đang thực hiện",
        "Quá hạn",
        "40",
        "",
    ]
    # The same rows, in the same order, as the workbook.
    assert [r[2] for r in data] == [r[2] for r in rows(sheet)]


def test_csv_cells_that_a_spreadsheet_would_run_are_neutralised(client):
    TaskFactory(
        content='=HYPERLINK("http://x","bấm")',
        product="+1+1",
        deadline_text="-2+3",
        coordinating_as_written="@SUM(A1)",
        authority_body='Sở Nội vụ, "phòng"\nhai dòng',
    )
    client.force_login(UserFactory(role=Role.OFFICE))
    row = csv_rows(client.get(CSV_URL))[1]
    assert row[2] == '\'=HYPERLINK("http://x","bấm")'
    assert (row[9], row[4], row[7]) == ("'+1+1", "'-2+3", "'@SUM(A1)")
    assert row[8] == 'Sở Nội vụ, "phòng"\nhai dòng'  # quoted, read back whole


def test_a_unit_head_exports_only_what_they_may_see_as_csv(client):
    unit = UnitFactory()
    TaskFactory(content="Của tôi", lead_unit=unit)
    TaskFactory(content="Của người khác")
    client.force_login(UserFactory(role=Role.UNIT_HEAD, unit=unit))
    assert [r[2] for r in csv_rows(client.get(CSV_URL))[1:]] == ["Của tôi"]


def test_the_csv_asks_for_a_login_first(client):
    response = client.get(CSV_URL)
    assert response.status_code == 302 and reverse("login") in response["Location"]


@pytest.mark.parametrize("count", [3, 60])
def test_the_csv_query_count_does_not_grow_with_rows(client, count, django_assert_max_num_queries):
    unit = UnitFactory()
    for task in TaskFactory.create_batch(count, lead_unit=unit, assignee=UserFactory(unit=unit)):
        task.coordinating_units.add(unit)
    client.force_login(UserFactory(role=Role.OFFICE))
    with django_assert_max_num_queries(5):
        data = csv_rows(client.get(CSV_URL))
    assert len(data) == count + 1


def test_the_list_offers_both_exports_with_its_filters(client):
    unit = UnitFactory()
    TaskFactory(lead_unit=unit)
    client.force_login(UserFactory(role=Role.OFFICE))
    page = client.get(reverse("tasks:list"), {"unit": unit.pk}).content.decode()
    assert f'href="{CSV_URL}?unit={unit.pk}"' in page and "Xuất CSV" in page
    assert f'href="{URL}?unit={unit.pk}"' in page
