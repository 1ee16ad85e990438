"""Evaluations: compute them from the record, enter the general criteria, confirm the level, and
the unit head's judgements on tasks (conversion factor, not up to standard, objective cause)."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from evaluation.models import (
    Evaluation,
    Rated,
    Scheme,
    TaskFactor,
    TaskJudgement,
    UnitScheme,
)
from evaluation.permissions import can_evaluate, is_manager
from evaluation.record import collect_items
from evaluation.scoring import (
    Breakdown,
    Level,
    SchemeKind,
    UnitPart,
    as_json,
    propose_level,
    results_percent,
    score_items,
)
from plans.models import Unit, unit_subtrees
from plans.text import clean
from reporting.periods import ROMAN, Period, PeriodError, parse_period
from tasks.models import Occurrence, Task

_QUARTER = re.compile(r"^\d{4}-Q[1-4]$")
_MONTH = re.compile(r"^\d{4}-\d{2}$")
TWO = Decimal("0.01")


def evaluation_period(code: str) -> Period:
    """A month (`2026-09`) or a quarter (`2026-Q3`), calendar bounds (evaluation is monthly or
    quarterly, Nghị định 335/2025; no cut-off day)."""
    code = (code or "").strip().upper()
    kind = "quarterly" if _QUARTER.match(code) else "monthly" if _MONTH.match(code) else None
    if kind is None:
        raise PeriodError(_("Kỳ đánh giá “%(c)s” không đúng dạng (ví dụ 2026-Q3 hoặc 2026-09).")
                          % {"c": code[:20]})  # fmt: skip
    period = parse_period(kind, code, cutoff=False)
    if not 2000 <= period.start.year <= 2100:
        raise PeriodError(_("Năm của kỳ đánh giá không hợp lệ."))
    return period


def last_quarter(today: date) -> str:
    quarter = (today.month - 1) // 3  # the quarter before this one, 0 meaning last year's Q4
    return f"{today.year}-Q{quarter}" if quarter else f"{today.year - 1}-Q4"


def period_choices(today: date, *, back: int = 6) -> list[tuple[str, str]]:
    """This quarter and the `back` before, each followed by its months begun by `today`."""
    out, year, quarter = [], today.year, (today.month - 1) // 3 + 1
    for _step in range(back + 1):
        out.append((f"{year}-Q{quarter}", _("Quý %(q)s/%(y)s") % {"q": ROMAN[quarter], "y": year}))
        for month in range(quarter * 3, quarter * 3 - 3, -1):
            if date(year, month, 1) <= today:
                out.append(
                    (f"{year}-{month:02d}", _("Tháng %(m)s/%(y)s") % {"m": month, "y": year})
                )
        quarter, year = (quarter - 1, year) if quarter > 1 else (4, year - 1)
    return out


def round_points(value: float | None) -> Decimal | None:
    return None if value is None else Decimal(str(value)).quantize(TWO, ROUND_HALF_UP)


@dataclass
class Computed:
    """One person's evaluation as the record gives it now."""

    person: User
    scheme: Scheme
    own: Breakdown
    unit: UnitPart | None
    results_percent: float | None
    how: str

    @property
    def results_points(self) -> Decimal | None:
        if self.results_percent is None:
            return None
        return round_points(float(self.scheme.results_max) * self.results_percent / 100)

    def proposed(self, general: Decimal | None) -> Level | None:
        rules = self.scheme.rules()
        total = None
        if general is not None and self.results_points is not None:
            total = float(self.results_points + general)
        fully = self.own.fully_achieved_percent
        return propose_level(total=total, rules=rules, fully_achieved=fully)

    def snapshot(self) -> dict:
        return {
            "rules": as_json(self.scheme.rules()),
            "scheme": self.scheme.name,
            "own": breakdown_json(self.own),
            "unit": None
            if self.unit is None
            else {
                **as_json(self.unit),
                "staff_percent": self.unit.staff_percent,
                "percent": self.unit.percent,
            },
            "results_percent": self.results_percent,
            "how": self.how,
        }


def breakdown_json(breakdown: Breakdown) -> dict:
    """A breakdown as a snapshot stores it, with the figures its properties compute."""
    return {
        **as_json(breakdown),
        "points": breakdown.points,
        "percent": breakdown.percent,
        "fully_achieved_percent": breakdown.fully_achieved_percent,
    }


