"""Generated data at the scale of a whole city, for load tests and realistic screens.

A unit tree (city, departments with their divisions and centres, communes), its people, plans
over 2025–2027 and tens of thousands of tasks with deadlines written as officials write them,
periods (kỳ) for recurring and continuous tasks, and a believable history of progress relative
to `today`.

Deterministic: the same `Spec` gives the same data (one `random.Random(seed)`, nothing drawn
from database ids or set order). Everything is written with `bulk_create` in one transaction,
plan by plan in batches so memory stays bounded. Task history rows are not created: generated
tasks have no past edits to show, and writing them would double the time.
"""

from __future__ import annotations

import calendar
import math
import random
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, tzinfo
from decimal import Decimal
from functools import lru_cache
from itertools import accumulate

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import reset_queries, transaction
from django.db.models import QuerySet
from django.utils import timezone

from accounts.models import Role, User
from demo.vocabulary import (
    CENTRES,
    CHANGE_REASONS,
    CITIES,
    COMMUNE_CENTRE,
    COMMUNE_DIVISIONS,
    CONDITIONS,
    DELAY_REASONS,
    DEPARTMENTS,
    DIFFICULTIES,
    DIVISIONS,
    DOCUMENT_KINDS,
    GIVEN_NAMES,
    HEAD_TITLES,
    MIDDLE_NAMES,
    PERIODIC_TEXTS,
    PHASE_FOCUS,
    PLACES,
    PRODUCTS,
    PROGRESS_NOTES,
    ROMAN,
    SECTIONS,
    STAFF_TITLES,
    SURNAMES,
    TARGETS,
    TASK_QUALIFIERS,
    TASKS,
    TITLE_PATTERNS,
    TOPICS,
)
from plans.cache import reference_changed
from plans.deadlines import (
    PERIODIC,
    Deadline,
    DeadlineKind,
    Period,
    interpret_deadline,
    occurrence_schedule,
)
from plans.models import Comparator, Phase, Plan, Target, Unit, UnitKind
from plans.text import clean, fold
from tasks.models import ChangeState, DeadlineChange, Occurrence, ProgressUpdate, Task
from tasks.punctuality import Punctuality, Status
from tasks.services import show_current_period

SLUG_PREFIX = "gen-"
USERNAME_PREFIX = "gen-"
ROOT_MARK = "dữ liệu sinh tự động"
PASSWORD = "sinhdulieu"

TASK_BATCH = 2000
ROW_BATCH = 5000
FLUSH_TASKS = 5000  # tasks held in memory before they are written

DEPARTMENT_SHARE = 0.10
CENTRE_SHARE = 0.35
MIN_TASKS, MAX_TASKS = 20, 1500
FAN_OUT_SHARE = 0.05  # rows "giao cho các phòng, đơn vị" in a table of a department
FAN_OUT_TYPICAL = 8  # a row for all 50 departments of a city is rarer than one for 6 divisions
OVERDUE_SHARE = 0.15
# Of the recurring and continuous tasks that have a past period: about one in six has none yet.
PERIODIC_OVERDUE_SHARE = 0.18
ASSIGNED_SHARE = 0.75
PRODUCT_SHARE = 0.92
LAST_DUE = date(2027, 12, 31)


class GenerationError(Exception):
    """The arguments cannot be generated, or this seed's data is already there."""


@dataclass(frozen=True)
class Spec:
    units: int
    plans: int
    tasks: int
    seed: int
    today: date
    users_per_unit: int = 4

    def __post_init__(self) -> None:
        if self.units < 1 or self.plans < 1 or self.tasks < 0 or self.users_per_unit < 1:
            raise GenerationError(
                "Cần ít nhất 1 đơn vị, 1 kế hoạch, 1 người dùng mỗi đơn vị và số nhiệm vụ ≥ 0."
            )


@dataclass
class Summary:
    cleared_tasks: int = 0
    units: int = 0
    users: int = 0
    plans: int = 0
    phases: int = 0
    targets: int = 0
    tasks: int = 0
    tracked: int = 0
    fan_out_rows: int = 0
    coordinations: int = 0
    occurrences: int = 0
    updates: int = 0
    deadline_changes: int = 0


def _table(pairs) -> tuple[list, list[float]]:
    values, weights = zip(*pairs, strict=True)
    return list(values), list(accumulate(weights))


def _pick(rng: random.Random, table: tuple[list, list[float]]):
    values, cumulative = table
    return rng.choices(values, cum_weights=cumulative)[0]


SURNAME_TABLE = _table(SURNAMES)
DOCUMENT_TABLE = _table((kind, weight) for kind, weight, _code in DOCUMENT_KINDS)
DOCUMENT_CODES = {kind: code for kind, _weight, code in DOCUMENT_KINDS}
# How tables write deadlines: ~55% a single date, month, quarter or year; the rest periodic,
# open-ended, conditional, ranges and half-years.
KIND_TABLE = _table(
    [
        (DeadlineKind.DATE, 15),
        (DeadlineKind.MONTH, 12),
        (DeadlineKind.QUARTER, 18),
        (DeadlineKind.YEAR, 10),
        (DeadlineKind.RECURRING, 15),
        (DeadlineKind.CONTINUOUS, 10),
        (DeadlineKind.CONDITIONAL, 5),
        (DeadlineKind.RANGE, 9),
        (DeadlineKind.HALF_YEAR, 6),
    ]
)
# What a task with a written due date turns out to be on `today`.
AIM_TABLE = _table(
    [
        (Punctuality.OVERDUE, OVERDUE_SHARE * 100),
        (Punctuality.DONE_EARLY, 14),
        (Punctuality.DONE_ON_TIME, 10),
        (Punctuality.DONE_LATE, 8),
        (Punctuality.DUE_SOON, 5),
        (Punctuality.ON_TRACK, 25),
        (Punctuality.NOT_STARTED, 17),
        (Punctuality.PAUSED, 3),
        (Punctuality.CANCELLED, 3),
    ]
)
# The same, for a unit's share of a row given to every unit: the due date is already fixed.
AIMS_BY_DUE = {
    "none": _table(
        [
            (Punctuality.ON_TRACK, 55),
            (Punctuality.NOT_STARTED, 35),
            (Punctuality.PAUSED, 5),
            (Punctuality.CANCELLED, 5),
        ]
    ),
    "past": _table(
        [
            (Punctuality.OVERDUE, 35),
            (Punctuality.DONE_ON_TIME, 18),
            (Punctuality.DONE_LATE, 20),
            (Punctuality.DONE_EARLY, 19),
            (Punctuality.PAUSED, 4),
            (Punctuality.CANCELLED, 4),
        ]
    ),
    "soon": _table(
        [
            (Punctuality.DUE_SOON, 75),
            (Punctuality.DONE_EARLY, 15),
            (Punctuality.PAUSED, 5),
            (Punctuality.CANCELLED, 5),
        ]
    ),
    "later": _table(
        [
            (Punctuality.ON_TRACK, 45),
            (Punctuality.NOT_STARTED, 35),
            (Punctuality.DONE_EARLY, 12),
            (Punctuality.PAUSED, 4),
            (Punctuality.CANCELLED, 4),
        ]
    ),
}
COORDINATOR_TABLE = _table([(0, 35), (1, 35), (2, 20), (3, 10)])

