"""Task tables as other provinces and ministries send them, in every format the reader takes.

The header wordings here are written in the tests on purpose: the reader must recognise them by
meaning (their words and synonyms), not because someone listed these exact headers in the code.
"""

from __future__ import annotations

import pytest

from imports.tables import Column, ReadTable, TableError, read_text, read_upload
from tests.imports.shapes import as_csv, as_docx, as_text, as_xlsx

FORMATS = ("xlsx", "docx", "csv", "text")


def read(rows, merges=(), *, form: str) -> ReadTable:
    if form == "xlsx":
        return read_upload("bang.xlsx", as_xlsx(rows, list(merges)))
    if form == "docx":
        return read_upload("bang.docx", as_docx(rows, list(merges)))
    if form == "csv":
        return read_upload("bang.csv", as_csv(rows))
    return read_text(as_text(rows))


def contents(table: ReadTable) -> list[str]:
    return [row.cells[Column.CONTENT] for row in table.rows]


def every_column_accounted_for(table: ReadTable, width: int) -> None:
    """Each source column is a field, a note, or a choice to leave it out: nothing silently."""
    assert sorted(reading.position for reading in table.columns) == list(range(width))


# --- A province's appendix: titles, other wordings, sections, a footnote ------------------------

PROVINCE = [
    ["PHỤ LỤC"],
    ["DANH MỤC ĐỀ ÁN TRÌNH UBND TỈNH NĂM 2026"],
    ["(Kèm theo Kế hoạch số 45/KH-UBND ngày 10/01/2026 của UBND tỉnh)"],
    ["TT", "Tên đề án, nhiệm vụ cụ thể", "Cơ quan tham mưu soạn thảo", "Cơ quan phối hợp chính",
     "Hình thức văn bản trình", "Thời gian trình dự kiến", "Cấp trình ký", "Ghi chú khác"],
    ["I", "LĨNH VỰC KINH TẾ", "", "", "", "", "", ""],
    ["1", "Đề án phát triển kinh tế số tỉnh giai đoạn 2026 - 2030", "Sở Khoa học và Công nghệ",
     "Sở Tài chính", "Quyết định", "Tháng 6/2026", "UBND tỉnh", "Đã có dự thảo"],
    ["2", "Chương trình hỗ trợ doanh nghiệp nhỏ và vừa", "Sở Tài chính", "", "Kế hoạch",
     "Quý III/2026", "Chủ tịch UBND tỉnh", ""],
    ["II", "LĨNH VỰC XÃ HỘI", "", "", "", "", "", ""],
    ["3", "Đề án đào tạo nghề cho lao động nông thôn", "Sở Nội vụ", "Sở Tài chính",
     "Nghị quyết", "Tháng 11/2026", "HĐND tỉnh", ""],
    ["Ghi chú: Các cơ quan gửi dự thảo trước thời hạn trình 15 ngày."],
]
PROVINCE_MERGES = [(0, 0, 0, 7), (1, 0, 1, 7), (2, 0, 2, 7), (9, 0, 9, 7)]


@pytest.mark.parametrize("form", FORMATS)
def test_a_province_appendix_with_titles_sections_and_a_footnote(form):
    table = read(PROVINCE, PROVINCE_MERGES, form=form)

    assert contents(table) == [
        "Đề án phát triển kinh tế số tỉnh giai đoạn 2026 - 2030",
        "Chương trình hỗ trợ doanh nghiệp nhỏ và vừa",
        "Đề án đào tạo nghề cho lao động nông thôn",
    ]
    assert [row.section for row in table.rows] == [
        "I. LĨNH VỰC KINH TẾ", "I. LĨNH VỰC KINH TẾ", "II. LĨNH VỰC XÃ HỘI",
    ]
    first = table.rows[0]
    assert first.cells[Column.LEAD] == "Sở Khoa học và Công nghệ"
    assert first.cells[Column.COORDINATING] == "Sở Tài chính"
    assert first.cells[Column.PRODUCT] == "Quyết định"
    assert first.cells[Column.DEADLINE] == "Tháng 6/2026"
    assert first.cells[Column.AUTHORITY] == "UBND tỉnh"
    assert first.notes == {"Ghi chú khác": "Đã có dự thảo"}
    assert [p.text for p in table.problems] == [
        "Ghi chú: Các cơ quan gửi dự thảo trước thời hạn trình 15 ngày."
    ]
    assert table.footnotes == ["Ghi chú: Các cơ quan gửi dự thảo trước thời hạn trình 15 ngày."]
    every_column_accounted_for(table, 8)


