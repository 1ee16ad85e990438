"""The record an evaluation reads, with a break-down: by person a sub-task is its assignee's
work; by unit the parent counts once."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
import time_machine

from evaluation import services
from evaluation.record import collect_items
from plans.deadlines import DeadlineKind
from tasks import breakdown
from tasks.breakdown import Part
from tasks.punctuality import Status
from tasks.services import record_progress
from tasks.unit_plans import plan_for_unit
from tests.evaluation.conftest import Q3, at
from tests.factories import TaskFactory

pytestmark = pytest.mark.django_db
PERIOD = services.evaluation_period(Q3)


def _split(org, *, assignee=None):
    """The head splits "Chuyển đổi số" (due 30/09) in two parts, for Nam then `assignee`."""
    parent = TaskFactory(
        lead_unit=org.division, assignee=assignee, due_date=date(2026, 9, 30),
        deadline_kind=DeadlineKind.DATE, content="Chuyển đổi số hồ sơ",
    )  # fmt: skip
    with time_machine.travel(at(date(2026, 7, 1)), tick=False):
        subs = breakdown.break_down(
            task=parent,
            by=org.head,
            parts=[
                Part(content="Số hóa hồ sơ 2024", assignee=org.nam, due_date=date(2026, 8, 15)),
                Part(
                    content="Số hóa hồ sơ 2025",
                    assignee=assignee or org.nam,
                    due_date=date(2026, 9, 15),
                ),
            ],  # fmt: skip
        )
    return parent, subs


def test_a_staff_members_sub_tasks_are_their_work_and_scored_as_such(org):
    parent, (on_time, late) = _split(org)
    record_progress(task=on_time, by=org.nam, percent=100, status=Status.DONE,
                    at=at(date(2026, 8, 14)))  # fmt: skip
    record_progress(task=late, by=org.nam, percent=100, status=Status.DONE,
                    at=at(date(2026, 9, 20)), delay_reason="Chờ số liệu")  # fmt: skip
    # Two pieces of factor 1, both done and to standard; the second 5 days late keeps 75% of
    # its progress points: 70/3 × (2 + 2 + 1.75) / 2 = 67.08 points of task results.
    computed = services.compute(people=[org.nam], period=PERIOD)[org.nam.pk]
    assert sorted(item.task_id for item in computed.own.items) == [on_time.pk, late.pk]
    assert computed.own.quantity == pytest.approx(70 / 3)
    assert computed.own.quality == pytest.approx(70 / 3)
    assert computed.own.progress == pytest.approx(70 / 3 * 1.75 / 2)
    assert computed.results_points == Decimal("67.08")
    # The unit counts the parent once, not its parts.
    by_unit = collect_items(start=PERIOD.start, end=PERIOD.end, unit_ids={org.division.pk})
    assert [item.task_id for item in by_unit[org.division.pk]] == [parent.pk]


def test_a_task_and_its_part_held_by_the_same_person_count_once(org):
    parent, (for_nam, for_ngan) = _split(org, assignee=org.ngan)
    items = collect_items(start=PERIOD.start, end=PERIOD.end, person_ids=[org.ngan.pk, org.nam.pk])
    assert [item.task_id for item in items[org.ngan.pk]] == [for_ngan.pk]
    assert [item.task_id for item in items[org.nam.pk]] == [for_nam.pk]


def test_the_unit_plans_copy_of_a_task_counts_once_for_its_assignee(org):
    task = TaskFactory(lead_unit=org.division, assignee=org.ngan, due_date=date(2026, 9, 30),
                       deadline_kind=DeadlineKind.DATE)  # fmt: skip
    with time_machine.travel(at(date(2026, 7, 1)), tick=False):
        plan_for_unit(unit=org.division, by=org.head, tasks=[task])
    items = collect_items(start=PERIOD.start, end=PERIOD.end, person_ids=[org.ngan.pk])
    (own,) = items[org.ngan.pk]
    assert own.task_id != task.pk
    by_unit = collect_items(start=PERIOD.start, end=PERIOD.end, unit_ids={org.division.pk})
    assert [item.task_id for item in by_unit[org.division.pk]] == [task.pk]


def test_the_record_of_many_people_takes_a_fixed_number_of_queries(
    org, django_assert_max_num_queries
):
    _split(org, assignee=org.ngan)
    with django_assert_max_num_queries(6):
        collect_items(start=PERIOD.start, end=PERIOD.end, person_ids=[org.ngan.pk, org.nam.pk])
