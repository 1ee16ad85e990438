"""The campaign's figures, read from the record: who has signed, how many key tasks are tracked
with data, bottlenecks that do not move, the late-task reduction, each target's path and chart.
Pure reads: time is passed in."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.db.models import Count, Exists, F, Max, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Role, User
from campaign.models import (
    Bottleneck,
    BottleneckState,
    Campaign,
    Commitment,
    CommitmentRound,
    Registration,
    RegistrationKind,
    RegistrationState,
)
from plans.deadlines.kinds import PERIODIC
from plans.models import Comparator, Target, TargetResult, Unit
from tasks.models import Occurrence, ProgressUpdate, Task
from tasks.punctuality import Status


def scope_unit_ids(campaign: Campaign) -> set[int] | None:
    """The units the campaign covers: the issuing unit and those below it (None: every unit)."""
    root = campaign.plan.issuing_unit_id
    return Unit.objects.descendant_ids({root}) if root else None


def expected_signers(campaign: Campaign):
    """Who must sign (100% CBCCVC): every active person of a unit the campaign covers, except
    the administrators of the system."""
    people = User.objects.filter(is_active=True, unit__isnull=False).exclude(role=Role.ADMIN)
    units = scope_unit_ids(campaign)
    return people.filter(unit_id__in=units) if units is not None else people


def expected_units(campaign: Campaign, *, signers=None):
    """The units whose head signs for them: those of the campaign with an active unit head."""
    signers = expected_signers(campaign) if signers is None else signers
    heads = signers.filter(role=Role.UNIT_HEAD)
    return Unit.objects.filter(pk__in=heads.values("unit_id"))


def share(part: int, whole: int) -> int | None:
    return round(100 * part / whole) if whole else None


# --- commitments ------------------------------------------------------------------------------


@dataclass
class SigningRow:
    person: User
    commitment: Commitment | None


@dataclass
class RoundStatus:
    round: CommitmentRound
    people: list[SigningRow]
    units: list[tuple[Unit, Commitment | None]]

    @property
    def signed(self) -> int:
        return sum(1 for row in self.people if row.commitment)

    @property
    def rate(self) -> int | None:
        return share(self.signed, len(self.people))

    @property
    def units_signed(self) -> int:
        return sum(1 for _unit, commitment in self.units if commitment)

    @property
    def unsigned(self) -> list[SigningRow]:
        return [row for row in self.people if row.commitment is None]


def signing_rates(campaign: Campaign, today: date) -> list[tuple[date, Decimal]]:
    """The share (%) of the people expected to sign who had signed, at each round's due date
    that has passed and today: the target "100% CBCCVC ký cam kết", from the record."""
    expected = expected_signers(campaign).count()
    if not expected:
        return []
    days = []
    for round in campaign.rounds.filter(opened_on__lte=today).order_by("opened_on", "pk"):
        days.append((round, min(round.due_on, today)))
        if round.due_on < today:
            days.append((round, today))
    signed = list(
        Commitment.objects.filter(round__campaign=campaign, unit__isnull=True).values_list(
            "round_id", "signed_on"
        )
    )
    rates = {}
    for round, day in days:
        count = sum(1 for round_id, on in signed if round_id == round.pk and on <= day)
        rates[day] = (Decimal(100) * count / expected).quantize(Decimal("0.01"))
    return sorted(rates.items())


def round_status(round: CommitmentRound) -> RoundStatus:
    """Every person and unit expected to sign, with their commitment if signed (three queries)."""
    signed = list(Commitment.objects.filter(round=round))
    personal = {c.signer_id: c for c in signed if c.unit_id is None}
    for_unit = {c.unit_id: c for c in signed if c.unit_id is not None}
    signers = expected_signers(round.campaign)
    people = signers.select_related("unit").order_by("unit__order", "unit__name", "full_name")
    units = expected_units(round.campaign, signers=signers).order_by("order", "name")
    return RoundStatus(
        round=round,
        people=[SigningRow(person, personal.get(person.pk)) for person in people],
        units=[(unit, for_unit.get(unit.pk)) for unit in units],
    )


# --- registrations ----------------------------------------------------------------------------

TRACKED_WITH_DATA = _(
    "Một nhiệm vụ trọng tâm được “theo dõi bằng dữ liệu” khi có đủ ba điều: có người thực hiện "
    "(cán bộ đầu mối), có hạn hoàn thành (hoặc là nhiệm vụ định kỳ, thường xuyên có kỳ), và có "
    "ít nhất một lần cập nhật tiến độ trên cổng."
)


def tracked_with_data() -> Q:
    """The filter behind TRACKED_WITH_DATA, on Task rows annotated `has_update`."""
    return Q(assignee__isnull=False, has_update=True) & (
        Q(due_date__isnull=False) | Q(deadline_kind__in=PERIODIC)
    )


@dataclass
class KeyTracking:
    total: int
    tracked: int

    @property
    def rate(self) -> int | None:
        return share(self.tracked, self.total)


def key_task_tracking(campaign: Campaign, *, unit_ids: set[int] | None = None) -> KeyTracking:
    """The seed's "100% of key tasks are tracked with data", over the tasks approved as key."""
    approved = Registration.objects.filter(
        campaign=campaign, kind=RegistrationKind.KEY, state=RegistrationState.APPROVED
    )
    if unit_ids is not None:
        approved = approved.filter(unit_id__in=unit_ids)
    tasks = Task.objects.filter(pk__in=approved.values("task_id")).annotate(
        has_update=Exists(ProgressUpdate.objects.filter(task=OuterRef("pk")))
    )
    counts = tasks.aggregate(total=Count("pk"), tracked=Count("pk", filter=tracked_with_data()))
    return KeyTracking(total=counts["total"], tracked=counts["tracked"])


