from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from demo.loader import DEMO_DIR, load_units
from imports.importing import save_rows, understand
from imports.tables import read_text
from plans.models import Plan, Unit
from tasks.models import Task

pytestmark = pytest.mark.django_db
TABLE_000 = DEMO_DIR / "tables" / "000_bang_phan_cong.txt"
HEADER = "STT\tNội dung công việc\tĐơn vị chủ trì\tĐơn vị phối hợp\tSản phẩm\tThời hạn\n"


@pytest.fixture
def department():
    units = load_units(json.loads((DEMO_DIR / "organisation.json").read_text())["units"])
    return Plan.objects.create(
        number="/KH-SKHCN",
        slug="kh-226",
        title="Kế hoạch 226",
        issuing_body="Sở KH&CN",
        issuing_unit=units["skhcn"],
        issued_as_written="ngày   tháng 6 năm 2026",
    )


def run(*args) -> str:
    from io import StringIO

    out = StringIO()
    call_command("import_plan", *map(str, args), stdout=out)
    return out.getvalue()


def write(tmp_path: Path, text: str, name: str = "bang.txt") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_importing_the_same_table_again_updates_rather_than_duplicates(department, tmp_path):
    # Two of the 18 rows go to every unit: the clerk is told of the 28 tasks the lists show,
    # not of the two rows that hold them.
    assert "18 dòng; 28 nhiệm vụ mới" in run(TABLE_000, "--plan-number", "/KH-SKHCN")
    assert Task.objects.tracked().count() == 28
    count = Task.objects.count()
    assert "0 nhiệm vụ mới, 0 cập nhật, 28 không đổi" in run(
        TABLE_000, "--plan-number", "/KH-SKHCN"
    )
    assert Task.objects.count() == count

    changed = write(tmp_path, TABLE_000.read_text().replace("Quý IV/2026\n", "Quý III/2026\n", 1))
    output = run(changed, "--plan-number", "/KH-SKHCN")
    assert "1 cập nhật" in output
    assert "STT 2 — thời hạn: “Quý IV/2026” → “Quý III/2026”" in output
    task = Task.objects.get(plan=department, order_label="2")
    assert task.due_date == date(2026, 9, 30)
    assert task.history.first().prev_record.deadline_text == "Quý IV/2026"


def test_a_dry_run_shows_the_changes_and_writes_nothing(department, tmp_path):
    run(TABLE_000, "--plan-number", "/KH-SKHCN")
    before = list(Task.objects.values_list("pk", "deadline_text", "due_date"))
    changed = write(tmp_path, TABLE_000.read_text().replace("Tháng 6/2026", "Tháng 7/2026"))
    output = run(changed, "--plan-number", "/KH-SKHCN", "--dry-run")
    assert "Xem trước" in output and "“Tháng 6/2026” → “Tháng 7/2026”" in output
    assert list(Task.objects.values_list("pk", "deadline_text", "due_date")) == before


def test_json_gives_what_was_written_next_to_what_was_understood(department):
    data = json.loads(run(TABLE_000, "--plan-number", "/KH-SKHCN", "--json"))
    first = data["rows"][0]
    assert first["deadline_written"] == "Tháng 6/2026"
    assert first["deadline"]["kind"] == "month" and first["deadline"]["due"] == "2026-06-30"
    assert first["lead_written"] == "Phòng Chuyên đổi số"  # the document's typo, kept
    assert first["lead_ids"] == [Unit.objects.get(name="Phòng Chuyển đổi số").pk]
    assert not Task.objects.exists()


def test_several_leads_are_flagged_and_each_unit_gets_its_own_task(department, tmp_path):
    table = write(
        tmp_path, HEADER + "1\tRà soát quy chế\tVăn phòng Sở, Phòng CĐS\t\tQuy chế\tQuý III/2026\n"
    )
    output = run(table, "--plan-number", "/KH-SKHCN")
    assert "Có 2 đơn vị chủ trì" in output
    parent = Task.objects.get(order_label="1", parent=None)
    assert parent.fans_out
    assert sorted(parent.children.values_list("lead_unit__name", flat=True)) == [
        "Phòng Chuyển đổi số",
        "Văn phòng Sở",
    ]


def test_a_name_that_matches_nothing_is_shown_never_dropped(department, tmp_path):
    table = write(tmp_path, HEADER + "1\tTập huấn\tPhòng Giáo dục\tVP Sở\tLớp học\tNăm 2026\n")
    output = run(table, "--plan-number", "/KH-SKHCN")
    assert "Chưa nhận ra đơn vị “Phòng Giáo dục”" in output
    task = Task.objects.get(order_label="1")
    assert task.lead_unit is None and task.lead_as_written == "Phòng Giáo dục"
    assert list(task.coordinating_units.values_list("name", flat=True)) == ["Văn phòng Sở"]


