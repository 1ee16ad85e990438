"""The emulation ranking (xếp hạng thi đua) of a campaign, for one of its phases or the whole
of it, read from the record; pure reads, time passed in.

A unit's score is the weighted mean, out of 100, of four shares in the span:
- on-time rate: the report's rate (`Figures.on_time_rate`) over the tasks the unit (and the units
  under it) leads that fell due in the span;
- targets met: of the targets the unit follows, those whose latest figure up to the end of the
  span meets the goal;
- registrations completed: of the unit's approved key, breakthrough and backlog tasks due in the
  span, those done by its end;
- bottlenecks cleared: of the unit's bottlenecks recorded by the end of the span, those cleared.

A share a unit has nothing to be measured on (no target, no bottleneck…) is left out and the
other weights count in its place: a unit is neither rewarded nor punished for an empty column.
The weights are the campaign's (set by Văn phòng), as are the thresholds of the lists proposed
for awards (khen thưởng) and for accountability (xem xét trách nhiệm).

A person is ranked within their unit on the on-time rate of the tasks assigned to them, then on
how many they completed: the other shares belong to units, not to persons.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from campaign.figures import expected_signers, expected_units
from campaign.models import (
    Bottleneck,
    BottleneckState,
    Campaign,
    Registration,
    RegistrationState,
)
from plans.models import Target, TargetResult, Unit
from tasks.dashboards import add_figures
from tasks.figures import Figures, count_figures_by
from tasks.models import Task
from tasks.punctuality import Status

# A person is proposed for an award, or for accountability, only on this many judged tasks.
MIN_JUDGED_TASKS = 3

CRITERIA = (
    ("on_time", _("Tỷ lệ hoàn thành đúng hạn")),
    ("targets", _("Chỉ tiêu đạt")),
    ("registrations", _("Nhiệm vụ đăng ký hoàn thành")),
    ("bottlenecks", _("Điểm nghẽn đã tháo gỡ")),
)


@dataclass(frozen=True)
class Span:
    """What is ranked: a phase of the campaign's plan, or the whole campaign, up to `end`."""

    label: str
    start: date
    end: date


@dataclass
class Share:
    part: int
    whole: int

    @property
    def rate(self) -> float | None:
        return round(100 * self.part / self.whole, 1) if self.whole else None


@dataclass
class UnitScore:
    unit: Unit
    figures: Figures
    shares: dict[str, Share]
    score: float | None = None
    rank: int | None = None

    @property
    def on_time_rate(self) -> float | None:
        return self.figures.on_time_rate


@dataclass
class PersonScore:
    person: User
    figures: Figures
    rank: int | None = None

    @property
    def score(self) -> float | None:
        return self.figures.on_time_rate


@dataclass
class Ranking:
    span: Span
    weights: dict[str, int]
    units: list[UnitScore]
    people: dict[int, list[PersonScore]] = field(default_factory=dict)  # by unit id
    award_threshold: int = 90
    accountability_threshold: int = 50

    @property
    def units_for_award(self) -> list[UnitScore]:
        return [u for u in self.units if u.score is not None and u.score >= self.award_threshold]

    @property
    def units_for_accountability(self) -> list[UnitScore]:
        limit = self.accountability_threshold
        return [u for u in self.units if u.score is not None and u.score < limit]

    def _people_where(self, keep) -> list[PersonScore]:
        return [
            p
            for people in self.people.values()
            for p in people
            if p.score is not None
            and p.figures.done + p.figures.overdue >= MIN_JUDGED_TASKS
            and keep(p)
        ]

    @property
    def people_for_award(self) -> list[PersonScore]:
        return self._people_where(lambda p: p.score >= self.award_threshold)

    @property
    def people_for_accountability(self) -> list[PersonScore]:
        return self._people_where(lambda p: p.score < self.accountability_threshold)


def campaign_weights(campaign: Campaign) -> dict[str, int]:
    return {
        "on_time": campaign.weight_on_time,
        "targets": campaign.weight_targets,
        "registrations": campaign.weight_registrations,
        "bottlenecks": campaign.weight_bottlenecks,
    }


def spans(campaign: Campaign, *, today: date) -> list[tuple[str, Span]]:
    """(key, span) for the whole campaign ("all") and each of its plan's phases that has begun
    (key: the phase's order), each ending on its last day or today, whichever comes first."""
    start = campaign.started_on
    found = [
        (
            "all",
            Span(str(_("Toàn phong trào")), start, min(campaign.targets_due_on, today)),
        )
    ]
    for phase in campaign.plan.phases.order_by("order"):
        first = phase.start or start
        if first > today:
            continue
        last = min(phase.end or campaign.targets_due_on, today)
        found.append((str(phase.order), Span(phase.name, first, last)))
    return found


def weighted_score(shares: dict[str, Share], weights: dict[str, int]) -> float | None:
    """The weighted mean of the shares that have something to measure (None: none has)."""
    measured = [(weights[k], s.rate) for k, s in shares.items() if s.rate is not None]
    total = sum(weight for weight, _rate in measured)
    if not total:
        return None
    return round(sum(weight * rate for weight, rate in measured) / total, 1)


def _rank(scored: list, key) -> None:
    """Competition ranking (1, 2, 2, 4), best first; what has no score has no rank."""
    ordered = sorted((s for s in scored if key(s) is not None), key=key, reverse=True)
    for position, item in enumerate(ordered, start=1):
        previous = ordered[position - 2] if position > 1 else None
        same = previous is not None and key(previous) == key(item)
        item.rank = previous.rank if same else position


def _by_owner(values: dict[int, object], owners: dict[int, int]) -> dict[int, list]:
    grouped: dict[int, list] = defaultdict(list)
    for unit_id, value in values.items():
        if unit_id in owners:
            grouped[owners[unit_id]].append(value)
    return grouped