def annotate_tracking(registrations):
    """Registrations with `tracked` (their task is tracked with data), in the same query."""
    updates = ProgressUpdate.objects.filter(task=OuterRef("task_id"))
    return registrations.annotate(task_has_update=Exists(updates))


def is_tracked(registration: Registration) -> bool:
    task = registration.task
    if task is None:
        return False
    dated = task.due_date is not None or task.deadline_kind in PERIODIC
    return bool(task.assignee_id and dated and registration.task_has_update)


# --- bottlenecks ------------------------------------------------------------------------------


def with_movement(bottlenecks):
    """Annotate `task_moved`: the last progress update of its clearing tasks."""
    return bottlenecks.annotate(task_moved=Max("tasks__last_update_at"))


def last_movement(bottleneck: Bottleneck) -> date:
    """The day it last moved: a change of state or note, a clearing task added, or a progress
    update on one of its clearing tasks."""
    moments = [bottleneck.moved_at, getattr(bottleneck, "task_moved", None)]
    return timezone.localdate(max(m for m in moments if m is not None))


def stall_days(bottleneck: Bottleneck, *, today: date) -> int | None:
    """Days without movement when it is at least BOTTLENECK_STALL_DAYS and still open."""
    if bottleneck.state == BottleneckState.CLEARED:
        return None
    days = (today - last_movement(bottleneck)).days
    return days if days >= settings.BOTTLENECK_STALL_DAYS else None


def stalled_bottlenecks(*, today: date) -> list[tuple[Bottleneck, date]]:
    since = today - timedelta(days=settings.BOTTLENECK_STALL_DAYS)
    candidates = with_movement(
        Bottleneck.objects.exclude(state=BottleneckState.CLEARED).filter(moved_at__date__lte=since)
    ).select_related("unit", "responsible", "leader")
    return [(b, last_movement(b)) for b in candidates if stall_days(b, today=today) is not None]


# --- the late-task reduction ------------------------------------------------------------------

LATE_DEFINITION = _(
    "Nhiệm vụ trễ hạn: nhiệm vụ (hoặc kỳ của nhiệm vụ định kỳ) có hạn trong khoảng, không bị hủy, "
    "hoàn thành sau hạn hoặc đến ngày tính vẫn chưa hoàn thành dù đã quá hạn. Khoảng gốc là "
    "từng ấy ngày ngay trước ngày phát động phong trào; khoảng so sánh có cùng độ dài, kết thúc "
    "vào ngày tính (tối đa 365 ngày). Mức giảm = (gốc − hiện tại) / gốc."
)


