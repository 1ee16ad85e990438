"""How the free-text "Thời hạn" column is read (plans/deadlines.py). No database needed."""

from __future__ import annotations

import json
import unicodedata
from datetime import date, timedelta

import holidays
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from plans.deadlines import (
    Deadline,
    DeadlineKind,
    Frequency,
    Period,
    Recurrence,
    interpret_deadline,
    occurrence_schedule,
)

EARLY_2026 = date(2026, 1, 15)
PLAN_000 = date(2026, 6, 1)  # Sở KH&CN's plan, dated June 2026
PLAN_002 = date(2026, 6, 10)  # Kế hoạch 83/KH-UBND, 10/6/2026
SEMIANNUAL_REPORTS = "Báo cáo 6 tháng (trước 10/6) và năm (trước 10/12)"
YEARLY_FROM_2026 = Recurrence(Frequency.YEARLY, ((12, 31),), 2026, None)


def d(day: int, month: int, year: int) -> date:
    return date(year, month, day)


# --- DOMAIN.md, "Deadlines as written" ---------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "kind", "due"),
    [
        ("Tháng 6/2026", "month", d(30, 6, 2026)),
        ("Tháng 6 năm 2026", "month", d(30, 6, 2026)),
        ("Quý IV/2026", "quarter", d(31, 12, 2026)),
        ("Quý III/2026", "quarter", d(30, 9, 2026)),
        ("Quý 4/2026", "quarter", d(31, 12, 2026)),
        ("Quý 3/2026", "quarter", d(30, 9, 2026)),
        ("Năm 2026", "year", d(31, 12, 2026)),
        ("Đến cuối năm 2026", "year", d(31, 12, 2026)),
        ("Đến 31/12/2026", "date", d(31, 12, 2026)),
        ("chậm nhất 31/12/2026", "date", d(31, 12, 2026)),
        ("trong ngày 25/8/2026", "date", d(25, 8, 2026)),
        ("Trước 01/6/2026", "date", d(31, 5, 2026)),
        ("trước ngày 05/6/2026", "date", d(4, 6, 2026)),
        ("Trước tháng 3/2027", "month", d(28, 2, 2027)),
    ],
)
def test_it_reads_the_single_due_rows_of_the_domain_table(text, kind, due):
    deadline = interpret_deadline(text, reference=EARLY_2026)
    assert (deadline.kind, deadline.due, deadline.needs_review) == (kind, due, False)
    assert deadline.text == text


def test_it_reads_a_span_of_years_as_a_range_from_the_first_january():
    deadline = interpret_deadline("2026-2027", reference=EARLY_2026)
    assert (deadline.kind, deadline.start, deadline.due) == (
        "range",
        d(1, 1, 2026),
        d(31, 12, 2027),
    )


@pytest.mark.parametrize(
    "text",
    [
        "Hàng năm, bắt đầu từ năm 2026",
        "Hàng năm, từ 2026",
        "Năm 2026 và các năm tiếp theo",
        "Từ năm 2026",
    ],
)
def test_it_reads_yearly_rows_as_recurring_on_the_last_day_of_each_year(text):
    deadline = interpret_deadline(text, reference=EARLY_2026)
    assert deadline.kind == "recurring"
    assert deadline.recurrence == YEARLY_FROM_2026
    assert (deadline.start, deadline.due, deadline.needs_review) == (
        d(1, 1, 2026),
        d(31, 12, 2026),
        False,
    )


@pytest.mark.parametrize(
    ("text", "start"),
    [("Thường xuyên", None), ("Thường xuyên từ năm 2026", d(1, 1, 2026))],
)
def test_it_reads_thuong_xuyen_as_continuous_without_a_due(text, start):
    deadline = interpret_deadline(text, reference=EARLY_2026)
    assert (deadline.kind, deadline.due, deadline.start, deadline.needs_review) == (
        "continuous",
        None,
        start,
        False,
    )


def test_it_takes_the_report_schedule_from_the_product_when_the_deadline_says_dinh_ky():
    deadline = interpret_deadline("Định kỳ", reference=EARLY_2026, product=SEMIANNUAL_REPORTS)
    assert deadline.kind == "recurring"
    assert deadline.recurrence == Recurrence(Frequency.SEMIANNUAL, ((6, 9), (12, 9)), 2026, None)
    assert deadline.due == d(9, 6, 2026)
    assert not deadline.needs_review


def test_it_keeps_the_condition_and_takes_its_estimate_as_the_due():
    deadline = interpret_deadline(
        "Sau khi Thủ tướng Chính phủ ban hành Chỉ thị (Quý III/2026)", reference=EARLY_2026
    )
    assert deadline.kind == "conditional"
    assert deadline.due == d(30, 9, 2026)
    assert deadline.condition == "Sau khi Thủ tướng Chính phủ ban hành Chỉ thị"
    assert not deadline.needs_review


# --- The two seed tables, as a careful clerk would record them --------------------------------

# What a clerk records: (kind, due, start, frequency)
YEARLY_2026 = ("recurring", d(31, 12, 2026), d(1, 1, 2026), "yearly")
ONGOING = ("continuous", None, None, None)
ONGOING_FROM_2026 = ("continuous", None, d(1, 1, 2026), None)
YEARS_2026_2027 = ("range", d(31, 12, 2027), d(1, 1, 2026), None)
QUARTER_III = ("quarter", d(30, 9, 2026), None, None)
QUARTER_IV = ("quarter", d(31, 12, 2026), None, None)
YEAR_2026 = ("year", d(31, 12, 2026), None, None)

