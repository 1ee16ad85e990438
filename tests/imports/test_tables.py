from __future__ import annotations

import io
import unicodedata
import zipfile
from datetime import date
from pathlib import Path

import docx
import openpyxl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from imports.tables import Column, TableError, read_docx, read_text, read_upload, read_xlsx

SEEDS = Path("/work/shared/seeds")


def seed_table(prefix: str, header_start: str) -> str:
    """The task table at the end of a seed document, from its header line to the end."""
    (path,) = SEEDS.glob(f"{prefix}_*.txt")
    text = path.read_text(encoding="utf-8")
    return text[text.index(f"\n{header_start}\t") + 1 :]


def column(table, name: Column) -> list[str]:
    return [row.cells[name] for row in table.rows]


# --- The seeds ---------------------------------------------------------------------------------

DEADLINES_000 = [
    "Tháng 6/2026", "Quý IV/2026", "Hàng năm, bắt đầu từ năm 2026", "Thường xuyên",
    "Hàng năm, từ 2026", "2026-2027", "Quý III/2026", "Quý III/2026", "Thường xuyên",
    "Hàng năm, từ 2026", "Đến 31/12/2026", "Quý IV/2026", "Quý IV/2026", "Từ năm 2026",
    "Quý III/2026", "Năm 2026", "Thường xuyên từ năm 2026", "Định kỳ",
]
PRODUCTS_000 = [
    "Kế hoạch", "Kế hoạch được phê duyệt", "Báo cáo", "Báo cáo thanh tra, kiểm tra",
    "Lịch họp, báo cáo kết quả", "Hệ thống kết nối thông suốt",
    "Quy chế làm việc, phối hợp được điều chỉnh, hoàn thiện", "Biên bản, báo cáo",
    "Tin bài, chuyên mục", "Số lượng văn bản giảm, báo cáo", "Tỷ lệ hồ sơ trực tuyến ≥ 95%",
    "Ứng dụng trợ lý ảo", "Kế hoạch", "Lớp tập huấn, 100% CCVC được đào tạo",
    "Quy chế sửa đổi, bổ sung", "Hướng dẫn đánh giá", "Tin bài, chuyên mục tuyên truyền",
    "Báo cáo 6 tháng (trước 10/6) và năm (trước 10/12)",
]
DEADLINES_002 = [
    "Tháng 6 năm 2026", "Thường xuyên", "Hàng năm, bắt đầu từ năm 2026",
    "Sau khi Thủ tướng Chính phủ ban hành Chỉ thị (Quý III/2026)", "Quý III/2026",
    "Thường xuyên", "Hàng năm, từ năm 2026", "2026-2027", "Quý III/2026", "Quý III/2026",
    "Năm 2026 và các năm tiếp theo", "Quý IV/2026", "Đến cuối năm 2026", "Năm 2026",
    "Từ năm 2026 và các năm tiếp theo", "Năm 2026", "Định kỳ hằng năm",
    "Thường xuyên từ năm 2026",
]


def test_department_seed_reads_eighteen_tasks_across_the_blank_line():
    table = read_text(seed_table("000", "Stt"))

    assert [row.order_label for row in table.rows] == [str(n) for n in range(1, 19)]
    assert table.problems == []
    assert column(table, Column.DEADLINE) == DEADLINES_000
    assert column(table, Column.PRODUCT) == PRODUCTS_000
    assert table.headers[Column.LEAD] == "Phòng/ đơn vị chủ trì"
    assert table.rows[0].cells[Column.LEAD] == "Phòng Chuyên đổi số"
    assert table.rows[2].cells[Column.COORDINATING] == ""
    assert all(row.section == "" and row.notes == {} for row in table.rows)


def test_department_seed_cleans_pdf_math_debris():
    table = read_text(seed_table("000", "Stt"))

    assert table.rows[4].cells[Column.CONTENT].endswith("tỷ lệ họp trực tuyến ≥ 60%")
    assert table.rows[10].cells[Column.CONTENT] == (
        "Xử lý TTHC trên môi trường số; số hóa văn bản đạt ≥ 95%"
    )