@dataclass
class LateReduction:
    as_of: date
    baseline_start: date
    baseline_end: date
    current_start: date
    current_end: date
    baseline: int
    current: int

    @property
    def percent(self) -> Decimal | None:
        if not self.baseline:
            return None
        return (Decimal(100) * (self.baseline - self.current) / self.baseline).quantize(
            Decimal("0.01")
        )


def _late_between(*, start: date, end: date, as_of: date) -> Q:
    late = Q(completed_on__gt=F("due_date")) | Q(completed_on__isnull=True, due_date__lt=as_of)
    return Q(due_date__gte=start, due_date__lte=end) & late


def late_task_reduction(campaign: Campaign, *, as_of: date) -> LateReduction:
    """Late tasks in the window before the campaign against an equal window ending `as_of`,
    over the tasks led by the units the campaign covers (two queries)."""
    length = max(1, min((as_of - campaign.started_on).days + 1, 365))
    baseline_end = campaign.started_on - timedelta(days=1)
    windows = {
        "baseline": (baseline_end - timedelta(days=length - 1), baseline_end),
        "current": (as_of - timedelta(days=length - 1), as_of),
    }
    units = scope_unit_ids(campaign)
    tasks = Task.objects.tracked().exclude(deadline_kind__in=PERIODIC)
    periods = Occurrence.objects.filter(task__fans_out=False)
    if units is not None:
        tasks = tasks.filter(lead_unit_id__in=units)
        periods = periods.filter(task__lead_unit_id__in=units)
    counts = dict.fromkeys(windows, 0)
    for rows in (tasks.exclude(status=Status.CANCELLED), periods.exclude(status=Status.CANCELLED)):
        found = rows.aggregate(
            **{
                name: Count("pk", filter=_late_between(start=start, end=end, as_of=as_of))
                for name, (start, end) in windows.items()
            }
        )
        for name in windows:
            counts[name] += found[name]
    return LateReduction(
        as_of=as_of,
        baseline_start=windows["baseline"][0],
        baseline_end=baseline_end,
        current_start=windows["current"][0],
        current_end=as_of,
        baseline=counts["baseline"],
        current=counts["current"],
    )


def quarter_ends(start: date, end: date) -> list[date]:
    days, year = [], start.year
    while year <= end.year:
        for month, day in ((3, 31), (6, 30), (9, 30), (12, 31)):
            moment = date(year, month, day)
            if start < moment < end:
                days.append(moment)
        year += 1
    return days


# --- targets: path, flag and chart ------------------------------------------------------------


@dataclass
class Point:
    day: date
    value: Decimal
    expected: Decimal | None = None
    behind: bool = False
    result: TargetResult | None = None
    x: float = 0
    y: float = 0


@dataclass
class TargetTrend:
    target: Target
    start: date
    due: date
    start_value: Decimal
    points: list[Point]
    computed: bool = False
    chart: dict = field(default_factory=dict)

    @property
    def latest(self) -> Point | None:
        return self.points[-1] if self.points else None

    @property
    def behind(self) -> bool:
        return bool(self.latest and self.latest.behind)

    @property
    def met(self) -> bool:
        return bool(self.latest and self.target.is_met(self.latest.value))


PATH_DEFINITION = _(
    "Lộ trình: đường thẳng từ giá trị kỳ gốc vào ngày phát động (chỉ tiêu giảm/tăng so với kỳ "
    "gốc: 0%; chưa có giá trị kỳ gốc: số liệu đầu tiên, vào kỳ của nó) tới giá trị mục tiêu vào "
    "hạn hoàn thành chỉ tiêu. "
    "Chỉ tiêu bị đánh dấu chậm khi số liệu mới nhất kém hơn lộ trình tại kỳ đó."
)


def expected_on(day: date, *, start: date, due: date, start_value: Decimal, goal: Decimal):
    if day >= due or due <= start:
        return goal
    if day <= start:
        return start_value
    fraction = Decimal((day - start).days) / Decimal((due - start).days)
    return (start_value + (goal - start_value) * fraction).quantize(Decimal("0.01"))