SEED_000 = [  # (STT, Thời hạn, expected)
    (1, "Tháng 6/2026", ("month", d(30, 6, 2026), None, None)),
    (2, "Quý IV/2026", QUARTER_IV),
    (3, "Hàng năm, bắt đầu từ năm 2026", YEARLY_2026),
    (4, "Thường xuyên", ONGOING),
    (5, "Hàng năm, từ 2026", YEARLY_2026),
    (6, "2026-2027", YEARS_2026_2027),
    (7, "Quý III/2026", QUARTER_III),
    (8, "Quý III/2026", QUARTER_III),
    (9, "Thường xuyên", ONGOING),
    (10, "Hàng năm, từ 2026", YEARLY_2026),
    (11, "Đến 31/12/2026", ("date", d(31, 12, 2026), None, None)),
    (12, "Quý IV/2026", QUARTER_IV),
    (13, "Quý IV/2026", QUARTER_IV),
    (14, "Từ năm 2026", YEARLY_2026),
    (15, "Quý III/2026", QUARTER_III),
    (16, "Năm 2026", YEAR_2026),
    (17, "Thường xuyên từ năm 2026", ONGOING_FROM_2026),
    (18, "Định kỳ", ("recurring", d(9, 6, 2026), d(1, 1, 2026), "semiannual")),
]
PRODUCTS_000 = {  # Sản phẩm/kết quả
    1: "Kế hoạch",
    2: "Kế hoạch được phê duyệt",
    3: "Báo cáo",
    4: "Báo cáo thanh tra, kiểm tra",
    5: "Lịch họp, báo cáo kết quả",
    6: "Hệ thống kết nối thông suốt",
    7: "Quy chế làm việc, phối hợp được điều chỉnh, hoàn thiện",
    8: "Biên bản, báo cáo",
    9: "Tin bài, chuyên mục",
    10: "Số lượng văn bản giảm, báo cáo",
    11: r"Tỷ lệ hồ sơ trực tuyến $\geq 95\%$",
    12: "Ứng dụng trợ lý ảo",
    13: "Kế hoạch",
    14: "Lớp tập huấn, 100% CCVC được đào tạo",
    15: "Quy chế sửa đổi, bổ sung",
    16: "Hướng dẫn đánh giá",
    17: "Tin bài, chuyên mục tuyên truyền",
    18: SEMIANNUAL_REPORTS,
}

SEED_002 = [
    (1, "Tháng 6 năm 2026", ("month", d(30, 6, 2026), None, None)),
    (2, "Thường xuyên", ONGOING),
    (3, "Hàng năm, bắt đầu từ năm 2026", YEARLY_2026),
    (
        4,
        "Sau khi Thủ tướng Chính phủ ban hành Chỉ thị (Quý III/2026)",
        ("conditional", d(30, 9, 2026), None, None),
    ),
    (5, "Quý III/2026", QUARTER_III),
    (6, "Thường xuyên", ONGOING),
    (7, "Hàng năm, từ năm 2026", YEARLY_2026),
    (8, "2026-2027", YEARS_2026_2027),
    (9, "Quý III/2026", QUARTER_III),
    (10, "Quý III/2026", QUARTER_III),
    (11, "Năm 2026 và các năm tiếp theo", YEARLY_2026),
    (12, "Quý IV/2026", QUARTER_IV),
    (13, "Đến cuối năm 2026", YEAR_2026),
    (14, "Năm 2026", YEAR_2026),
    (15, "Từ năm 2026 và các năm tiếp theo", YEARLY_2026),
    (16, "Năm 2026", YEAR_2026),
    (17, "Định kỳ hằng năm", ("recurring", d(19, 6, 2026), d(1, 1, 2026), "semiannual")),
    (18, "Thường xuyên từ năm 2026", ONGOING_FROM_2026),
]
PRODUCTS_002 = {  # Sản phẩm/Kết quả, rows split by a page break joined again
    1: "Kế hoạch triển khai của từng cơ quan, đơn vị, địa phương",
    2: "Báo cáo Chủ tịch UBND thành phố danh mục văn bản cần sửa đổi; tham mưu ban hành văn bản "
    "sửa đổi, bổ sung, thay thế đảm bảo đúng quy định",
    3: "Số lượng văn bản hành chính giảm ít nhất 15% mỗi năm; báo cáo kết quả về UBND thành phố "
    "(qua Văn phòng UBND thành phố)",
    4: "Văn bản (Chỉ thị) của Chủ thành phố, UBND thành phố",
    5: "Quy chế làm việc của UBND thành phố",
    6: "Kế hoạch thanh tra",
    7: "Số lượng hội nghị giảm ít nhất 10% mỗi năm; tỷ lệ hội nghị trực tuyến đạt từ 60% trở "
    "lên; báo cáo kết quả về UBND thành phố (Văn phòng UBND thành phố)",
    8: "Hệ thống hội nghị truyền hình trực tuyến quốc gia được nâng cấp đồng bộ, khả năng phục vụ "
    "họp trực tuyến quy mô lớn được cải thiện.",
    9: "Chức năng, nhiệm vụ và quy chế làm việc, quy chế phối hợp của các cơ quan, đơn vị được "
    "điều chỉnh, hoàn thiện; báo cáo Chủ tịch UBND thành phố kết quả rà soát",
    10: "Báo cáo đánh giá và kiến nghị UBND thành phố về hoàn thiện cơ chế phân cấp, phân quyền",
    11: "Kịp thời phát hiện và xử lý các vi phạm về kỷ luật hành chính; báo cáo Chủ tịch UBND "
    "thành phố kết quả thanh tra, kiểm tra.",
    12: "Quy định/kế hoạch chuyển đổi số của từng bộ, ngành, địa phương được ban hành và triển "
    "khai.",
    13: "Tỷ lệ hồ sơ thủ tục hành chính xử lý trực tuyến đạt từ 95% trở lên; 100% văn bản hành "
    "chính không mật gửi nhận điện tử; báo cáo kết quả định kỳ.",
    14: "Ban hành hướng dẫn chế độ báo cáo thống nhất",
    15: "Các chương trình tập huấn, bồi dưỡng được triển khai; phấn đấu 100% cán bộ, công chức, "
    "viên chức được đào tạo kỹ năng số",
    16: "Văn bản hướng dẫn về đánh giá cán bộ và thi đua khen thưởng; nội dung thực hiện Kết luận "
    "226-KL/TW được đưa vào tiêu chí đánh giá",
    17: "Báo cáo tình hình, kết quả thực hiện Kết luận 226-KL/TW định kỳ 6 tháng, hằng năm "
    "(trước ngày 20/6 và 20/12) gửi Thành ủy, UBND thành phố",
    18: "Nhiều tin bài, chuyên mục tuyên truyền được đăng phát; dư luận xã hội đồng thuận, ủng hộ "
    "việc chấn chỉnh lề lối làm việc, nâng cao hiệu quả hoạt động của hệ thống chính trị.",
}


