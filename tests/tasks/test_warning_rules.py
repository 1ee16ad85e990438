"""The early-warning rules in the database (`new_warnings`, what a scan reads) against the same
rules in Python (`assess`): on a spread of tasks and periods, days and settings, the scan reads
exactly the items `assess` finds a warning for that is not stored yet, and sees each item as
the Python rule does (its start and its last update in local days)."""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta

import pytest
import time_machine
from django.utils import timezone

from plans.deadlines import DeadlineKind
from tasks.early_warnings import create_alerts, open_items
from tasks.models import Alert, Occurrence, Task, WarningSettings
from tasks.punctuality import Status, punctuality
from tasks.warning_rules import Item, assess, horizon_days
from tests.factories import PlanFactory, TaskFactory, UnitFactory

pytestmark = pytest.mark.django_db

TODAY = date(2026, 8, 27)  # a week before National Day (2/9), for the working-day counts
OPEN = [Status.NOT_STARTED, Status.IN_PROGRESS]


def local(day: date, at: time = time(0, 30)) -> datetime:
    """A moment early in the local day: the day before in UTC, so time zones matter."""
    return timezone.make_aware(datetime.combine(day, at))


def _spread(seed: int = 7) -> None:
    """Tasks and periods around TODAY: every kind of start, due date, progress and silence."""
    rng = random.Random(seed)
    plan, unit = PlanFactory(), UnitFactory()
    offsets = [-40, -22, -16, -15, -9, -8, -2, -1, 0, 1, 2, 3, 4, 5, 6, 7, 8, 12, 30]
    with time_machine.travel(local(TODAY - timedelta(days=30)), tick=False):
        for _ in range(150):
            due = rng.choice([None, *offsets])
            TaskFactory(
                plan=plan,
                lead_unit=unit,
                status=rng.choice(OPEN),
                deadline_kind=rng.choice([DeadlineKind.DATE, DeadlineKind.CONTINUOUS]),
                due_date=None if due is None else TODAY + timedelta(days=due),
                start_date=rng.choice([None, TODAY - timedelta(days=rng.choice([40, 20, 5]))]),
                percent=rng.choice([0, 10, 20, 45, 70, 100]),
                last_update_at=rng.choice(
                    [None, *(local(TODAY + timedelta(days=d)) for d in offsets if d <= 0)]
                ),
            )
        for kind, product in [
            (DeadlineKind.RECURRING, "Báo cáo tháng"),
            (DeadlineKind.CONTINUOUS, "Theo dõi"),
        ]:
            task = TaskFactory(
                plan=plan,
                lead_unit=unit,
                deadline_kind=kind,
                product=product,
                due_date=None,
                last_update_at=local(TODAY - timedelta(days=rng.choice([3, 20]))),
            )
            for n, due in enumerate(sorted(set(rng.sample(offsets, 10)))):
                Occurrence.objects.create(
                    task=task,
                    label=f"Kỳ {n}",
                    period_start=TODAY + timedelta(days=due - 30),
                    period_end=TODAY + timedelta(days=due),
                    due_date=TODAY + timedelta(days=due),
                    status=rng.choice(OPEN),
                    percent=rng.choice([0, 30, 80]),
                    last_update_at=rng.choice(
                        [None, local(TODAY - timedelta(days=rng.choice([1, 16])))]
                    ),
                )


def _expected_items(today: date, rules: WarningSettings) -> list[Item]:
    """The open items as the Python rule reads them, one by one."""
    soon = horizon_days(today=today, rules=rules)

    def day(moment):
        return timezone.localdate(moment) if moment else None

    items = []
    for task in Task.objects.filter(status__in=OPEN).order_by("pk"):
        periods = list(task.occurrences.filter(status__in=OPEN).order_by("pk"))
        if not periods and task.occurrences.exists():
            continue
        for period in periods or [None]:
            target = period or task
            start = period.period_start if period else task.start_date or day(task.created_at)
            updates = [
                d
                for d in (day(target.last_update_at), day(task.last_update_at) if period else None)
                if d
            ]
            items.append(
                Item(
                    task_id=task.pk,
                    occurrence_id=period.pk if period else None,
                    punctuality=punctuality(
                        status=target.status,
                        due_date=target.due_date,
                        completed_on=None,
                        today=today,
                        due_soon_days=soon,
                    ),
                    status=target.status,
                    due_date=target.due_date,
                    start=start,
                    percent=target.percent,
                    last_update=max(updates, default=start),
                    continuous=task.deadline_kind == DeadlineKind.CONTINUOUS,
                    is_report=bool(period) and task.product.startswith("Báo cáo"),
                    lead_unit_id=task.lead_unit_id,
                    assignee_id=task.assignee_id,
                    authority_id=task.authority_user_id,
                )
            )
    return items


def _judged_alike(today: date, rules: WarningSettings) -> int:
    stored = set(
        Alert.objects.values_list("task_id", "occurrence_id", "rule", "threshold", "reference_date")
    )
    expected = {}
    for item in _expected_items(today, rules):
        new = {
            f.rule
            for f in assess(item, today=today, rules=rules)
            if (item.task_id, item.occurrence_id, f.rule, f.threshold, f.reference_date)
            not in stored
        }
        if new:
            expected[item] = new
    read = {item: news for news, item in open_items(today=today, rules=rules)}
    assert read == expected
    return len(read)


SETTINGS = [
    {},
    {"due_soon_days": "5,2", "working_days": True, "report_lead_days": 3},
    {"overdue_repeat_days": 3, "overdue_steps": 4, "no_update_days": 7},
    {"at_risk_elapsed_percent": 30, "at_risk_gap_points": 10, "overdue_steps": 0},
]


@pytest.mark.parametrize("settings", SETTINGS)
def test_the_scan_reads_exactly_the_items_that_need_a_new_warning(settings):
    _spread()
    rules = WarningSettings(**settings)
    rules.save()
    assert _judged_alike(TODAY, rules) > 20
    # Once stored, a warning is not read again; a later day brings the next steps only.
    create_alerts(now=local(TODAY, time(7)))
    assert _judged_alike(TODAY, rules) == 0
    for later in (1, 3, 7):
        _judged_alike(TODAY + timedelta(days=later), rules)
        create_alerts(now=local(TODAY + timedelta(days=later), time(7)))