def test_department_seed_lines_point_at_the_source():
    text = seed_table("000", "Stt")
    table = read_text(text)
    lines = text.split("\n")

    for row in table.rows:
        assert lines[row.line - 1].startswith(f"{row.order_label}\t")


def test_city_seed_joins_rows_broken_across_pages_and_skips_repeated_headers():
    table = read_text(seed_table("002", "TT"))

    assert [row.order_label for row in table.rows] == [str(n) for n in range(1, 19)]
    assert table.problems == []
    third, eighth, sixteenth = table.rows[2], table.rows[7], table.rows[15]
    assert third.cells[Column.LEAD] == (
        "Các sở, ban, ngành, đơn vị sự nghiệp công lập thành phố, UBND các xã, phường"
    )
    assert third.cells[Column.PRODUCT] == (
        "Số lượng văn bản hành chính giảm ít nhất 15% mỗi năm; báo cáo kết quả về "
        "UBND thành phố (qua Văn phòng UBND thành phố)"
    )
    assert eighth.cells[Column.CONTENT].endswith(
        "bảo đảm kết nối thông suốt, an toàn, ổn định."
    )
    assert eighth.cells[Column.COORDINATING] == (
        "Sở Tài chính, Văn phòng UBND thành phố, UBND các xã, phường"
    )
    assert eighth.cells[Column.PRODUCT] == (
        "Hệ thống hội nghị truyền hình trực tuyến quốc gia được nâng cấp đồng bộ, "
        "khả năng phục vụ họp trực tuyến quy mô lớn được cải thiện."
    )
    assert sixteenth.cells[Column.CONTENT].endswith("và tiêu chí thi đua, khen thưởng hằng năm.")
    assert column(table, Column.DEADLINE) == DEADLINES_002


def test_city_seed_keeps_every_product_as_written():
    text = seed_table("002", "TT")
    table = read_text(text)
    whole_rows = {
        line.split("\t")[0]: line.split("\t")[4]
        for line in text.split("\n")
        if line.split("\t")[0].isdigit()
    }

    for row in table.rows:
        if row.order_label not in {"3", "8", "16"}:
            assert row.cells[Column.PRODUCT] == whole_rows[row.order_label]
    assert table.rows[17].cells[Column.COORDINATING] == (
        "Ban Tuyên giáo và Dân vận Thành ủy; Báo và Phát thanh, Truyền hình Đồng Nai "
        "và các cơ quan, đơn vị có liên quan"
    )


# --- Pasted text -------------------------------------------------------------------------------

HEADER = "STT\tNội dung công việc\tĐơn vị chủ trì\tĐơn vị phối hợp\tSản phẩm\tThời hạn"


def test_text_before_the_header_is_ignored_and_a_footnote_after_the_table_is_kept():
    text = "\n".join([
        "KẾ HOẠCH",
        "Căn cứ Kết luận<sup>1</sup> số 226-KL/TW",
        HEADER,
        "1\tXây dựng kế hoạch\tVăn phòng\t\tKế hoạch\tQuý III/2026",
        "<sup>1</sup> Kết luận của Ban Bí thư",
        "Ghi chú: các phòng báo cáo hằng tháng",
    ])

    table = read_text(text)

    assert [row.order_label for row in table.rows] == ["1"]
    assert [problem.line for problem in table.problems] == [5, 6]
    assert table.problems[0].text == "<sup>1</sup> Kết luận của Ban Bí thư"
    assert "chú thích của bảng — lưu cùng kế hoạch" in table.problems[0].message
    assert table.footnotes == [
        "¹ Kết luận của Ban Bí thư", "Ghi chú: các phòng báo cáo hằng tháng",
    ]


