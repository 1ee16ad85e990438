"""What the cut-off means (DOMAIN.md): which tasks a report holds, and in what state."""

from __future__ import annotations

import json
from datetime import date, datetime, time
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from plans.deadlines import DeadlineKind, Frequency, Recurrence
from reporting.data import Group, build_for
from reporting.narrative import Document, organisation_defaults
from reporting.pdf import render_html
from tasks.models import ChangeState, DeadlineChange, Task
from tasks.punctuality import Status
from tasks.services import (
    decide_deadline_change,
    ensure_occurrences,
    record_progress,
    request_deadline_change,
)
from tests.factories import PlanFactory, TaskFactory, UnitFactory, UserFactory


def _at(day: date, hour: int = 10) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour)))


def _groups(data) -> dict[str, set[int]]:
    return {g: {r.task_id for r in data.tasks if r.group == g} for g in Group.values}


@pytest.fixture
def unit(db):
    return UnitFactory(name="Phòng Một")


def test_a_task_due_after_the_annual_cut_off_is_in_that_year_report_as_not_yet_due(unit):
    late_december = TaskFactory(lead_unit=unit, due_date=date(2026, 12, 20))
    november = TaskFactory(lead_unit=unit, due_date=date(2026, 11, 20))
    data = build_for(kind="annual", code="2026", today=date(2027, 1, 5))
    groups = _groups(data)
    assert late_december.pk in groups[Group.NOT_YET_DUE]
    assert november.pk in groups[Group.DUE]
    assert data.figures.total == 1  # only what fell due inside the window is counted
    # …and it is counted in the next window (15/12/2026–14/01/2027).
    january = build_for(kind="monthly", code="2027-01", today=date(2027, 1, 20))
    assert late_december.pk in _groups(january)[Group.DUE]


def test_a_third_quarter_task_is_in_the_third_quarter_report(unit):
    task = TaskFactory(lead_unit=unit, due_date=date(2026, 9, 30), deadline_text="Quý III/2026")
    q3 = build_for(kind="quarterly", code="2026-Q3", today=date(2026, 10, 1))
    assert task.pk in _groups(q3)[Group.NOT_YET_DUE]
    row = next(r for r in q3.tasks if r.task_id == task.pk)
    assert row.punctuality == "not_started" and not row.is_late
    october = build_for(kind="monthly", code="2026-10", today=date(2026, 11, 1))
    assert task.pk in _groups(october)[Group.DUE]


def test_a_task_still_overdue_from_an_earlier_window_is_listed_not_counted(unit):
    old = TaskFactory(lead_unit=unit, due_date=date(2026, 3, 1))
    done = TaskFactory(lead_unit=unit, due_date=date(2026, 3, 1))
    record_progress(
        task=done,
        by=UserFactory(unit=unit),
        percent=100,
        status=Status.DONE,
        delay_reason="Chờ ý kiến.",
        at=_at(date(2026, 4, 1)),
    )
    data = build_for(kind="quarterly", code="2026-Q3", today=date(2026, 10, 1))
    assert _groups(data)[Group.OVERDUE_BEFORE] == {old.pk}
    assert data.figures.total == 0
    assert [row.task_id for row in data.late_tasks] == [old.pk]


def test_a_continuous_task_is_listed_with_its_current_period(unit):
    task = TaskFactory(
        plan=PlanFactory(issued_on=date(2026, 1, 2)),
        lead_unit=unit,
        deadline_text="Thường xuyên",
        deadline_kind=DeadlineKind.CONTINUOUS,
        due_date=None,
        start_date=date(2026, 1, 1),
    )
    ensure_occurrences(task, until=date(2026, 11, 1))
    data = build_for(kind="monthly", code="2026-10", today=date(2026, 11, 1))
    groups = {r.group: r.occurrence_id for r in data.tasks if r.task_id == task.pk}
    current = task.occurrences.get(
        period_start__lte=date(2026, 10, 14), period_end__gte=date(2026, 10, 14)
    )
    assert groups[Group.CONTINUOUS] == current.pk
    # The first half-year's period, never reported done, is overdue from an earlier window.
    assert groups[Group.OVERDUE_BEFORE] == task.occurrences.get(period_end=date(2026, 6, 30)).pk


