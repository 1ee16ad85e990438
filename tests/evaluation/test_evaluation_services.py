"""A quarter of one person's record, set up through the real services, worked through to a level."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from evaluation import services
from evaluation.models import Evaluation, Scheme, TaskJudgement, UnitScheme
from evaluation.scoring import Level
from tasks.punctuality import Status
from tasks.services import record_progress
from tests.evaluation.conftest import Q3, at, extend, give
from tests.factories import TaskFactory

pytestmark = pytest.mark.django_db
PERIOD = services.evaluation_period(Q3)


@pytest.fixture
def quarter(org):
    """Ngân's third quarter of 2026, task by task."""
    ngan, head = org.ngan, org.head
    early = give(ngan, due=date(2026, 7, 31), done=date(2026, 7, 25), content="Kế hoạch CĐS")
    services.set_factor(task=early, factor=Decimal(2), by=head)  # a large piece: counts double
    give(ngan, due=date(2026, 8, 31), done=date(2026, 9, 5), content="Báo cáo chuyên đề")
    sent_back = give(ngan, due=date(2026, 9, 15), done=date(2026, 9, 10), content="Dự thảo quy chế")
    services.judge(task=sent_back, occurrence=None, kind=TaskJudgement.Kind.NOT_UP_TO_STANDARD,
                   note="Thiếu phụ lục số liệu", by=head)  # fmt: skip
    give(ngan, due=date(2026, 9, 30), content="Tập huấn kỹ năng số")  # not done by 30/09
    moved = give(ngan, due=date(2026, 8, 15), content="Khảo sát hạ tầng")
    extend(moved, to=date(2026, 9, 20), by=head, leader=org.leader, asked=date(2026, 8, 10))
    moved.refresh_from_db()
    record_progress(task=moved, by=ngan, percent=100, status=Status.DONE, at=at(date(2026, 9, 18)))
    # Not counted: cancelled, due next quarter, someone else's.
    give(ngan, due=date(2026, 9, 1), status=Status.CANCELLED)
    give(ngan, due=date(2026, 10, 15), done=date(2026, 9, 20))
    give(org.nam, due=date(2026, 9, 1), done=date(2026, 9, 1))
    return ngan


def test_a_known_record_gives_the_level_worked_out_by_hand(org, quarter):
    # Factors 2 + 1 + 1 + 1 + 1 = 6; quantity, quality and progress are worth 70/3 each.
    # quantity: 4 of 5 pieces done, the large one among them: (2+1+1+1)/6 of 70/3 = 19.44
    # quality: the piece sent back once keeps 75% of its share: (2+1+0.75+1)/6 of 70/3 = 18.47
    # progress: the report 5 days late keeps 75%; the survey finished before its approved new
    #           deadline (20/09) loses nothing: (2+0.75+1+1)/6 of 70/3 = 18.47
    # results: 70 × (5 + 4.75 + 4.75) / 18 = 56.39; with 28 points of general criteria, 84.39:
    # "Hoàn thành tốt nhiệm vụ" (70 to under 90).
    computed = services.compute(people=[quarter], period=PERIOD)[quarter.pk]
    assert len(computed.own.items) == 5
    assert computed.own.quantity == pytest.approx(70 / 3 * 5 / 6)
    assert computed.own.quality == pytest.approx(70 / 3 * 4.75 / 6)
    assert computed.own.progress == pytest.approx(70 / 3 * 4.75 / 6)
    assert computed.results_points == Decimal("56.39")

    evaluation = services.save_general_points(
        person=quarter, period=PERIOD, by=org.head, points=Decimal(28)
    )
    assert evaluation.total_points == Decimal("84.39")
    assert evaluation.proposed_level == Level.GOOD
    rows = {row["label"].split(". ", 1)[1]: row for row in evaluation.breakdown["own"]["items"]}
    assert rows["Báo cáo chuyên đề"]["delays"] == 1
    assert rows["Khảo sát hạ tầng"]["delays"] == 0
    assert "20/09/2026" in rows["Khảo sát hạ tầng"]["excused_by"]
    assert rows["Dự thảo quy chế"]["quality_failures"] == 1
    assert rows["Tập huấn kỹ năng số"]["completed"] is False


