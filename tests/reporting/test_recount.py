"""An independent recount: plain queries over the tables and the rules of DOMAIN.md ("What the
cut-off means") written out here, never the report code, must agree with what
`build_report --format json` writes, for every kind of period, on the demo and on generated data.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.core.management import call_command

from demo.generator import Spec, generate
from demo.loader import load_demo
from plans.models import Phase, Plan, Unit
from plans.text import fold
from tasks.models import DeadlineChange, Occurrence, ProgressUpdate, Task

ZONE = ZoneInfo("Asia/Ho_Chi_Minh")
TODAY = date(2026, 11, 22)
LATER = date(2027, 1, 20)  # a rebuild, long after the cut-offs of 2026

# (kind, code, calendar, window start, window end, end of the named period, end of the next)
PERIODS = [
    ("monthly", "2026-06", False, "2026-05-15", "2026-06-14", "2026-06-30", "2026-07-31"),
    ("monthly", "2026-12", False, "2026-11-15", "2026-12-14", "2026-12-31", "2027-01-31"),
    ("quarterly", "2026-Q3", False, "2026-06-15", "2026-09-14", "2026-09-30", "2026-12-31"),
    ("cumulative", "2026-9M", False, "2025-12-15", "2026-09-14", "2026-09-30", "2026-12-31"),
    ("semiannual", "2026-H1", False, "2025-12-15", "2026-06-14", "2026-06-30", "2026-12-31"),
    ("semiannual", "2026-H2", False, "2026-06-15", "2026-12-14", "2026-12-31", "2027-06-30"),
    ("annual", "2026", False, "2025-12-15", "2026-12-14", "2026-12-31", "2027-12-31"),
    ("annual", "2026", True, "2026-01-01", "2026-12-31", "2026-12-31", "2027-12-31"),
    ("weekly", "2026-W47", True, "2026-11-16", "2026-11-22", "2026-11-22", "2026-11-29"),
    ("custom", "2026-03-01..2026-05-31", True,
     "2026-03-01", "2026-05-31", "2026-05-31", "2026-08-31"),
]  # fmt: skip
STATES = [
    "not_started", "under_way", "overdue", "done_early", "done_on_time", "done_late",
    "paused", "cancelled",
]  # fmt: skip


@dataclass
class Case:
    kind: str
    code: str
    calendar: bool
    start: date
    end: date
    named_end: date
    next_end: date | None
    today: date
    plan: Plan | None = None


def _moment(day: date) -> datetime:
    return datetime.combine(day + timedelta(days=1), time.min, tzinfo=ZONE)


def _department() -> set[int] | None:
    """The units named as the issuing body, and everything below them."""
    wanted = fold(settings.REPORT_ISSUING_BODY)
    units = list(Unit.objects.values("pk", "parent_id", "name", "short_name", "aliases"))
    found = {
        u["pk"]
        for u in units
        if wanted in {fold(n) for n in (u["name"], u["short_name"], *u["aliases"]) if n}
    }
    if not found:
        return None
    grew = True
    while grew:
        below = {u["pk"] for u in units if u["parent_id"] in found} - found
        found |= below
        grew = bool(below)
    return found


def _latest_before(events: list[tuple], moment: datetime):
    before = [e for e in events if e[0] < moment]
    return max(before, key=lambda e: e[0]) if before else None


def recount(case: Case) -> tuple[dict, dict]:
    """({group: {"tasks": ids, "occurrences": ids}}, {unit id or None: Counter of states})."""
    finished = case.today > case.end
    cutoff = case.end if finished else case.today  # data as at the end of this day
    judge = cutoff + timedelta(days=1) if finished else case.today
    moment = _moment(cutoff)
    department = _department()
    plans = {p.pk: p for p in Plan.objects.all()}

    def in_scope(task: dict) -> bool:
        if case.plan is not None and task["plan_id"] != case.plan.pk:
            return False
        if department is None:
            return True
        if task["lead_unit_id"] is None:
            return plans[task["plan_id"]].issuing_unit_id in department
        return task["lead_unit_id"] in department

    updates: dict[tuple, list] = {}
    for u in ProgressUpdate.objects.values(
        "task_id", "occurrence_id", "created_at", "status", "percent"
    ):
        completed = u["created_at"].astimezone(ZONE).date() if u["status"] == "done" else None
        updates.setdefault((u["task_id"], u["occurrence_id"]), []).append(
            (u["created_at"], u["status"], u["percent"], completed)
        )
    saves: dict[tuple, list] = {}
    for model, is_task in ((Task.history.model, True), (Occurrence.history.model, False)):
        for h in model.objects.values("id", "history_date", "status", "percent", "completed_on"):
            saves.setdefault((is_task, h["id"]), []).append(
                (h["history_date"], h["status"], h["percent"], h["completed_on"])
            )
    later_changes: dict[int, list] = {}
    for c in DeadlineChange.objects.filter(
        state="approved", occurrence=None, decided_at__gte=moment
    ).values("task_id", "decided_at", "old_due_date"):
        later_changes.setdefault(c["task_id"], []).append((c["decided_at"], c["old_due_date"]))

    def state(item: dict, update_key: tuple, save_key: tuple) -> tuple[str, date | None]:
        events = [
            e
            for e in (
                _latest_before(updates.get(update_key, []), moment),
                _latest_before(saves.get(save_key, []), moment),
            )
            if e
        ]
        if events:
            _at, status, _percent, completed = max(events, key=lambda e: e[0])
            return status, completed if status == "done" else None
        if updates.get(update_key) or saves.get(save_key):
            return "not_started", None  # the first record came after the cut-off
        if item["status"] == "done" and item["completed_on"] and item["completed_on"] > cutoff:
            return "not_started", None
        return item["status"], item["completed_on"] if item["status"] == "done" else None

    def judged(status: str, due: date | None, completed: date | None) -> str:
        if status in ("cancelled", "paused"):
            return status
        if status == "done":
            if due is None or completed is None or completed == due:
                return "done_on_time"
            return "done_early" if completed < due else "done_late"
        if due is not None and due < judge:
            return "overdue"
        return "not_started" if status == "not_started" else "under_way"

    groups = {
        g: {"tasks": set(), "occurrences": set()}
        for g in ("due", "overdue_before", "not_yet_due", "continuous", "next")
    }
    by_unit: dict = {}

    def place(kind: str, pk: int, unit_id, due, status, completed, continuous_now) -> None:
        open_ = status in ("not_started", "in_progress")
        if due is not None and case.start <= due <= case.end:
            group = "due"
            by_unit.setdefault(unit_id, Counter())[judged(status, due, completed)] += 1
        elif due is not None and due < case.start and open_:
            group = "overdue_before"
        elif due is not None and case.end < due <= case.named_end:
            group = "not_yet_due"
        elif continuous_now:
            group = "continuous"
        elif due is not None and case.next_end and case.named_end < due <= case.next_end and open_:
            group = "next"
        else:
            return
        groups[group][kind].add(pk)

    tasks = {
        t["pk"]: t
        for t in Task.objects.filter(fans_out=False).values(
            "pk",
            "plan_id",
            "lead_unit_id",
            "deadline_kind",
            "due_date",
            "status",
            "completed_on",
        )  # fmt: skip
        if in_scope(t)
    }
    for t in tasks.values():
        if t["deadline_kind"] in ("recurring", "continuous"):
            continue
        due = min(later_changes[t["pk"]])[1] if t["pk"] in later_changes else t["due_date"]
        status, completed = state(t, (t["pk"], None), (True, t["pk"]))
        place("tasks", t["pk"], t["lead_unit_id"], due, status, completed, False)
    for o in Occurrence.objects.values(
        "pk", "task_id", "due_date", "period_start", "period_end", "status", "completed_on"
    ):
        task = tasks.get(o["task_id"])
        if task is None or task["deadline_kind"] not in ("recurring", "continuous"):
            continue
        issued = plans[task["plan_id"]].issue_date
        if issued and o["due_date"] < issued:
            continue  # a period before the plan existed
        status, completed = state(o, (o["task_id"], o["pk"]), (False, o["pk"]))
        continuous_now = (
            task["deadline_kind"] == "continuous" and o["period_start"] <= cutoff <= o["period_end"]
        )
        place(
            "occurrences",
            o["pk"],
            task["lead_unit_id"],
            o["due_date"],
            status,
            completed,
            continuous_now,
        )
    return groups, by_unit


def _export(case: Case, tmp_path) -> dict:
    output = tmp_path / "report.json"
    arguments = [
        f"--kind={case.kind}",
        f"--period={case.code}",
        "--format=json",
        f"--output={output}",
        f"--today={case.today.isoformat()}",
    ]
    if case.calendar:
        arguments.append("--calendar")
    if case.plan is not None:
        arguments.append(f"--plan={case.plan.pk}")
    call_command("build_report", *arguments, stdout=StringIO())
    return json.loads(output.read_text(encoding="utf-8"))


def _figures(counter: Counter) -> dict:
    return {name: counter.get(name, 0) for name in STATES} | {"total": sum(counter.values())}


def _reported(figures: dict) -> dict:
    return {name: figures[name] for name in [*STATES, "total"]}


def assert_agrees(case: Case, tmp_path) -> dict:
    data = _export(case, tmp_path)
    groups, by_unit = recount(case)
    assert (data["window"]["start"], data["window"]["end"]) == (
        case.start.isoformat(),
        case.end.isoformat(),
    )
    for name, expected in groups.items():
        found = data["groups"][name]
        assert set(found["tasks"]) == expected["tasks"], (case, name)
        assert set(found["occurrences"]) == expected["occurrences"], (case, name)
    reported = {u["unit_id"]: _reported(u["figures"]) for u in data["units"]}
    assert reported == {unit: _figures(counter) for unit, counter in by_unit.items()}, case
    assert _reported(data["figures"]) == _figures(sum(by_unit.values(), Counter()))
    for unit in data["units"]:  # each row adds up to its total
        assert sum(unit["figures"][name] for name in STATES) == unit["figures"]["total"]
    return data


def _cases(today: date) -> list[Case]:
    return [
        Case(kind, code, calendar, *(date.fromisoformat(day) for day in days), today=today)
        for kind, code, calendar, *days in PERIODS
    ]


@pytest.fixture
def demo_at_noon(db):
    with time_machine.travel(datetime.combine(TODAY, time(9), tzinfo=ZONE), tick=False):
        load_demo(today=TODAY)


@pytest.mark.parametrize("case", _cases(TODAY), ids=lambda c: f"{c.kind}-{c.code}")
def test_the_recount_agrees_with_the_report_on_the_demo(demo_at_noon, tmp_path, case):
    data = assert_agrees(case, tmp_path)
    assert data["figures"]["total"] > 0 or case.kind == "weekly"


@pytest.mark.parametrize(
    "case",
    [c for c in _cases(LATER) if c.kind in ("semiannual", "annual", "quarterly")],
    ids=lambda c: f"{c.kind}-{c.code}",
)
def test_the_recount_agrees_with_a_report_rebuilt_later_on_the_demo(demo_at_noon, tmp_path, case):
    assert_agrees(case, tmp_path)


def test_the_recount_agrees_on_a_phase_of_a_plan(demo_at_noon, tmp_path):
    plan = Plan.objects.get(slug="skhcn-500-ngay-dem")
    phases = {p.order: p for p in Phase.objects.filter(plan=plan)}
    case = Case(
        "phase", "2", True, phases[2].start, phases[2].end, phases[2].end, phases[3].end, TODAY,
        plan=plan,
    )  # fmt: skip
    assert_agrees(case, tmp_path)


@pytest.fixture
def generated(db, settings):
    with time_machine.travel(datetime.combine(TODAY, time(9), tzinfo=ZONE), tick=False):
        generate(Spec(units=40, plans=6, tasks=300, seed=1, today=TODAY))
    root = Unit.objects.get(parent=None)
    settings.REPORT_ISSUING_BODY = root.name  # the generated city reports on all its units
    return root


@pytest.mark.parametrize("case", _cases(TODAY), ids=lambda c: f"{c.kind}-{c.code}")
def test_the_recount_agrees_with_the_report_on_generated_data(generated, tmp_path, case):
    assert_agrees(case, tmp_path)


def test_the_recount_agrees_for_one_department_of_generated_data(generated, tmp_path, settings):
    department = (
        Unit.objects.filter(kind="department", led_tasks__isnull=False).order_by("pk").first()
    )
    settings.REPORT_ISSUING_BODY = department.name
    for case in _cases(TODAY)[4:7] + _cases(LATER)[4:7]:
        assert_agrees(case, tmp_path)


def _due_in_year(year: int) -> tuple[set[int], set[int]]:
    """Tasks and periods in the organisation's scope due in `year`, by plain queries."""
    department = _department()
    tasks = Task.objects.filter(fans_out=False, due_date__year=year).exclude(
        deadline_kind__in=["recurring", "continuous"]
    )
    occurrences = Occurrence.objects.filter(
        task__fans_out=False,
        task__deadline_kind__in=["recurring", "continuous"],
        due_date__year=year,
    )
    if department is not None:
        tasks = tasks.filter(lead_unit_id__in=department)
        occurrences = occurrences.filter(task__lead_unit_id__in=department)
    issued = {p.pk: p.issue_date for p in Plan.objects.all()}
    kept = {
        pk
        for pk, plan_id, due in occurrences.values_list("pk", "task__plan_id", "due_date")
        if not issued[plan_id] or due >= issued[plan_id]
    }
    return set(tasks.values_list("pk", flat=True)), kept


@pytest.mark.parametrize("data_set", ["demo_at_noon", "generated"])
def test_no_task_due_in_the_year_is_missing_from_its_annual_report(db, request, tmp_path, data_set):
    request.getfixturevalue(data_set)
    data = _export(_cases(TODAY)[6], tmp_path)  # annual 2026, cut off on 14/12
    groups = data["groups"]
    tasks, occurrences = _due_in_year(2026)
    assert tasks and occurrences
    assert tasks <= set(groups["due"]["tasks"]) | set(groups["not_yet_due"]["tasks"])
    assert occurrences <= (
        set(groups["due"]["occurrences"]) | set(groups["not_yet_due"]["occurrences"])
    )
