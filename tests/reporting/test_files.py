"""The PDF and the workbook read back: the same figures as the data, laid out as expected."""

from __future__ import annotations

import subprocess
from datetime import date, datetime
from io import BytesIO

import openpyxl
import pytest

from reporting.data import build_for
from reporting.excel import render_xlsx
from reporting.narrative import Document, number_text, organisation_defaults
from reporting.pdf import render_pdf
from tests.reporting.conftest import DEMO_TODAY


def _document(**overrides) -> Document:
    fields = {
        **organisation_defaults(),
        "number": "15",
        "issued_on": date(2026, 6, 8),
        "signer_title": "KT. GIÁM ĐỐC\nPHÓ GIÁM ĐỐC",
        "signer_name": "Nguyễn Minh Quang",
        "recipients": ["UBND thành phố (qua Sở Nội vụ);", "Lưu: VT, VP."],
        "assessment": "Các đơn vị cơ bản hoàn thành nhiệm vụ.",
        "proposals": "Đề nghị bố trí kinh phí.",
        "draft": False,
    }
    return Document(**{**fields, **overrides})


@pytest.fixture
def h1(demo):
    return build_for(kind="semiannual", code="2026-H1", today=DEMO_TODAY)


def _pdf_text(pdf: bytes, pdftotext: str, tmp_path) -> str:
    path = tmp_path / "report.pdf"
    path.write_bytes(pdf)
    out = subprocess.run([pdftotext, str(path), "-"], capture_output=True, check=True, text=True)
    return " ".join(out.stdout.split())


def test_the_pdf_reads_as_an_administrative_report_with_the_figures(h1, pdftotext, tmp_path):
    text = _pdf_text(render_pdf(h1, _document()), pdftotext, tmp_path)
    f = h1.figures
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text
    assert "Độc lập - Tự do - Hạnh phúc" in text
    assert "SỞ KHOA HỌC VÀ CÔNG NGHỆ" in text
    assert "Số: 15/BC-SKHCN" in text
    assert "Đồng Nai, ngày 08 tháng 6 năm 2026" in text
    assert "BÁO CÁO" in text
    assert "Kết quả thực hiện nhiệm vụ 6 tháng đầu năm 2026" in text
    assert f"có {f.total} nhiệm vụ đến hạn" in text
    assert (
        f"hoàn thành {f.done} nhiệm vụ (trước hạn {f.done_early}, đúng hạn {f.done_on_time}, "
        f"trễ hạn {f.done_late})" in text
    )
    assert f"quá hạn chưa hoàn thành {f.overdue}" in text
    assert f"đạt {number_text(f.on_time_rate)}%" in text
    assert "KT. GIÁM ĐỐC PHÓ GIÁM ĐỐC" in text
    assert "Nguyễn Minh Quang" in text
    assert "Nơi nhận:" in text
    # Each unit's row, and every late task in the appendix.
    for unit in h1.units:
        assert unit.name in text
    assert "DANH SÁCH NHIỆM VỤ CHẬM, QUÁ HẠN" in text
    for row in h1.late_tasks:
        assert row.due_date.strftime("%d/%m/%Y") in text
        if row.reason:
            assert row.reason.split()[0] in text


def test_a_draft_pdf_says_so_and_leaves_the_number_and_date_blank(h1, pdftotext, tmp_path):
    draft = _document(draft=True, number="", issued_on=None)
    text = _pdf_text(render_pdf(h1, draft), pdftotext, tmp_path)
    assert "DỰ THẢO" in text
    assert "Số: /BC-SKHCN" in text


