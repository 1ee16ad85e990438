"""A unit evaluated as a body (đánh giá, xếp loại tập thể): computed from the record, confirmed by
the leader in charge.

Nghị định 335/2025/NĐ-CP rates administrative bodies too, and judges whoever runs one on the
unit's results: "whether the unit completed its plan" and "the share of its staff rated at least
hoàn thành" (DOMAIN.md, Evaluation of staff and units). A unit has no general criteria of its
own a superior could score the way a person's 30 points are scored, so the portal fills the
same 100 points from those two results, with the unit's own scheme (`UnitScheme`) for every
weight and threshold:

- the unit's task results, `results_max` (70) points: all the work the unit and the units below
  it lead in the period (as `evaluation.record` reads it for a person: tasks and periods of
  recurring tasks due in the period, cancelled and paused work left out), scored on quantity,
  quality and progress with the scheme's weights and deductions, exactly as a person's work is;
- its people's results, `general_max` (30) points: the share of the unit's people (the unit and
  the units below it, unit heads included) whose evaluation for the period is confirmed at
  "hoàn thành" or better. Only confirmed evaluations count: a draft level may still change, so
  the sheet says how many are still waiting.

When one of the two is missing (no work due in the period, or no one rated yet) the other alone
is scaled to 100 points, and the sheet says so. The level is proposed with the scheme's
thresholds (≥90 xuất sắc, ≥70 tốt, ≥50 hoàn thành); under the criteria scheme of Nghị định
90/2020 it follows the share of the unit's work done on time and to standard, as for a person.

The leader in charge confirms the proposed level or sets another with a reason; the confirmed
evaluation keeps its snapshot and is locked.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from evaluation.models import Evaluation, Scheme, UnitEvaluation, UnitScheme
from evaluation.permissions import can_evaluate_unit
from evaluation.record import collect_items
from evaluation.scoring import (
    Breakdown,
    Level,
    RatedMember,
    StaffResults,
    as_json,
    propose_level,
    score_items,
    unit_total,
)
from evaluation.services import (
    already_confirmed,
    breakdown_json,
    locked,
    once_more_if_created_meanwhile,
    round_points,
    set_confirmed,
)
from plans.models import Unit
from reporting.periods import Period


@dataclass
class UnitComputed:
    """One unit's evaluation as the record gives it now."""

    unit: Unit
    scheme: Scheme
    tasks: Breakdown
    staff: StaffResults
    tasks_points: Decimal | None
    staff_points: Decimal | None
    total: Decimal | None
    how: str

    @property
    def proposed(self) -> Level | None:
        return propose_level(
            total=None if self.total is None else float(self.total),
            rules=self.scheme.rules(),
            fully_achieved=self.tasks.fully_achieved_percent,
        )

    def snapshot(self) -> dict:
        return {
            "rules": as_json(self.scheme.rules()),
            "scheme": self.scheme.name,
            "tasks": breakdown_json(self.tasks),
            "staff": {
                **as_json(self.staff),
                "evaluated": self.staff.evaluated,
                "at_least_done": self.staff.at_least_done,
                "percent": self.staff.percent,
            },
            "how": self.how,
        }


STAFF_FIELDS = ("unit_id", "person_id", "person__full_name", "person__username", "state",
                "confirmed_level")  # fmt: skip


def compute_units(*, units: list[Unit], period: Period) -> dict[int, UnitComputed]:
    """Every unit's results for the period, in a fixed number of queries."""
    if not units:
        return {}
    assigned, default = UnitScheme.assigned(), Scheme.default()
    trees = Unit.objects.subtrees({unit.pk for unit in units})
    all_ids = set().union(*trees.values())
    items = collect_items(start=period.start, end=period.end, unit_ids=all_ids)
    rated: dict[int, list[RatedMember]] = defaultdict(list)
    pending: Counter = Counter()
    for row in (
        Evaluation.objects.filter(period_code=period.code, unit_id__in=all_ids)
        .order_by("person__full_name", "person__username")
        .values(*STAFF_FIELDS)
    ):
        if row["state"] == Evaluation.State.CONFIRMED:
            name = row["person__full_name"] or row["person__username"]
            rated[row["unit_id"]].append(
                RatedMember(person_id=row["person_id"], name=name, level=row["confirmed_level"])
            )
        else:
            pending[row["unit_id"]] += 1
    out = {}
    for unit in units:
        ids = trees[unit.pk]
        scheme = assigned.get(unit.pk, default)
        rules = scheme.rules()
        tasks = score_items(
            items=[i for uid in ids for i in items.get(uid, [])], period_end=period.end,
            rules=rules,
        )  # fmt: skip
        staff = StaffResults(
            rated=sorted((r for uid in ids for r in rated[uid]), key=lambda r: r.name),
            pending=sum(pending[uid] for uid in ids),
        )
        tasks_points, staff_points, total, how = unit_total(tasks=tasks, staff=staff, rules=rules)
        out[unit.pk] = UnitComputed(
            unit=unit,
            scheme=scheme,
            tasks=tasks,
            staff=staff,
            tasks_points=round_points(tasks_points),
            staff_points=round_points(staff_points),
            total=round_points(total),
            how=how,
        )
    return out


def refresh_unit(evaluation: UnitEvaluation, computed: UnitComputed, *, now: datetime) -> None:
    """Bring a unit evaluation's figures (not saved) up to the record as computed."""
    evaluation.scheme = computed.scheme
    evaluation.breakdown = computed.snapshot()
    evaluation.tasks_points = computed.tasks_points
    evaluation.staff_points = computed.staff_points
    evaluation.total_points = computed.total
    evaluation.computed_at = now
    level = computed.proposed
    evaluation.proposed_level = level.value if level else ""


@once_more_if_created_meanwhile
@transaction.atomic
def confirm_unit_level(
    *, unit: Unit, period: Period, by: User, level: str, reason: str = "",
    now: datetime | None = None,
) -> UnitEvaluation:  # fmt: skip
    """The leader in charge confirms the unit's proposed level or sets another one, with a
    reason. The figures are computed again from the record and kept as they are now."""
    if not can_evaluate_unit(by, unit):
        raise ValidationError(_("Bạn không có thẩm quyền đánh giá đơn vị này."))
    evaluation = locked(UnitEvaluation, period, unit=unit)
    if already_confirmed(evaluation, level):
        return evaluation
    now = now or timezone.now()
    refresh_unit(evaluation, compute_units(units=[unit], period=period)[unit.pk], now=now)
    set_confirmed(evaluation, level=level, reason=reason, by=by, now=now)
    evaluation.save()
    return evaluation
