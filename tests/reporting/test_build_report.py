from __future__ import annotations

from datetime import date
from io import StringIO

import openpyxl
import pytest
from django.core.management import CommandError, call_command

from tests.factories import TaskFactory, UnitFactory


def test_it_writes_both_formats_for_a_unit_named_without_accents(db, tmp_path):
    unit = UnitFactory(name="Phòng Chuyển đổi số")
    TaskFactory(lead_unit=unit, due_date=date(2026, 6, 1))
    TaskFactory(due_date=date(2026, 6, 1))  # another unit's
    for fmt in ("pdf", "xlsx"):
        call_command(
            "build_report",
            "--kind=semiannual",
            "--period=2026-H1",
            "--unit=phong chuyen doi so",
            f"--format={fmt}",
            f"--output={tmp_path / f'report.{fmt}'}",
            "--today=2026-06-20",
            stdout=StringIO(),
        )
    assert (tmp_path / "report.pdf").read_bytes().startswith(b"%PDF")
    sheet = openpyxl.load_workbook(tmp_path / "report.xlsx")["Tổng hợp"]
    assert sheet["B6"].value == 1
    assert "của Phòng Chuyển đổi số" in sheet["A2"].value


def test_it_says_what_it_could_not_read(db, tmp_path):
    with pytest.raises(CommandError, match="không đúng dạng"):
        call_command(
            "build_report", "--kind=monthly", "--period=2026-Q2", "--format=pdf",
            f"--output={tmp_path / 'x.pdf'}",
        )  # fmt: skip
