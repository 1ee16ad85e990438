"""The demo has last quarter's evaluation, so the pages have something real on them."""

from __future__ import annotations

from datetime import date

import pytest

from demo.evaluation import load_evaluation
from demo.loader import load_demo
from evaluation.models import Evaluation, TaskJudgement, UnitEvaluation, UnitScheme
from evaluation.scoring import Level, SchemeKind


@pytest.mark.django_db
def test_the_demo_evaluates_last_quarter_once():
    load_demo(today=date(2026, 11, 22))
    evaluations = Evaluation.objects.filter(period_code="2026-Q3")
    count = evaluations.count()
    assert count == 11  # every civil servant, unit head and Văn phòng member
    confirmed = evaluations.filter(state=Evaluation.State.CONFIRMED)
    assert confirmed.exists() and evaluations.filter(state=Evaluation.State.DRAFT).exists()
    clerk = Evaluation.objects.get(person__username="cv.vp")
    assert clerk.proposed_level and len(clerk.breakdown["own"]["items"]) > 10
    assert TaskJudgement.objects.filter(kind=TaskJudgement.Kind.NOT_UP_TO_STANDARD).exists()
    changed = confirmed.exclude(change_reason="").get()
    assert (changed.proposed_level, changed.confirmed_level) == (Level.EXCELLENT, Level.GOOD)
    centre = UnitScheme.objects.get(unit__short_name="Trung tâm KH&CN")
    assert centre.scheme.kind == SchemeKind.CRITERIA
    units = UnitEvaluation.objects.filter(period_code="2026-Q3")
    assert units.filter(state=UnitEvaluation.State.CONFIRMED).count() >= 1
    assert not units.filter(unit__short_name="Đoàn Thanh niên").exists()  # left for the leader
    office = units.get(unit__short_name="Văn phòng")  # the unit with work due in Q3 on the portal
    assert office.breakdown["tasks"]["items"] and office.breakdown["staff"]["rated"]
    assert (
        office.confirmed_level == office.proposed_level
        and office.confirmed_by.units_in_charge.filter(pk=office.unit_id).exists()
    )
    judgements, unit_count = TaskJudgement.objects.count(), units.count()
    assert load_evaluation(today=date(2026, 11, 22)) == count
    assert TaskJudgement.objects.count() == judgements and units.count() == unit_count