def test_a_report_built_later_says_what_the_data_said_at_the_cut_off(unit):
    author = UserFactory(unit=unit)
    task = TaskFactory(lead_unit=unit, due_date=date(2026, 6, 5))
    record_progress(
        task=task, by=author, percent=40, status=Status.IN_PROGRESS, at=_at(date(2026, 5, 20))
    )
    record_progress(
        task=task,
        by=author,
        percent=100,
        status=Status.DONE,
        delay_reason="Chờ ý kiến góp ý.",
        at=_at(date(2026, 6, 18)),  # after the H1 cut-off (14/06)
    )
    on_the_day = build_for(kind="semiannual", code="2026-H1", today=date(2026, 6, 14))
    later = build_for(kind="semiannual", code="2026-H1", today=date(2026, 11, 29))
    assert later.as_of == date(2026, 6, 14)
    (row,) = later.due_tasks
    assert (row.status, row.percent, row.completed_on) == (Status.IN_PROGRESS, 40, None)
    assert row.punctuality == "overdue"
    assert later.figures.done == 0 and later.figures.overdue == 1
    assert on_the_day.due_tasks[0].status == row.status
    # A back-dated build reads the data as they were on that day.
    early = build_for(kind="semiannual", code="2026-H1", today=date(2026, 6, 9))
    assert early.due_tasks[0].punctuality == "overdue"
    assert early.figures.done == 0


def test_a_deadline_extended_after_the_cut_off_is_judged_by_the_old_deadline(unit):
    leader, author = UserFactory(), UserFactory(unit=unit)
    task = TaskFactory(lead_unit=unit, due_date=date(2026, 6, 1))
    change = request_deadline_change(
        task=task,
        by=author,
        new_due_date=date(2026, 9, 1),
        reason="Chờ hướng dẫn.",
        at=_at(date(2026, 6, 20)),
    )
    decide_deadline_change(change=change, by=leader, approve=True, at=_at(date(2026, 6, 25)))
    h1 = build_for(kind="semiannual", code="2026-H1", today=date(2026, 11, 29))
    assert [r.due_date for r in h1.due_tasks] == [date(2026, 6, 1)]
    assert h1.changes == []
    q3 = build_for(kind="quarterly", code="2026-Q3", today=date(2026, 11, 29))
    assert [r.due_date for r in q3.due_tasks] == [date(2026, 9, 1)]
    (granted,) = q3.changes
    assert (granted.old_due_date, granted.new_due_date) == (date(2026, 6, 1), date(2026, 9, 1))
    assert granted.decided_on == date(2026, 6, 25)
    assert DeadlineChange.objects.get().state == ChangeState.APPROVED


def test_other_bodies_tasks_are_only_in_a_scope_that_asks_for_them(db, settings):
    city = UnitFactory(name="UBND thành phố")
    department = UnitFactory(name="Sở Khoa học và Công nghệ", parent=city)
    division = UnitFactory(name="Văn phòng Sở", parent=department)
    other = UnitFactory(name="Sở Nội vụ", parent=city)
    plan = PlanFactory(issuing_unit=city)
    ours = TaskFactory(plan=plan, lead_unit=division, due_date=date(2026, 6, 1))
    theirs = TaskFactory(plan=plan, lead_unit=other, due_date=date(2026, 6, 1))
    settings.REPORT_ISSUING_BODY = "Sở Khoa học và Công nghệ"
    department_report = build_for(kind="semiannual", code="2026-H1", today=date(2026, 6, 20))
    assert {r.task_id for r in department_report.tasks} == {ours.pk}
    plan_report = build_for(kind="semiannual", code="2026-H1", today=date(2026, 6, 20), plan=plan)
    assert {r.task_id for r in plan_report.tasks} == {ours.pk}
    wider = build_for(
        kind="semiannual", code="2026-H1", today=date(2026, 6, 20), plan=plan, other_bodies=True
    )
    assert {r.task_id for r in wider.tasks} == {ours.pk, theirs.pk}


def _half_yearly(plan_issued: date) -> Task:
    task = TaskFactory(
        plan=PlanFactory(issued_on=plan_issued),
        deadline_text="Định kỳ",
        deadline_kind=DeadlineKind.RECURRING,
        due_date=None,
        start_date=date(2026, 1, 1),
        recurrence=Recurrence(
            freq=Frequency.MONTHLY, dates=tuple((m, 28) for m in range(1, 13)), first_year=2026
        ).to_json(),
    )
    ensure_occurrences(task, until=date(2026, 7, 1))
    return task


def test_periods_before_the_plan_was_issued_are_neither_created_nor_counted(db):
    task = _half_yearly(date(2026, 6, 10))
    assert [o.due_date for o in task.occurrences.order_by("due_date")][0] == date(2026, 6, 28)
    # Created before this rule (or by another path): still not counted.
    task.occurrences.create(
        label="Tháng 2/2026",
        period_start=date(2026, 2, 1),
        period_end=date(2026, 2, 28),
        due_date=date(2026, 2, 28),
    )
    data = build_for(kind="semiannual", code="2026-H1", today=date(2026, 11, 29))
    assert all(row.due_date >= date(2026, 6, 10) for row in data.tasks)