_folded = lru_cache(maxsize=8192)(fold)


@lru_cache(maxsize=8192)
def _interpreted(text: str, reference: date) -> Deadline:
    return interpret_deadline(text, reference=reference)


# --- Clearing and the entry point -------------------------------------------------------------


def _raw_delete(queryset: QuerySet) -> int:
    # QuerySet.delete() would load every task and occurrence to send the history signals (one
    # "deleted" history row each) and refuses a unit tree whose parent link is PROTECT.
    return queryset._raw_delete(queryset.db)


def clear_generated() -> int:
    """Delete every generated plan, unit and user, whatever the seed. Returns the tasks deleted."""
    tasks = Task.objects.filter(plan__slug__startswith=SLUG_PREFIX)
    for model in (ProgressUpdate, DeadlineChange, Occurrence, Task.coordinating_units.through):
        _raw_delete(model.objects.filter(task__in=tasks))
    deleted = _raw_delete(tasks)
    Plan.objects.filter(slug__startswith=SLUG_PREFIX).delete()
    User.objects.filter(username__startswith=USERNAME_PREFIX).delete()
    roots = Unit.objects.filter(parent=None, name__contains=f"({ROOT_MARK} #")
    unit_ids = Unit.objects.descendant_ids(set(roots.values_list("pk", flat=True)))
    _raw_delete(Unit.objects.filter(pk__in=unit_ids))
    return deleted


def _root_name(city: str, seed: int) -> str:
    return f"UBND thành phố {city} ({ROOT_MARK} #{seed})"


def _refuse_existing(seed: int, name: str) -> None:
    if (
        Unit.objects.filter(parent=None, name=name).exists()
        or Plan.objects.filter(slug__startswith=f"{SLUG_PREFIX}{seed}-").exists()
        or User.objects.filter(username__startswith=f"{USERNAME_PREFIX}{seed}-").exists()
    ):
        raise GenerationError(
            f"Dữ liệu sinh với seed {seed} đã có (“{name}”). "
            "Chạy lại với --clear để xóa dữ liệu đã sinh rồi sinh lại, hoặc dùng seed khác."
        )


def generate(spec: Spec, *, clear: bool = False) -> Summary:
    with transaction.atomic():
        summary = Summary(cleared_tasks=clear_generated() if clear else 0)
        rng = random.Random(spec.seed)
        city = rng.choice(CITIES)
        _refuse_existing(spec.seed, _root_name(city, spec.seed))
        org = _create_org(rng, spec, city, summary)
        plans = _create_plans(rng, spec, org, city, summary)
        world = _World(spec.today, org, timezone.get_default_timezone())
        batch = _Batch()
        for plan, count in zip(plans, _task_counts(rng, spec.tasks, len(plans)), strict=True):
            _plan_tasks(rng, world, plan, count, batch)
            if len(batch.roots) + len(batch.children) >= FLUSH_TASKS:
                _flush(batch, summary)
                batch = _Batch()
        _flush(batch, summary)
    reference_changed()  # units, people and plans written in bulk send no signal
    return summary


# --- Units and people ---------------------------------------------------------------------------


@dataclass
class _UnitSpec:
    name: str
    kind: str
    parent: int | None  # index in the list of specs
    code: str  # in document numbers: "UBND", "SKHCN"
    depth: int


@dataclass
class _Org:
    root: Unit
    units: list[Unit]
    departments: list[Unit]
    communes: list[Unit]
    codes: dict[int, str]
    children: dict[int, list[Unit]]
    department_of: dict[int, int] = field(default_factory=dict)
    members: dict[int, list[int]] = field(default_factory=dict)  # unit → user ids, head first
    head_names: dict[int, str] = field(default_factory=dict)
    leader_of: dict[int, int] = field(default_factory=dict)  # department → leader in charge


def _unique(name: str, used: set[str]) -> str:
    candidate, number = name, 2
    while candidate in used:
        candidate, number = f"{name} {number}", number + 1
    used.add(candidate)
    return candidate


