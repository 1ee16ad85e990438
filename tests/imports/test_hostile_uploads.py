"""Hostile uploads answer in bounded time and memory, with a Vietnamese message or the table."""

from __future__ import annotations

import json

import pytest
from django.conf import settings

from imports.tables import Column, TableError, read_upload, read_xlsx
from imports.tables.isolated import read_isolated
from tests.imports.hostile_files import (
    HOSTILE,
    TASKS,
    cell,
    package,
    table_rows,
    worksheet,
)

# What each hostile file must give: the two tasks it carries, or a refusal saying why.
EXPECTED = {
    "cell at XFD1048576": "ô XFD1048576, ngoài 200 cột đầu",
    "merge out to XFD1048576": 2,
    "sparse sheet declared to 200,000 rows": 2,
    "zip bomb: 49 MB of sheet XML": 2,
    "150,000 empty formatted cells": "hơn 100.000 ô",
    "XML nested 100,000 deep (sheet)": "XML lồng quá 100 tầng",
    "XML nested 100,000 deep (Word)": "XML lồng quá 100 tầng",
    "entity expansion (billion laughs)": "khai báo DTD",
    "CSV: 2,300 lines of 2,000 commas": "Dòng 2 có hơn 1000 ô",
    "CSV: 2,000,000 empty lines": "hơn 100000 dòng",
    "98,000 cells of text (under the cell limit)": 4902,
    "Word: 19 MB of document XML": 2,
    "490,000 unknown empty XML elements": 2,
    "values at GR1 and A1048576": 2,
    "one shared string of 47 MB": "quá giới hạn 32.767 ký tự",
    "Word with 95 MB of media": 2,
    "text: one line of 9 MB": "Dòng 2 dài hơn 131068 ký tự",
    "10 drawing parts of 400,000 elements": "phần tử XML",
}
# Each file is answered within the limits production puts on the reading child (its CPU time
# and address space: IMPORT_READ_SECONDS, IMPORT_READ_MEMORY_MB): with the table or a refusal
# that says why, never by the child being killed. How long a reading takes against the issue's
# 5 s is measured in benchmarks/hostile_imports.md, not here: CPU time varies with the machine
# (the largest file below took 4.3 s on one and 5.1-6.3 s on another, for the same code).
MAX_PEAK_MB = 300


@pytest.mark.parametrize("label", list(HOSTILE))
def test_every_hostile_file_is_answered_in_bounded_time_and_memory(label):
    name, build = HOSTILE[label]
    expected = EXPECTED[label]

    try:
        reading = read_isolated(
            name,
            build(),
            sheet=None,
            memory_mb=settings.IMPORT_READ_MEMORY_MB,
            seconds=settings.IMPORT_READ_SECONDS,
        )
    except TableError as error:
        assert isinstance(expected, str), f"{label}: refused: {error}"
        assert expected in str(error)
        return
    assert reading.peak_mb < MAX_PEAK_MB
    assert len(reading.table.rows) == expected


def test_a_child_over_its_memory_limit_ends_with_a_message_not_a_crash():
    name, build = HOSTILE["zip bomb: 49 MB of sheet XML"]

    with pytest.raises(TableError, match="vượt giới hạn"):
        read_isolated(name, build(), sheet=None, memory_mb=90, seconds=60)


def test_a_far_merge_is_clipped_to_the_data_and_the_title_merge_kept():
    name, build = HOSTILE["merge out to XFD1048576"]

    table = read_upload(name, build())

    assert [row.cells[Column.CONTENT] for row in table.rows] == [task[1] for task in TASKS]
    assert table.problems == []


def test_a_sparse_sheet_reads_its_stored_rows_and_reports_the_stray_note():
    name, build = HOSTILE["sparse sheet declared to 200,000 rows"]

    table = read_upload(name, build())

    assert len(table.rows) == 2
    assert [problem.line for problem in table.problems] == [200_000]


# --- formulas and sheets -----------------------------------------------------------------------