# --- A two-row header with a merged heading over sub-columns, and "Nhóm 1:" sections ----------

TWO_ROW = [
    ["Số thứ tự", "Nhiệm vụ và giải pháp chủ yếu", "Đơn vị được giao", "", "Hạn chót",
     "Kinh phí (đồng)", ""],
    ["", "", "Chủ trì thực hiện", "Phối hợp thực hiện", "", "Ngân sách tỉnh", "Nguồn khác"],
    ["Nhóm 1: Hoàn thiện thể chế", "", "", "", "", "", ""],
    ["1", "  Rà soát quy chế làm việc  ", "Văn phòng", "Các phòng", "Quý II/2026", "1.500.000",
     ""],
    ["1", "Sửa đổi quy trình nội bộ", "Văn phòng", "", "Tháng 9/2026", "", "200.000"],
    ["Nhóm 2: Chuyển đổi số", "", "", "", "", "", ""],
    ["5", "Số hóa hồ sơ lưu trữ", "Phòng Chuyển đổi số", "Văn phòng", "Năm 2026",
     "2.750.000", ""],
    ["Ký hiệu: (*) nhiệm vụ trọng tâm", "", "", "", "", "", ""],
]
TWO_ROW_MERGES = [(0, 0, 1, 0), (0, 1, 1, 1), (0, 2, 0, 3), (0, 4, 1, 4), (0, 5, 0, 6),
                  (2, 0, 2, 6), (5, 0, 5, 6), (7, 0, 7, 6)]


@pytest.mark.parametrize("form", FORMATS)
def test_a_two_row_header_joins_its_rows_and_keeps_amounts_as_notes(form):
    table = read(TWO_ROW, TWO_ROW_MERGES, form=form)

    assert contents(table) == [
        "Rà soát quy chế làm việc", "Sửa đổi quy trình nội bộ", "Số hóa hồ sơ lưu trữ",
    ]
    assert [row.order_label for row in table.rows] == ["1", "1", "5"]  # as written
    assert [row.section for row in table.rows] == [
        "Nhóm 1: Hoàn thiện thể chế", "Nhóm 1: Hoàn thiện thể chế", "Nhóm 2: Chuyển đổi số",
    ]
    assert [row.cells[Column.LEAD] for row in table.rows] == [
        "Văn phòng", "Văn phòng", "Phòng Chuyển đổi số",
    ]
    assert table.rows[0].cells[Column.COORDINATING] == "Các phòng"
    assert table.rows[0].cells[Column.DEADLINE] == "Quý II/2026"
    assert table.rows[0].notes == {"Kinh phí (đồng) / Ngân sách tỉnh": "1.500.000"}
    assert table.rows[1].notes == {"Kinh phí (đồng) / Nguồn khác": "200.000"}
    assert [p.text for p in table.problems] == ["Ký hiệu: (*) nhiệm vụ trọng tâm"]
    every_column_accounted_for(table, 7)


# --- A tracking spreadsheet exported from another system: short English field names ----------

EXPORT = [
    ["id", "task_title", "owner", "unit", "start_date", "end_date", "status"],
    ["T-01", "Publish the open data portal", "Nguyễn Văn An", "Trung tâm KHCN", "01/03/2026",
     "30/06/2026", "in progress"],
    ["T-02", "Train staff on digital signatures", "Trần Thị Bình", "Văn phòng", "01/04/2026",
     "31/07/2026", "not started"],
]