def test_section_lines_name_the_group_of_the_following_tasks():
    text = "\n".join([
        HEADER,
        "I\tCẢI CÁCH THỂ CHẾ\t\t\t\t",
        "1\tRà soát văn bản\tVăn phòng\t\tBáo cáo\tQuý III/2026",
        "II. CHUYỂN ĐỔI SỐ",
        "2\tXây dựng trợ lý ảo\tPhòng Chuyển đổi số\t\tỨng dụng\tQuý IV/2026",
    ])

    table = read_text(text)

    assert [(row.order_label, row.section) for row in table.rows] == [
        ("1", "I. CẢI CÁCH THỂ CHẾ"),
        ("2", "II. CHUYỂN ĐỔI SỐ"),
    ]
    assert table.problems == []


def test_a_signature_after_the_table_is_reported_not_taken_for_headings():
    text = "\n".join([
        HEADER,
        "A. NHIỆM VỤ CHUNG",
        "I\tTHỂ CHẾ\t\t\t\t",
        "1\tRà soát văn bản\tVăn phòng\t\tBáo cáo\tNăm 2026",
        "",
        "KT. GIÁM ĐỐC",
        "PHÓ GIÁM ĐỐC",
        "Nguyễn Minh Quang",
    ])

    table = read_text(text)

    assert [(row.order_label, row.section) for row in table.rows] == [("1", "I. THỂ CHẾ")]
    assert table.rows[0].cells[Column.ORDER] == "1"
    assert [(p.line, p.text) for p in table.problems] == [
        (6, "KT. GIÁM ĐỐC"), (7, "PHÓ GIÁM ĐỐC"), (8, "Nguyễn Minh Quang"),
    ]


def test_rows_with_an_order_label_but_no_content_and_stray_lines_are_problems():
    text = "\n".join([
        HEADER,
        "1\tRà soát văn bản\tVăn phòng\t\tBáo cáo\tQuý III/2026",
        "2\t\tVăn phòng\t\t\t",
        "một dòng lạc không có tab",
        "3\tTuyên truyền\tTrung tâm\t\tTin bài\tThường xuyên",
    ])

    table = read_text(text)

    assert [row.order_label for row in table.rows] == ["1", "3"]
    assert [(p.line, p.text) for p in table.problems] == [
        (3, "2\t\tVăn phòng"),
        (4, "một dòng lạc không có tab"),
    ]
    assert "STT 2 không có nội dung" in table.problems[0].message


def test_columns_are_found_by_meaning_in_any_order_and_extra_columns_become_notes():
    text = "\n".join([
        "Thời gian hoàn thành\tCơ quan phối hợp\tTên nhiệm vụ\tSố TT\tCơ quan chủ trì\tKinh phí",
        "Quý I/2027\tSở Tư pháp\tSửa quy chế\t1\tVăn phòng\t50 triệu",
        "Quý II/2027\t\tĐào tạo\t2\tSở Nội vụ\t",
    ])

    table = read_text(text)

    assert table.headers == {
        "deadline": "Thời gian hoàn thành",
        "coordinating": "Cơ quan phối hợp",
        "content": "Tên nhiệm vụ",
        "order": "Số TT",
        "lead": "Cơ quan chủ trì",
    }
    first, second = table.rows
    assert first.cells == {
        "deadline": "Quý I/2027", "coordinating": "Sở Tư pháp", "content": "Sửa quy chế",
        "order": "1", "lead": "Văn phòng",
    }
    assert first.notes == {"Kinh phí": "50 triệu"}
    assert second.notes == {}


def test_a_unit_doing_the_work_is_the_lead_only_without_a_chu_tri_column():
    without = read_text("TT\tNội dung\tĐơn vị thực hiện\tThời hạn\n1\tViệc A\tVăn phòng\tNăm 2026")
    with_lead = read_text(
        "TT\tNội dung\tĐơn vị thực hiện\tĐơn vị chủ trì\tThời hạn\n"
        "1\tViệc A\tCác phòng\tVăn phòng\tNăm 2026"
    )

    assert without.rows[0].cells[Column.LEAD] == "Văn phòng"
    assert with_lead.rows[0].cells[Column.LEAD] == "Văn phòng"
    assert with_lead.rows[0].notes == {"Đơn vị thực hiện": "Các phòng"}