def _unit_tree(rng: random.Random, total: int, city: str, seed: int) -> list[_UnitSpec]:
    specs = [_UnitSpec(_root_name(city, seed), UnitKind.CITY, None, "UBND", 0)]
    names: dict[int, set[str]] = {0: set()}

    def add(name: str, kind: str, parent: int, code: str = "UBND") -> int | None:
        if len(specs) >= total:
            return None
        specs.append(
            _UnitSpec(
                clean(_unique(name, names[parent])), kind, parent, code, specs[parent].depth + 1
            )
        )
        names[len(specs) - 1] = set()
        return len(specs) - 1

    catalogue = rng.sample(DEPARTMENTS, len(DEPARTMENTS))
    for number in range(max(1, round(total * DEPARTMENT_SHARE))):
        name, code = catalogue[number % len(catalogue)]
        repeat = number // len(catalogue)
        department = add(name, UnitKind.DEPARTMENT, 0, f"{code}{repeat + 1}" if repeat else code)
        if department is None:
            break
        for division in rng.sample(DIVISIONS, rng.randint(4, 8)):
            add(division, UnitKind.DIVISION, department)
        if rng.random() < CENTRE_SHARE:
            add(rng.choice(CENTRES), UnitKind.CENTRE, department)
    while len(specs) < total:
        level = rng.choice(["phường", "xã"])
        commune = add(f"UBND {level} {rng.choice(PLACES)}", UnitKind.COMMUNE, 0)
        offices = [*COMMUNE_DIVISIONS[level], COMMUNE_CENTRE]
        for name in rng.sample(offices, rng.randint(2, 4)):
            add(name, UnitKind.CENTRE if name == COMMUNE_CENTRE else UnitKind.DIVISION, commune)
    return specs


def _create_org(rng: random.Random, spec: Spec, city: str, summary: Summary) -> _Org:
    specs = _unit_tree(rng, spec.units, city, spec.seed)
    created: dict[int, Unit] = {}
    positions: dict[int | None, int] = {}
    for depth in range(max(s.depth for s in specs) + 1):
        level: dict[int, Unit] = {}
        for index, unit_spec in enumerate(specs):
            if unit_spec.depth == depth:
                positions[unit_spec.parent] = positions.get(unit_spec.parent, 0) + 1
                parent = created[unit_spec.parent] if unit_spec.parent is not None else None
                level[index] = Unit(
                    name=unit_spec.name,
                    kind=unit_spec.kind,
                    parent=parent,
                    order=positions[unit_spec.parent],
                )
        Unit.objects.bulk_create(level.values(), batch_size=ROW_BATCH)
        created.update(level)
    units = [created[index] for index in range(len(specs))]
    org = _Org(
        root=units[0],
        units=units,
        departments=[u for u in units if u.kind == UnitKind.DEPARTMENT],
        communes=[u for u in units if u.kind == UnitKind.COMMUNE],
        codes={unit.pk: unit_spec.code for unit, unit_spec in zip(units, specs, strict=True)},
        children={},
    )
    for unit in units[1:]:
        org.children.setdefault(unit.parent_id, []).append(unit)
        if unit.kind == UnitKind.DEPARTMENT:
            org.department_of[unit.pk] = unit.pk
        elif unit.parent_id in org.department_of:
            org.department_of[unit.pk] = unit.parent_id
    summary.units = len(units)
    summary.users = _create_users(rng, spec, org)
    return org


def _head_title(unit: Unit) -> str:
    for prefix, title in (
        ("Văn phòng", "Chánh Văn phòng"),
        ("Thanh tra", "Chánh Thanh tra"),
        ("Ban ", "Trưởng ban"),
    ):
        if unit.name.startswith(prefix):
            return title
    return HEAD_TITLES.get(unit.kind, "Thủ trưởng")


def _full_name(rng: random.Random) -> str:
    gender = rng.choice(("male", "female"))
    middle, given = rng.choice(MIDDLE_NAMES[gender]), rng.choice(GIVEN_NAMES[gender])
    return f"{_pick(rng, SURNAME_TABLE)} {middle} {given}"


def _create_users(rng: random.Random, spec: Spec, org: _Org) -> int:
    # One hash for everyone: hashing 2,000 passwords would take longer than all the tasks.
    password = make_password(PASSWORD)
    users: list[User] = []

    def person(unit: Unit, role: str, title: str, **extra) -> User:
        users.append(
            User(
                username=f"{USERNAME_PREFIX}{spec.seed}-{len(users) + 1:05d}",
                full_name=_full_name(rng),
                title=title,
                role=role,
                unit_id=unit.pk,
                password=password,
                **extra,
            )
        )
        return users[-1]

    members: list[tuple[int, User]] = []
    for unit in org.units:
        head = person(unit, Role.UNIT_HEAD, _head_title(unit))
        org.head_names[unit.pk] = head.full_name
        members.append((unit.pk, head))
        for number in range(spec.users_per_unit - 1):
            title = f"Phó {_head_title(unit)}" if number == 0 else rng.choice(STAFF_TITLES)
            members.append((unit.pk, person(unit, Role.STAFF, title)))
    leaders = [
        person(org.root, Role.LEADERSHIP, "Phó Chủ tịch UBND thành phố")
        for _ in range(min(6, max(1, round(len(org.departments) / 8))))
    ]
    office = next((u for u in org.departments if u.name.startswith("Văn phòng UBND")), org.root)
    for _ in range(3):
        person(office, Role.OFFICE, "Chuyên viên Văn phòng", is_staff=True)
    User.objects.bulk_create(users, batch_size=ROW_BATCH)

    for unit_id, user in members:
        org.members.setdefault(unit_id, []).append(user.pk)
    in_charge = User.units_in_charge.through
    rows = []
    for number, department in enumerate(rng.sample(org.departments, len(org.departments))):
        leader = leaders[number % len(leaders)]
        org.leader_of[department.pk] = leader.pk
        rows.append(in_charge(user_id=leader.pk, unit_id=department.pk))
    in_charge.objects.bulk_create(rows, batch_size=ROW_BATCH)
    return len(users)


# --- Plans --------------------------------------------------------------------------------------


@dataclass
class _Scope:
    """A plan and where its tasks go."""

    plan: Plan
    issuer: Unit
    authority: str
    leads: list[Unit]  # most leads: the units right under the issuer
    others: list[Unit]  # some: deeper in the issuer's tree
    fan_groups: list[tuple[str, list[Unit]]]  # "Các phòng, đơn vị" and who that is
    phases: list[Phase] = field(default_factory=list)