@pytest.mark.parametrize("form", FORMATS)
def test_an_english_export_maps_owner_unit_dates_and_keeps_status(form):
    table = read(EXPORT, form=form)

    assert contents(table) == [
        "Publish the open data portal", "Train staff on digital signatures",
    ]
    first = table.rows[0]
    assert first.order_label == "T-01"
    assert first.cells[Column.PERSON] == "Nguyễn Văn An"
    assert first.cells[Column.LEAD] == "Trung tâm KHCN"
    assert first.cells[Column.PERIOD] == "01/03/2026"
    assert first.cells[Column.DEADLINE] == "30/06/2026"
    assert first.notes == {"status": "in progress"}
    every_column_accounted_for(table, 7)


# --- Headers the reader cannot name: the clerk's mapping, or the cells themselves -------------

NO_HEADER = [
    ["BẢNG THEO DÕI"],
    ["1", "Xây dựng kế hoạch chuyển đổi số của Sở năm 2026", "Phòng Chuyển đổi số",
     "Kế hoạch", "Tháng 3/2026", "Nguyễn Văn An"],
    ["2", "Tổ chức tập huấn kỹ năng số cho công chức, viên chức", "Văn phòng Sở",
     "Báo cáo", "Quý II/2026", "Trần Thị Bình"],
    ["3", "Rà soát, cập nhật danh mục thủ tục hành chính trên cổng dịch vụ công",
     "Văn phòng Sở", "Quyết định", "Thường xuyên", "Lê Hoàng Đức"],
]


@pytest.mark.parametrize("form", FORMATS)
def test_a_table_without_a_header_row_is_read_from_what_its_cells_hold(form):
    table = read(NO_HEADER, [(0, 0, 0, 5)], form=form)

    assert [row.order_label for row in table.rows] == ["1", "2", "3"]
    assert [row.cells[Column.LEAD] for row in table.rows] == [
        "Phòng Chuyển đổi số", "Văn phòng Sở", "Văn phòng Sở",
    ]
    assert [row.cells[Column.PRODUCT] for row in table.rows] == [
        "Kế hoạch", "Báo cáo", "Quyết định",
    ]
    assert [row.cells[Column.DEADLINE] for row in table.rows] == [
        "Tháng 3/2026", "Quý II/2026", "Thường xuyên",
    ]
    assert [row.cells[Column.PERSON] for row in table.rows] == [
        "Nguyễn Văn An", "Trần Thị Bình", "Lê Hoàng Đức",
    ]
    assert table.header_line is None
    assert {reading.confidence for reading in table.columns} == {"low"}
    every_column_accounted_for(table, 6)


UNKNOWN_WORDS = [
    ["Hạng mục", "Bên làm", "Khi nào xong", "Đầu ra"],
    ["Hoàn thiện hồ sơ đề nghị công nhận sáng kiến cấp tỉnh năm 2026", "Văn phòng Sở",
     "Tháng 10/2026", "Báo cáo"],
    ["Kiểm tra việc thực hiện quy chế dân chủ ở cơ sở tại các đơn vị", "Thanh tra Sở",
     "Quý IV/2026", "Kế hoạch kiểm tra"],
]


def test_a_header_in_words_it_does_not_know_is_kept_as_names_and_the_cells_decide():
    table = read_text(as_text(UNKNOWN_WORDS))

    assert len(table.rows) == 2
    assert table.rows[1].cells[Column.LEAD] == "Thanh tra Sở"
    assert table.rows[1].cells[Column.DEADLINE] == "Quý IV/2026"
    assert table.header_line == 1
    assert [reading.header for reading in table.columns] == UNKNOWN_WORDS[0]


def test_loose_text_without_any_table_is_still_a_clear_error():
    with pytest.raises(TableError, match="Không tìm thấy dòng tiêu đề"):
        read_text("Kế hoạch số 1\nKhông có bảng nào ở đây\nChỉ có lời văn.")