def test_a_continuation_after_a_finished_sentence_starts_a_new_line():
    text = "\n".join([
        HEADER,
        "1\tRà soát văn bản.\tVăn phòng\t\tBáo cáo\tQuý III/2026",
        "\tĐề xuất sửa đổi\t\tCác phòng\t\t",
    ])

    (row,) = read_text(text).rows

    assert row.cells[Column.CONTENT] == "Rà soát văn bản.\nĐề xuất sửa đổi"
    assert row.cells[Column.COORDINATING] == "Các phòng"


def test_markdown_pipe_tables_are_read_too():
    text = "\n".join([
        "| STT | Nội dung | Chủ trì | Thời hạn |",
        "|---|---|---|---|",
        "| 1 | **Rà soát** văn bản | Văn phòng | Quý III/2026 |",
    ])

    (row,) = read_text(text).rows

    assert row.cells == {
        "order": "1", "content": "Rà soát văn bản", "lead": "Văn phòng", "deadline": "Quý III/2026",
    }


PIECES = [*"1aIA. ,;:-()*<>/\\$%\t\nđĐăâêôơưÁẠẶỆ", "<sup>", "</sup>", "**", "$\\geq", "Ghi chú"]
CELL_TEXT = st.lists(st.sampled_from(PIECES), max_size=150).map("".join)


@settings(max_examples=200, deadline=None)
@given(CELL_TEXT)
def test_any_text_under_a_header_reads_without_losing_rows_or_crashing(body):
    table = read_text(f"{HEADER}\n{body}")

    assert all(row.cells[Column.CONTENT] for row in table.rows)
    assert all(problem.message.startswith("Dòng") for problem in table.problems)


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=400))
def test_any_bytes_give_a_table_or_a_table_error(data):
    try:
        read_upload("tep", data)
    except TableError as error:
        assert str(error)


def test_text_without_a_header_row_is_a_clear_error():
    with pytest.raises(TableError, match="Không tìm thấy dòng tiêu đề"):
        read_text("Kế hoạch số 1\nKhông có bảng nào ở đây")


# --- Excel -------------------------------------------------------------------------------------


def _xlsx(workbook: openpyxl.Workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def task_workbook() -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["BẢNG PHÂN CÔNG NHIỆM VỤ"])
    sheet.merge_cells("A1:G1")
    sheet.append(["STT", "Nội dung công việc", "Đơn vị thực hiện", None, "Sản phẩm", "Thời hạn",
                  "Ghi chú"])
    sheet.append([None, None, "Chủ trì", "Phối hợp", None, None, None])
    for columns in ("A2:A3", "B2:B3", "C2:D2", "E2:E3", "F2:F3", "G2:G3"):
        sheet.merge_cells(columns)
    sheet.append(["I", "CẢI CÁCH THỂ CHẾ"])
    sheet.append([1, "Xây dựng kế hoạch", "Văn phòng Sở", "Các phòng, đơn vị", "Kế hoạch",
                  date(2026, 6, 1), "Trình Giám đốc ký"])
    sheet["F5"].number_format = '"Tháng "m/yyyy'
    sheet.append([2, "Tổ chức hội nghị", "Phòng Chuyển đổi số", None, "Biên bản",
                  date(2026, 9, 30)])
    sheet["F6"].number_format = "dd/mm/yyyy"
    sheet.append([None, None, None, "Văn phòng", "Báo cáo"])
    sheet.merge_cells("A6:A7")
    sheet.merge_cells("B6:B7")
    sheet.append([3, "Cập nhật cổng thông tin", "Trung tâm KHCN", None, None, "Thường xuyên"])
    sheet["E8"] = '=HYPERLINK("https://example.vn","Cổng")'
    sheet["E8"].data_type = "s"  # a text that only looks like a formula
    sheet.append([])
    sheet.append(["Ghi chú: Trung tâm báo cáo hằng tháng"])
    return _xlsx(workbook)


