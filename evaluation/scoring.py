"""The points of an evaluation (Nghị định 335/2025/NĐ-CP), as pure functions of the record.

No database here: `evaluation.record` turns tasks into `Item`s, these functions turn items and
`Rules` (the scheme's weights, from the admin) into a breakdown that names every task it used.

What counts, for a person and a month or quarter (documented on the sheet too):
- a piece of work (sản phẩm/công việc) is a task assigned to the person whose current due date
  (after approved deadline changes) falls inside the period, or one period (kỳ) of a recurring or
  continuous task assigned to them whose due date falls inside it. Cancelled and paused work (both
  need the authority's approval) is left out. Work overdue from an earlier period was counted in
  that period and is not counted again.
- each piece weighs its conversion factor (quy đổi, default 1) over the sum of the factors.
- quantity: the piece's share of the quantity points when it was completed by the end of the
  period;
- quality: its share of the quality points when completed, less `quality_deduction`% of them for
  each judgement "not up to standard" (không đạt yêu cầu) not excused by a confirmed objective
  cause;
- progress: its share of the progress points when completed, less `progress_deduction`% of them
  per delay. A delay is a completion after the deadline as first set. It is excused when an
  approved deadline change moved the deadline to a day on or after the completion, or when the
  unit head confirmed an objective cause for it;
- the 70 points split between quantity, quality and progress by the scheme's weights (default
  equal thirds: the press summaries of the decree give (a + b + c) / 3 × 70%).

A person who leads a unit (unit head, Văn phòng) is also judged on the unit: their results are
`own_share`% their own work and the rest the unit's, the unit's part being the mean of (d) the
unit's progress score over all the work it leads in the period (the same rules: on time, or
excused) and (đ) 100% when every staff member evaluated in the period reached "hoàn thành", else
50% (the rule the decree sets for the results of the body a leader runs).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date

from django.db import models
from django.utils.translation import gettext_lazy as _


class Level(models.TextChoices):
    EXCELLENT = "excellent", _("Hoàn thành xuất sắc nhiệm vụ")
    GOOD = "good", _("Hoàn thành tốt nhiệm vụ")
    DONE = "done", _("Hoàn thành nhiệm vụ")
    NOT_DONE = "not_done", _("Không hoàn thành nhiệm vụ")


class SchemeKind(models.TextChoices):
    POINTS = "points", _("Chấm điểm (Nghị định 335/2025/NĐ-CP, công chức)")
    CRITERIA = "criteria", _("Theo tiêu chí (Nghị định 90/2020/NĐ-CP, viên chức)")


@dataclass(frozen=True)
class Rules:
    """The weights and thresholds of one scheme (`evaluation.models.Scheme.rules()`)."""

    kind: str = SchemeKind.POINTS
    general_max: float = 30
    results_max: float = 70
    quantity_weight: float = 1
    quality_weight: float = 1
    progress_weight: float = 1
    quality_deduction: float = 25
    progress_deduction: float = 25
    excellent_min: float = 90
    good_min: float = 70
    done_min: float = 50
    excellent_cap: float = 20
    own_share: float = 50
    criteria_done_min: float = 80

    def part_max(self, part: str) -> float:
        weights = {
            "quantity": self.quantity_weight,
            "quality": self.quality_weight,
            "progress": self.progress_weight,
        }
        total = sum(weights.values())
        return self.results_max * weights[part] / total if total else 0.0


@dataclass(frozen=True)
class ApprovedChange:
    pk: int
    new_due: date
    decided_on: date | None


@dataclass(frozen=True)
class Item:
    """One piece of work as the record has it."""

    task_id: int
    occurrence_id: int | None
    label: str
    due: date
    original_due: date
    completed_on: date | None
    factor: float = 1.0
    approved_changes: tuple[ApprovedChange, ...] = ()
    delay_cause: str = ""  # an objective cause confirmed for the delay
    quality_failures: int = 0  # "not up to standard" judgements not excused
    quality_excused: int = 0  # those excused by a confirmed objective cause


@dataclass
class ItemScore:
    task_id: int
    occurrence_id: int | None
    label: str
    due: date
    original_due: date
    completed_on: date | None
    factor: float
    share: float
    completed: bool
    days_late: int
    delays: int
    excused_by: str
    quality_failures: int
    quality_excused: int
    quantity: float
    quality: float
    progress: float
    notes: list[str] = field(default_factory=list)

    @property
    def points(self) -> float:
        return self.quantity + self.quality + self.progress


@dataclass
class Breakdown:
    """The 70 points of task results of one person, with the items they come from."""

    items: list[ItemScore]
    quantity: float
    quality: float
    progress: float
    quantity_max: float
    quality_max: float
    progress_max: float

    @property
    def points(self) -> float:
        return self.quantity + self.quality + self.progress

    @property
    def percent(self) -> float | None:
        """The results as a share of their maximum; None when nothing was assigned."""
        maximum = self.quantity_max + self.quality_max + self.progress_max
        return 100 * self.points / maximum if self.items and maximum else None

    @property
    def progress_percent(self) -> float | None:
        return 100 * self.progress / self.progress_max if self.items and self.progress_max else None

    @property
    def fully_achieved_percent(self) -> float | None:
        """Weighted share of work completed on time (or excused) and to standard: the measure of
        the criteria scheme (Nghị định 90/2020)."""
        if not self.items:
            return None
        good = sum(i.share for i in self.items if i.completed and not i.delays and
                   not i.quality_failures)  # fmt: skip
        return 100 * good


def _deducted(points: float, *, times: int, percent: float) -> float:
    return points * max(0.0, 1 - times * percent / 100)


def score_item(item: Item, *, share: float, period_end: date, rules: Rules) -> ItemScore:
    completed = item.completed_on is not None and item.completed_on <= period_end
    days_late, delays, excused_by, notes = 0, 0, "", []
    if completed and item.completed_on > item.original_due:
        days_late = (item.completed_on - item.original_due).days
        covering = [c for c in item.approved_changes if c.new_due >= item.completed_on]
        if covering:
            change = min(covering, key=lambda c: c.new_due)
            excused_by = str(_("điều chỉnh thời hạn được duyệt (đến %(d)s)")) % {
                "d": change.new_due.strftime("%d/%m/%Y")
            }
        elif item.delay_cause:
            excused_by = str(_("nguyên nhân khách quan được xác nhận: %(c)s")) % {
                "c": item.delay_cause
            }
        else:
            delays = 1
    if not completed:
        notes.append(str(_("chưa hoàn thành đến hết kỳ")))
    quantity = rules.part_max("quantity") * share if completed else 0.0
    quality = (
        _deducted(
            rules.part_max("quality") * share,
            times=item.quality_failures,
            percent=rules.quality_deduction,
        )
        if completed
        else 0.0
    )
    progress = (
        _deducted(
            rules.part_max("progress") * share, times=delays, percent=rules.progress_deduction
        )
        if completed
        else 0.0
    )
    return ItemScore(
        task_id=item.task_id,
        occurrence_id=item.occurrence_id,
        label=item.label,
        due=item.due,
        original_due=item.original_due,
        completed_on=item.completed_on,
        factor=item.factor,
        share=share,
        completed=completed,
        days_late=days_late,
        delays=delays,
        excused_by=excused_by,
        quality_failures=item.quality_failures,
        quality_excused=item.quality_excused,
        quantity=quantity,
        quality=quality,
        progress=progress,
        notes=notes,
    )


def score_items(*, items: Sequence[Item], period_end: date, rules: Rules) -> Breakdown:
    """The quantity, quality and progress points of a person's work in a period."""
    total_factor = sum(item.factor for item in items)
    scored = [
        score_item(
            item,
            share=item.factor / total_factor if total_factor else 0.0,
            period_end=period_end,
            rules=rules,
        )
        for item in sorted(items, key=lambda i: (i.due, i.task_id, i.occurrence_id or 0))
    ]
    return Breakdown(
        items=scored,
        quantity=sum(s.quantity for s in scored),
        quality=sum(s.quality for s in scored),
        progress=sum(s.progress for s in scored),
        quantity_max=rules.part_max("quantity"),
        quality_max=rules.part_max("quality"),
        progress_max=rules.part_max("progress"),
    )