def is_behind(target: Target, value: Decimal, expected: Decimal) -> bool:
    if target.comparator == Comparator.AT_MOST:
        return value > expected
    return value < expected


def target_trend(
    target: Target, *, campaign: Campaign | None, results=None, today: date
) -> TargetTrend:
    """The figures of a target over time against its path; the late-task target of a campaign
    is computed from the task record at each quarter's end and today."""
    start = campaign.started_on if campaign else target.plan.reference_date
    due = campaign.targets_due_on if campaign else date(start.year, 12, 31)
    signing = bool(campaign and campaign.commitment_target_id == target.pk)
    computed = signing or bool(campaign and campaign.late_task_target_id == target.pk)
    if signing:
        points = [Point(day=day, value=value) for day, value in signing_rates(campaign, today)]
    elif computed:
        days = [*quarter_ends(campaign.started_on, today), today]
        points = []
        for day in days:
            figure = late_task_reduction(campaign, as_of=day).percent
            if figure is not None:
                points.append(Point(day=day, value=figure))
    else:
        rows = results if results is not None else target.results.select_related("unit")
        points = [
            Point(day=r.period_end, value=r.value, result=r)
            for r in sorted(rows, key=lambda r: (r.period_end, r.pk))
        ]
    relative = target.comparator in (Comparator.REDUCE_BY, Comparator.INCREASE_BY)
    if relative:
        start_value = Decimal(0)
    elif target.baseline_value is not None:
        start_value = target.baseline_value
    elif points:
        # No baseline: the path starts from the first figure, on the day it was taken.
        start, start_value = min(points[0].day, due), points[0].value
    else:
        start_value = Decimal(0)
    for point in points:
        point.expected = expected_on(
            point.day, start=start, due=due, start_value=start_value, goal=target.target_value
        )
        point.behind = is_behind(target, point.value, point.expected)
    trend = TargetTrend(
        target=target, start=start, due=due, start_value=start_value, points=points,
        computed=computed,
    )  # fmt: skip
    trend.chart = chart(trend)
    return trend


WIDTH, HEIGHT, LEFT, RIGHT, TOP, BOTTOM = 520, 240, 52, 20, 16, 36


def chart(trend: TargetTrend) -> dict:
    """Coordinates for an inline SVG: the figures, the path and the goal line."""
    first = min([trend.start, *(p.day for p in trend.points)])
    last = max([trend.due, *(p.day for p in trend.points)])
    values = [trend.target.target_value, trend.start_value, *(p.value for p in trend.points)]
    # The axis hugs the figures (a rate moving from 90% to 93% must be seen to move), with room
    # around them; it starts at 0 only when the figures come near it.
    low, high = min(values), max(values)
    margin = (high - low) * Decimal("0.15") or Decimal(1)
    low, high = low - margin, high + margin
    if low < 0 <= min(values):
        low = Decimal(0)
    span_days = max((last - first).days, 1)

    def x(day: date) -> float:
        return round(LEFT + (WIDTH - LEFT - RIGHT) * (day - first).days / span_days, 1)

    def y(value: Decimal) -> float:
        ratio = float((value - low) / (high - low)) if high != low else 0.0
        return round(HEIGHT - BOTTOM - (HEIGHT - TOP - BOTTOM) * ratio, 1)

    for point in trend.points:
        point.x, point.y = x(point.day), y(point.value)
    ticks = [low + (high - low) * Decimal(i) / 4 for i in range(5)]
    precision = ".0f" if high - low >= 8 else ".1f"
    return {
        "width": WIDTH,
        "height": HEIGHT,
        "left": LEFT,
        "right": WIDTH - RIGHT,
        "bottom": HEIGHT - BOTTOM,
        "line": " ".join(f"{p.x},{p.y}" for p in trend.points),
        "path": f"{x(trend.start)},{y(trend.start_value)} {x(trend.due)},"
        f"{y(trend.target.target_value)}",
        "goal_y": y(trend.target.target_value),
        "y_ticks": [(y(t), format(t, precision)) for t in ticks],
        "x_ticks": [
            (x(first), "start", first.strftime("%m/%Y")),
            (x(last), "end", last.strftime("%m/%Y")),
        ],
    }