def test_excel_two_row_header_merged_cells_sections_dates_notes_and_footnotes():
    table = read_xlsx(task_workbook())

    assert table.headers[Column.LEAD] == "Đơn vị thực hiện / Chủ trì"
    assert table.headers[Column.COORDINATING] == "Đơn vị thực hiện / Phối hợp"
    assert [row.order_label for row in table.rows] == ["1", "2", "3"]
    assert {row.section for row in table.rows} == {"I. CẢI CÁCH THỂ CHẾ"}
    first, second, third = table.rows
    assert first.cells[Column.LEAD] == "Văn phòng Sở"
    assert first.cells[Column.COORDINATING] == "Các phòng, đơn vị"
    assert first.notes == {"Ghi chú": "Trình Giám đốc ký"}
    assert (first.deadline_date, first.deadline_is_month) == (date(2026, 6, 1), True)
    assert first.cells[Column.DEADLINE] == "Tháng 6/2026"
    assert (second.deadline_date, second.deadline_is_month) == (date(2026, 9, 30), False)
    assert second.cells[Column.DEADLINE] == "30/09/2026"
    assert second.cells[Column.CONTENT] == "Tổ chức hội nghị"
    assert second.cells[Column.PRODUCT] == "Biên bản\nBáo cáo"
    assert second.cells[Column.COORDINATING] == "Văn phòng"
    assert third.cells[Column.PRODUCT] == '=HYPERLINK("https://example.vn","Cổng")'
    assert third.deadline_date is None
    assert [(p.line, p.text) for p in table.problems] == [
        (10, "Ghi chú: Trung tâm báo cáo hằng tháng")
    ]


def test_excel_reads_the_first_sheet_with_a_header_and_reports_any_other():
    workbook = openpyxl.Workbook()
    workbook.active.title = "Bìa"
    workbook.active.append(["Kế hoạch số 12/KH-SKHCN"])
    for title in ("Phụ lục I", "Phụ lục II"):
        sheet = workbook.create_sheet(title)
        sheet.append(["TT", "Nhiệm vụ", "Chủ trì", "Tiến độ"])
        sheet.append([1.0, f"Việc của {title}", "Văn phòng", "Quý IV/2026"])

    table = read_xlsx(_xlsx(workbook))

    assert [row.cells[Column.CONTENT] for row in table.rows] == ["Việc của Phụ lục I"]
    assert table.rows[0].order_label == "1"
    assert [p.text for p in table.problems] == ["Phụ lục II"]


def test_excel_cell_merged_across_two_columns_is_kept_once_and_reported():
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["STT", "Nội dung", "Chủ trì", "Phối hợp", "Thời hạn"])
    sheet.append([1, "Rà soát quy chế", "Các phòng, đơn vị", None, "Năm 2026"])
    sheet.merge_cells("C2:D2")

    table = read_xlsx(_xlsx(workbook))

    assert table.rows[0].cells[Column.LEAD] == "Các phòng, đơn vị"
    assert table.rows[0].cells[Column.COORDINATING] == ""
    (problem,) = table.problems
    assert problem.line == 2
    assert "trải qua nhiều cột" in problem.message


def test_excel_percentages_are_shown_as_displayed():
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["STT", "Nội dung", "Kết quả", "Thời hạn"])
    sheet.append([1, "Họp trực tuyến", 0.6, "Năm 2026"])
    sheet["C2"].number_format = "0%"

    (row,) = read_xlsx(_xlsx(workbook)).rows

    assert row.cells[Column.PRODUCT] == "60%"


# --- Word --------------------------------------------------------------------------------------

WORD_HEADER = ["STT", "Nội dung công việc", "Cơ quan chủ trì", "Cơ quan phối hợp", "Thời hạn"]


def _add_table(document, rows: list[list[str]]):
    table = document.add_table(rows=len(rows), cols=len(rows[0]))
    for cells, values in zip(table.rows, rows, strict=True):
        for cell, value in zip(cells.cells, values, strict=True):
            cell.text = value
    return table