def test_comparisons_only_against_a_period_with_data_and_no_empty_rate(unit, pdftotext=None):
    TaskFactory(lead_unit=unit, due_date=date(2026, 12, 20))  # not yet due at the cut-off
    data = build_for(kind="semiannual", code="2026-H2", today=date(2026, 12, 15))
    assert data.previous_figures.total == 0 and not data.has_previous
    assert data.late_change is None and data.rate_change is None
    document = Document(**organisation_defaults(), year=2026)
    page = render_html(data, document)
    assert "So với kỳ trước" not in page
    assert "Kỳ trước" not in page
    assert "–%" not in page
    assert "chưa tính tỷ lệ hoàn thành đúng hạn" in page


def test_a_unit_report_is_issued_by_the_unit_to_the_department(db, settings):
    department = UnitFactory(name="Sở Khoa học và Công nghệ")
    office = UnitFactory(name="Văn phòng Sở", parent=department)
    TaskFactory(lead_unit=office, due_date=date(2026, 6, 1))
    data = build_for(kind="semiannual", code="2026-H1", today=date(2026, 6, 20), unit=office)
    defaults = organisation_defaults(office)
    assert defaults["issuing_body"] == "Văn phòng Sở"
    assert defaults["superior_body"] == settings.REPORT_ISSUING_BODY
    assert defaults["symbol"] == "BC-VP"
    page = render_html(data, Document(**defaults, year=2026))
    assert "báo cáo kết quả thực hiện nhiệm vụ 6 tháng đầu năm 2026 của Văn phòng Sở./." in page
    assert "của Văn phòng Sở của" not in page


def test_a_draft_leaves_room_to_write_the_number_and_the_day(db):
    document = Document(**organisation_defaults(), year=2026)
    assert document.number_line == "Số:" + " " + "\u00a0" * 8 + "/BC-SKHCN"
    assert "ngày\u00a0\u00a0" in document.date_line
    assert document.date_line.endswith("năm 2026")


@pytest.mark.parametrize("count", [4, 40])
def test_the_number_of_queries_does_not_grow_with_the_tasks(unit, count):
    author = UserFactory(unit=unit)
    units = [unit, *(UnitFactory() for _ in range(count // 4))]
    for index in range(count):
        task = TaskFactory(
            lead_unit=units[index % len(units)], due_date=date(2026, 3, 1 + index % 20)
        )
        if index % 2:
            record_progress(
                task=task,
                by=author,
                percent=100,
                status=Status.DONE,
                delay_reason="Chờ.",
                difficulties=f"Khó khăn {index}",
                at=_at(date(2026, 4, 1)),
            )
    with CaptureQueriesContext(connection) as queries:
        data = build_for(kind="semiannual", code="2026-H1", today=date(2026, 11, 20))
    assert data.figures.total == count
    assert len(queries) <= 12


def test_build_report_finds_a_plan_by_id_or_slug_and_lists_plans_sharing_a_number(db, tmp_path):
    first = PlanFactory(number="/KH-SKHCN", slug="skhcn-kl226-2026")
    second = PlanFactory(number="/KH-SKHCN", slug="skhcn-500-ngay-dem")
    TaskFactory(plan=second, due_date=date(2026, 6, 1))
    output = tmp_path / "report.json"
    common = ["--kind=semiannual", "--period=2026-H1", "--format=json", f"--output={output}"]
    with pytest.raises(CommandError) as error:
        call_command("build_report", *common, "--plan=/KH-SKHCN", stdout=StringIO())
    assert f"{first.pk} (skhcn-kl226-2026)" in str(error.value)
    assert f"{second.pk} (skhcn-500-ngay-dem)" in str(error.value)
    for wanted in (str(second.pk), "skhcn-500-ngay-dem"):
        call_command(
            "build_report", *common, f"--plan={wanted}", "--today=2026-06-20", stdout=StringIO()
        )
        data = json.loads(output.read_text(encoding="utf-8"))
        assert data["scope"]["plan_id"] == second.pk
        assert data["window"] == {"start": "2025-12-15", "end": "2026-06-14"}
        assert len(data["groups"]["due"]["tasks"]) == 1
        assert data["figures"]["overdue"] == 1 and data["figures"]["on_time_rate"] == 0