@pytest.mark.parametrize(
    ("reference", "text", "product", "expected"),
    [(PLAN_000, text, PRODUCTS_000[row], expected) for row, text, expected in SEED_000]
    + [(PLAN_002, text, PRODUCTS_002[row], expected) for row, text, expected in SEED_002],
    ids=[f"000-row{row}" for row, *_ in SEED_000] + [f"002-row{row}" for row, *_ in SEED_002],
)
def test_it_reads_every_seed_row_as_a_careful_clerk_would(reference, text, product, expected):
    deadline = interpret_deadline(text, reference=reference, product=product)
    freq = deadline.recurrence.freq if deadline.recurrence else None
    assert (deadline.kind, deadline.due, deadline.start, freq) == expected
    assert not deadline.needs_review, deadline.reason


def test_it_reads_the_city_report_schedule_from_the_product_as_twice_a_year_the_day_before():
    product = PRODUCTS_002[17]
    deadline = interpret_deadline("Định kỳ hằng năm", reference=PLAN_002, product=product)
    assert deadline.recurrence == Recurrence(Frequency.SEMIANNUAL, ((6, 19), (12, 19)), 2026, None)


def test_it_ignores_a_product_that_says_dinh_ky_when_the_deadline_is_a_single_date():
    product = PRODUCTS_002[13]
    assert interpret_deadline("Đến cuối năm 2026", reference=PLAN_002, product=product).kind == (
        "year"
    )


# --- Forms beyond the tables --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "kind", "due", "start"),
    [
        ("quý IV năm 2026", "quarter", d(31, 12, 2026), None),
        ("Quý I/2027", "quarter", d(31, 3, 2027), None),
        ("tháng 6 năm 2026", "month", d(30, 6, 2026), None),
        ("Tháng 2/2028", "month", d(29, 2, 2028), None),
        ("6 tháng đầu năm 2026", "half_year", d(30, 6, 2026), None),
        ("6 tháng cuối năm", "half_year", d(31, 12, 2026), None),
        ("đến năm 2030", "year", d(31, 12, 2030), None),
        ("cuối năm 2026", "year", d(31, 12, 2026), None),
        ("2026 - 2030", "range", d(31, 12, 2030), d(1, 1, 2026)),
        ("Từ năm 2026 đến năm 2030", "range", d(31, 12, 2030), d(1, 1, 2026)),
        ("từ tháng 7 đến tháng 9/2026", "range", d(30, 9, 2026), d(1, 7, 2026)),
        ("từ 01/7/2026 đến 30/9/2026", "range", d(30, 9, 2026), d(1, 7, 2026)),
        ("tháng 7-9/2026", "range", d(30, 9, 2026), d(1, 7, 2026)),
        ("Quý I, II/2026", "quarter", d(30, 6, 2026), d(1, 1, 2026)),
        ("Quý II-III/2026", "quarter", d(30, 9, 2026), d(1, 4, 2026)),
        ("2026-09-30", "date", d(30, 9, 2026), None),
        ("2026-09-30 00:00:00", "date", d(30, 9, 2026), None),
        ("30-9-2026", "date", d(30, 9, 2026), None),
        ("30.9.2026", "date", d(30, 9, 2026), None),
        ("ngày 30 tháng 9 năm 2026", "date", d(30, 9, 2026), None),
        ("09/2026", "month", d(30, 9, 2026), None),
    ],
)
def test_it_reads_other_common_forms(text, kind, due, start):
    deadline = interpret_deadline(text, reference=PLAN_000)
    assert (deadline.kind, deadline.due, deadline.start) == (kind, due, start)
    assert not deadline.needs_review, deadline.reason


@pytest.mark.parametrize(
    ("text", "due"),
    [
        ("trước 30/9/2026", d(29, 9, 2026)),
        ("Hoàn thành trước ngày 01/10/2026", d(30, 9, 2026)),
        ("đến 30/9/2026", d(30, 9, 2026)),
        ("chậm nhất ngày 30/9/2026", d(30, 9, 2026)),
        ("trong ngày 30/9/2026", d(30, 9, 2026)),
        ("hoàn thành ngày 30/9/2026", d(30, 9, 2026)),
        ("trước 01/01/2027", d(31, 12, 2026)),
    ],
)
def test_it_reads_truoc_as_the_day_before_and_the_other_words_as_that_day(text, due):
    assert interpret_deadline(text, reference=PLAN_000).due == due


