from __future__ import annotations

from datetime import date

import pytest

from reporting.periods import (
    PeriodError,
    PhaseBounds,
    choices_for_year,
    parse_period,
    previous_period,
)


def bounds(kind, code, **kwargs):
    period = parse_period(kind, code, **kwargs)
    return period.start, period.end


def test_it_cuts_a_month_off_from_the_15th_of_the_previous_month_to_the_14th():
    assert bounds("monthly", "2026-06") == (date(2026, 5, 15), date(2026, 6, 14))
    assert bounds("monthly", "2026-01") == (date(2025, 12, 15), date(2026, 1, 14))


def test_it_uses_calendar_months_when_asked():
    assert bounds("monthly", "2026-02", cutoff=False) == (date(2026, 2, 1), date(2026, 2, 28))
    assert bounds("monthly", "2028-02", cutoff=False) == (date(2028, 2, 1), date(2028, 2, 29))


def test_it_cuts_a_quarter_off_from_the_15th_before_it_to_the_14th_of_its_last_month():
    assert bounds("quarterly", "2026-Q1") == (date(2025, 12, 15), date(2026, 3, 14))
    assert bounds("quarterly", "2026-Q2") == (date(2026, 3, 15), date(2026, 6, 14))
    assert bounds("quarterly", "2026-Q4") == (date(2026, 9, 15), date(2026, 12, 14))
    assert bounds("quarterly", "2026-Q4", cutoff=False) == (date(2026, 10, 1), date(2026, 12, 31))


def test_it_cuts_six_months_and_the_year_off_from_15_12_of_the_previous_year():
    assert bounds("semiannual", "2026-H1") == (date(2025, 12, 15), date(2026, 6, 14))
    assert bounds("annual", "2026") == (date(2025, 12, 15), date(2026, 12, 14))
    assert bounds("annual", "2026", cutoff=False) == (date(2026, 1, 1), date(2026, 12, 31))
    assert bounds("semiannual", "2026-H1", cutoff=False) == (date(2026, 1, 1), date(2026, 6, 30))


def test_it_accumulates_3_6_and_9_months_from_the_start_of_the_year():
    assert bounds("cumulative", "2026-9M") == (date(2025, 12, 15), date(2026, 9, 14))
    assert bounds("cumulative", "2026-Q3") == bounds("cumulative", "2026-9M")
    assert bounds("cumulative", "2026-3M", cutoff=False) == (date(2026, 1, 1), date(2026, 3, 31))


def test_it_reads_iso_week_2026_w23_as_monday_1_june_to_sunday_7_june():
    period = parse_period("weekly", "2026-W23")
    assert (period.start, period.end) == (date(2026, 6, 1), date(2026, 6, 7))
    assert bounds("weekly", "2026-W01") == (date(2025, 12, 29), date(2026, 1, 4))
    assert bounds("weekly", "2026-W53") == (date(2026, 12, 28), date(2027, 1, 3))


def test_it_takes_a_custom_range_as_written():
    period = parse_period("custom", "2026-01-01..2026-06-14")
    assert (period.start, period.end) == (date(2026, 1, 1), date(2026, 6, 14))
    assert period.label == "từ ngày 01/01/2026 đến ngày 14/06/2026"


def test_it_takes_a_phase_from_the_plan_starting_after_the_previous_one_when_open():
    phases = [
        PhaseBounds(1, "Giai đoạn 1", None, date(2026, 6, 5)),
        PhaseBounds(2, "Giai đoạn 2", date(2026, 6, 5), date(2026, 12, 31)),
    ]
    assert bounds("phase", "2", phases=phases) == (date(2026, 6, 5), date(2026, 12, 31))
    assert bounds("phase", "1", phases=phases) == (date(2026, 1, 1), date(2026, 6, 5))
    with pytest.raises(PeriodError):
        parse_period("phase", "3", phases=phases)


@pytest.mark.parametrize(
    ("kind", "code"),
    [
        ("monthly", "2026-13"),
        ("monthly", "2026-Q2"),
        ("weekly", "2026-W54"),
        ("custom", "2026-06-14..2026-01-01"),
        ("custom", "2026-02-30..2026-03-01"),
        ("annual", "năm 2026"),
    ],
)
def test_it_refuses_periods_it_cannot_read(kind, code):
    with pytest.raises(PeriodError):
        parse_period(kind, code)


def test_it_compares_with_the_period_before():
    def previous(kind, code):
        return previous_period(parse_period(kind, code)).code

    assert previous("monthly", "2026-01") == "2025-12"
    assert previous("quarterly", "2026-Q1") == "2025-Q4"
    assert previous("semiannual", "2026-H1") == "2025-H2"
    assert previous("semiannual", "2026-H2") == "2026-H1"
    assert previous("annual", "2026") == "2025"
    assert previous("cumulative", "2026-9M") == "2025-9M"  # "so với cùng kỳ"
    assert previous("weekly", "2026-W01") == "2025-W52"
    assert previous("custom", "2026-06-01..2026-06-10") == "2026-05-22..2026-05-31"


def test_it_titles_periods_as_reports_do():
    assert parse_period("monthly", "2026-06").label == "tháng 6 năm 2026"
    assert parse_period("quarterly", "2026-Q3").label == "quý III năm 2026"
    assert parse_period("semiannual", "2026-H1").label == "6 tháng đầu năm 2026"
    assert parse_period("annual", "2026").label == "năm 2026"
    # the cumulative six months is not mistaken for the 6-month report in the list
    assert parse_period("cumulative", "2026-6M").label == "lũy kế 6 tháng đầu năm 2026"


def test_it_offers_the_six_months_of_the_year_to_pick():
    options = [label for _group, items in choices_for_year(2026) for _value, label in items]
    assert "6 tháng đầu năm 2026" in options
    assert "Quý IV năm 2026" in options