@dataclass
class UnitPart:
    """What a unit's results add to the evaluation of the person who leads it."""

    unit_name: str
    progress_percent: float | None  # (d) the unit's work, on time or excused
    staff_evaluated: int
    staff_below_done: int

    @property
    def staff_percent(self) -> float | None:  # (đ)
        if not self.staff_evaluated:
            return None
        return 100.0 if self.staff_below_done == 0 else 50.0

    @property
    def percent(self) -> float | None:
        parts = [p for p in (self.progress_percent, self.staff_percent) if p is not None]
        return sum(parts) / len(parts) if parts else None


def results_percent(
    *, own: Breakdown, unit: UnitPart | None, rules: Rules
) -> tuple[float | None, str]:
    """The results (as % of their maximum) and how they were combined, in Vietnamese."""
    own_percent = own.percent
    unit_percent = unit.percent if unit is not None else None
    if unit is None or unit_percent is None:
        return own_percent, str(_("Kết quả công việc của cá nhân."))
    if own_percent is None:
        return unit_percent, str(
            _("Không có công việc cá nhân trong kỳ: tính theo kết quả của đơn vị.")
        )
    share = rules.own_share / 100
    combined = share * own_percent + (1 - share) * unit_percent
    return combined, str(
        _("%(own)s%% cá nhân × %(a)s%% + %(unit)s%% đơn vị × %(b)s%%.")
        % {
            "own": f"{own_percent:.2f}",
            "a": f"{rules.own_share:g}",
            "unit": f"{unit_percent:.2f}",
            "b": f"{100 - rules.own_share:g}",
        }
    )


