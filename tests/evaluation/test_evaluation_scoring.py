"""The points of Nghị định 335/2025, worked out by hand from the rules, against the functions."""

from __future__ import annotations

from datetime import date

import pytest

from evaluation.scoring import (
    ApprovedChange,
    Item,
    Level,
    Rules,
    SchemeKind,
    UnitPart,
    excellent_cap,
    propose_level,
    results_percent,
    score_items,
)

Q3_END = date(2026, 9, 30)
RULES = Rules()  # the decree's defaults: 30 + 70, equal thirds, 25% deductions


def item(task_id, *, due, done=None, factor=1.0, original=None, **extra) -> Item:
    return Item(
        task_id=task_id,
        occurrence_id=None,
        label=f"Việc {task_id}",
        due=due,
        original_due=original or due,
        completed_on=done,
        factor=factor,
        **extra,
    )


# A quarter of work, written out: factors 2+1+1+1+1 = 6, so one factor is 1/6 of each part, and
# each part (quantity, quality, progress) is worth 70/3 points.
RECORD = [
    item(1, due=date(2026, 7, 31), done=date(2026, 7, 25), factor=2),  # early, large: 2/6
    item(2, due=date(2026, 8, 31), done=date(2026, 9, 5)),  # 5 days late, no excuse
    item(3, due=date(2026, 9, 15), done=date(2026, 9, 10), quality_failures=1),  # sent back once
    item(4, due=date(2026, 9, 30)),  # not done by the end of the quarter
    item(  # late against 15/08, but the leader moved the deadline to 20/09: excused
        5,
        original=date(2026, 8, 15),
        due=date(2026, 9, 20),
        done=date(2026, 9, 18),
        approved_changes=(ApprovedChange(pk=9, new_due=date(2026, 9, 20), decided_on=None),),
    ),
]


def test_it_scores_a_quarter_task_by_task():
    part = 70 / 3
    breakdown = score_items(items=RECORD, period_end=Q3_END, rules=RULES)
    # quantity: tasks 1, 2, 3, 5 completed = (2 + 1 + 1 + 1) / 6
    assert breakdown.quantity == pytest.approx(part * 5 / 6)  # 19.44
    # quality: task 3 loses 25% of its 1/6 → (2 + 1 + 0.75 + 1) / 6
    assert breakdown.quality == pytest.approx(part * 4.75 / 6)  # 18.47
    # progress: task 2 loses 25% of its 1/6, task 5 is excused → (2 + 0.75 + 1 + 1) / 6
    assert breakdown.progress == pytest.approx(part * 4.75 / 6)  # 18.47
    assert breakdown.points == pytest.approx(70 * 14.5 / 18)  # 56.39
    by_task = {row.task_id: row for row in breakdown.items}
    assert by_task[2].delays == 1 and by_task[2].days_late == 5
    assert by_task[5].delays == 0 and "20/09/2026" in by_task[5].excused_by
    assert by_task[4].points == 0 and not by_task[4].completed
    assert by_task[1].points == pytest.approx(70 * 2 / 6)


def test_it_proposes_the_level_from_the_total():
    results = 70 * 14.5 / 18  # 56.39, from the record above
    assert propose_level(total=results + 28, rules=RULES) == Level.GOOD  # 84.39
    assert propose_level(total=results + 30, rules=RULES) == Level.GOOD  # 86.39 < 90
    assert propose_level(total=90, rules=RULES) == Level.EXCELLENT
    assert propose_level(total=89.99, rules=RULES) == Level.GOOD
    assert propose_level(total=70, rules=RULES) == Level.GOOD
    assert propose_level(total=69.99, rules=RULES) == Level.DONE
    assert propose_level(total=50, rules=RULES) == Level.DONE
    assert propose_level(total=49.99, rules=RULES) == Level.NOT_DONE
    assert propose_level(total=None, rules=RULES) is None


def test_each_judgement_not_up_to_standard_costs_a_quarter_of_that_tasks_quality_points():
    def quality(failures):
        record = [item(1, due=Q3_END, done=Q3_END, quality_failures=failures)]
        return score_items(items=record, period_end=Q3_END, rules=RULES).quality

    part = 70 / 3
    assert [quality(n) for n in range(6)] == pytest.approx(
        [part, part * 0.75, part * 0.5, part * 0.25, 0, 0]
    )


def test_each_delay_costs_a_quarter_of_that_tasks_progress_points_only():
    # Two tasks of one factor each: the late one loses 25% of its own half, not of the whole.
    record = [
        item(1, due=date(2026, 9, 1), done=date(2026, 9, 2)),
        item(2, due=date(2026, 9, 1), done=date(2026, 9, 1)),
    ]
    breakdown = score_items(items=record, period_end=Q3_END, rules=RULES)
    assert breakdown.progress == pytest.approx(70 / 3 * (0.75 + 1) / 2)
    assert breakdown.quantity == pytest.approx(70 / 3)