def _month_index(day: date) -> int:
    return day.year * 12 + day.month - 1


def _month_end(index: int) -> date:
    year, month = divmod(index, 12)
    return date(year, month + 1, calendar.monthrange(year, month + 1)[1])


def _issued_as_written(city: str, day: date) -> str:
    month = f"{day.month:02d}" if day.month < 3 else str(day.month)  # "tháng 01", "tháng 02"
    return f"{city}, ngày {day.day:02d} tháng {month} năm {day.year}"


def _issuer(rng: random.Random, org: _Org) -> Unit:
    roll = rng.random()
    if roll < 0.55 and org.departments:
        return rng.choice(org.departments)
    if roll < 0.70 and org.communes:
        return rng.choice(org.communes)
    return org.root


def _scope(plan: Plan, issuer: Unit, org: _Org, body: str) -> _Scope:
    children = org.children.get(issuer.pk, [])
    authority = f"{_head_title(issuer)} {body}"
    if issuer.pk == org.root.pk:
        leads = children or [issuer]
        deeper = [u for u in org.units[1:] if u.parent_id != issuer.pk] or leads
        groups = [("Các sở, ban, ngành", org.departments), ("UBND các xã, phường", org.communes)]
        return _Scope(plan, issuer, authority, leads, deeper, [g for g in groups if len(g[1]) > 1])
    title = "Các phòng, đơn vị thuộc Sở" if issuer.name.startswith("Sở") else "Các phòng, đơn vị"
    groups = [(title, children)] if len(children) > 1 else []
    return _Scope(plan, issuer, authority, children or [issuer], [issuer], groups)


def _create_plans(
    rng: random.Random, spec: Spec, org: _Org, city: str, summary: Summary
) -> list[_Scope]:
    first = date(2025, 1, 1)
    last = max(first, spec.today - timedelta(days=60))  # room for work, updates and delays
    days = sorted(
        first + timedelta(days=rng.randint(0, (last - first).days)) for _ in range(spec.plans)
    )
    numbers: dict[tuple[str, str, int], int] = {}
    scopes: list[_Scope] = []
    parents: list[tuple[Plan, Plan]] = []
    for index, issued in enumerate(days):
        issuer, kind = _issuer(rng, org), _pick(rng, DOCUMENT_TABLE)
        code = org.codes[issuer.pk]
        key = (code, kind, issued.year)
        numbers[key] = numbers.get(key, rng.randint(1, 40)) + rng.randint(1, 25)
        body = f"UBND thành phố {city}" if issuer.pk == org.root.pk else issuer.name
        plan = Plan(
            number=f"{numbers[key]}/{DOCUMENT_CODES[kind]}-{code}",
            kind=kind,
            issuing_body=body,
            issuing_unit=issuer,
            place=city,
            issued_on=issued,
            issued_as_written=_issued_as_written(city, issued),
            title=TITLE_PATTERNS[kind].format(topic=rng.choice(TOPICS), year=issued.year),
            signer_name=org.head_names[issuer.pk],
            signer_title=_head_title(issuer).upper(),
            recipients="UBND thành phố (để b/c);\nCác đơn vị liên quan;\nLưu: VT.",
            slug=f"{SLUG_PREFIX}{spec.seed}-{index + 1}",
        )
        scope = _scope(plan, issuer, org, body)
        plan.default_authority = scope.authority
        city_plans = [s.plan for s in scopes if s.issuer.pk == org.root.pk]
        if issuer.pk != org.root.pk and city_plans and rng.random() < 0.35:
            parents.append((plan, rng.choice(city_plans)))
        scopes.append(scope)
    Plan.objects.bulk_create([s.plan for s in scopes], batch_size=ROW_BATCH)
    for plan, parent in parents:
        plan.parent = parent
    Plan.objects.bulk_update([plan for plan, _parent in parents], ["parent"], batch_size=ROW_BATCH)

    phases, targets = [], []
    for scope in scopes:
        if rng.random() < 0.30:
            scope.phases = _phases(rng, scope.plan)
            phases.extend(scope.phases)
        if rng.random() < 0.35:
            targets.extend(_targets(rng, scope))
    Phase.objects.bulk_create(phases, batch_size=ROW_BATCH)
    Target.objects.bulk_create(targets, batch_size=ROW_BATCH)
    summary.plans, summary.phases, summary.targets = len(scopes), len(phases), len(targets)
    return scopes