AT_LEAST_DONE = (Level.EXCELLENT, Level.GOOD, Level.DONE)


@dataclass(frozen=True)
class RatedMember:
    """A member of a unit whose evaluation for the period was confirmed."""

    person_id: int
    name: str
    level: str


@dataclass
class StaffResults:
    """How a unit's people were rated in the period: the confirmed levels, and how many sheets
    are still waiting for their evaluator."""

    rated: list[RatedMember]
    pending: int = 0

    @property
    def evaluated(self) -> int:
        return len(self.rated)

    @property
    def at_least_done(self) -> int:
        return sum(1 for r in self.rated if r.level in AT_LEAST_DONE)

    @property
    def percent(self) -> float | None:
        return 100 * self.at_least_done / self.evaluated if self.rated else None


def unit_total(
    *, tasks: Breakdown, staff: StaffResults, rules: Rules
) -> tuple[float | None, float | None, float | None, str]:
    """A unit's points as a body (`evaluation.units`): (tasks points, staff points, total, how).

    The task results fill the scheme's `results_max` (70) by their share of the maximum; the
    share of the unit's people rated at least "hoàn thành" fills `general_max` (30). When one of
    the two is missing (no work due, nobody rated yet) the other alone is scaled to 100."""
    tasks_points = None if tasks.percent is None else rules.results_max * tasks.percent / 100
    staff_percent = staff.percent
    staff_points = None if staff_percent is None else rules.general_max * staff_percent / 100
    whole = rules.results_max + rules.general_max
    if tasks_points is not None and staff_points is not None:
        how = _("%(t)s%% kết quả nhiệm vụ × %(a)s + %(s)s%% công chức đạt từ hoàn thành × %(b)s.")
        total = tasks_points + staff_points
    elif tasks_points is not None:
        how = _("Chưa có công chức nào được xếp loại: tính theo kết quả nhiệm vụ (%(t)s%%).")
        total = whole * tasks.percent / 100
    elif staff_points is not None:
        how = _("Không có nhiệm vụ đến hạn trong kỳ: tính theo xếp loại công chức (%(s)s%%).")
        total = whole * staff_percent / 100
    else:
        return None, None, None, str(_("Chưa có nhiệm vụ đến hạn, chưa có ai được xếp loại."))
    values = {
        "t": f"{tasks.percent or 0:.2f}",
        "s": f"{staff_percent or 0:.2f}",
        "a": f"{rules.results_max:g}",
        "b": f"{rules.general_max:g}",
    }
    return tasks_points, staff_points, total, str(how) % values


def propose_level(
    *, total: float | None, rules: Rules, fully_achieved: float | None = None
) -> Level | None:
    """The level the portal proposes; None when there is nothing to judge by."""
    if rules.kind == SchemeKind.CRITERIA:
        # Nghị định 90/2020: "tốt" is all work on time and to standard; "xuất sắc" asks more than
        # the record shows (work beyond what was asked), so the evaluator raises it with a reason.
        if fully_achieved is None:
            return None
        if fully_achieved >= 100:
            return Level.GOOD
        return Level.DONE if fully_achieved >= rules.criteria_done_min else Level.NOT_DONE
    if total is None:
        return None
    if total >= rules.excellent_min:
        return Level.EXCELLENT
    if total >= rules.good_min:
        return Level.GOOD
    if total >= rules.done_min:
        return Level.DONE
    return Level.NOT_DONE


@dataclass(frozen=True)
class CapCheck:
    group: str
    excellent: int
    good: int
    allowed: int

    @property
    def exceeded(self) -> bool:
        return self.excellent > self.allowed


def excellent_cap(*, levels: Iterable[tuple[str, str | None]], rules: Rules) -> list[CapCheck]:
    """Per group of similar posts, whether "xuất sắc" exceeds `excellent_cap`% of "tốt"."""
    counts: dict[str, list[int]] = {}
    for group, level in levels:
        excellent, good = counts.setdefault(group, [0, 0])
        counts[group] = [excellent + (level == Level.EXCELLENT), good + (level == Level.GOOD)]
    return [
        CapCheck(
            group=group,
            excellent=excellent,
            good=good,
            allowed=int(good * rules.excellent_cap // 100),
        )
        for group, (excellent, good) in sorted(counts.items())
    ]


def as_json(value) -> dict:
    """A breakdown as it is stored in the evaluation's snapshot (dates as ISO strings)."""

    def convert(obj):
        if isinstance(obj, date):
            return obj.isoformat()
        if isinstance(obj, dict):
            return {k: convert(v) for k, v in obj.items()}
        if isinstance(obj, list | tuple):
            return [convert(v) for v in obj]
        return obj

    return convert(asdict(value))