@pytest.mark.parametrize(
    ("text", "kind", "due"),
    [
        ("Trước tháng 3/2027", "month", d(28, 2, 2027)),
        ("trước Quý III/2026", "quarter", d(30, 6, 2026)),
        ("trước năm 2027", "year", d(31, 12, 2026)),
    ],
)
def test_it_reads_truoc_a_period_as_the_last_day_before_it(text, kind, due):
    deadline = interpret_deadline(text, reference=PLAN_000)
    assert (deadline.kind, deadline.due) == (kind, due)


@pytest.mark.parametrize(
    ("text", "kind", "due"),
    [
        ("Thang 8/2026", "month", d(31, 8, 2026)),
        ("Tháng 12//2026", "month", d(31, 12, 2026)),
        ("Tháng  6 / 2026", "month", d(30, 6, 2026)),
        ("trước ngày30/8/2026", "date", d(29, 8, 2026)),
        ("Quý IV/ 2026", "quarter", d(31, 12, 2026)),
        ("Qúy IV/2026", "quarter", d(31, 12, 2026)),
        ("QuÝ IV/2026", "quarter", d(31, 12, 2026)),
        ("QUÝ iv/2026", "quarter", d(31, 12, 2026)),
        ("  năm   2026  ", "year", d(31, 12, 2026)),
        (unicodedata.normalize("NFD", "Quý IV/2026"), "quarter", d(31, 12, 2026)),
        (unicodedata.normalize("NFD", "Trước ngày 05/6/2026"), "date", d(4, 6, 2026)),
        ("Tha\u0301ng 6/2026", "month", d(30, 6, 2026)),  # mixed: NFD "á" inside NFC text
    ],
)
def test_it_tolerates_typos_case_spaces_slashes_and_accent_encodings(text, kind, due):
    deadline = interpret_deadline(text, reference=PLAN_000)
    assert (deadline.kind, deadline.due) == (kind, due)
    assert deadline.text == unicodedata.normalize("NFC", text)


@pytest.mark.parametrize(
    "text",
    [
        "Nghị định số 34/2014/NĐ-CP",
        "Quyết định 13/2026/QĐ-UBND",
        "Kế hoạch số 83/KH-UBND",
        "123-KH/TU",
        "Theo Kế hoạch số 83/KH-UBND ngày 10/6/2026",
    ],
)
def test_it_never_reads_a_document_number_as_a_date(text):
    deadline = interpret_deadline(text, reference=PLAN_000)
    assert (deadline.kind, deadline.due, deadline.needs_review) == ("unknown", None, True)


def test_it_reads_the_deadline_beside_a_document_number():
    deadline = interpret_deadline(
        "Theo Quyết định 13/2026/QĐ-UBND, hoàn thành trước 30/9/2026", reference=PLAN_000
    )
    assert (deadline.kind, deadline.due, deadline.milestones) == ("date", d(29, 9, 2026), ())


@pytest.mark.parametrize(
    ("text", "reference", "due"),
    [
        ("trước 10/6", PLAN_000, d(9, 6, 2026)),
        ("Tháng 9", PLAN_000, d(30, 9, 2026)),
        ("Quý IV", PLAN_000, d(31, 12, 2026)),
        ("cuối năm", PLAN_000, d(31, 12, 2026)),
    ],
)
def test_it_takes_the_reference_year_when_the_year_is_missing(text, reference, due):
    deadline = interpret_deadline(text, reference=reference)
    assert (deadline.due, deadline.needs_review) == (due, False)


def test_it_moves_a_yearless_date_already_past_to_next_year_and_flags_it():
    deadline = interpret_deadline("trước 10/6", reference=PLAN_002)
    assert (deadline.due, deadline.needs_review) == (d(9, 6, 2027), True)
    assert "năm 2027" in deadline.reason


def test_it_flags_a_due_before_the_plan_date():
    deadline = interpret_deadline("Quý I/2026", reference=PLAN_000)
    assert (deadline.due, deadline.needs_review) == (d(31, 3, 2026), True)
    assert deadline.reason


def test_it_takes_the_last_milestone_as_the_due_and_keeps_the_others():
    deadline = interpret_deadline(
        "Tháng 7/2026 (dự thảo); tháng 9/2026 (ban hành)", reference=PLAN_000
    )
    assert (deadline.kind, deadline.due, deadline.milestones) == (
        "month",
        d(30, 9, 2026),
        (d(31, 7, 2026),),
    )
    assert not deadline.needs_review


def test_it_borrows_the_year_of_a_later_milestone():
    deadline = interpret_deadline("Tháng 7 (dự thảo); tháng 9/2027 (ban hành)", reference=PLAN_000)
    assert (deadline.due, deadline.milestones) == (d(30, 9, 2027), (d(31, 7, 2027),))


def test_milestones_written_out_of_order_are_due_on_the_latest_and_flagged():
    deadline = interpret_deadline("Quý IV/2026; Quý III/2026", reference=PLAN_000)
    assert (deadline.due, deadline.milestones, deadline.needs_review) == (
        d(31, 12, 2026),
        (d(30, 9, 2026),),
        True,
    )


# --- Relative deadlines -------------------------------------------------------------------------


def test_it_counts_working_days_across_tet_2027():
    # holidays.Vietnam(years=2027): 04/02 to 10/02/2027 are Tết holidays, 06-07/02 a weekend.
    vietnam_2027 = holidays.Vietnam(years=2027)
    assert all(d(day, 2, 2027) in vietnam_2027 for day in (4, 5, 8, 9, 10))
    deadline = interpret_deadline("trong 05 ngày làm việc", reference=d(3, 2, 2027))
    # 11/02 (1), 12/02 (2), 15/02 (3), 16/02 (4), 17/02 (5)
    assert (deadline.kind, deadline.start, deadline.due) == (
        "relative",
        d(3, 2, 2027),
        d(17, 2, 2027),
    )
    assert deadline.needs_review