def test_a_group_column_and_people_and_authority_columns_are_read():
    text = as_text([
        ["STT", "Lĩnh vực công tác", "Tên công việc", "Đơn vị đầu mối", "Lãnh đạo phụ trách",
         "Người chịu trách nhiệm chính", "Tiến độ hoàn thành"],
        ["1", "Cải cách hành chính", "Cập nhật quy trình ISO", "Văn phòng", "Phó Giám đốc Lê Hùng",
         "Nguyễn Văn An", "Tháng 5/2026"],
    ])

    (row,) = read_text(text).rows

    assert row.cells[Column.GROUP] == "Cải cách hành chính"
    assert row.cells[Column.CONTENT] == "Cập nhật quy trình ISO"
    assert row.cells[Column.LEAD] == "Văn phòng"
    assert row.cells[Column.AUTHORITY] == "Phó Giám đốc Lê Hùng"
    assert row.cells[Column.PERSON] == "Nguyễn Văn An"
    assert row.cells[Column.DEADLINE] == "Tháng 5/2026"


ISSUE_WORDINGS = [
    (Column.CONTENT, ["Tên nhiệm vụ", "Nhiệm vụ, giải pháp", "Tên đề án", "Tên chương trình",
                      "Tên công trình", "Công việc"]),
    (Column.LEAD, ["Đơn vị thực hiện", "Đơn vị chủ trì thực hiện", "Đơn vị đầu mối",
                   "Cơ quan thực hiện", "Cơ quan tham mưu"]),
    (Column.DEADLINE, ["Thời hạn", "Hạn hoàn thành", "Thời gian trình", "Tiến độ",
                       "Thời điểm hoàn thành"]),
    (Column.PRODUCT, ["Kết quả/sản phẩm", "Hình thức văn bản"]),
    (Column.PERSON, ["Người chịu trách nhiệm", "Cán bộ theo dõi"]),
    (Column.AUTHORITY, ["Cấp trình", "Cấp có thẩm quyền", "Lãnh đạo phụ trách"]),
    (Column.GROUP, ["Lĩnh vực", "Nhóm nhiệm vụ"]),
]


@pytest.mark.parametrize(
    ("kind", "wording"), [(kind, w) for kind, words in ISSUE_WORDINGS for w in words]
)
def test_each_wording_seen_in_real_tables_names_its_column(kind, wording):
    others = {
        Column.CONTENT: "Nội dung", Column.LEAD: "Chủ trì", Column.DEADLINE: "Thời hạn",
        Column.PRODUCT: "Sản phẩm",
    }
    headers = [wording] + [text for column, text in others.items() if column != kind]
    text = "\t".join(headers) + "\n" + "\t".join(f"ô {n}" for n in range(len(headers)))

    table = read_text(text)

    assert table.headers[kind] == wording
    assert table.rows[0].cells[kind] == "ô 0"


# --- A ministry's table: numbering row, numbered groups, repeated header, a legend block -------

MINISTRY = [
    ["STT", "Nhiệm vụ cụ thể", "Cơ quan chủ trì", "Cơ quan phối hợp", "Thời gian hoàn thành",
     "Sản phẩm dự kiến"],
    ["(1)", "(2)", "(3)", "(4)", "(5)", "(6)"],
    ["1", "Hoàn thiện thể chế", "", "", "", ""],
    ["1.1", "Sửa đổi quy chế làm việc", "Văn phòng", "", "Quý II/2026", "Quy chế"],
    ["a)", "Lấy ý kiến các phòng", "Văn phòng", "Các phòng", "Tháng 4/2026", "Báo cáo"],
    ["STT", "Nhiệm vụ cụ thể", "Cơ quan chủ trì", "Cơ quan phối hợp", "Thời gian hoàn thành",
     "Sản phẩm dự kiến"],
    ["2", "Số hóa hồ sơ lưu trữ", "Phòng Chuyển đổi số", "", "Năm 2026", "Dữ liệu số"],
    ["Ghi chú:", "", "", "", "", ""],
    ["- Các phòng báo cáo trước ngày 20 hằng tháng.", "", "", "", "", ""],
    ["- Văn phòng tổng hợp, báo cáo Giám đốc.", "", "", "", "", ""],
]
MINISTRY_MERGES = [(7, 0, 7, 5), (8, 0, 8, 5), (9, 0, 9, 5)]


