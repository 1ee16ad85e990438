"""Early warnings of the sub-tasks of a break-down: their assignee and their unit's heads are
warned like for any task; the leader in charge, Văn phòng and the weekly digest hear of the
parent only."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import Role
from tasks import breakdown
from tasks.alerts import build_digest, describe
from tasks.breakdown import Part
from tasks.early_warnings import Audience, Finding, create_alerts, recipients
from tasks.models import Alert, Notification, WarningRule
from tests.factories import TaskFactory, UnitFactory, UserFactory
from tests.tasks.test_early_warnings import DUE, item

R = WarningRule
pytestmark = pytest.mark.django_db


def morning(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(7, 0)))


def test_a_sub_task_escalates_to_its_unit_heads_and_stops_there():
    audience = Audience(heads={10: [20, 21]}, leaders={10: [30]}, office=[40])
    sub = item(
        DUE + timedelta(days=30), lead_unit_id=10, assignee_id=50, authority_id=20, is_subtask=True
    )

    def step(n: int) -> list[int]:
        return recipients(sub, Finding(R.OVERDUE, n, DUE), audience)

    assert step(1) == [50]
    assert step(2) == step(3) == [50, 20, 21]
    assert recipients(sub, Finding(R.DUE_SOON, 3, DUE), audience) == [50]
    assert recipients(sub, Finding(R.AT_RISK, 0, DUE), audience) == [50, 20, 21]
    unassigned = item(DUE, lead_unit_id=10, is_subtask=True)
    assert recipients(unassigned, Finding(R.DUE_SOON, 1, DUE), audience) == [20, 21]


@pytest.fixture
def people():
    unit = UnitFactory(name="Phòng Quản lý Khoa học")
    head = UserFactory(role=Role.UNIT_HEAD, unit=unit, email="truongphong@example.com")
    staff = [UserFactory(unit=unit, email=f"cv{n}@example.com") for n in (1, 2)]
    leader = UserFactory(role=Role.LEADERSHIP, email="pgd@example.com")
    leader.units_in_charge.add(unit)
    office = UserFactory(role=Role.OFFICE, unit=UnitFactory(), email="vp@example.com")
    return unit, head, staff, leader, office


def _split(*, unit, head, staff, parent_due, dues):
    task = TaskFactory(lead_unit=unit, due_date=parent_due, assignee=head)
    with time_machine.travel(morning(parent_due - timedelta(days=60)), tick=False):
        subs = breakdown.break_down(
            task=task,
            by=head,
            parts=[
                Part(content=f"Phần việc {n}", assignee=staff[n % 2], due_date=due)
                for n, due in enumerate(dues)
            ],
        )
    return task, subs


def _told(alert: Alert) -> set[int]:
    return set(Notification.objects.filter(alert=alert).values_list("recipient_id", flat=True))


def test_an_overdue_sub_task_warns_its_assignee_and_unit_head_not_the_leader_nor_the_office(
    people,
):
    unit, head, staff, leader, office = people
    task, (soon, late) = _split(
        unit=unit, head=head, staff=staff, parent_due=DUE, dues=[DUE, DUE - timedelta(days=20)]
    )
    today = DUE - timedelta(days=3)
    create_alerts(now=morning(today))
    due_soon = Alert.objects.get(task=soon, rule=R.DUE_SOON)
    assert (due_soon.threshold, _told(due_soon)) == (3, {staff[0].pk})
    # 18 days late: step 3, which for a department task reaches the leader and Văn phòng.
    overdue = Alert.objects.get(task=late, rule=R.OVERDUE)
    assert overdue.threshold == 3
    assert _told(overdue) == {staff[1].pk, head.pk}
    assert "Trưởng đơn vị" in describe(overdue, today=today)
    assert "Văn phòng" not in describe(overdue, today=today)
    # The parent itself is due soon: it warns as before, and is the one the leader will hear of.
    assert Alert.objects.get(task=task, rule=R.DUE_SOON).threshold == 3
    create_alerts(now=morning(DUE + timedelta(days=15)))
    parent_overdue = Alert.objects.get(task=task, rule=R.OVERDUE)
    assert {leader.pk, office.pk} <= _told(parent_overdue)
    assert not Notification.objects.filter(
        alert__task__is_breakdown=True, recipient__in=[leader, office]
    ).exists()


def test_the_weekly_digest_counts_the_parent_once(people):
    unit, head, staff, leader, office = people
    dues = [DUE - timedelta(days=5), DUE - timedelta(days=1)]
    task, subs = _split(unit=unit, head=head, staff=staff, parent_due=DUE, dues=dues)
    today = DUE + timedelta(days=2)
    create_alerts(now=morning(today))
    assert Alert.objects.filter(task__in=subs, rule=R.OVERDUE).count() == 2
    units = build_digest(today=today)
    assert [(u.unit, [r.task_id for r in u.rows]) for u in units] == [(unit.name, [task.pk])]
    assert units[0].late_count == 1


def test_a_done_sub_task_gets_no_warning_and_settles_its_own(people):
    unit, head, staff, _leader, _office = people
    _task, (sub,) = _split(unit=unit, head=head, staff=staff, parent_due=DUE, dues=[DUE])
    create_alerts(now=morning(DUE + timedelta(days=1)))
    assert Alert.objects.filter(task=sub, rule=R.OVERDUE).exists()
    sub.status, sub.percent, sub.completed_on = "done", 100, DUE + timedelta(days=2)
    sub.save()
    create_alerts(now=morning(DUE + timedelta(days=3)))
    assert set(Alert.objects.filter(task=sub).values_list("state", flat=True)) == {"resolved"}


def test_the_scan_reads_sub_tasks_in_the_same_queries_whatever_their_number(people):
    unit, head, staff, _leader, _office = people
    _split(unit=unit, head=head, staff=staff, parent_due=DUE, dues=[DUE])
    with CaptureQueriesContext(connection) as few:
        create_alerts(now=morning(DUE + timedelta(days=1)))
    _split(unit=unit, head=head, staff=staff, parent_due=DUE, dues=[DUE] * 15)
    with CaptureQueriesContext(connection) as many:
        create_alerts(now=morning(DUE + timedelta(days=1)) + timedelta(minutes=15))
    # (The first scan also reads the settings; the second has 16 sub-tasks, not 1.)
    assert len(many) <= len(few)


def test_a_unit_plans_copy_of_a_task_does_not_warn_twice(people):
    from tasks.unit_plans import plan_for_unit

    unit, head, staff, _leader, _office = people
    task = TaskFactory(lead_unit=unit, due_date=DUE, assignee=staff[0])
    unassigned = TaskFactory(plan=task.plan, lead_unit=unit, due_date=DUE)
    with time_machine.travel(morning(DUE - timedelta(days=60)), tick=False):
        (plan,) = plan_for_unit(unit=unit, by=head, tasks=[task, unassigned]).plans
    copy = plan.tasks.get(parent=task)
    create_alerts(now=morning(DUE - timedelta(days=3)))
    warned = set(Alert.objects.values_list("task_id", flat=True))
    assert warned == {task.pk, unassigned.pk}
    # Once the copy has a deadline of its own, it is warned on it.
    copy.due_date = DUE - timedelta(days=10)
    copy.save()
    create_alerts(now=morning(DUE - timedelta(days=3)) + timedelta(minutes=15))
    assert Alert.objects.get(task=copy).rule == R.OVERDUE