def test_the_workbook_holds_the_same_figures_in_real_cells(h1):
    wb = openpyxl.load_workbook(BytesIO(render_xlsx(h1, _document())))
    assert wb.sheetnames == [
        "Tổng hợp",
        "Theo đơn vị",
        "Nhiệm vụ",
        "Chậm, quá hạn",
        "Điều chỉnh thời hạn",
        "Khó khăn, đề xuất",
        "Chỉ tiêu",
        "Trọng tâm, đột phá",
    ]

    summary = {row[0]: row[1:] for row in wb["Tổng hợp"].iter_rows(min_row=6, values_only=True)}
    assert summary["Nhiệm vụ đến hạn trong kỳ"][0] == h1.figures.total
    assert summary["Quá hạn"][0] == h1.figures.overdue
    assert summary["Chưa thực hiện"][0] == h1.figures.not_started
    rate = wb["Tổng hợp"]["B15"]
    assert rate.value == pytest.approx(h1.figures.on_time_rate / 100)
    assert rate.number_format == "0.0%"

    units = wb["Theo đơn vị"]
    rows = [row for row in units.iter_rows(min_row=6, values_only=True) if row[1]]
    assert [row[1] for row in rows] == [u.name for u in h1.units] + ["Tổng cộng"]
    for row in rows:  # one column per state, adding up to the total
        assert sum(row[3:11]) == row[2]

    for sheet in wb:
        assert sheet.freeze_panes == "A6"
        assert sheet.print_title_rows == "$5:$5"
        assert sheet.page_setup.paperSize == int(sheet.PAPERSIZE_A4)
        assert sheet.page_setup.fitToWidth == 1
        assert sheet.sheet_properties.pageSetUpPr.fitToPage
    assert wb["Nhiệm vụ"].auto_filter.ref == f"A5:P{5 + len(h1.tasks)}"

    late = wb["Chậm, quá hạn"]
    rows = list(late.iter_rows(min_row=6))
    assert len(rows) == len(h1.late_tasks) > 0
    due = rows[0][6]
    assert isinstance(due.value, datetime)
    assert due.number_format == "dd/mm/yyyy"
    assert rows[0][0].fill.fgColor.rgb.endswith(("F1A9B0", "F8D7DA"))
    assert [r[11].value for r in rows] == [
        row.reason or "Đơn vị chưa báo cáo lý do" for row in h1.late_tasks
    ]


def test_a_long_late_list_is_one_line_a_task_and_the_workbook_keeps_it_all(
    h1, pdftotext, tmp_path, settings
):
    settings.REPORT_PDF_COMPACT_LATE, settings.REPORT_PDF_MAX_LATE = 2, 3
    text = _pdf_text(render_pdf(h1, _document()), pdftotext, tmp_path)
    total = len(h1.late_tasks)
    assert f"Có {total} nhiệm vụ chậm, quá hạn" in text
    assert f"3 nhiệm vụ chậm lâu nhất trong tổng số {total} nhiệm vụ" in text
    wb = openpyxl.load_workbook(BytesIO(render_xlsx(h1, _document())))
    assert wb["Chậm, quá hạn"].max_row - 5 == total


def test_text_that_looks_like_a_formula_stays_text_in_the_workbook():
    from io import BytesIO

    from openpyxl import Workbook, load_workbook

    from reporting.excel import _cell

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Nhiệm vụ")
    sheet.append([_cell(sheet, '=HYPERLINK("http://x.example","bấm")'), _cell(sheet, "+84 912")])
    buffer = BytesIO()
    workbook.save(buffer)
    buffer.seek(0)
    row = next(load_workbook(buffer).active.iter_rows())
    assert [(c.value, c.data_type) for c in row] == [
        ('=HYPERLINK("http://x.example","bấm")', "s"),
        ("+84 912", "s"),
    ]


def test_the_campaigns_key_tasks_are_their_own_group_in_both_files(demo, pdftotext, tmp_path):
    from tasks.models import Task

    due_in_h1 = Task.objects.tracked().filter(due_date__range=(date(2026, 1, 1), date(2026, 6, 14)))
    marked = list(due_in_h1.order_by("pk")[:2])
    Task.objects.filter(pk=marked[0].pk).update(is_key=True)
    Task.objects.filter(pk=marked[1].pk).update(is_key=True, is_breakthrough=True)
    data = build_for(kind="semiannual", code="2026-H1", today=DEMO_TODAY)

    keys = {row.task_id: row.key for row in data.key_tasks}
    assert (keys[marked[0].pk], keys[marked[1].pk]) == ("Trọng tâm", "Trọng tâm, Đột phá")
    flagged = Task.objects.filter(pk__in=keys).exclude(is_key=False, is_breakthrough=False)
    assert flagged.count() == len(keys)  # the demo's approved registrations are there too
    text = _pdf_text(render_pdf(data, _document()), pdftotext, tmp_path)
    assert "Nhiệm vụ trọng tâm, đột phá" in text and "Trọng tâm, Đột phá" in text
    sheet = openpyxl.load_workbook(BytesIO(render_xlsx(data, _document())))["Trọng tâm, đột phá"]
    listed = [row[3] for row in sheet.iter_rows(min_row=1, values_only=True)]
    assert marked[0].content in listed and marked[1].content in listed
