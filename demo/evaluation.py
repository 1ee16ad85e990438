"""Last quarter's evaluation in the demo: the Centre's viên chức on the criteria scheme, a task
weighted double, one result sent back and one delay excused, staff evaluated by their unit heads
and unit heads by their leaders. Those with no work due in the quarter on the portal get their
general points and wait for the evaluator's level; one sheet is left for the unit head to finish.
Then each leader confirms the units in their charge as bodies, but for one left to do.
Loading again adds nothing."""

from __future__ import annotations

import zlib
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.utils import timezone

from accounts.models import Role, User
from evaluation import services
from evaluation.models import Evaluation, Scheme, TaskJudgement, UnitEvaluation, UnitScheme
from evaluation.permissions import evaluated_units, evaluatees
from evaluation.record import collect_items
from evaluation.scoring import Level
from evaluation.units import compute_units, confirm_unit_level
from plans.models import Unit
from tasks.models import Occurrence, Task

LEFT_FOR_THE_UNIT_HEAD = "cv.cds2"  # a draft: 30 points given, level not yet confirmed
LEFT_FOR_THE_LEADER = "Đoàn Thanh niên"  # a unit whose level the leader has not confirmed yet


def _at(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(15, 0)))


def _general(username: str) -> Decimal:
    """25–29 points, the same for a person on every load."""
    return Decimal(25 + zlib.crc32(username.encode()) % 5)


def _judgements(period, *, head: User, person: User, at: datetime) -> None:
    """The unit head weighs one task double, sends one result back, and confirms the cause of
    one delay: so the sheet shows each rule at work."""
    items = collect_items(start=period.start, end=period.end, person_ids=[person.pk])
    done = [i for i in items.get(person.pk, []) if i.completed_on]
    if not done or TaskJudgement.objects.filter(task__assignee=person).exists():
        return
    # The piece of work that stands alone (a quarterly report, not one of thirteen weekly ones).
    per_task: dict[int, int] = {}
    for i in done:
        per_task[i.task_id] = per_task.get(i.task_id, 0) + 1
    whole = min(done, key=lambda i: (per_task[i.task_id], i.due))
    services.set_factor(task=Task.objects.get(pk=whole.task_id), factor=Decimal(2), by=head, now=at)
    sent_back = next((i for i in done if i.task_id != whole.task_id), None)
    if sent_back is not None:
        services.judge(
            task=Task.objects.get(pk=sent_back.task_id),
            occurrence=Occurrence.objects.filter(pk=sent_back.occurrence_id).first(),
            kind=TaskJudgement.Kind.NOT_UP_TO_STANDARD,
            note="Báo cáo thiếu số liệu của hai đơn vị phối hợp; đã yêu cầu bổ sung.",
            by=head,
            now=at,
        )
    late = [i for i in done if i.completed_on > i.due and i is not sent_back]
    if late:
        services.judge(
            task=Task.objects.get(pk=late[0].task_id),
            occurrence=Occurrence.objects.filter(pk=late[0].occurrence_id).first(),
            kind=TaskJudgement.Kind.DELAY_CAUSE,
            note="Hệ thống quản lý văn bản gián đoạn ba ngày do nâng cấp (đã xác nhận).",
            by=head,
            now=at,
        )


def _evaluate(person: User, period, *, by: User, at: datetime, confirm: bool) -> Evaluation:
    existing = Evaluation.objects.filter(person=person, period_code=period.code).first()
    if existing is not None:
        return existing
    evaluation = services.save_general_points(
        person=person, period=period, by=by, points=_general(person.username),
        note="Chấp hành tốt kỷ luật, kỷ cương; thái độ phục vụ tận tình.", now=at,
    )  # fmt: skip
    if not (confirm and evaluation.proposed_level):
        return evaluation
    level, reason = evaluation.proposed_level, ""
    if (
        level == Level.EXCELLENT
        and Evaluation.objects.filter(
            period_code=period.code,
            unit_id=person.unit_id,
            is_manager=evaluation.is_manager,
            confirmed_level=Level.EXCELLENT,
        ).exists()
    ):
        # The evaluator keeps "xuất sắc" within 20% of "tốt" in the group, and says so.
        level = Level.GOOD
        reason = (
            "Đơn vị đã có người xếp loại xuất sắc; bảo đảm tỷ lệ không quá 20% số xếp loại tốt."
        )
    return services.confirm_level(
        person=person, period=period, by=by, level=level, reason=reason, now=at
    )


def _evaluate_units(leader: User, period, *, at: datetime) -> None:
    """The leader confirms the proposed level of each unit in their charge (as a body)."""
    done = UnitEvaluation.objects.filter(period_code=period.code).values("unit_id")
    units = evaluated_units(leader).exclude(short_name=LEFT_FOR_THE_LEADER).exclude(pk__in=done)
    for c in compute_units(units=list(units), period=period).values():
        if c.proposed is not None:
            confirm_unit_level(unit=c.unit, period=period, by=leader, level=c.proposed, now=at)


def load_evaluation(*, today: date) -> int:
    """Evaluations for the quarter before `today`. Returns how many exist for it."""
    period = services.evaluation_period(services.last_quarter(today))
    centre = Unit.objects.filter(short_name="Trung tâm KH&CN").first()
    if centre:
        UnitScheme.objects.get_or_create(unit=centre, defaults={"scheme": Scheme.criteria()})
    at = _at(min(period.end + timedelta(days=5), today))
    heads = User.objects.filter(role__in=[Role.UNIT_HEAD, Role.OFFICE], unit__isnull=False)
    # Staff first: a unit head's sheet counts how their staff were rated.
    for head in heads.order_by("role", "username"):
        for person in evaluatees(head).order_by("username"):
            _judgements(period, head=head, person=person, at=at)
            confirm = person.username != LEFT_FOR_THE_UNIT_HEAD
            _evaluate(person, period, by=head, at=at, confirm=confirm)
    for leader in User.objects.filter(role=Role.LEADERSHIP).order_by("username"):
        for person in evaluatees(leader).order_by("username"):
            _evaluate(person, period, by=leader, at=at + timedelta(days=2), confirm=True)
    for leader in User.objects.filter(role=Role.LEADERSHIP).order_by("username"):
        _evaluate_units(leader, period, at=at + timedelta(days=4))
    return Evaluation.objects.filter(period_code=period.code).count()