def test_it_counts_working_days_across_30_4_and_1_5():
    assert {d(30, 4, 2026), d(1, 5, 2026)} <= set(holidays.Vietnam(years=2026))
    # 30/4 and 1/5 are Thursday and Friday, 2-3/5 a weekend: 04/05 is day 1, 08/05 day 5.
    deadline = interpret_deadline("Trong 05 ngày làm việc", reference=d(29, 4, 2026))
    assert deadline.due == d(8, 5, 2026)


def test_it_counts_a_saturday_made_a_working_day_in_exchange_for_a_bridge_day():
    # Saturday 22/8/2026 is worked in exchange for Monday 31/8/2026 (holidays.Vietnam knows it).
    deadline = interpret_deadline("trong 03 ngày làm việc", reference=d(20, 8, 2026))
    assert deadline.due == d(24, 8, 2026)


def test_it_counts_from_the_written_start_without_flagging():
    deadline = interpret_deadline(
        "trong vòng 10 ngày làm việc kể từ ngày 10/6/2026", reference=PLAN_000
    )
    # 11, 12, 15-19, 22, 23, 24 June 2026
    assert (deadline.kind, deadline.start, deadline.due, deadline.needs_review) == (
        "relative",
        d(10, 6, 2026),
        d(24, 6, 2026),
        False,
    )


def test_it_flags_a_relative_deadline_whose_start_event_is_unknown():
    deadline = interpret_deadline(
        "Trong vòng 10 ngày làm việc kể từ ngày nhận được văn bản", reference=PLAN_000
    )
    assert (deadline.kind, deadline.due, deadline.needs_review) == (
        "relative",
        d(15, 6, 2026),
        True,
    )
    assert deadline.condition == "kể từ ngày nhận được văn bản"
    assert deadline.reason


@pytest.mark.parametrize(
    ("text", "due"),
    [
        ("trong 30 ngày", d(1, 7, 2026)),
        ("Sau 15 ngày kể từ ngày ký", d(16, 6, 2026)),
        ("trong 02 tuần", d(15, 6, 2026)),
        ("trong 3 tháng", d(1, 9, 2026)),
    ],
)
def test_it_counts_calendar_days_weeks_and_months_without_skipping_holidays(text, due):
    deadline = interpret_deadline(text, reference=PLAN_000)
    assert (deadline.kind, deadline.due, deadline.needs_review) == ("relative", due, True)


def test_it_does_not_read_within_a_half_year_as_a_relative_deadline():
    assert interpret_deadline("trong 6 tháng đầu năm 2026", reference=PLAN_000).kind == (
        "half_year"
    )


# --- Conditions ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "condition"),
    [
        (
            "Sau khi Thủ tướng Chính phủ ban hành Chỉ thị (Quý III/2026)",
            "Sau khi Thủ tướng Chính phủ ban hành Chỉ thị",
        ),
        ("Sau khi có hướng dẫn của Bộ, dự kiến Quý III/2026", "Sau khi có hướng dẫn của Bộ"),
        ("Sau khi có hướng dẫn của Bộ chậm nhất Quý III/2026", "Sau khi có hướng dẫn của Bộ"),
    ],
)
def test_it_separates_the_condition_from_its_estimate(text, condition):
    deadline = interpret_deadline(text, reference=PLAN_000)
    assert (deadline.kind, deadline.due, deadline.condition) == (
        "conditional",
        d(30, 9, 2026),
        condition,
    )


@pytest.mark.parametrize(
    "text", ["Sau khi có hướng dẫn của Bộ", "Khi có yêu cầu", "Theo chỉ đạo của UBND thành phố"]
)
def test_it_flags_a_condition_without_a_time(text):
    deadline = interpret_deadline(text, reference=PLAN_000)
    assert (deadline.kind, deadline.due, deadline.condition, deadline.needs_review) == (
        "conditional",
        None,
        text,
        True,
    )
    assert deadline.reason


# --- Continuous and recurring -------------------------------------------------------------------


@pytest.mark.parametrize("text", ["Thường xuyên", "Liên tục", "Hằng ngày", "hàng ngày"])
def test_it_reads_ongoing_work_as_continuous(text):
    deadline = interpret_deadline(text, reference=PLAN_000)
    assert (deadline.kind, deadline.due, deadline.needs_review) == ("continuous", None, False)


@pytest.mark.parametrize(
    ("text", "freq", "dates", "due"),
    [
        ("hằng năm", "yearly", ((12, 31),), d(31, 12, 2026)),
        ("Hàng năm", "yearly", ((12, 31),), d(31, 12, 2026)),
        ("Định kỳ hằng năm", "yearly", ((12, 31),), d(31, 12, 2026)),
        ("Định kỳ 6 tháng", "semiannual", ((6, 30), (12, 31)), d(30, 6, 2026)),
        ("định kỳ hằng quý", "quarterly", ((3, 31), (6, 30), (9, 30), (12, 31)), d(30, 6, 2026)),
        ("Quý IV hằng năm", "yearly", ((12, 31),), d(31, 12, 2026)),
        ("Trước 15/12 hằng năm", "yearly", ((12, 14),), d(14, 12, 2026)),
        ("hằng tuần", "weekly", (), d(5, 6, 2026)),
    ],
)
def test_it_reads_recurrences(text, freq, dates, due):
    deadline = interpret_deadline(text, reference=PLAN_000)
    assert deadline.kind == "recurring"
    assert (deadline.recurrence.freq, deadline.recurrence.dates, deadline.due) == (freq, dates, due)
    assert not deadline.needs_review