def _phases(rng: random.Random, plan: Plan) -> list[Phase]:
    begin = _month_index(plan.issued_on)
    months = _month_index(max(LAST_DUE, plan.issued_on)) - begin + 1
    count = min(rng.randint(2, 5), months)
    phases = []
    for number in range(count):
        first = begin + months * number // count
        start = plan.issued_on if number == 0 else _month_end(first - 1) + timedelta(days=1)
        end = _month_end(begin + months * (number + 1) // count - 1)
        phases.append(
            Phase(
                plan=plan,
                order=number + 1,
                name=f"Giai đoạn {number + 1}: từ tháng {start.month}/{start.year} "
                f"đến tháng {end.month}/{end.year}",
                start=start,
                end=end,
                end_as_written=f"Đến hết tháng {end.month}/{end.year}",
                description=PHASE_FOCUS[number * len(PHASE_FOCUS) // count],
            )
        )
    return phases


_COMPARATOR_WORDS = {
    Comparator.AT_LEAST: "đạt tối thiểu",
    Comparator.AT_MOST: "không quá",
    Comparator.REDUCE_BY: "giảm ít nhất",
}


def _targets(rng: random.Random, scope: _Scope) -> list[Target]:
    targets = []
    for order, (name, comparator, value, measure) in enumerate(
        rng.sample(TARGETS, rng.randint(2, 5))
    ):
        written = f"{value}%" if measure == "%" else f"{value} {measure}"
        targets.append(
            Target(
                plan=scope.plan,
                order=order,
                name=name,
                comparator=comparator,
                target_value=Decimal(value),
                unit_of_measure=measure,
                baseline="Năm 2024",
                responsible_unit=rng.choice(scope.leads),
                as_written=f"Đến năm 2027, {name[0].lower()}{name[1:]} "
                f"{_COMPARATOR_WORDS[comparator]} {written}",
            )
        )
    return targets


def _task_counts(rng: random.Random, total: int, plans: int) -> list[int]:
    """Uneven sizes (a few long tables, many short ones) that add up to `total` exactly."""
    low = min(MIN_TASKS, total // plans)
    high = max(MAX_TASKS, math.ceil(total / plans))
    weights = [rng.lognormvariate(0, 1) for _ in range(plans)]
    scale = total / sum(weights)
    counts = [min(high, max(low, round(weight * scale))) for weight in weights]
    missing = total - sum(counts)
    while missing:
        sign = 1 if missing > 0 else -1
        share = math.ceil(abs(missing) / plans)
        for index in rng.sample(range(plans), plans):
            room = high - counts[index] if sign > 0 else counts[index] - low
            step = min(share, room, abs(missing))
            counts[index] += sign * step
            missing -= sign * step
            if not missing:
                break
    return counts


# --- Tasks --------------------------------------------------------------------------------------

PERIOD_MONTHS = {
    DeadlineKind.MONTH: 1,
    DeadlineKind.RANGE: 1,
    DeadlineKind.QUARTER: 3,
    DeadlineKind.HALF_YEAR: 6,
    DeadlineKind.YEAR: 12,
}
DONE_AIMS = (Punctuality.DONE_EARLY, Punctuality.DONE_ON_TIME, Punctuality.DONE_LATE)


@dataclass
class _World:
    today: date
    org: _Org
    zone: tzinfo


@dataclass
class _Batch:
    roots: list[Task] = field(default_factory=list)  # written first: children point at them
    children: list[Task] = field(default_factory=list)
    coordination: list[tuple[Task, int]] = field(default_factory=list)
    occurrences: list[Occurrence] = field(default_factory=list)
    updates: list[ProgressUpdate] = field(default_factory=list)
    changes: list[DeadlineChange] = field(default_factory=list)


def _flush(batch: _Batch, summary: Summary) -> None:
    Task.objects.bulk_create(batch.roots, batch_size=TASK_BATCH)
    Task.objects.bulk_create(batch.children, batch_size=TASK_BATCH)
    through = Task.coordinating_units.through
    through.objects.bulk_create(
        (through(task_id=task.pk, unit_id=unit_id) for task, unit_id in batch.coordination),
        batch_size=ROW_BATCH,
    )
    Occurrence.objects.bulk_create(batch.occurrences, batch_size=ROW_BATCH)
    ProgressUpdate.objects.bulk_create(batch.updates, batch_size=ROW_BATCH)
    DeadlineChange.objects.bulk_create(batch.changes, batch_size=ROW_BATCH)
    # With DEBUG on, Django keeps the SQL of every query: megabytes per bulk insert.
    reset_queries()
    fanned = sum(1 for task in batch.roots if task.fans_out)
    summary.tasks += len(batch.roots) + len(batch.children)
    summary.fan_out_rows += fanned
    summary.tracked += len(batch.roots) + len(batch.children) - fanned
    summary.coordinations += len(batch.coordination)
    summary.occurrences += len(batch.occurrences)
    summary.updates += len(batch.updates)
    summary.deadline_changes += len(batch.changes)


def _plan_tasks(
    rng: random.Random, world: _World, scope: _Scope, count: int, batch: _Batch
) -> None:
    headings = rng.sample(SECTIONS, min(len(SECTIONS), max(1, count // 25)))
    label = position = used = 0
    while used < count:
        label += 1
        section = used * len(headings) // count
        deadline, aim = _row_deadline(rng, world, scope)
        coordinators = _coordinators(rng, world, scope)
        row = _row_fields(rng, scope, deadline, coordinators)
        row.update(order_label=str(label), section=f"{ROMAN[section]}. {headings[section]}")
        group = _fan_group(rng, scope, count - used)
        position += 1
        if group is None:
            lead = _pick_lead(rng, world, scope)
            _add_task(rng, world, scope, row, lead, deadline, aim, position, coordinators, batch)
            used += 1
            continue
        title, units = group
        parent = Task(
            **row,
            position=position,
            fans_out=True,
            lead_as_written=title,
            authority_body=scope.authority,
        )
        batch.roots.append(parent)
        batch.coordination.extend((parent, unit.pk) for unit in coordinators)
        for unit in units:
            position += 1
            _add_task(
                rng,
                world,
                scope,
                row,
                unit,
                deadline,
                None,
                position,
                coordinators,
                batch,
                parent=parent,
            )
        used += 1 + len(units)


def _row_fields(
    rng: random.Random, scope: _Scope, deadline: Deadline, coordinators: list[Unit]
) -> dict:
    content = rng.choice(TASKS) + rng.choice(TASK_QUALIFIERS).format(year=scope.plan.issued_on.year)
    return {
        "plan_id": scope.plan.pk,
        "phase_id": _phase_for(scope.phases, deadline.due),
        "content": content,
        "search_key": _folded(content),
        "coordinating_as_written": "; ".join(unit.name for unit in coordinators),
        "product": rng.choice(PRODUCTS) if rng.random() < PRODUCT_SHARE else "",
        "deadline_text": deadline.text,
        "deadline_kind": deadline.kind,
        "due_date": deadline.due,
        "original_due_date": deadline.due,
        "start_date": deadline.start,
        "recurrence": deadline.recurrence.to_json() if deadline.recurrence else None,
        "condition": deadline.condition,
        "deadline_needs_review": deadline.needs_review,
        "deadline_review_reason": deadline.reason,
        "is_key": rng.random() < 0.08,
        "is_breakthrough": rng.random() < 0.03,
    }


def _phase_for(phases: list[Phase], due: date | None) -> int | None:
    if not phases or due is None:
        return None
    return next((phase.pk for phase in phases if due <= phase.end), phases[-1].pk)


def _fan_group(rng: random.Random, scope: _Scope, room: int) -> tuple[str, list[Unit]] | None:
    if not scope.fan_groups:
        return None
    title, units = rng.choice(scope.fan_groups)
    share = FAN_OUT_SHARE * min(1.0, FAN_OUT_TYPICAL / len(units))
    if rng.random() >= share or len(units) + 1 > room:
        return None
    return title, units


def _pick_lead(rng: random.Random, world: _World, scope: _Scope) -> Unit:
    roll = rng.random()
    if roll < 0.80:
        return rng.choice(scope.leads)
    if roll < 0.90:
        return rng.choice(scope.others)
    return rng.choice(world.org.units[1:] or world.org.units)


def _coordinators(rng: random.Random, world: _World, scope: _Scope) -> list[Unit]:
    count = _pick(rng, COORDINATOR_TABLE)
    if not count:
        return []
    pool = scope.leads + world.org.departments
    return list(dict.fromkeys(rng.choice(pool) for _ in range(count)))


def _add_task(
    rng: random.Random,
    world: _World,
    scope: _Scope,
    row: dict,
    lead: Unit,
    deadline: Deadline,
    aim: Punctuality | None,
    position: int,
    coordinators: list[Unit],
    batch: _Batch,
    parent: Task | None = None,
) -> None:
    org = world.org
    members = org.members[lead.pk]
    assignee = rng.choice(members[1:] or members) if rng.random() < ASSIGNED_SHARE else None
    leader = org.leader_of.get(org.department_of.get(lead.pk))
    task = Task(
        **row,
        parent=parent,
        position=position,
        lead_unit_id=lead.pk,
        lead_as_written=lead.name,
        assignee_id=assignee,
        authority_user_id=leader,
        authority_body="" if leader else scope.authority,
    )
    author = assignee if assignee and rng.random() < 0.8 else rng.choice(members)
    if deadline.kind in PERIODIC:
        _settle_periodic(rng, world, task, deadline, author, batch)
    else:
        aim = aim or _aim_for_due(rng, world.today, task.due_date)
        _settle(rng, world, scope, task, aim, author, batch)
        _deadline_change(rng, world, scope, task, author, batch)
    (batch.children if parent else batch.roots).append(task)
    batch.coordination.extend((task, unit.pk) for unit in coordinators if unit.pk != lead.pk)


# --- Deadlines as written -----------------------------------------------------------------------


def _dmy(day: date) -> str:
    return f"{day.day:02d}/{day.month}/{day.year}"  # "01/6/2026", as most documents write it


def _row_deadline(
    rng: random.Random, world: _World, scope: _Scope
) -> tuple[Deadline, Punctuality | None]:
    """The row's "Thời hạn", and for a single due date what the task turns out to be on `today`
    (chosen first, so that about OVERDUE_SHARE of tasks are overdue whatever the plan dates)."""
    kind = _pick(rng, KIND_TABLE)
    reference = scope.plan.issued_on
    if kind in PERIODIC:
        template = rng.choice(PERIODIC_TEXTS[kind])
        text = template.format(year=reference.year, month=reference.month)
        return _interpreted(text, reference), None
    if kind == DeadlineKind.CONDITIONAL and rng.random() < 0.5:
        return _interpreted(rng.choice(CONDITIONS), reference), None
    aim = _pick(rng, AIM_TABLE)
    lowest, highest = reference + timedelta(days=14), max(LAST_DUE, world.today + timedelta(365))
    first, last = _window(aim, lowest, world.today, highest)
    if first > last:
        aim = Punctuality.ON_TRACK
        first, last = _window(aim, lowest, world.today, highest)
    if kind == DeadlineKind.CONDITIONAL:
        return _estimated(rng, first, last), aim
    written = _written(rng, kind, first, last, reference)
    return written or _written(rng, DeadlineKind.DATE, first, last, reference), aim


def _window(aim: Punctuality, lowest: date, today: date, highest: date) -> tuple[date, date]:
    soon = today + timedelta(days=settings.DUE_SOON_DAYS)
    day = timedelta(days=1)
    return {
        Punctuality.OVERDUE: (lowest, today - day),
        Punctuality.DONE_ON_TIME: (lowest, today - day),
        Punctuality.DONE_LATE: (lowest, today - 2 * day),
        Punctuality.DONE_EARLY: (lowest, today + 90 * day),
        Punctuality.DUE_SOON: (today, soon),
        Punctuality.ON_TRACK: (soon + day, highest),
        Punctuality.NOT_STARTED: (soon + day, highest),
        Punctuality.PAUSED: (lowest, highest),
        Punctuality.CANCELLED: (lowest, highest),
    }[aim]


def _written(
    rng: random.Random, kind: str, first: date, last: date, reference: date
) -> Deadline | None:
    """A deadline of `kind` due between `first` and `last`, or None when none fits."""
    if kind == DeadlineKind.DATE:
        due = first + timedelta(days=rng.randint(0, (last - first).days))
        return Deadline(_date_text(rng, due), kind, due)
    end = _period_end_in(rng, first, last, PERIOD_MONTHS[kind])
    if end is None:
        return None
    if kind == DeadlineKind.RANGE:
        return _range(rng, end, reference)
    return Deadline(_period_text(rng, kind, end), kind, end)


def _period_end_in(rng: random.Random, first: date, last: date, months: int) -> date | None:
    """A random end of a month, quarter, half-year or year between `first` and `last`."""
    lowest = _month_index(first)
    highest = _month_index(last) - int(_month_end(_month_index(last)) > last)
    start = lowest + (-(lowest + 1)) % months  # the first month ending such a period
    if start > highest:
        return None
    return _month_end(start + months * rng.randint(0, (highest - start) // months))


def _date_text(rng: random.Random, due: date) -> str:
    roll = rng.random()
    if roll < 0.50:
        return f"Trước ngày {_dmy(due + timedelta(days=1))}"  # "trước" is strict
    if roll < 0.65:
        return f"Trước {_dmy(due + timedelta(days=1))}"
    if roll < 0.85:
        return f"Chậm nhất ngày {_dmy(due)}"
    return f"Trong ngày {_dmy(due)}"


def _period_text(rng: random.Random, kind: str, end: date) -> str:
    year, month = end.year, end.month
    if kind == DeadlineKind.MONTH:
        return rng.choice(
            [f"Tháng {month}/{year}", f"Trong tháng {month}/{year}", f"Tháng {month} năm {year}"]
        )
    if kind == DeadlineKind.QUARTER:
        quarter = month // 3
        roman = ROMAN[quarter - 1]
        return rng.choice(
            [
                f"Quý {roman}/{year}",
                f"Quý {roman}/{year}",
                f"Trong Quý {roman} năm {year}",
                f"Quý {quarter}/{year}",
            ]
        )
    if kind == DeadlineKind.HALF_YEAR:
        return f"6 tháng {'đầu' if month == 6 else 'cuối'} năm {year}"
    return rng.choice(
        [f"Năm {year}", f"Trong năm {year}", f"Cuối năm {year}", f"Hoàn thành trong năm {year}"]
    )


def _range(rng: random.Random, end: date, reference: date) -> Deadline | None:
    first_month = max(_month_index(reference), _month_index(end) - rng.randint(1, 8))
    if first_month >= _month_index(end):
        return None
    start = _month_end(first_month - 1) + timedelta(days=1)
    if start.year == end.year:
        text = rng.choice(
            [
                f"Từ tháng {start.month}/{start.year} đến tháng {end.month}/{end.year}",
                f"Tháng {start.month}-{end.month}/{end.year}",
                f"Từ {_dmy(start)} đến {_dmy(end)}",
            ]
        )
    else:
        text = f"Từ tháng {start.month}/{start.year} đến tháng {end.month}/{end.year}"
    return Deadline(text, DeadlineKind.RANGE, end, start=start)


def _estimated(rng: random.Random, first: date, last: date) -> Deadline:
    """ "Sau khi …, (dự kiến Quý III/2026)": a condition with an estimated time."""
    condition = rng.choice([c for c in CONDITIONS if c.startswith("Sau khi")])
    end = _period_end_in(rng, first, last, 3)
    if end is None:
        due = first + timedelta(days=rng.randint(0, (last - first).days))
        estimate = f"ngày {_dmy(due)}"
    else:
        due, estimate = end, f"Quý {ROMAN[end.month // 3 - 1]}/{end.year}"
    return Deadline(
        f"{condition} (dự kiến {estimate})", DeadlineKind.CONDITIONAL, due, condition=condition
    )


# --- Progress -----------------------------------------------------------------------------------


def _aim_for_due(rng: random.Random, today: date, due: date | None) -> Punctuality:
    if due is None:
        key = "none"
    elif due < today:
        key = "past"
    elif due <= today + timedelta(days=settings.DUE_SOON_DAYS):
        key = "soon"
    else:
        key = "later"
    return _pick(rng, AIMS_BY_DUE[key])


def _between(rng: random.Random, first: date, last: date) -> date | None:
    if first > last:
        return None
    return first + timedelta(days=rng.randint(0, (last - first).days))


def _steps(
    rng: random.Random, first: date, last: date, count: int, percent: int
) -> list[tuple[date, int, str]]:
    """`count` in-progress updates between `first` and `last` (the last 4 months of it),
    climbing to `percent`."""
    first = max(first, last - timedelta(days=120))
    if first > last or not count:
        return []
    days = sorted(_between(rng, first, last) for _ in range(count))
    percents = [max(5, round(percent * (n + 1) / count / 5) * 5) for n in range(count)]
    percents[-1] = percent
    return [(day, value, Status.IN_PROGRESS) for day, value in zip(days, percents, strict=True)]


def _completion(rng: random.Random, aim: Punctuality, due: date, begin: date, today: date) -> date:
    yesterday = today - timedelta(days=1)
    if aim == Punctuality.DONE_LATE and due < yesterday:
        return due + timedelta(days=rng.randint(1, min(45, (yesterday - due).days)))
    if aim == Punctuality.DONE_EARLY:
        latest = min(due, today) - timedelta(days=1)
        return _between(rng, max(begin, due - timedelta(days=45)), latest) or latest
    return due


def _settle(
    rng: random.Random,
    world: _World,
    scope: _Scope,
    task: Task,
    aim: Punctuality,
    author: int,
    batch: _Batch,
) -> None:
    """Status, percent and the updates that led there, for a task with one due date."""
    today, due = world.today, task.due_date
    yesterday = today - timedelta(days=1)
    begin = scope.plan.issued_on + timedelta(days=3)
    if aim in DONE_AIMS:
        finished = _completion(rng, aim, due, begin, today)
        before = _steps(rng, begin, finished - timedelta(days=1), rng.randint(0, 3), 80)
        steps = [*before, (finished, 100, Status.DONE)]
        task.status, task.percent, task.completed_on = Status.DONE, 100, finished
    elif aim == Punctuality.NOT_STARTED or (
        aim in (Punctuality.OVERDUE, Punctuality.DUE_SOON) and rng.random() < 0.25
    ):
        steps = []
    elif aim in (Punctuality.PAUSED, Punctuality.CANCELLED):
        status = Status.PAUSED if aim == Punctuality.PAUSED else Status.CANCELLED
        task.status, task.percent = (
            status,
            rng.randrange(0 if status == Status.CANCELLED else 10, 65, 5),
        )
        day = _between(rng, max(begin, today - timedelta(days=90)), yesterday)
        steps = [(day, task.percent, status)] if day else []
    else:
        task.status, task.percent = Status.IN_PROGRESS, rng.randrange(10, 95, 5)
        steps = _steps(rng, begin, yesterday, rng.randint(1, 3), task.percent)
    _record(rng, world, task, None, steps, author, batch)


def _settle_periodic(
    rng: random.Random, world: _World, task: Task, deadline: Deadline, author: int, batch: _Batch
) -> None:
    """Periods up to today, the past ones mostly done, and the task showing its current one
    (as tasks.services.sync_task_from_occurrences would)."""
    periods = occurrence_schedule(deadline, until=world.today)
    if not periods:
        return
    past = sum(1 for period in periods if period.due < world.today)
    overdue = past > 0 and rng.random() < PERIODIC_OVERDUE_SHARE
    occurrences, steps = [], []
    for index, period in enumerate(periods):
        occurrence = Occurrence(
            task=task,
            label=period.label,
            period_start=period.start,
            period_end=period.end,
            due_date=period.due,
        )
        if period.due >= world.today or (overdue and index == past - 1):
            step = _open_period(rng, world, occurrence, period)
        else:
            step = _done_period(rng, world, occurrence, period)
        occurrences.append(occurrence)
        if step:
            steps.append((step, occurrence))
    for (day, percent, status), occurrence in sorted(steps, key=lambda s: s[0][0])[-4:]:
        _record(rng, world, task, occurrence, [(day, percent, status)], author, batch)
    batch.occurrences.extend(occurrences)

    show_current_period(task, occurrences)
    if task.original_due_date is None and task.deadline_kind != DeadlineKind.CONTINUOUS:
        task.original_due_date = occurrences[0].due_date


def _open_period(
    rng: random.Random, world: _World, occurrence: Occurrence, period: Period
) -> tuple[date, int, str] | None:
    if rng.random() < 0.4:
        return None
    occurrence.status, occurrence.percent = Status.IN_PROGRESS, rng.randrange(10, 85, 5)
    first = max(period.start, world.today - timedelta(days=45))
    day = _between(rng, first, world.today - timedelta(days=1))
    return (day, occurrence.percent, Status.IN_PROGRESS) if day else None


def _done_period(
    rng: random.Random, world: _World, occurrence: Occurrence, period: Period
) -> tuple[date, int, str]:
    if rng.random() < 0.15:
        finished = period.due + timedelta(days=rng.randint(1, 20))
    else:
        finished = max(period.start, period.due - timedelta(days=rng.randint(0, 10)))
    finished = min(finished, world.today - timedelta(days=1))
    occurrence.status, occurrence.percent, occurrence.completed_on = Status.DONE, 100, finished
    return finished, 100, Status.DONE


def _record(
    rng: random.Random,
    world: _World,
    task: Task,
    occurrence: Occurrence | None,
    steps: list[tuple[date, int, str]],
    author: int,
    batch: _Batch,
) -> None:
    due = occurrence.due_date if occurrence else task.due_date
    for day, percent, status in steps:
        at = datetime(
            day.year,
            day.month,
            day.day,
            rng.randint(7, 16),
            rng.randrange(0, 60, 5),
            tzinfo=world.zone,
        )
        # Past the due date an update needs a reason, as record_progress insists.
        late = due is not None and day > due and status != Status.CANCELLED
        reason, explanation = rng.choice(DELAY_REASONS) if late else ("", "")
        batch.updates.append(
            ProgressUpdate(
                task=task,
                occurrence=occurrence,
                author_id=author,
                created_at=at,
                percent=percent,
                status=status,
                achieved=_achieved(rng, task, status),
                difficulties=rng.choice(DIFFICULTIES) if status == Status.PAUSED else "",
                proposals="Đề nghị dừng thực hiện nhiệm vụ." if status == Status.CANCELLED else "",
                delay_reason=reason,
                delay_explanation=explanation,
            )
        )
        if occurrence:
            occurrence.last_update_at = at
        task.last_update_at = max(filter(None, (task.last_update_at, at)))


def _achieved(rng: random.Random, task: Task, status: str) -> str:
    if status == Status.DONE:
        return f"Đã hoàn thành. Sản phẩm: {task.product or 'báo cáo kết quả'}."
    if status == Status.PAUSED:
        return "Tạm dừng để chờ ý kiến chỉ đạo."
    if status == Status.CANCELLED:
        return "Dừng thực hiện theo chỉ đạo của lãnh đạo."
    return rng.choice(PROGRESS_NOTES)


def _deadline_change(
    rng: random.Random, world: _World, scope: _Scope, task: Task, author: int, batch: _Batch
) -> None:
    """A few open tasks ask for more time; some of those still due were already granted it."""
    if task.due_date is None or task.status in (Status.DONE, Status.CANCELLED, Status.PAUSED):
        return
    roll, today = rng.random(), world.today
    new_due = task.due_date + timedelta(days=rng.randint(30, 90))
    change = DeadlineChange(
        task=task,
        old_due_date=task.due_date,
        new_due_date=new_due,
        reason=rng.choice(CHANGE_REASONS),
        requested_by_id=author,
    )
    if roll < 0.03:
        requested = today - timedelta(days=rng.randint(1, 10))
    elif roll < 0.05 and task.due_date >= today:
        requested = max(
            scope.plan.issued_on + timedelta(days=7), today - timedelta(days=rng.randint(20, 60))
        )
        decided = min(requested + timedelta(days=rng.randint(1, 7)), today - timedelta(days=1))
        change.state = ChangeState.APPROVED
        change.decided_by_id = task.authority_user_id or world.org.members[scope.issuer.pk][0]
        change.decided_at = datetime(
            decided.year, decided.month, decided.day, 15, tzinfo=world.zone
        )
        change.decision_comment = "Đồng ý, đề nghị hoàn thành đúng thời hạn mới."
        task.due_date = new_due  # the original stays in original_due_date
    else:
        return
    change.requested_at = datetime(
        requested.year, requested.month, requested.day, 10, tzinfo=world.zone
    )
    batch.changes.append(change)
