from __future__ import annotations

from datetime import date, datetime, time

from django.utils import timezone

from accounts.models import Role
from plans.deadlines import DeadlineKind, Frequency, Recurrence
from reporting.data import Group, ReportData, build_for, build_report_data, scope_for
from reporting.periods import parse_period
from tasks.models import Occurrence, Task
from tasks.punctuality import Status
from tasks.services import ensure_occurrences, record_progress
from tests.factories import PlanFactory, TaskFactory, UnitFactory, UserFactory
from tests.reporting.conftest import DEMO_TODAY

H1 = parse_period("semiannual", "2026-H1")


def _at(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(10)))


def test_it_lists_every_late_task_with_the_latest_reason_given_by_the_cut_off(demo):
    data = build_for(kind="annual", code="2026", today=DEMO_TODAY)
    listed = data.late_tasks
    assert len([r for r in listed if r.group == Group.DUE]) == (
        data.figures.overdue + data.figures.done_late
    )
    for row in listed:
        target = Occurrence.objects.get(pk=row.occurrence_id) if row.occurrence_id else None
        updates = (target or Task.objects.get(pk=row.task_id)).updates.exclude(delay_reason="")
        if target is None:
            updates = updates.filter(occurrence=None)
        latest = updates.order_by("-created_at", "-pk").first()
        assert row.reason == (latest.delay_reason if latest else "")
    assert any(row.reason for row in listed)


def test_it_counts_the_periods_of_a_recurring_task_not_the_task(db):
    unit = UnitFactory()
    task = TaskFactory(
        plan=PlanFactory(issued_on=date(2026, 1, 5)),
        lead_unit=unit,
        deadline_text="Hằng quý",
        deadline_kind=DeadlineKind.RECURRING,
        due_date=None,
        start_date=date(2026, 1, 1),
        recurrence=Recurrence(
            freq=Frequency.QUARTERLY,
            dates=((3, 31), (6, 30), (9, 30), (12, 31)),
            first_year=2026,
        ).to_json(),
    )
    ensure_occurrences(task, until=date(2026, 12, 31))
    data = build_report_data(
        period=parse_period("semiannual", "2026-H1", cutoff=False),
        scope=scope_for(),
        today=date(2026, 7, 20),
    )
    assert [row.period_label for row in data.tasks] == [
        o.label for o in task.occurrences.filter(due_date__lte=date(2026, 6, 30))
    ]
    assert data.figures.total == 2
    assert data.figures.overdue == 2


def test_a_unit_report_covers_its_sub_units_and_nothing_else(db):
    parent = UnitFactory(name="Sở Thử nghiệm")
    child = UnitFactory(name="Phòng con", parent=parent)
    other = UnitFactory(name="Sở khác")
    due = date(2026, 6, 1)
    mine = [TaskFactory(lead_unit=parent, due_date=due), TaskFactory(lead_unit=child, due_date=due)]
    TaskFactory(lead_unit=other, due_date=due)
    data = build_report_data(period=H1, scope=scope_for(unit=parent), today=date(2026, 6, 20))
    assert {row.task_id for row in data.tasks} == {t.pk for t in mine}
    assert data.title == "Kết quả thực hiện nhiệm vụ 6 tháng đầu năm 2026 của Sở Thử nghiệm"


def test_a_leader_report_covers_the_units_in_their_charge(db):
    led, other = UnitFactory(), UnitFactory()
    leader = UserFactory(role=Role.LEADERSHIP, title="Phó Giám đốc")
    leader.units_in_charge.set([led])
    task = TaskFactory(lead_unit=led, due_date=date(2026, 6, 1))
    TaskFactory(lead_unit=other, due_date=date(2026, 6, 1))
    data = build_report_data(period=H1, scope=scope_for(leader=leader), today=date(2026, 6, 20))
    assert [row.task_id for row in data.tasks] == [task.pk]


def test_a_plan_report_covers_that_plan(db):
    plan = PlanFactory()
    task = TaskFactory(plan=plan, due_date=date(2026, 6, 1))
    TaskFactory(due_date=date(2026, 6, 1))
    data = build_report_data(period=H1, scope=scope_for(plan=plan), today=date(2026, 6, 20))
    assert [row.task_id for row in data.tasks] == [task.pk]


def test_it_collects_difficulties_and_proposals_written_in_the_period_once_each(db):
    unit = UnitFactory(name="Phòng Một")
    author = UserFactory(unit=unit)
    for task in TaskFactory.create_batch(2, lead_unit=unit, due_date=date(2026, 6, 30)):
        record_progress(
            task=task,
            by=author,
            percent=50,
            status=Status.IN_PROGRESS,
            difficulties="Kinh phí chưa được bố trí.",
            proposals="Đề nghị bổ sung kinh phí.",
            at=_at(date(2026, 5, 2)),
        )
    data = build_report_data(period=H1, scope=scope_for(), today=date(2026, 6, 20))
    assert [(r.text, r.units) for r in data.difficulties] == [
        ("Kinh phí chưa được bố trí.", ["Phòng Một"])
    ]
    assert [r.text for r in data.proposals] == ["Đề nghị bổ sung kinh phí."]


def test_it_compares_with_the_previous_period(db):
    unit = UnitFactory()
    author = UserFactory(unit=unit)
    before = TaskFactory(lead_unit=unit, due_date=date(2025, 10, 1))
    record_progress(
        task=before, by=author, percent=100, status=Status.DONE, at=_at(date(2025, 9, 1))
    )
    TaskFactory(lead_unit=unit, due_date=date(2026, 3, 1))  # overdue by June
    period = parse_period("semiannual", "2026-H1")
    data = build_for(kind="semiannual", code="2026-H1", today=date(2026, 6, 20))
    assert data.previous.code == "2025-H2"
    assert data.previous_figures.done_early == 1
    assert data.rate_change == -100.0
    assert data.late_change == 1
    assert data.period == period


def test_the_snapshot_reads_back_as_the_same_data(demo):
    data = build_for(kind="annual", code="2026", today=DEMO_TODAY)
    again = ReportData.from_json(data.to_json())
    assert again == data


def test_units_of_the_same_name_are_told_apart_by_their_parent(db):
    for commune in ("UBND xã An Phước", "UBND xã Long Phước"):
        division = UnitFactory(name="Phòng Văn hóa - Xã hội", parent=UnitFactory(name=commune))
        TaskFactory(lead_unit=division, due_date=date(2026, 6, 1))
    data = build_report_data(period=H1, scope=scope_for(), today=date(2026, 6, 20))
    assert sorted(u.name for u in data.units) == [
        "Phòng Văn hóa - Xã hội (UBND xã An Phước)",
        "Phòng Văn hóa - Xã hội (UBND xã Long Phước)",
    ]