def test_a_bad_file_gets_a_clear_message_and_nothing_is_written(department, tmp_path):
    binary = tmp_path / "bang.xlsx"
    binary.write_bytes(b"\x00\x01\x02garbage" * 100)
    with pytest.raises(CommandError) as refused:
        run(binary, "--plan-number", "/KH-SKHCN")
    assert "tệp" in str(refused.value).lower()
    assert not Task.objects.exists()


def test_a_failed_import_leaves_the_database_unchanged(department, monkeypatch):
    run(TABLE_000, "--plan-number", "/KH-SKHCN")
    before = list(Task.objects.order_by("pk").values_list("pk", "deadline_text", "due_date"))
    history = Task.history.count()

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    # Row 1's deadline changes, then row 3 (a recurring row) fails half-way through the table.
    monkeypatch.setattr("tasks.services.ensure_occurrences", broken)
    changed = TABLE_000.read_text().replace("Tháng 6/2026", "Tháng 8/2026")
    understanding = understand(
        read_text(changed), plan_reference=date(2026, 6, 1), issuing_unit=department.issuing_unit
    )
    with pytest.raises(RuntimeError):
        save_rows(plan=department, understanding=understanding, today=date(2026, 11, 22))
    assert (
        list(Task.objects.order_by("pk").values_list("pk", "deadline_text", "due_date")) == before
    )
    assert Task.history.count() == history


def test_a_new_plan_needs_a_title_and_a_body(tmp_path):
    with pytest.raises(CommandError, match="--title"):
        run(TABLE_000, "--plan-number", "99/KH-X")
    output = run(
        TABLE_000, "--plan-number", "99/KH-X", "--title", "Kế hoạch thử", "--issuing-body", "Sở X"
    )
    assert "Đã nhập: 18 dòng" in output
    assert Plan.objects.get(number="99/KH-X").tasks.filter(parent=None).count() == 18


def test_parse_deadlines_reads_one_text_per_line_and_writes_json_lines(monkeypatch):
    from io import StringIO

    monkeypatch.setattr("sys.stdin", StringIO("Quý IV/2026\nTrước 01/6/2026\n\nThường xuyên\n"))
    out = StringIO()
    call_command("parse_deadlines", "--ref", "2026-06-10", stdout=out)
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [(r["text"], r["kind"], r["due"]) for r in lines] == [
        ("Quý IV/2026", "quarter", "2026-12-31"),
        ("Trước 01/6/2026", "date", "2026-05-31"),
        ("", "unknown", None),
        ("Thường xuyên", "continuous", None),
    ]
    assert set(lines[0]) == {
        "text",
        "kind",
        "due",
        "start",
        "recurrence",
        "condition",
        "milestones",
        "needs_review",
        "reason",
    }
    assert lines[2]["needs_review"] is True


# --- Every "rõ" the table gives lands in its field -------------------------------------------

RO_TABLE = (
    "TT\tLĩnh vực phụ trách\tCông việc cụ thể\tĐơn vị đầu mối\tNgười chịu trách nhiệm chính\t"
    "Cấp phê duyệt kết quả\tNgày khởi động\tHạn hoàn thành\tKinh phí dự kiến\n"
    "1\tChuyển đổi số\tXây dựng kho dữ liệu dùng chung\tVăn phòng Sở\tnguyen van an\t"
    "Giám đốc Sở\tTháng 3/2026\tQuý IV/2026\t1.200.000.000\n"
    "2\tCải cách hành chính\tRà soát thủ tục nội bộ\tVăn phòng Sở\tTrần Thị Hoa\t"
    "Chủ tịch UBND tỉnh\t\tTháng 12/2026\t\n"
)


def test_person_authority_group_start_and_unmapped_columns_land_on_the_task(department):
    from tests.factories import UserFactory

    an = UserFactory(full_name="Nguyễn Văn An")
    UserFactory(full_name="Trần Thị Hoa")
    UserFactory(full_name="Trần Thị Hoa")  # two people of that name: left for a person
    director = UserFactory(full_name="Lê Minh Quang", title="Giám đốc Sở")
    understanding = understand(
        read_text(RO_TABLE), plan_reference=date(2026, 1, 5), issuing_unit=None
    )
    first, second = understanding.rows
    assert first.person_id == an.pk
    assert second.person_id is None
    assert any("nhiều người tên “Trần Thị Hoa”" in w for w in second.warnings)

    save_rows(plan=department, understanding=understanding, today=date(2026, 1, 5))

    task = Task.objects.get(plan=department, order_label="1")
    assert task.assignee == an
    assert task.assignee_as_written == "nguyen van an"
    assert task.authority_body == "Giám đốc Sở"
    assert task.authority_user != director  # a title is not a name: kept as written
    assert task.section == "Chuyển đổi số"
    assert task.start_date == date(2026, 3, 1)
    assert task.original_due_date == date(2026, 12, 31)
    assert "Kinh phí dự kiến: 1.200.000.000" in task.notes
    assert "Tháng 3/2026" in task.notes
    other = Task.objects.get(plan=department, order_label="2")
    assert other.assignee is None
    assert other.assignee_as_written == "Trần Thị Hoa"
    assert other.authority_body == "Chủ tịch UBND tỉnh"
    assert other.section == "Cải cách hành chính"