@pytest.mark.parametrize("form", FORMATS)
def test_a_ministry_table_with_numbered_groups_a_repeated_header_and_a_legend(form):
    table = read(MINISTRY, MINISTRY_MERGES, form=form)

    assert contents(table) == [
        "Sửa đổi quy chế làm việc", "Lấy ý kiến các phòng", "Số hóa hồ sơ lưu trữ",
    ]
    assert [row.section for row in table.rows] == [
        "1. Hoàn thiện thể chế", "1. Hoàn thiện thể chế", "",
    ]
    assert [p.text for p in table.problems] == [
        "Ghi chú:",
        "- Các phòng báo cáo trước ngày 20 hằng tháng.",
        "- Văn phòng tổng hợp, báo cáo Giám đốc.",
    ]
    every_column_accounted_for(table, 6)


NO_ORDER_COLUMN = [
    ["Nội dung thực hiện", "Đơn vị thực hiện", "Thời hạn", "Kết quả"],
    ["A. NHIỆM VỤ CHUNG", "", "", ""],
    ["Rà soát quy chế làm việc", "Văn phòng Sở", "Quý II/2026", "Quy chế"],
    ["B. NHIỆM VỤ RIÊNG", "", "", ""],
    ["Số hóa hồ sơ lưu trữ", "Phòng Chuyển đổi số", "Năm 2026", "Dữ liệu"],
    ["Tổng cộng: 2 nhiệm vụ", "", "", ""],
]


@pytest.mark.parametrize("form", FORMATS)
def test_a_table_without_numbers_keeps_sections_and_totals_out_of_the_tasks(form):
    table = read(NO_ORDER_COLUMN, [(1, 0, 1, 3), (3, 0, 3, 3), (5, 0, 5, 3)], form=form)

    assert contents(table) == ["Rà soát quy chế làm việc", "Số hóa hồ sơ lưu trữ"]
    assert [row.section for row in table.rows] == ["A. NHIỆM VỤ CHUNG", "B. NHIỆM VỤ RIÊNG"]
    assert [p.text for p in table.problems] == ["Tổng cộng: 2 nhiệm vụ"]


BUDGET_BY_YEAR = [
    ["STT", "Nội dung nhiệm vụ", "Đơn vị chủ trì", "Kinh phí theo năm (triệu đồng)", "", "",
     "Thời hạn"],
    ["", "", "", "2026", "2027", "2028", ""],
    ["1", "Nâng cấp hạ tầng mạng", "Phòng Chuyển đổi số", "500", "300", "", "Năm 2028"],
    ["2", "Đào tạo kỹ năng số", "Văn phòng Sở", "100", "100", "100", "Thường xuyên"],
]
BUDGET_MERGES = [(0, 0, 1, 0), (0, 1, 1, 1), (0, 2, 1, 2), (0, 3, 0, 5), (0, 6, 1, 6)]


@pytest.mark.parametrize("form", FORMATS)
def test_years_under_a_merged_budget_heading_are_a_second_header_row(form):
    table = read(BUDGET_BY_YEAR, BUDGET_MERGES, form=form)

    assert contents(table) == ["Nâng cấp hạ tầng mạng", "Đào tạo kỹ năng số"]
    assert table.rows[0].notes == {
        "Kinh phí theo năm (triệu đồng) / 2026": "500",
        "Kinh phí theo năm (triệu đồng) / 2027": "300",
    }
    assert table.rows[1].cells[Column.DEADLINE] == "Thường xuyên"
    assert table.problems == []
    every_column_accounted_for(table, 7)