def compute(*, people: list[User], period: Period) -> dict[int, Computed]:
    """Everyone's results for the period, in a fixed number of queries."""
    assigned, default = UnitScheme.assigned(), Scheme.default()
    items = collect_items(start=period.start, end=period.end, person_ids=[p.pk for p in people])
    managers = [p for p in people if is_manager(p) and p.unit_id]
    unit_items, subtree, names, staff_rows = {}, {}, {}, []
    if managers:
        units = list(Unit.objects.values_list("pk", "parent_id", "name"))
        names = {pk: name for pk, _parent, name in units}
        edges = [(pk, parent) for pk, parent, _name in units]
        trees = unit_subtrees(edges, {manager.unit_id for manager in managers})
        for manager in managers:
            subtree[manager.pk] = trees[manager.unit_id]
        all_units = set().union(*subtree.values())
        unit_items = collect_items(start=period.start, end=period.end, unit_ids=all_units)
        staff_rows = list(
            Evaluation.objects.filter(
                period_code=period.code,
                unit_id__in=all_units,
                is_manager=False,
                total_points__isnull=False,
            ).values_list("unit_id", "total_points", "scheme__done_min")
        )
    out = {}
    for person in people:
        scheme = assigned.get(person.unit_id, default)
        rules = scheme.rules()
        own = score_items(items=items.get(person.pk, []), period_end=period.end, rules=rules)
        unit = None
        if person.pk in subtree:
            ids = subtree[person.pk]
            led = [i for uid in ids for i in unit_items.get(uid, [])]
            rows = [row for row in staff_rows if row[0] in ids]
            unit = UnitPart(
                unit_name=names.get(person.unit_id, ""),
                progress_percent=score_items(
                    items=led, period_end=period.end, rules=rules
                ).progress_percent,
                staff_evaluated=len(rows),
                staff_below_done=sum(1 for _u, total, done_min in rows if total < done_min),
            )
        percent, how = results_percent(own=own, unit=unit, rules=rules)
        out[person.pk] = Computed(person, scheme, own, unit, percent, how)
    return out


def _check_evaluator(by: User, person: User) -> None:
    if not can_evaluate(by, person):
        raise ValidationError(_("Bạn không có thẩm quyền đánh giá người này."))


def refresh(evaluation: Evaluation, computed: Computed, *, now: datetime) -> None:
    """Bring an evaluation's figures (not saved) up to the record as computed."""
    evaluation.unit_id = computed.person.unit_id
    evaluation.scheme = computed.scheme
    evaluation.is_manager = computed.unit is not None
    evaluation.breakdown = computed.snapshot()
    evaluation.results_points = computed.results_points
    evaluation.computed_at = now
    general = evaluation.general_points
    evaluation.total_points = (
        None
        if general is None or computed.results_points is None
        else computed.results_points + general
    )
    level = computed.proposed(general)
    evaluation.proposed_level = level.value if level else ""


def once_more_if_created_meanwhile(write):
    """For a write (atomic) that takes its evaluation with `locked`, which cannot lock a row
    that is not there yet: two first writes at once (a double click, two leaders) both insert
    it, and the second fails on the unique constraint once the first commits. It runs once
    more and finds the row saved by the first, locked, as a write after it would (the same
    level again changes nothing; another one is refused)."""

    @functools.wraps(write)
    def run(**kwargs):
        try:
            return write(**kwargs)
        except IntegrityError:
            return write(**kwargs)

    return run


@once_more_if_created_meanwhile
@transaction.atomic
def save_general_points(
    *, person: User, period: Period, by: User, points: Decimal, note: str = "",
    now: datetime | None = None,
) -> Evaluation:  # fmt: skip
    """The evaluator's 30 points of general criteria; the results are computed again from the
    record (until the level is confirmed, when the snapshot is kept)."""
    _check_evaluator(by, person)
    now = now or timezone.now()
    computed = compute(people=[person], period=period)[person.pk]
    maximum = computed.scheme.general_max
    if points is None or not Decimal(0) <= points <= maximum:
        raise ValidationError(
            {"points": _("Điểm tiêu chí chung phải từ 0 đến %(m)s.") % {"m": f"{maximum:g}"}}
        )
    evaluation = locked(Evaluation, period, person=person)
    if evaluation.state == Evaluation.State.CONFIRMED:
        raise ValidationError(_("Phiếu đã được xếp loại, không sửa được nữa."))
    evaluation.general_points = points.quantize(TWO, ROUND_HALF_UP)
    evaluation.general_note = clean(note)[:2000]
    evaluation.evaluated_by, evaluation.evaluated_at = by, now
    refresh(evaluation, computed, now=now)
    evaluation.save()
    return evaluation