def test_it_reads_hang_thang_as_due_at_each_month_end():
    deadline = interpret_deadline("Hằng tháng", reference=PLAN_000)
    assert deadline.recurrence.freq == "monthly"
    assert deadline.recurrence.dates[:3] == ((1, 31), (2, 29), (3, 31))
    assert deadline.due == d(30, 6, 2026)


def test_it_reads_truoc_ngay_15_hang_thang_as_the_14th_of_each_month():
    deadline = interpret_deadline("Trước ngày 15 hằng tháng", reference=PLAN_000)
    assert deadline.recurrence.freq == "monthly"
    assert set(deadline.recurrence.dates) == {(month, 14) for month in range(1, 13)}
    assert deadline.due == d(14, 6, 2026)


@pytest.mark.parametrize(
    ("text", "dates", "due"),
    [
        ("Quý III/2026 và các năm tiếp theo", ((9, 30),), d(30, 9, 2026)),
        ("Tháng 10/2026 và hằng năm", ((10, 31),), d(31, 10, 2026)),
        # "từ" only says when it starts: due at each year's end.
        ("Hằng năm, từ Quý II/2026", ((12, 31),), d(31, 12, 2026)),
    ],
)
def test_a_yearly_row_that_names_a_period_is_due_at_that_periods_end_each_year(text, dates, due):
    deadline = interpret_deadline(text, reference=PLAN_000)
    assert (deadline.recurrence.freq, deadline.recurrence.dates, deadline.due) == (
        "yearly", dates, due,
    )
    assert not deadline.needs_review


def test_it_reads_a_recurrence_with_an_end_year():
    deadline = interpret_deadline("Hằng năm, giai đoạn 2026-2030", reference=PLAN_000)
    assert deadline.recurrence == Recurrence(Frequency.YEARLY, ((12, 31),), 2026, 2030)


def test_it_starts_a_recurrence_in_a_later_year_when_told_so():
    deadline = interpret_deadline("Hằng năm, bắt đầu từ năm 2027", reference=PLAN_000)
    assert (deadline.start, deadline.due) == (d(1, 1, 2027), d(31, 12, 2027))


def test_it_takes_the_first_report_date_on_or_after_the_plan_date():
    deadline = interpret_deadline("Định kỳ", reference=d(20, 6, 2026), product=SEMIANNUAL_REPORTS)
    assert deadline.due == d(9, 12, 2026)


def test_it_flags_dinh_ky_with_no_frequency_anywhere():
    deadline = interpret_deadline("Định kỳ", reference=PLAN_000, product="Báo cáo")
    assert (deadline.kind, deadline.recurrence, deadline.due, deadline.needs_review) == (
        "recurring",
        None,
        None,
        True,
    )


# --- What is not understood is flagged ----------------------------------------------------------


@pytest.mark.parametrize("text", ["", "   ", "\n"])
def test_it_flags_an_empty_cell(text):
    deadline = interpret_deadline(text, reference=PLAN_000)
    assert (deadline.kind, deadline.due, deadline.needs_review, deadline.reason) == (
        "unknown",
        None,
        True,
        "Chưa có thời hạn",
    )


@pytest.mark.parametrize(
    "text", ["Theo tiến độ dự án", "Kịp thời", "xyz", "15", "Tháng 13/2026", "31/02/2026"]
)
def test_it_flags_what_it_cannot_read_instead_of_guessing(text):
    deadline = interpret_deadline(text, reference=PLAN_000)
    assert (deadline.kind, deadline.due, deadline.needs_review) == ("unknown", None, True)
    assert deadline.reason


def test_it_flags_a_start_without_an_end():
    deadline = interpret_deadline("Từ tháng 7/2026", reference=PLAN_000)
    assert (deadline.start, deadline.due, deadline.needs_review) == (d(1, 7, 2026), None, True)


def test_it_flags_a_vague_point_in_a_period():
    assert interpret_deadline("Đầu năm 2027", reference=PLAN_000).needs_review


# --- Serialisation and robustness ---------------------------------------------------------------


def test_it_serialises_a_deadline_with_exactly_the_agreed_keys():
    deadline = interpret_deadline("Định kỳ", reference=PLAN_000, product=SEMIANNUAL_REPORTS)
    data = json.loads(json.dumps(deadline.to_json()))
    assert data == {
        "text": "Định kỳ",
        "kind": "recurring",
        "due": "2026-06-09",
        "start": "2026-01-01",
        "recurrence": {
            "freq": "semiannual",
            "dates": [[6, 9], [12, 9]],
            "first_year": 2026,
            "last_year": None,
        },
        "condition": "",
        "milestones": [],
        "needs_review": False,
        "reason": "",
    }


def test_it_round_trips_a_recurrence_through_json():
    recurrence = Recurrence(Frequency.SEMIANNUAL, ((6, 9), (12, 9)), 2026, 2030)
    assert Recurrence.from_json(json.loads(json.dumps(recurrence.to_json()))) == recurrence
    assert Recurrence.from_json(None) is None


@settings(max_examples=300, deadline=None, database=None)
@given(text=st.text(), reference=st.dates(), product=st.text())
def test_it_never_raises_and_always_returns_a_valid_kind(text, reference, product):
    deadline = interpret_deadline(text, reference=reference, product=product)
    assert deadline.kind in DeadlineKind.values
    assert deadline.needs_review or deadline.kind != "unknown"
    json.dumps(deadline.to_json())


