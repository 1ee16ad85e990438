"""The early-warning rules at their boundaries, with "now" passed in."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest
import time_machine
from django.utils import timezone

from accounts.models import Role
from demo.loader import load_demo
from plans.deadlines import DeadlineKind, Frequency, Recurrence
from tasks.early_warnings import Audience, Finding, Item, assess, create_alerts, recipients
from tasks.models import Alert, AlertState, Occurrence, Task, WarningRule, WarningSettings
from tasks.punctuality import Punctuality, Status, punctuality
from tasks.services import ensure_occurrences, record_progress
from tests.factories import TaskFactory, UnitFactory, UserFactory

DUE = date(2026, 12, 31)
R = WarningRule


def morning(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(7, 0)))


def item(today: date, **fields) -> Item:
    """A task as the scan sees it, its punctuality from the one rule."""
    values = {
        "task_id": 1,
        "occurrence_id": None,
        "status": Status.IN_PROGRESS,
        "due_date": DUE,
        "start": date(2026, 1, 1),
        "percent": 90,
        "last_update": today,
        **fields,
    }
    values["punctuality"] = punctuality(
        status=values["status"],
        due_date=values["due_date"],
        completed_on=None,
        today=today,
        due_soon_days=7,
    )
    return Item(**values)


def rules_of(today: date, rules: WarningSettings | None = None, **fields) -> list[tuple]:
    found = assess(item(today, **fields), today=today, rules=rules or WarningSettings())
    return [(f.rule, f.threshold) for f in found]


# --- due soon -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("days_before", "expected"),
    [
        (8, []),
        (7, [(R.DUE_SOON, 7)]),
        (6, [(R.DUE_SOON, 7)]),
        (4, [(R.DUE_SOON, 7)]),
        (3, [(R.DUE_SOON, 3)]),
        (2, [(R.DUE_SOON, 3)]),
        (1, [(R.DUE_SOON, 1)]),
        (0, [(R.DUE_SOON, 1)]),
        (-1, [(R.OVERDUE, 1)]),
    ],
)
def test_it_warns_at_seven_three_and_one_days_before_the_due_date(days_before, expected):
    assert rules_of(DUE - timedelta(days=days_before)) == expected


def test_it_counts_working_days_when_asked():
    rules = WarningSettings(due_soon_days="1", working_days=True)
    due = date(2026, 9, 7)  # a Monday; Wednesday 2/9 is National Day
    friday = date(2026, 9, 4)
    assert rules_of(friday, rules, due_date=due) == [(R.DUE_SOON, 1)]
    # In calendar days Friday is 3 days before: not yet.
    assert rules_of(friday, WarningSettings(due_soon_days="1"), due_date=due) == []
    # Tuesday 1/9 → Monday 7/9: 2/9 is a holiday, so 3 working days (3, 4, 7), not 4.
    rules = WarningSettings(due_soon_days="3", working_days=True)
    assert rules_of(date(2026, 9, 1), rules, due_date=due) == [(R.DUE_SOON, 3)]


def test_a_paused_or_done_task_gets_no_warning():
    today = DUE + timedelta(days=3)
    assert rules_of(today, status=Status.PAUSED) == []
    assert (
        assess(
            Item(1, None, Punctuality.DONE_ON_TIME, Status.DONE, DUE, date(2026, 1, 1), 100, DUE),
            today=today,
            rules=WarningSettings(),
        )
        == []
    )


# --- overdue with escalation ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("days_late", "step"),
    [(1, 1), (7, 1), (8, 2), (14, 2), (15, 3), (60, 3)],
)
def test_it_escalates_an_overdue_task_every_seven_days_up_to_three_steps(days_late, step):
    assert rules_of(DUE + timedelta(days=days_late)) == [(R.OVERDUE, step)]


def test_escalation_goes_assignee_then_unit_head_then_leader_and_office():
    audience = Audience(heads={10: [20]}, leaders={10: [30]}, office=[40, 41])
    overdue = item(DUE + timedelta(days=1), lead_unit_id=10, assignee_id=50, authority_id=31)

    def step(n: int) -> list[int]:
        return recipients(overdue, Finding(R.OVERDUE, n, DUE), audience)

    assert step(1) == [50]
    assert step(2) == [50, 20]
    assert step(3) == [50, 20, 31, 30, 40, 41]


def test_an_unassigned_task_warns_the_unit_head_first():
    audience = Audience(heads={10: [20]}, leaders={}, office=[40])
    unassigned = item(DUE + timedelta(days=1), lead_unit_id=10)
    assert recipients(unassigned, Finding(R.OVERDUE, 1, DUE), audience) == [20]
    assert recipients(unassigned, Finding(R.DUE_SOON, 7, DUE), audience) == [20]


# --- at risk, no update, reports -----------------------------------------------------------------


def test_it_flags_a_task_whose_progress_is_far_behind_the_time_elapsed():
    start, due = date(2026, 1, 1), date(2026, 1, 11)  # 10 days
    risky = {"start": start, "due_date": due}
    # Day 5: half the time gone; 19% done is more than 30 points behind, 20% is not.
    assert (R.AT_RISK, 0) in rules_of(date(2026, 1, 6), percent=19, **risky)
    assert (R.AT_RISK, 0) not in rules_of(date(2026, 1, 6), percent=20, **risky)
    # Day 4: under half the time gone: too early to say, even at 0%.
    assert (R.AT_RISK, 0) not in rules_of(date(2026, 1, 5), percent=0, **risky)
    # Not for reports nor continuous tasks.
    assert (R.AT_RISK, 0) not in rules_of(date(2026, 1, 9), percent=0, is_report=True, **risky)


@pytest.mark.parametrize(("quiet", "warned"), [(13, False), (14, True), (15, True)])
def test_it_warns_when_a_task_in_progress_has_no_update_for_fourteen_days(quiet, warned):
    today = date(2026, 11, 23)
    found = rules_of(today, last_update=today - timedelta(days=quiet), due_date=None)
    assert ((R.NO_UPDATE, 14) in found) is warned


def test_no_update_applies_to_continuous_tasks_even_not_started_but_not_to_others():
    today, silent = date(2026, 11, 23), date(2026, 10, 1)
    waiting = {"status": Status.NOT_STARTED, "last_update": silent, "due_date": None}
    assert rules_of(today, **waiting) == []
    assert rules_of(today, continuous=True, **waiting) == [(R.NO_UPDATE, 14)]


@pytest.mark.parametrize(("days_before", "warned"), [(6, False), (5, True), (0, True)])
def test_a_periodic_report_is_warned_within_the_lead_days_instead_of_the_ladder(
    days_before, warned
):
    found = rules_of(DUE - timedelta(days=days_before), is_report=True, occurrence_id=9)
    assert found == ([(R.REPORT_DUE, 5)] if warned else [])


# --- the scan, on the database -------------------------------------------------------------------


@pytest.mark.django_db
def test_a_task_finished_on_its_due_date_is_never_overdue():
    task = TaskFactory(
        due_date=DUE,
        status=Status.IN_PROGRESS,
        percent=90,
        last_update_at=morning(DUE - timedelta(days=5)),
    )
    assignee = UserFactory(unit=task.lead_unit)
    task.assignee = assignee
    task.save()
    assert [f.finding.rule for f in create_alerts(now=morning(DUE - timedelta(days=1)))] == [
        R.DUE_SOON
    ]
    record_progress(task=task, by=assignee, percent=100, status=Status.DONE, at=morning(DUE))
    assert create_alerts(now=morning(DUE + timedelta(days=1))) == []
    assert Alert.objects.get().state == AlertState.RESOLVED


@pytest.mark.django_db
def test_each_period_of_a_recurring_task_is_warned_like_a_task():
    unit = UnitFactory()
    head = UserFactory(unit=unit, role=Role.UNIT_HEAD)
    task = TaskFactory(
        lead_unit=unit,
        deadline_text="Hằng tháng, trước ngày 25",
        deadline_kind=DeadlineKind.RECURRING,
        due_date=None,
        product="Báo cáo tháng",
        recurrence=Recurrence(
            Frequency.MONTHLY, tuple((m, 24) for m in range(1, 13)), 2026
        ).to_json(),
    )
    ensure_occurrences(task, until=date(2026, 11, 20))
    # Every month before November was reported on time.
    task.occurrences.filter(due_date__lt=date(2026, 11, 1)).update(
        status=Status.DONE, percent=100, completed_on=date(2026, 10, 20)
    )
    november = task.occurrences.get(due_date=date(2026, 11, 24))
    assert create_alerts(now=morning(date(2026, 11, 18))) == []  # 6 days before: not yet
    found = create_alerts(now=morning(date(2026, 11, 19)))
    assert [(f.finding.rule, f.item.occurrence_id, f.recipient_ids) for f in found] == [
        (R.REPORT_DUE, november.pk, [head.pk])
    ]
    assert create_alerts(now=morning(date(2026, 11, 20))) == []
    found = create_alerts(now=morning(date(2026, 11, 25)))
    assert [(f.finding.rule, f.finding.threshold, f.item.occurrence_id) for f in found] == [
        (R.OVERDUE, 1, november.pk)
    ]
    # Sent in on the 26th: the period's warnings are resolved, the task's other periods go on.
    record_progress(
        task=task,
        occurrence=november,
        by=head,
        percent=100,
        status=Status.DONE,
        delay_reason="Chờ số liệu",
        at=morning(date(2026, 11, 26)),
    )
    assert set(Alert.objects.filter(occurrence=november).values_list("state", flat=True)) == {
        AlertState.RESOLVED
    }


@pytest.mark.django_db
def test_an_approved_extension_warns_again_for_the_new_date():
    task = TaskFactory(due_date=DUE, assignee=UserFactory(), percent=90)
    create_alerts(now=morning(DUE - timedelta(days=7)))
    task.due_date = DUE + timedelta(days=30)
    task.save()
    create_alerts(now=morning(task.due_date - timedelta(days=7)))
    states = dict(Alert.objects.values_list("reference_date", "state"))
    assert states == {DUE: AlertState.RESOLVED, task.due_date: AlertState.SENT}


# --- the demo, as a Văn phòng clerk reads it -----------------------------------------------------


@pytest.mark.django_db
def test_the_demo_scan_on_monday_23_november_gives_the_expected_warnings():
    # The demo is loaded on Sunday 22/11 (its tasks are created that day, which is when a task
    # with no update starts to count as quiet), and scanned the next morning.
    with time_machine.travel(morning(date(2026, 11, 22)), tick=False):
        load_demo(today=date(2026, 11, 22))
    found = create_alerts(now=morning(date(2026, 11, 23)))
    counts: dict[str, int] = {}
    for f in found:
        counts[f.finding.rule] = counts.get(f.finding.rule, 0) + 1
    # Due soon: the emulation registration (30/11) and Văn phòng's November warning list; the
    # weekly report of week 48 (due Friday 27/11) is owed; 52 periods and tasks are well behind
    # the calendar (the yearly cuts of 001 and the registered tasks at under a third done).
    assert (counts[R.DUE_SOON], counts[R.REPORT_DUE], counts[R.AT_RISK]) == (2, 1, 52)
    # Every task the task list shows as overdue, once, all long late (step 3). (How many depends
    # on the demo's simulated progress, which is drawn from unit ids: SQLite 13, PostgreSQL more.)
    today = date(2026, 11, 23)
    overdue = (
        Task.objects.tracked()
        .filter(occurrences__isnull=True)
        .with_punctuality(today)
        .filter(punctuality=Punctuality.OVERDUE)
        .count()
        + Occurrence.objects.filter(task__fans_out=False)
        .with_punctuality(today)
        .filter(punctuality=Punctuality.OVERDUE)
        .count()
    )
    assert counts[R.OVERDUE] == overdue >= 13
    assert {f.finding.threshold for f in found if f.finding.rule == R.OVERDUE} == {3}
    # No update since 09/11 or earlier, on work in progress.
    quiet = [f for f in found if f.finding.rule == R.NO_UPDATE]
    assert len(quiet) >= 60
    assert all(f.item.last_update <= date(2026, 11, 9) for f in quiet)
    # A second scan the same morning finds nothing new.
    assert create_alerts(now=morning(date(2026, 11, 23)) + timedelta(minutes=15)) == []