def test_an_authority_naming_a_user_is_that_user(department):
    from tests.factories import UserFactory

    deputy = UserFactory(full_name="Lê Hùng")
    text = (
        "STT\tNội dung\tChủ trì\tLãnh đạo chỉ đạo\tThời hạn\n"
        "1\tViệc A\tVăn phòng Sở\tPGĐ Lê Hùng\tNăm 2026\n"
    )
    understanding = understand(read_text(text), plan_reference=date(2026, 1, 5), issuing_unit=None)

    save_rows(plan=department, understanding=understanding, today=date(2026, 1, 5))

    task = Task.objects.get(plan=department)
    assert task.authority_user == deputy
    assert task.authority_body == "PGĐ Lê Hùng"


def test_a_period_column_is_the_deadline_when_the_table_has_no_deadline_column(department):
    text = "STT\tNội dung\tChủ trì\tThời gian thực hiện\n1\tViệc A\tVăn phòng Sở\t2026-2027\n"
    (row,) = understand(
        read_text(text), plan_reference=date(2026, 1, 5), issuing_unit=None
    ).rows

    assert row.deadline.due == date(2027, 12, 31)
    assert row.deadline.start == date(2026, 1, 1)


@pytest.mark.parametrize(
    ("written", "label"),
    [
        ("Hằng tháng trước ngày 25", "Hằng tháng (ngày 24 hằng tháng) từ năm 2026"),
        ("Hằng tháng", "Hằng tháng (ngày cuối tháng) từ năm 2026"),
    ],
)
def test_a_monthly_schedule_is_shown_without_a_day_that_does_not_exist(department, written, label):
    text = HEADER + f"1\tBáo cáo tiến độ\tVăn phòng Sở\t\tBáo cáo\t{written}\n"
    (row,) = understand(read_text(text), plan_reference=date(2026, 1, 5), issuing_unit=None).rows

    assert row.recurrence_label == label
    assert "29/02" not in row.recurrence_label


def test_the_specialised_divisions_fan_out_to_the_phong_only_and_none_coordinates_itself(
    department,
):
    text = HEADER + "1\tRà soát quy trình\tCác phòng chuyên môn\tVăn phòng Sở, Phòng Chuyển đổi số"
    text += "\tBáo cáo\tQuý IV/2026\n"
    understanding = understand(
        read_text(text), plan_reference=date(2026, 6, 1), issuing_unit=department.issuing_unit
    )
    (row,) = understanding.rows
    names = dict(Unit.objects.values_list("pk", "name"))

    assert sorted(names[pk] for pk in row.lead_ids) == sorted(
        u.name
        for u in Unit.objects.filter(parent=department.issuing_unit, kind="division")
        if u.name.startswith("Phòng")
    )
    save_rows(plan=department, understanding=understanding, today=date(2026, 6, 1))

    for task in Task.objects.filter(plan=department, parent__isnull=False):
        assert task.lead_unit_id not in set(task.coordinating_units.values_list("pk", flat=True))
    assert not Task.objects.filter(lead_unit__name__startswith="Văn phòng").exists()
    assert not Task.objects.filter(lead_unit__kind="centre").exists()


def test_thanh_tra_so_is_not_taken_for_the_city_inspectorate(department):
    text = HEADER + "1\tThanh tra công vụ\tThanh tra Sở\t\tBáo cáo\tNăm 2026\n"
    Unit.objects.create(name="Thanh tra thành phố", kind="department")
    (row,) = understand(
        read_text(text), plan_reference=date(2026, 6, 1), issuing_unit=None
    ).rows

    assert row.lead_ids == []
    assert any("khác cấp" in warning for warning in row.warnings)


def test_a_number_written_twice_is_two_tasks_flagged_and_re_imported_in_place(department):
    text = (
        HEADER
        + "1\tViệc thứ nhất\tVăn phòng Sở\t\tBáo cáo\tQuý III/2026\n"
        + "1\tViệc thứ hai\tVăn phòng Sở\t\tBáo cáo\tQuý IV/2026\n"
    )
    understanding = understand(read_text(text), plan_reference=date(2026, 6, 1), issuing_unit=None)
    assert all(any("lặp lại" in w for w in row.warnings) for row in understanding.rows)
    save_rows(plan=department, understanding=understanding, today=date(2026, 6, 1))

    again = understand(
        read_text(text.replace("Quý IV/2026", "Tháng 11/2026")),
        plan_reference=date(2026, 6, 1),
        issuing_unit=None,
    )
    result = save_rows(plan=department, understanding=again, today=date(2026, 6, 1))

    assert (result.created, result.updated, result.unchanged) == (0, 1, 1)
    assert list(department.tasks.values_list("content", "deadline_text")) == [
        ("Việc thứ nhất", "Quý III/2026"), ("Việc thứ hai", "Tháng 11/2026"),
    ]