def test_a_deadline_change_excuses_a_delay_only_up_to_its_new_date():
    change = (ApprovedChange(pk=1, new_due=date(2026, 9, 10), decided_on=None),)
    kept = item(1, original=date(2026, 9, 1), due=date(2026, 9, 10), done=date(2026, 9, 10),
                approved_changes=change)  # fmt: skip
    missed = item(2, original=date(2026, 9, 1), due=date(2026, 9, 10), done=date(2026, 9, 12),
                  approved_changes=change)  # fmt: skip
    rows = score_items(items=[kept, missed], period_end=Q3_END, rules=RULES).items
    assert (rows[0].delays, rows[1].delays) == (0, 1)


def test_a_confirmed_objective_cause_excuses_a_delay():
    late = item(1, due=date(2026, 9, 1), done=date(2026, 9, 9), delay_cause="Mất điện diện rộng")
    row = score_items(items=[late], period_end=Q3_END, rules=RULES).items[0]
    assert row.delays == 0 and "Mất điện" in row.excused_by
    assert row.progress == pytest.approx(70 / 3)


def test_work_completed_after_the_period_counts_as_not_completed_in_it():
    late = item(1, due=date(2026, 9, 30), done=date(2026, 10, 2))
    breakdown = score_items(items=[late], period_end=Q3_END, rules=RULES)
    assert breakdown.points == 0 and breakdown.percent == 0


def test_nothing_assigned_gives_no_proposal():
    breakdown = score_items(items=[], period_end=Q3_END, rules=RULES)
    assert breakdown.percent is None
    assert results_percent(own=breakdown, unit=None, rules=RULES)[0] is None


def test_the_split_and_the_deductions_follow_the_scheme():
    rules = Rules(quantity_weight=2, quality_weight=1, progress_weight=1, progress_deduction=50)
    record = [item(1, due=date(2026, 9, 1), done=date(2026, 9, 2))]
    breakdown = score_items(items=record, period_end=Q3_END, rules=rules)
    assert (breakdown.quantity, breakdown.quality) == pytest.approx((35, 17.5))
    assert breakdown.progress == pytest.approx(17.5 / 2)


def test_a_unit_head_is_judged_half_on_the_unit():
    own = score_items(items=RECORD, period_end=Q3_END, rules=RULES)  # 14.5/18 = 80.56%
    unit = UnitPart(unit_name="P. CĐS", progress_percent=90, staff_evaluated=3, staff_below_done=1)
    # the unit: mean of its progress (90%) and 50% (one of its staff below "hoàn thành") = 70%
    assert unit.percent == pytest.approx(70)
    percent, how = results_percent(own=own, unit=unit, rules=RULES)
    assert percent == pytest.approx(0.5 * 100 * 14.5 / 18 + 0.5 * 70)
    assert "đơn vị" in how
    everyone_done = UnitPart(unit_name="", progress_percent=None, staff_evaluated=2,
                             staff_below_done=0)  # fmt: skip
    assert everyone_done.percent == 100


def test_the_criteria_scheme_proposes_from_work_on_time_and_to_standard():
    rules = Rules(kind=SchemeKind.CRITERIA)
    all_good = score_items(items=[item(1, due=Q3_END, done=Q3_END)], period_end=Q3_END,
                           rules=rules)  # fmt: skip
    assert propose_level(total=None, rules=rules,
                         fully_achieved=all_good.fully_achieved_percent) == Level.GOOD  # fmt: skip
    five = [item(n, due=Q3_END, done=Q3_END) for n in range(4)] + [item(9, due=Q3_END)]
    four_of_five = score_items(items=five, period_end=Q3_END, rules=rules)
    assert four_of_five.fully_achieved_percent == pytest.approx(80)
    assert propose_level(total=None, rules=rules, fully_achieved=80) == Level.DONE
    assert propose_level(total=None, rules=rules, fully_achieved=79) == Level.NOT_DONE


def test_it_warns_when_excellent_exceeds_a_fifth_of_good():
    staff = [("staff", Level.GOOD)] * 5 + [("staff", Level.EXCELLENT)]
    check = excellent_cap(levels=staff, rules=RULES)[0]
    assert (check.excellent, check.good, check.allowed, check.exceeded) == (1, 5, 1, False)
    check = excellent_cap(levels=[*staff, ("staff", Level.EXCELLENT)], rules=RULES)[0]
    assert check.exceeded
    four_good = [("heads", Level.GOOD)] * 4 + [("heads", Level.EXCELLENT)]
    assert excellent_cap(levels=four_good, rules=RULES)[0].exceeded  # 20% of 4 is 0.8: none