def test_formulas_are_read_from_their_cached_values_and_missing_ones_reported():
    rows = (
        table_rows()
        .replace(
            cell("C2", "Văn phòng Sở"),
            '<c r="C2" t="str"><f>"Văn phòng "&amp;"Sở"</f><v>Văn phòng Sở</v></c>',
        )
        .replace(cell("D3", "Tháng 12/2026"), '<c r="D3"><f>DATE(2026,12,31)</f></c>')
    )

    table = read_xlsx(package({"Phụ lục": worksheet(rows)}))

    first, second = table.rows
    assert first.cells[Column.LEAD] == "Văn phòng Sở"
    assert second.cells.get(Column.DEADLINE, "") == ""
    (problem,) = table.problems
    assert problem.text == "D3"
    assert "công thức chưa có kết quả" in problem.message and "lưu lại" in problem.message


def _two_sheets() -> bytes:
    second = table_rows().replace("Xây dựng kế hoạch", "Kiểm tra việc thực hiện kế hoạch")
    return package({"Phụ lục I": worksheet(table_rows()), "Phụ lục II": worksheet(second)})


def test_the_clerk_may_choose_the_sheet_of_a_workbook():
    data = _two_sheets()

    first = read_upload("bang.xlsx", data)
    chosen = read_upload("bang.xlsx", data, sheet="Phụ lục II")

    assert first.sheets == ["Phụ lục I", "Phụ lục II"]
    assert first.rows[0].cells[Column.CONTENT].startswith("Xây dựng")
    assert [p.text for p in first.problems] == ["Phụ lục II"]
    assert chosen.rows[0].cells[Column.CONTENT].startswith("Kiểm tra")
    assert chosen.problems == []


def test_a_sheet_that_does_not_exist_is_named_with_the_ones_that_do():
    with pytest.raises(TableError, match="không có trang tính «Bìa»; các trang tính: Phụ lục I"):
        read_upload("bang.xlsx", _two_sheets(), sheet="Bìa")


# --- text that is UTF-8 but for one byte -------------------------------------------------------


def test_a_csv_with_one_bad_byte_stays_utf8_and_names_the_line():
    text = (
        "STT;Nội dung công việc;Đơn vị chủ trì;Thời hạn\n"
        "1;Rà soát thủ tục hành chính;Văn phòng Sở;Quý III/2026\n"
        "2;Tổ chức hội nghị;Phòng Chuyển đổi số;Tháng 12/2026\n"
    ).encode()
    broken = text.replace("hội nghị".encode(), b"h\xffi ngh\xe1\xbb\x8b")

    table = read_upload("bang.csv", broken)

    assert [row.cells[Column.LEAD] for row in table.rows] == ["Văn phòng Sở", "Phòng Chuyển đổi số"]
    assert table.rows[0].cells[Column.CONTENT] == "Rà soát thủ tục hành chính"
    (problem,) = table.problems
    assert problem.line == 3
    assert "Dòng 3" in problem.message and "0xFF" in problem.message


# --- the command reads as the browser does -------------------------------------------------------


def _command(*args) -> str:
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("import_plan", *map(str, args), stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_the_command_reads_the_sheet_it_is_told(tmp_path):
    path = tmp_path / "bang.xlsx"
    path.write_bytes(_two_sheets())

    rows = json.loads(_command(path, "--sheet", "Phụ lục II", "--json"))["rows"]

    assert [row["content"] for row in rows][0].startswith("Kiểm tra")


@pytest.mark.django_db
def test_the_command_refuses_a_hostile_file_with_the_reason(tmp_path):
    from django.core.management.base import CommandError

    name, build = HOSTILE["cell at XFD1048576"]
    path = tmp_path / name
    path.write_bytes(build())

    with pytest.raises(CommandError, match="XFD1048576"):
        _command(path, "--dry-run")


def test_a_word_document_with_too_many_table_cells_is_refused(monkeypatch):
    import io

    import docx

    monkeypatch.setattr("imports.tables.survey.MAX_CELLS", 10)
    document = docx.Document()
    document.add_table(rows=4, cols=4)
    buffer = io.BytesIO()
    document.save(buffer)

    with pytest.raises(TableError, match="ô bảng"):
        read_upload("bang.docx", buffer.getvalue())