# fmt: off
_DEADLINE_WORDS = st.sampled_from([
    "trước", "đến", "từ", "Quý", "IV", "tháng", "năm", "ngày", "hằng", "định kỳ", "sau khi",
    "trong", "làm việc", "/", "-", ",", "(", ")", "6", "10", "30", "2026", "2027", "12//",
    "/KH-UBND", "thường xuyên", "các năm tiếp theo",
])
# fmt: on


@settings(max_examples=300, deadline=None, database=None)
@given(
    words=st.lists(_DEADLINE_WORDS, max_size=12),
    reference=st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 12, 31)),
)
def test_it_never_raises_on_deadline_like_word_salad(words, reference):
    deadline = interpret_deadline(" ".join(words), reference=reference, product=" ".join(words))
    assert deadline.kind in DeadlineKind.values
    json.dumps(deadline.to_json())


# --- Occurrences (kỳ) ---------------------------------------------------------------------------


def labels_and_dues(periods: list[Period]) -> list[tuple[str, date]]:
    return [(period.label, period.due) for period in periods]


def test_it_lists_one_yearly_period_per_year_up_to_the_one_containing_until():
    deadline = interpret_deadline("Hàng năm, bắt đầu từ năm 2026", reference=PLAN_000)
    periods = occurrence_schedule(deadline, until=d(1, 3, 2028))
    assert periods == [
        Period("Năm 2026", d(1, 1, 2026), d(31, 12, 2026), d(31, 12, 2026)),
        Period("Năm 2027", d(1, 1, 2027), d(31, 12, 2027), d(31, 12, 2027)),
        Period("Năm 2028", d(1, 1, 2028), d(31, 12, 2028), d(31, 12, 2028)),
    ]


def test_it_lists_semiannual_periods_cut_off_at_the_report_dates():
    deadline = interpret_deadline("Định kỳ", reference=PLAN_000, product=SEMIANNUAL_REPORTS)
    periods = occurrence_schedule(deadline, until=d(31, 12, 2026))
    assert periods == [
        Period("6 tháng đầu năm 2026", d(1, 1, 2026), d(9, 6, 2026), d(9, 6, 2026)),
        Period("Năm 2026", d(10, 6, 2026), d(9, 12, 2026), d(9, 12, 2026)),
        Period("6 tháng đầu năm 2027", d(10, 12, 2026), d(9, 6, 2027), d(9, 6, 2027)),
    ]


def test_it_lists_half_years_for_continuous_work():
    deadline = interpret_deadline("Thường xuyên từ năm 2026", reference=PLAN_000)
    assert labels_and_dues(occurrence_schedule(deadline, until=d(1, 2, 2027))) == [
        ("6 tháng đầu năm 2026", d(30, 6, 2026)),
        ("6 tháng cuối năm 2026", d(31, 12, 2026)),
        ("6 tháng đầu năm 2027", d(30, 6, 2027)),
    ]


def test_it_lists_the_half_years_of_until_for_continuous_work_without_a_start():
    deadline = interpret_deadline("Thường xuyên", reference=PLAN_000)
    assert labels_and_dues(occurrence_schedule(deadline, until=d(1, 8, 2026))) == [
        ("6 tháng đầu năm 2026", d(30, 6, 2026)),
        ("6 tháng cuối năm 2026", d(31, 12, 2026)),
    ]


def test_it_stops_the_periods_at_the_last_year():
    deadline = interpret_deadline("Hằng năm, giai đoạn 2026-2027", reference=PLAN_000)
    assert labels_and_dues(occurrence_schedule(deadline, until=d(1, 1, 2030))) == [
        ("Năm 2026", d(31, 12, 2026)),
        ("Năm 2027", d(31, 12, 2027)),
    ]


def test_it_lists_quarters():
    deadline = interpret_deadline("Định kỳ hằng quý", reference=PLAN_000)
    assert labels_and_dues(occurrence_schedule(deadline, until=d(15, 7, 2026))) == [
        ("Quý I/2026", d(31, 3, 2026)),
        ("Quý II/2026", d(30, 6, 2026)),
        ("Quý III/2026", d(30, 9, 2026)),
    ]


def test_it_lists_months_cut_off_on_the_report_day():
    deadline = interpret_deadline("Trước ngày 15 hằng tháng", reference=PLAN_000)
    periods = occurrence_schedule(deadline, until=d(20, 2, 2026))
    assert periods == [
        Period("Tháng 1/2026", d(1, 1, 2026), d(14, 1, 2026), d(14, 1, 2026)),
        Period("Tháng 2/2026", d(15, 1, 2026), d(14, 2, 2026), d(14, 2, 2026)),
        Period("Tháng 3/2026", d(15, 2, 2026), d(14, 3, 2026), d(14, 3, 2026)),
    ]


def test_it_lists_iso_weeks_due_on_friday():
    deadline = Deadline(
        "Hằng tuần",
        DeadlineKind.RECURRING,
        d(5, 6, 2026),
        start=d(1, 6, 2026),
        recurrence=Recurrence(Frequency.WEEKLY, (), 2026),
    )
    periods = occurrence_schedule(deadline, until=d(10, 6, 2026))
    assert periods == [
        Period("Tuần 23/2026", d(1, 6, 2026), d(7, 6, 2026), d(5, 6, 2026)),
        Period("Tuần 24/2026", d(8, 6, 2026), d(14, 6, 2026), d(12, 6, 2026)),
    ]
    assert all(period.due.weekday() == 4 for period in periods)
    assert all(period.end - period.start == timedelta(days=6) for period in periods)