def test_without_the_approved_change_the_same_completion_is_a_delay(org):
    task = give(org.ngan, due=date(2026, 8, 15), done=date(2026, 9, 18))
    task.due_date = date(2026, 9, 20)  # moved without a decision: not an excuse
    task.save()
    computed = services.compute(people=[org.ngan], period=PERIOD)[org.ngan.pk]
    assert computed.own.items[0].delays == 0  # the current deadline was kept...
    task.original_due_date = date(2026, 8, 15)
    task.save()
    computed = services.compute(people=[org.ngan], period=PERIOD)[org.ngan.pk]
    assert computed.own.items[0].delays == 1  # ...but not the deadline as first set
    assert computed.own.progress == pytest.approx(70 / 3 * 0.75)


def test_a_confirmed_objective_cause_excuses_a_delay(org):
    task = give(org.ngan, due=date(2026, 9, 1), done=date(2026, 9, 4))
    services.judge(task=task, occurrence=None, kind=TaskJudgement.Kind.DELAY_CAUSE,
                   note="Bão số 5 gây mất điện", by=org.head)  # fmt: skip
    computed = services.compute(people=[org.ngan], period=PERIOD)[org.ngan.pk]
    assert computed.own.items[0].delays == 0
    assert computed.results_points == Decimal("70.00")


def test_the_level_differs_from_the_proposal_only_with_a_reason(org, quarter):
    services.save_general_points(person=quarter, period=PERIOD, by=org.head, points=Decimal(28))
    with pytest.raises(ValidationError, match="lý do"):
        services.confirm_level(person=quarter, period=PERIOD, by=org.head, level=Level.EXCELLENT)
    assert Evaluation.objects.get(person=quarter).state == Evaluation.State.DRAFT
    evaluation = services.confirm_level(
        person=quarter, period=PERIOD, by=org.head, level=Level.EXCELLENT,
        reason="Có sáng kiến được áp dụng toàn Sở",
    )  # fmt: skip
    assert (evaluation.confirmed_level, evaluation.proposed_level) == (Level.EXCELLENT, Level.GOOD)
    assert evaluation.confirmed_by == org.head and evaluation.confirmed_at is not None
    # confirming the same again changes nothing; another level is refused
    again = services.confirm_level(person=quarter, period=PERIOD, by=org.head,
                                   level=Level.EXCELLENT)  # fmt: skip
    assert again.confirmed_at == evaluation.confirmed_at
    with pytest.raises(ValidationError):
        services.confirm_level(person=quarter, period=PERIOD, by=org.head, level=Level.GOOD,
                               reason="x")  # fmt: skip
    with pytest.raises(ValidationError):
        services.save_general_points(person=quarter, period=PERIOD, by=org.head, points=Decimal(1))


def test_a_confirmed_sheet_keeps_its_figures_when_the_record_changes(org, quarter):
    services.save_general_points(person=quarter, period=PERIOD, by=org.head, points=Decimal(28))
    services.confirm_level(person=quarter, period=PERIOD, by=org.head, level=Level.GOOD)
    give(quarter, due=date(2026, 9, 29))  # more work appears later in the record
    evaluation = Evaluation.objects.get(person=quarter)
    assert evaluation.results_points == Decimal("56.39")
    assert len(evaluation.breakdown["own"]["items"]) == 5


def test_a_level_needs_the_general_criteria_first(org, quarter):
    with pytest.raises(ValidationError, match="tiêu chí chung"):
        services.confirm_level(person=quarter, period=PERIOD, by=org.head, level=Level.GOOD)


def test_general_points_are_bounded_by_the_scheme(org, quarter):
    for bad in (Decimal(31), Decimal(-1)):
        with pytest.raises(ValidationError):
            services.save_general_points(person=quarter, period=PERIOD, by=org.head, points=bad)
    assert not Evaluation.objects.exists()