def _docx(document) -> bytes:
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def task_document() -> bytes:
    document = docx.Document()
    _add_table(document, [["ỦY BAN NHÂN DÂN", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"]])
    document.add_paragraph("PHỤ LỤC")
    first = _add_table(document, [
        WORD_HEADER,
        ["I", "CẢI CÁCH THỂ CHẾ", "", "", ""],
        ["1", "Rà soát quy chế làm việc", "Văn phòng Sở", "Các phòng, đơn vị", "Quý III/2026"],
        ["2", "Tổ chức hội nghị", "Phòng Chuyển đổi số", "Văn phòng", "Quý IV/2026"],
        ["", "", "", "Trung tâm KHCN", ""],
        ["3", "Nâng cấp hạ tầng, bảo đảm", "Phòng Chuyển đổi số", "", "2026-2027"],
    ])
    first.cell(1, 1).merge(first.cell(1, 4))  # the section title spans the row
    first.cell(3, 0).merge(first.cell(4, 0))  # STT and content of task 2 span two rows
    first.cell(3, 1).merge(first.cell(4, 1))
    document.add_page_break()
    _add_table(document, [
        WORD_HEADER,
        ["", "kết nối thông suốt.", "", "Văn phòng", ""],
        ["4", "Tuyên truyền", "Trung tâm KHCN", "", "Thường xuyên"],
    ])
    _add_table(document, [["Nơi nhận:", "KT. GIÁM ĐỐC"]])
    return _docx(document)


def test_word_table_split_in_two_with_repeated_header_merged_cells_and_a_section():
    table = read_docx(task_document())

    assert [row.order_label for row in table.rows] == ["1", "2", "3", "4"]
    assert {row.section for row in table.rows} == {"I. CẢI CÁCH THỂ CHẾ"}
    second, third = table.rows[1], table.rows[2]
    assert second.cells[Column.CONTENT] == "Tổ chức hội nghị"
    assert second.cells[Column.COORDINATING] == "Văn phòng\nTrung tâm KHCN"
    assert third.cells[Column.CONTENT] == "Nâng cấp hạ tầng, bảo đảm kết nối thông suốt."
    assert third.cells[Column.COORDINATING] == "Văn phòng"
    assert table.problems == []


def test_word_two_row_header_with_a_merged_group_heading():
    document = docx.Document()
    table = _add_table(document, [
        ["TT", "Nhiệm vụ", "Đơn vị thực hiện", "", "Thời gian"],
        ["", "", "Chủ trì", "Phối hợp", ""],
        ["1", "Bồi dưỡng kỹ năng số", "Phòng Chuyển đổi số", "Các phòng", "Năm 2026"],
    ])
    table.cell(0, 2).merge(table.cell(0, 3))
    for col in (0, 1, 4):
        table.cell(0, col).merge(table.cell(1, col))

    read = read_docx(_docx(document))

    assert read.headers == {
        "order": "TT", "content": "Nhiệm vụ", "lead": "Đơn vị thực hiện / Chủ trì",
        "coordinating": "Đơn vị thực hiện / Phối hợp", "deadline": "Thời gian",
    }
    assert read.rows[0].cells[Column.COORDINATING] == "Các phòng"


def test_word_document_without_a_task_table_is_a_clear_error():
    document = docx.Document()
    document.add_paragraph("Chỉ có văn bản, không có bảng.")

    with pytest.raises(TableError, match="Không tìm thấy dòng tiêu đề"):
        read_docx(_docx(document))


# --- Uploads -----------------------------------------------------------------------------------


def test_uploads_are_recognised_by_content_not_by_name():
    assert len(read_upload("bang.txt", task_workbook()).rows) == 3
    assert len(read_upload("bang.xlsx", task_document()).rows) == 4
    text = seed_table("000", "Stt")
    assert len(read_upload("bang.docx", text.encode("utf-8")).rows) == 18


TONE_MARKS = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}


def windows_vietnamese(text: str) -> str:
    """Text as Windows-1258 spells it: a letter with its hat or horn, then the tone mark."""
    letters = []
    for letter in text:
        parts = unicodedata.normalize("NFD", letter)
        tones = "".join(c for c in parts if c in TONE_MARKS)
        base = unicodedata.normalize("NFC", "".join(c for c in parts if c not in TONE_MARKS))
        letters.append(base + tones)
    return "".join(letters)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16", "cp1258"])
def test_pasted_text_files_in_common_encodings(encoding):
    text = seed_table("000", "Stt").replace("≥", ">=").replace("“", '"').replace("”", '"')
    if encoding == "cp1258":
        text = windows_vietnamese(text)
    table = read_upload("bang.txt", text.encode(encoding))

    assert len(table.rows) == 18
    assert table.rows[0].cells[Column.LEAD] == "Phòng Chuyên đổi số"


def test_csv_uploads_are_read_by_their_delimiter():
    data = "STT;Nội dung;Chủ trì;Thời hạn\n1;Rà soát, cắt giảm;Văn phòng;Quý III/2026\n"

    (row,) = read_upload("bang.csv", data.encode("utf-8")).rows

    assert row.cells[Column.CONTENT] == "Rà soát, cắt giảm"


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "rỗng"),
        (bytes(range(256)) * 40, "không phải văn bản"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "PDF"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 100, "ảnh"),
        (_zip({"a.txt": b"hello"}), "không phải tài liệu Word hay Excel"),
        (task_workbook()[:3000], "hỏng"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 2048, "định dạng cũ"),
        (
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512
            + "EncryptedPackage".encode("utf-16-le") + b"\x00" * 512,
            "mật khẩu",
        ),
        (b"x" * (10 * 1024 * 1024 + 1), "quá lớn"),
        (_zip({"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"not xml"}), "Excel"),
        ("Chỉ là một đoạn văn.".encode(), "Không tìm thấy dòng tiêu đề"),
    ],
    ids=[
        "empty", "random-bytes", "pdf", "png", "plain-zip", "truncated-xlsx", "old-office",
        "password", "enormous", "broken-xlsx-parts", "no-header",
    ],
)
def test_hostile_uploads_give_a_vietnamese_message(data, message):
    with pytest.raises(TableError, match=message) as raised:
        read_upload("tep-tai-len", data)

    assert str(raised.value)


def test_random_bytes_never_escape_as_anything_but_a_table_error():
    for seed in range(20):
        noise = bytes((seed * 7919 + i * 104729) % 256 for i in range(500 + seed))
        for prefix in (b"", b"PK\x03\x04", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
            with pytest.raises(TableError):
                read_upload("x", prefix + noise)


def test_more_than_five_thousand_rows_is_refused():
    rows = [f"{n}\tNhiệm vụ số {n}\tVăn phòng\t\tBáo cáo\tNăm 2026" for n in range(1, 10_001)]

    with pytest.raises(TableError, match="5000 dòng"):
        read_upload("lon.txt", "\n".join([HEADER, *rows]).encode("utf-8"))


def test_three_thousand_rows_are_read():
    rows = [f"{n}\tNhiệm vụ số {n}\tVăn phòng\t\tBáo cáo\tNăm 2026" for n in range(1, 3001)]

    table = read_text("\n".join([HEADER, *rows]))

    assert len(table.rows) == 3000
    assert table.rows[-1].order_label == "3000"


def test_an_order_label_longer_than_a_tasks_number_is_reported_not_saved_cut():
    text = "\n".join([
        HEADER,
        "1.2.3.4\tXây dựng kế hoạch\tVăn phòng\t\tKế hoạch\tQuý III/2026",
        "1.2.3.4.5.6.7.8.9.10.11\tRà soát quy chế\tVăn phòng\t\tQuy chế\tQuý IV/2026",
    ])

    table = read_text(text)

    assert [row.order_label for row in table.rows] == ["1.2.3.4"]
    assert [problem.line for problem in table.problems] == [3]
    assert all(len(row.order_label) <= 20 for row in table.rows)