@pytest.mark.parametrize(
    "text", ["Quý IV/2026", "2026-2027", "Sau khi có hướng dẫn của Bộ", "trong 05 ngày làm việc"]
)
def test_it_lists_no_periods_for_a_single_due(text):
    deadline = interpret_deadline(text, reference=PLAN_000)
    assert occurrence_schedule(deadline, until=d(31, 12, 2030)) == []


# --- Slips found on real tables (issue 10) -------------------------------------------------------

JAN_2026 = date(2026, 1, 10)


def test_each_month_before_the_25th_is_due_on_the_24th_of_every_month():
    deadline = interpret_deadline("Hằng tháng trước ngày 25", reference=JAN_2026)

    assert deadline.kind == "recurring" and not deadline.needs_review
    assert deadline.due == d(24, 1, 2026)
    assert deadline.recurrence.dates[1] == (2, 24)  # never a 29/02 that 2026 does not have
    periods = occurrence_schedule(deadline, until=d(20, 3, 2026))
    assert [p.due for p in periods] == [d(24, 1, 2026), d(24, 2, 2026), d(24, 3, 2026)]


def test_a_range_of_years_in_a_remark_is_not_the_deadline():
    deadline = interpret_deadline(
        "Quý II/2026 (áp dụng cho niên độ 2026 – 2028)", reference=JAN_2026
    )
    assert (deadline.kind, deadline.due) == ("quarter", d(30, 6, 2026))


def test_in_a_list_of_dates_the_latest_is_due_and_the_others_are_milestones():
    deadline = interpret_deadline("15/3/2026; 10/3/2026; 30/4/2026; 20/4/2026", reference=JAN_2026)

    assert deadline.due == d(30, 4, 2026)
    assert deadline.milestones == (d(10, 3, 2026), d(15, 3, 2026), d(20, 4, 2026))


def test_one_date_or_another_is_flagged_for_a_person_to_choose():
    deadline = interpret_deadline(
        "Tháng 11/2026 hoặc tháng 02/2027, tùy tiến độ của Bộ", reference=JAN_2026
    )
    assert deadline.needs_review
    assert "hoặc" in deadline.reason


@pytest.mark.parametrize(
    ("text", "due"),
    [
        ("ngày 12 / 10 /202 6", d(12, 10, 2026)),
        ("trước ngày 20/ 5/20 26", d(19, 5, 2026)),
        ("15/3/27", d(15, 3, 2027)),
        ("Quý II/27", d(30, 6, 2027)),
        ("Tháng 6/27", d(30, 6, 2027)),
        ("46203", d(30, 6, 2026)),  # an Excel date pasted as its serial number
    ],
)
def test_broken_years_two_digit_years_and_excel_serials_are_understood(text, due):
    deadline = interpret_deadline(text, reference=JAN_2026)
    assert (deadline.due, deadline.needs_review) == (due, False)
    assert deadline.text == text  # what was written is kept


def test_a_deadline_decades_away_is_flagged():
    assert interpret_deadline("Năm 2099", reference=JAN_2026).needs_review


# fmt: off
_PREFIXES = st.sampled_from([
    "", "Trước ", "trước ngày ", "Đến ", "Chậm nhất ", "Hằng tháng trước ngày ", "Trong ngày ",
    "Từ ", "Sau khi có chỉ đạo (", "Định kỳ ", "Hàng năm, từ ", "Thường xuyên từ ",
])
_SEPARATORS = st.sampled_from(["/", " / ", "-", ".", "//", " /20", "/ 202 "])
# fmt: on


@st.composite
def deadline_phrases(draw):
    """Deadline phrases as clerks write them, right or wrong: dates, months, quarters and years
    with any numbers (31/02 and tháng 13 included), two-digit years and stray spaces, alone or
    in lists, remarks and alternatives."""
    number = st.integers(min_value=0, max_value=40)
    year = st.one_of(st.integers(1990, 2110).map(str), st.integers(0, 99).map(lambda y: f"{y:02d}"))
    sep = draw(_SEPARATORS)
    forms = [
        lambda: f"{draw(number)}{sep}{draw(number)}{sep}{draw(year)}",
        lambda: f"Tháng {draw(number)}{sep}{draw(year)}",
        lambda: f"Quý {draw(st.sampled_from(['I', 'II', 'III', 'IV', '5', '0']))}/{draw(year)}",
        lambda: f"Năm {draw(year)}",
        lambda: f"{draw(year)}-{draw(year)}",
        lambda: f"ngày {draw(number)}",
        lambda: str(draw(st.integers(0, 99999))),
    ]
    parts = [
        draw(_PREFIXES) + forms[draw(st.integers(0, len(forms) - 1))]()
        for _ in range(draw(st.integers(1, 3)))
    ]
    joiner = draw(st.sampled_from(["; ", " hoặc ", " và ", ", ", " (áp dụng cho niên độ "]))
    return joiner.join(parts)


@settings(max_examples=500, deadline=None, database=None)
@given(text=deadline_phrases(), reference=st.dates(date(2020, 1, 1), date(2035, 12, 31)))
def test_every_generated_phrase_is_understood_within_a_plausible_range_or_flagged(
    text, reference
):
    deadline = interpret_deadline(text, reference=reference)

    json.dumps(deadline.to_json())  # never a crash, never an impossible date
    if deadline.needs_review:
        assert deadline.reason
        return
    assert deadline.kind != "unknown"
    if deadline.due is None:
        assert deadline.kind == "continuous"
    else:
        assert reference <= deadline.due <= date(reference.year + 15, 12, 31), text
    for milestone in deadline.milestones:
        assert date(reference.year - 5, 1, 1) <= milestone <= deadline.due