def _target_shares(campaign: Campaign, owners: dict[int, int], *, end: date) -> dict[int, Share]:
    targets = Target.objects.filter(plan=campaign.plan, responsible_unit_id__in=owners)
    latest: dict[int, TargetResult] = {}
    results = TargetResult.objects.filter(target__in=targets, period_end__lte=end)
    for result in results.order_by("period_end", "pk"):
        latest[result.target_id] = result
    shares: dict[int, Share] = defaultdict(lambda: Share(0, 0))
    for target in targets:
        owner = owners[target.responsible_unit_id]
        share = shares[owner]
        share.whole += 1
        result = latest.get(target.pk)
        share.part += bool(result is not None and target.is_met(result.value))
    return shares


def _registration_shares(
    campaign: Campaign, owners: dict[int, int], *, span: Span
) -> dict[int, Share]:
    due_in_span = Q(due_date__range=(span.start, span.end)) | Q(
        due_date__isnull=True, task__due_date__range=(span.start, span.end)
    )
    registrations = Registration.objects.filter(
        due_in_span, campaign=campaign, state=RegistrationState.APPROVED, unit_id__in=owners
    ).values_list("unit_id", "task__status", "task__completed_on")
    shares: dict[int, Share] = defaultdict(lambda: Share(0, 0))
    for unit_id, status, completed_on in registrations:
        share = shares[owners[unit_id]]
        share.whole += 1
        share.part += bool(status == Status.DONE and completed_on and completed_on <= span.end)
    return shares


def _bottleneck_shares(
    campaign: Campaign, owners: dict[int, int], *, end: date
) -> dict[int, Share]:
    bottlenecks = Bottleneck.objects.filter(
        campaign=campaign, unit_id__in=owners, created_at__date__lte=end
    ).values_list("unit_id", "state", "cleared_on")
    shares: dict[int, Share] = defaultdict(lambda: Share(0, 0))
    for unit_id, state, cleared_on in bottlenecks:
        share = shares[owners[unit_id]]
        share.whole += 1
        share.part += bool(state == BottleneckState.CLEARED and cleared_on and cleared_on <= end)
    return shares


def ranked_units(campaign: Campaign) -> list[Unit]:
    """The units ranked: those directly under the unit that issued the campaign's plan (its
    Văn phòng, divisions and centres), else those with a unit head."""
    root = campaign.plan.issuing_unit_id
    units = Unit.objects.filter(parent_id=root, is_active=True) if root else Unit.objects.none()
    if not units.exists():
        units = expected_units(campaign)
    return list(units.order_by("order", "name"))


def rank(campaign: Campaign, *, span: Span, with_people: bool = True) -> Ranking:
    """The ranking of the campaign's units (and of the persons in each) over `span`."""
    units = ranked_units(campaign)
    # Each ranked unit and the units under it (a task led by a team counts for its division).
    subtrees = Unit.objects.subtrees([unit.pk for unit in units])
    owners = {member: unit for unit, members in subtrees.items() for member in members}
    due = Task.objects.tracked().filter(due_date__range=(span.start, span.end))
    per_unit = count_figures_by(due.filter(lead_unit_id__in=owners), "lead_unit_id", today=span.end)
    figures = {k: add_figures(v) for k, v in _by_owner(per_unit, owners).items()}
    shares_of = {
        "targets": _target_shares(campaign, owners, end=span.end),
        "registrations": _registration_shares(campaign, owners, span=span),
        "bottlenecks": _bottleneck_shares(campaign, owners, end=span.end),
    }
    weights = campaign_weights(campaign)
    scores = []
    for unit in units:
        unit_figures = figures.get(unit.pk, Figures())
        shares = {
            "on_time": Share(unit_figures.on_time, unit_figures.done + unit_figures.overdue),
            **{name: found.get(unit.pk, Share(0, 0)) for name, found in shares_of.items()},
        }
        scores.append(
            UnitScore(
                unit=unit,
                figures=unit_figures,
                shares=shares,
                score=weighted_score(shares, weights),
            )
        )
    _rank(scores, key=lambda s: s.score)
    ranking = Ranking(
        span=span,
        weights=weights,
        units=sorted(scores, key=lambda s: (s.rank is None, s.rank or 0, s.unit.order)),
        award_threshold=campaign.award_threshold,
        accountability_threshold=campaign.accountability_threshold,
    )
    if with_people:
        ranking.people = _people(campaign, owners=owners, span=span)
    return ranking


def _people(campaign: Campaign, *, owners: dict[int, int], span: Span) -> dict:
    """Persons by their own work, as their evaluation counts it (evaluation.record): the
    sub-tasks of a break-down they hold count, and a task they hold with one of its sub-tasks
    counts through the sub-task only."""
    people = expected_signers(campaign).filter(unit_id__in=owners).order_by("full_name", "pk")
    their_part = Task.objects.filter(
        parent=OuterRef("pk"), is_breakdown=True, assignee=OuterRef("assignee")
    ).exclude(status=Status.CANCELLED)
    own_work = (
        Task.objects.worked_on()
        .filter(due_date__range=(span.start, span.end), assignee__in=people)
        .exclude(Exists(their_part))
    )
    per_person = count_figures_by(own_work, "assignee_id", today=span.end)
    grouped: dict[int, list[PersonScore]] = defaultdict(list)
    for person in people:
        grouped[owners[person.unit_id]].append(
            PersonScore(person=person, figures=per_person.get(person.pk, Figures()))
        )
    for scores in grouped.values():
        _rank(scores, key=lambda s: None if s.score is None else (s.score, s.figures.on_time))
        scores.sort(key=lambda s: (s.rank is None, s.rank or 0, s.person.full_name))
    return dict(grouped)
