"""Cells longer than 500 characters in the lead, deadline or section columns are flagged in the
preview and stored whole."""

from __future__ import annotations

from datetime import date

import pytest

from imports.importing import preview_changes, save_rows, understand
from imports.tables import read_text
from plans.models import Plan

pytestmark = pytest.mark.django_db
TODAY = date(2026, 11, 22)
LEAD = "Văn phòng Sở, " + "phối hợp cùng các phòng chuyên môn và đơn vị trực thuộc; " * 12
DEADLINE = "Quý IV/2026, " + "sau khi có ý kiến của các cơ quan liên quan và hướng dẫn; " * 12
SECTION = "A. " + "NHÓM NHIỆM VỤ VỀ CHUYỂN ĐỔI SỐ VÀ CẢI CÁCH HÀNH CHÍNH " * 12


def long_table():
    return read_text(
        "STT\tNội dung công việc\tĐơn vị chủ trì\tThời hạn\n"
        f"{SECTION}\n"
        f"1\tXây dựng kế hoạch\t{LEAD}\t{DEADLINE}\n"
        "2\tTổ chức hội nghị\tVăn phòng Sở\tQuý IV/2026\n"
    )


def test_the_preview_flags_the_long_cells():
    table = long_table()
    first, second = understand(table, plan_reference=TODAY, issuing_unit=None).rows

    assert len(first.lead_written) > 500 and len(first.deadline_written) > 500
    assert len(first.section) > 500
    flagged = [w for w in first.warnings if "ký tự: xin xem lại" in w]
    assert len(flagged) == 3
    assert not [w for w in second.warnings if "ký tự" in w and "Chủ trì" in w]


def test_long_cells_are_stored_whole_and_re_imported_without_error(postgres):
    plan = Plan.objects.create(number="9/KH", title="Dài", issuing_body="Sở", slug="dai")
    understanding = understand(long_table(), plan_reference=TODAY, issuing_unit=None)

    save_rows(plan=plan, understanding=understanding, today=TODAY)
    changes = preview_changes(plan=plan, understanding=understanding, today=TODAY)

    task = plan.tasks.get(order_label="1")
    assert (task.lead_as_written, task.deadline_text) == (LEAD.strip(), DEADLINE.strip())
    assert task.section == understanding.rows[0].section
    assert changes.unchanged == 2