def locked(model: type[Rated], period: Period, **owner) -> Rated:
    """The evaluation of `owner` (a person or a unit) for the period, locked for the rest of the
    transaction; a new one (not saved) when there is none yet."""
    row = model.objects.select_for_update().filter(period_code=period.code, **owner).first()
    return row or model(
        period_code=period.code,
        period_label=period.label,
        period_start=period.start,
        period_end=period.end,
        **owner,
    )


def already_confirmed(row: Rated, level: str) -> bool:
    """True when the same level was confirmed before (a double post changes nothing); an error
    when another was: a confirmed evaluation is locked."""
    if level not in Level.values:
        raise ValidationError({"level": _("Chọn một mức xếp loại.")})
    if row.state != Rated.State.CONFIRMED:
        return False
    if row.confirmed_level == level:
        return True
    raise ValidationError(_("Phiếu đã được xếp loại, không sửa được nữa."))


def set_confirmed(row: Rated, *, level: str, reason: str, by: User, now: datetime) -> None:
    """The evaluator's level on a row whose proposed level was just computed: another level
    than the proposed one needs a reason."""
    reason = clean(reason)[:2000]
    if level != row.proposed_level and not reason:
        raise ValidationError(
            {"reason": _("Mức xếp loại khác mức đề xuất: xin nêu lý do thay đổi.")}
        )
    row.confirmed_level = level
    row.change_reason = reason if level != row.proposed_level else ""
    row.state = Rated.State.CONFIRMED
    row.confirmed_by, row.confirmed_at = by, now


@once_more_if_created_meanwhile
@transaction.atomic
def confirm_level(
    *, person: User, period: Period, by: User, level: str, reason: str = "",
    now: datetime | None = None,
) -> Evaluation:  # fmt: skip
    """The evaluator confirms the proposed level or sets another one, with a reason. Confirming
    the same level twice changes nothing."""
    _check_evaluator(by, person)
    evaluation = locked(Evaluation, period, person=person)
    if already_confirmed(evaluation, level):
        return evaluation
    scheme = UnitScheme.assigned().get(person.unit_id) or Scheme.default()
    if scheme.kind == SchemeKind.POINTS and evaluation.general_points is None:
        raise ValidationError(_("Cần chấm điểm tiêu chí chung trước khi xếp loại."))
    now = now or timezone.now()
    refresh(evaluation, compute(people=[person], period=period)[person.pk], now=now)
    set_confirmed(evaluation, level=level, reason=reason, by=by, now=now)
    if evaluation.evaluated_by_id is None:
        evaluation.evaluated_by, evaluation.evaluated_at = by, now
    evaluation.save()
    return evaluation


def can_judge(user: User, task: Task) -> bool:
    """The unit head who evaluates the assignee judges the task: factor, standard, cause."""
    return task.assignee_id is not None and can_evaluate(user, task.assignee)


def set_factor(*, task: Task, factor: Decimal, by: User, now: datetime | None = None) -> TaskFactor:
    if not can_judge(by, task):
        raise ValidationError(_("Bạn không có thẩm quyền đặt hệ số quy đổi cho nhiệm vụ này."))
    if factor is None or not Decimal("0.1") <= factor <= Decimal(10):
        raise ValidationError({"factor": _("Hệ số quy đổi phải từ 0,1 đến 10.")})
    row, _created = TaskFactor.objects.update_or_create(
        task=task, defaults={"factor": factor, "set_by": by, "set_at": now or timezone.now()}
    )
    return row


def judge(
    *, task: Task, occurrence: Occurrence | None, kind: str, note: str, by: User,
    now: datetime | None = None,
) -> TaskJudgement:  # fmt: skip
    if not can_judge(by, task):
        raise ValidationError(_("Bạn không có thẩm quyền nhận xét nhiệm vụ này."))
    if kind not in TaskJudgement.Kind.values:
        raise ValidationError({"kind": _("Chọn loại nhận xét.")})
    if occurrence is not None and occurrence.task_id != task.pk:
        raise ValidationError(_("Kỳ không thuộc nhiệm vụ này."))
    note = clean(note)[:2000]
    if not note:
        raise ValidationError({"note": _("Xin ghi nội dung nhận xét hoặc nguyên nhân.")})
    return TaskJudgement.objects.create(
        task=task, occurrence=occurrence, kind=kind, note=note, by=by, at=now or timezone.now()
    )
