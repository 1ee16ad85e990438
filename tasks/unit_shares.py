"""The dashboard's figures as a sum of each lead unit's share: a write recounts only its unit.

Every figure of the dashboard — per unit, per plan, per phase, 6-rõ completeness, the monthly
chart, how many tasks the warnings list holds — adds up over the tasks' lead units. A unit's
share is counted in one grouped query and kept in the cache under the scope and filters it was
counted for, today's date (a task becomes overdue without any write) and the unit's data
version: how many tasks it leads and when one of them last changed (`Task.updated_at`, set by
every save). A view reads the versions (one query on an index), takes the shares it holds,
recounts in one query only the units whose version moved — the unit of the task just written;
two when a task moves — and adds them all up.

The shares are counted by the same punctuality expression as `tasks.figures`, so the sums equal
a recount (tests/tasks/test_unit_shares.py holds them to it after each kind of write).
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date

from django.db.models import (
    BooleanField,
    Case,
    Count,
    DateField,
    ExpressionWrapper,
    F,
    Max,
    Q,
    QuerySet,
    When,
)
from django.db.models.functions import TruncMonth

from plans.cache import cache_get_many, cache_set_many
from tasks.completeness import INCOMPLETE
from tasks.dashboards import AT_RISK_PERCENT, month_window
from tasks.figures import FIELDS, Figures
from tasks.models import Task
from tasks.punctuality import Punctuality, punctuality_expression

P = Punctuality
NAMES = [f.name for f in fields(Figures)]  # "total" first, then one per punctuality
SLOT = {value: NAMES.index(name) for name, value in FIELDS.items()}
DONE = {SLOT[P.DONE_EARLY], SLOT[P.DONE_ON_TIME], SLOT[P.DONE_LATE]}
LATE = {SLOT[P.OVERDUE], SLOT[P.DONE_LATE]}
SHARE_SECONDS = 24 * 3600  # a share is keyed by the day: it is never used the next day


def _empty() -> dict:
    return {
        "unit": [0] * len(NAMES),
        "at_risk": 0,
        "plans": {},
        "phases": {},
        "ro": {},
        "done": {},
        "late": {},
    }


def _add(into: dict, key, counts: list[int]) -> None:
    found = into.get(key)
    if found is None:
        into[key] = list(counts)
    else:
        into[key] = [a + b for a, b in zip(found, counts, strict=True)]


def _month_of(field: str, window: tuple[date, date]) -> TruncMonth:
    """The month of `field` when it falls in `window`, else NULL (truncated outside the CASE,
    so that Django turns PostgreSQL's timestamp back into a date)."""
    inside = Case(When(**{f"{field}__range": window}, then=F(field)), output_field=DateField())
    return TruncMonth(inside)


def _of_units(units: list) -> Q:
    found = Q(lead_unit_id__in=[pk for pk in units if pk is not None])
    return found | Q(lead_unit_id__isnull=True) if None in units else found


def count_shares(tasks: QuerySet, units: list | None, *, today: date) -> dict:
    """{lead unit id: its share} of `tasks` on `today`, for `units` (None: every unit), in one
    grouped query. A share holds the unit's counts ([total, then one per punctuality in the
    order of `Figures`), its tasks at risk (due soon, progress below AT_RISK_PERCENT: with the
    overdue ones, the dashboard's warnings), and the same per plan, per phase, 6-rõ completeness
    per plan ([total, complete]), and per month of the chart: tasks done in it, tasks due in it
    that ran late."""
    if units is not None:
        tasks = tasks.filter(_of_units(units))
    window = month_window(today)
    rows = (
        tasks.annotate(
            _punctuality=punctuality_expression(today=today),
            _incomplete=ExpressionWrapper(INCOMPLETE, output_field=BooleanField()),
            _done_month=_month_of("completed_on", window),
            _due_month=_month_of("due_date", window),
        )
        .order_by()
        .values(
            "lead_unit_id",
            "plan_id",
            "phase_id",
            "_punctuality",
            "_incomplete",
            "_done_month",
            "_due_month",
        )
        .annotate(n=Count("pk"), low=Count("pk", filter=Q(percent__lt=AT_RISK_PERCENT)))
    )
    shares = {pk: _empty() for pk in units} if units is not None else {}
    for row in rows:
        share = shares.get(row["lead_unit_id"]) or shares.setdefault(row["lead_unit_id"], _empty())
        n, slot = row["n"], SLOT[row["_punctuality"]]
        counts = [0] * len(NAMES)
        counts[0] = counts[slot] = n
        _add(share, "unit", counts)
        if slot == SLOT[P.DUE_SOON]:
            share["at_risk"] += row["low"]
        _add(share["plans"], row["plan_id"], counts)
        if row["phase_id"] is not None:
            _add(share["phases"], row["phase_id"], counts)
        _add(share["ro"], row["plan_id"], [n, 0 if row["_incomplete"] else n])
        if row["_done_month"] is not None and slot in DONE:
            share["done"][row["_done_month"]] = share["done"].get(row["_done_month"], 0) + n
        if row["_due_month"] is not None and slot in LATE:
            share["late"][row["_due_month"]] = share["late"].get(row["_due_month"], 0) + n
    return shares


def unit_versions(units: list | None = None) -> dict:
    """{lead unit id: how many tasks it leads and when one last changed}, of `units` (None:
    every unit), from the index alone."""
    tasks = Task.objects.order_by()
    if units is not None:
        tasks = tasks.filter(_of_units(units))
    rows = tasks.values("lead_unit_id").annotate(n=Count("*"), last=Max("updated_at"))
    return {r["lead_unit_id"]: f"{r['n']}-{r['last'].timestamp()}" for r in rows}


@dataclass(frozen=True)
class Totals:
    """The dashboard's figures, added up over the units' shares."""

    units: dict  # {lead unit id: Figures}, units with tasks only
    plans: dict  # {plan id: Figures}
    phases: dict  # {phase id: Figures}
    completeness: dict  # {plan id: (tasks, tasks clear on all six "rõ")}
    done: dict  # {first day of a month: tasks done in it}
    late: dict  # {first day of a month: tasks due in it that ran late}
    at_risk: int  # tasks due soon with progress below AT_RISK_PERCENT

    @property
    def warnings(self) -> int:
        """How many tasks the warnings list holds: overdue, or at risk."""
        return self.at_risk + sum(figures.overdue for figures in self.units.values())


def _sums() -> dict:
    return {
        "units": {},
        "at_risk": {},
        "plans": {},
        "phases": {},
        "ro": {},
        "done": {},
        "late": {},
    }


def _fold(sums: dict, pk, share: dict, sign: int) -> None:
    """Add a unit's share to the sums (sign 1), or take it out (-1); what falls to zero goes."""

    def move(into: dict, key, counts: list[int]) -> None:
        found = into.get(key) or [0] * len(counts)
        moved = [a + sign * b for a, b in zip(found, counts, strict=True)]
        if moved[0]:
            into[key] = moved
        else:
            into.pop(key, None)

    move(sums["units"], pk, share["unit"])
    move(sums["at_risk"], pk, [share["unit"][0], share["at_risk"]])  # kept while it has tasks
    for part in ("plans", "phases", "ro"):
        for key, counts in share[part].items():
            move(sums[part], key, counts)
    for part in ("done", "late"):
        for month, n in share[part].items():
            move(sums[part], month, [n])


def _totals(sums: dict) -> Totals:
    return Totals(
        units={key: Figures(*counts) for key, counts in sums["units"].items()},
        plans={key: Figures(*counts) for key, counts in sums["plans"].items()},
        phases={key: Figures(*counts) for key, counts in sums["phases"].items()},
        completeness={key: tuple(counts) for key, counts in sums["ro"].items()},
        done={month: n for month, (n,) in sums["done"].items()},
        late={month: n for month, (n,) in sums["late"].items()},
        at_risk=sum(n for _total, n in sums["at_risk"].values()),
    )


def scope_of(viewer: int | None, filters: dict) -> str:
    """What chose the dashboard's tasks: the viewer's id, or None for all who see everything
    (they see the same), and the cleaned filters (ids and choices, never the raw query string:
    junk in a URL must not start a new count)."""
    chosen = ",".join(
        f"{name}={getattr(value, 'pk', value)}" for name, value in sorted(filters.items()) if value
    )
    return f"{'all' if viewer is None else f'user-{viewer}'}:{chosen}"


def count_for_the_day(*, today: date) -> int:
    """Count every unit's share of the dashboard as Văn phòng first opens it (no filter), so
    that the day's first view adds up kept shares instead of counting every task. Returns the
    number of tasks counted."""
    totals = dashboard_totals(Task.objects.tracked(), scope=scope_of(None, {}), today=today)
    return sum(figures.total for figures in totals.units.values())


# Raised whenever a share's shape changes, so that shares kept by the code before are not read.
FORMAT = 2

# Past this many changed units, the sums are added up afresh rather than adjusted.
ADJUST_AT_MOST = 50


def dashboard_totals(tasks: QuerySet, *, scope: str, today: date) -> Totals:
    """The figures of `tasks` on `today`, recounting only the units changed since the figures
    kept under `scope` (which must name everything that chose `tasks`: user, filters).

    The sums of the last view are kept with the versions they were added up from: a view takes
    out the old shares of the units changed since, and adds their new ones. Without them (the
    first view of the day, or many units changed), it adds up every unit's kept share."""
    versions = unit_versions()
    prefix = f"dashboards:{FORMAT}:{scope}:{today}"
    key = {pk: f"{prefix}:share:{pk}:{v}" for pk, v in versions.items()}
    last = cache_get_many([f"{prefix}:sums"]).get(f"{prefix}:sums")
    if last is not None:
        changed = {
            pk
            for pk in versions.keys() | last["versions"].keys()
            if versions.get(pk) != last["versions"].get(pk)
        }
        old_keys = {
            pk: f"{prefix}:share:{pk}:{last['versions'][pk]}"
            for pk in changed
            if pk in last["versions"]
        }
        old = cache_get_many(list(old_keys.values())) if old_keys else {}
        if len(changed) > ADJUST_AT_MOST or len(old) < len(old_keys):
            last = None
    if last is None:
        kept = cache_get_many(list(key.values()))
        changed = {pk for pk in versions if key[pk] not in kept}
        sums = _sums()
        for pk in versions.keys() - changed:
            _fold(sums, pk, kept[key[pk]], 1)
    else:
        sums = last["sums"]
        for pk, old_key in old_keys.items():
            _fold(sums, pk, old[old_key], -1)
    consistent = True
    if changed:
        every = changed >= key.keys()
        counted = count_shares(tasks, None if every else list(changed), today=today)
        new = {pk: counted.get(pk, _empty()) for pk in changed if pk in versions}
        for pk, share in new.items():
            _fold(sums, pk, share, 1)
        # A write that committed while counting makes the count newer (or older) than the
        # version read before it: such a share is shown, never kept under that version.
        again = unit_versions(None if every else list(changed))
        consistent = all(again.get(pk) == versions.get(pk) for pk in changed)
        if consistent:
            cache_set_many({key[pk]: share for pk, share in new.items()}, SHARE_SECONDS)
    if consistent and (changed or last is None):
        cache_set_many({f"{prefix}:sums": {"versions": versions, "sums": sums}}, SHARE_SECONDS)
    return _totals(sums)