def test_who_evaluates_whom(org):
    ok = [(org.head, org.ngan), (org.leader, org.head)]
    refused = [
        (org.ngan, org.nam),  # staff evaluate nobody
        (org.ngan, org.ngan),
        (org.head, org.head),
        (org.head, org.outsider),  # another unit's staff
        (org.other_head, org.ngan),
        (org.leader, org.ngan),  # the leader evaluates the unit head, not the staff
        (org.other_leader, org.head),  # a leader not in charge of the unit
        (org.office, org.ngan),  # Văn phòng reads every sheet but evaluates only its own
    ]
    for by, person in ok:
        services.save_general_points(person=person, period=PERIOD, by=by, points=Decimal(25))
    for by, person in refused:
        with pytest.raises(ValidationError, match="thẩm quyền"):
            services.save_general_points(person=person, period=PERIOD, by=by, points=Decimal(25))
    task = give(org.ngan, due=date(2026, 9, 1))
    with pytest.raises(ValidationError):
        services.set_factor(task=task, factor=Decimal(2), by=org.ngan)
    with pytest.raises(ValidationError):
        services.judge(task=task, occurrence=None, kind=TaskJudgement.Kind.NOT_UP_TO_STANDARD,
                       note="x", by=org.other_head)  # fmt: skip


def test_a_unit_heads_results_count_the_unit(org):
    # The head's own work: one task on time (100%). The unit's: the head's task, Ngân's late one
    # and Ngân's undone one: progress (1 + 0.75 + 0) / 3 = 58.33%. Ngân: 70 × (1/2 + 1/2 +
    # 0.375) / 3 = 32.08 points, below "hoàn thành" (50), so the staff part is 50%.
    give(org.head, due=date(2026, 9, 1), done=date(2026, 9, 1))
    give(org.ngan, due=date(2026, 9, 1), done=date(2026, 9, 3))
    give(org.ngan, due=date(2026, 9, 1))
    services.save_general_points(person=org.ngan, period=PERIOD, by=org.head, points=Decimal(0))
    assert Evaluation.objects.get(person=org.ngan).total_points == Decimal("32.08")
    computed = services.compute(people=[org.head], period=PERIOD)[org.head.pk]
    assert computed.unit.progress_percent == pytest.approx(175 / 3)
    assert computed.unit.staff_percent == 50
    # 50% own (100) + 50% unit (mean of 58.33 and 50 = 54.17) = 77.08% of 70 = 53.96
    assert computed.results_points == Decimal("53.96")


def test_the_centres_viên_chức_follow_the_criteria_scheme(org):
    criteria = Scheme.criteria()
    UnitScheme.objects.create(unit=org.division, scheme=criteria)
    give(org.ngan, due=date(2026, 9, 1), done=date(2026, 9, 1))
    evaluation = services.save_general_points(
        person=org.ngan, period=PERIOD, by=org.head, points=Decimal(20)
    )
    assert evaluation.scheme == criteria
    assert evaluation.proposed_level == Level.GOOD  # all work on time and to standard


def test_work_marked_done_without_a_date_counts_as_done_on_its_due_date(org):
    task = give(org.ngan, due=date(2026, 9, 1))
    task.status = Status.DONE  # as an import may record it
    task.save()
    computed = services.compute(people=[org.ngan], period=PERIOD)[org.ngan.pk]
    assert computed.own.items[0].completed and computed.own.items[0].delays == 0
    assert computed.results_points == Decimal("70.00")


def test_period_codes_are_checked():
    assert services.evaluation_period("2026-q3").start == date(2026, 7, 1)
    assert services.evaluation_period("2026-09").end == date(2026, 9, 30)
    for bad in ("2026-Q5", "2026-13", "Q3", "1900-Q1", "x" * 500):
        with pytest.raises(ValueError):
            services.evaluation_period(bad)
    assert services.last_quarter(date(2026, 11, 22)) == "2026-Q3"
    assert services.last_quarter(date(2027, 2, 1)) == "2026-Q4"


def test_the_period_menu_offers_quarters_and_the_months_begun():
    choices = services.period_choices(date(2026, 11, 22), back=1)
    assert [code for code, _label in choices] == [
        "2026-Q4", "2026-11", "2026-10", "2026-Q3", "2026-09", "2026-08", "2026-07",
    ]  # fmt: skip
    assert choices[0][1] == "Quý IV/2026"


def test_factors_are_bounded(org):
    task = TaskFactory(assignee=org.ngan, lead_unit=org.division)
    for bad in (Decimal(0), Decimal(11)):
        with pytest.raises(ValidationError):
            services.set_factor(task=task, factor=bad, by=org.head)
