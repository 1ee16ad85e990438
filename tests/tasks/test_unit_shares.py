"""The dashboard adds up each unit's kept share and recounts only the units written since: after
every kind of write its figures must equal a recount of the tasks by plain queries."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import Role
from demo.loader import DEMO_DIR, load_units
from plans.deadlines import DeadlineKind, Recurrence
from plans.models import Phase, Plan
from tasks import dashboards, jobs, unit_shares
from tasks.figures import Figures
from tasks.models import ChangeState, DeadlineChange, Task
from tasks.punctuality import Status
from tasks.roll_forward import roll_forward_periods
from tasks.services import bulk_mark_done, decide_deadline_change, record_progress
from tests.factories import PlanFactory, TaskFactory, UnitFactory, UserFactory

pytestmark = pytest.mark.django_db


def recount(today: date) -> dict:
    """The dashboard's figures counted afresh from the tasks, one aggregate query each."""
    tasks = Task.objects.tracked()
    plans, completeness = dashboards.plan_rows(tasks, today=today)
    return {
        "units": dashboards.unit_rows(tasks, today=today),
        "plans": plans,
        "completeness": completeness,
        "phases": dashboards.phase_rows(tasks, today=today),
        "months": dashboards.monthly(tasks, today=today),
        "warnings": dashboards.flagged(tasks, today=today).count(),
    }


def shown(client) -> dict:
    context = client.get(reverse("tasks:dashboard")).context
    return {
        "units": context["units"],
        "plans": context["plans"],
        "completeness": (context["ro_total"], context["ro_complete"]),
        "phases": context["phases"],
        "months": context["months"],
        "warnings": context["warnings_total"],
    }


@pytest.fixture
def city(client, today, frozen_clock):
    """Two units, two plans (one with phases), tasks in every state; Văn phòng logged in."""
    first, second = UnitFactory(short_name="A"), UnitFactory(short_name="B")
    plan, other = PlanFactory(), PlanFactory()
    phase = Phase.objects.create(plan=plan, order=1, name="Giai đoạn 1")
    for unit in (first, second):
        TaskFactory(lead_unit=unit, plan=plan, phase=phase, due_date=today - timedelta(3))
        TaskFactory(lead_unit=unit, plan=plan, due_date=today + timedelta(2), percent=10)
        TaskFactory(lead_unit=unit, plan=other, due_date=today + timedelta(40))
        TaskFactory(
            lead_unit=unit,
            plan=other,
            status=Status.DONE,
            due_date=today - timedelta(40),
            completed_on=today - timedelta(45),
        )
    client.force_login(UserFactory(role=Role.OFFICE))
    assert shown(client) == recount(today)  # the shares are now kept
    return {"units": (first, second), "plan": plan, "other": other, "phase": phase}


def test_a_progress_update_moves_the_figures_at_once(client, today, city):
    task = Task.objects.filter(lead_unit=city["units"][0], due_date__lt=today).first()
    record_progress(
        task=task, by=UserFactory(), percent=100, status=Status.DONE, delay_reason="Thiếu người"
    )
    after = shown(client)
    assert after == recount(today)
    assert sum(r.figures.overdue for r in after["units"]) == 1  # was 2


def test_progress_past_half_takes_a_task_due_soon_off_the_warnings(client, today, city):
    task = Task.objects.get(lead_unit=city["units"][0], due_date=today + timedelta(2))
    assert shown(client)["warnings"] == 4  # two overdue, two due soon below half
    record_progress(task=task, by=UserFactory(), percent=60, status=Status.IN_PROGRESS)
    after = shown(client)
    assert after == recount(today)
    assert after["warnings"] == 3  # still due soon, no longer at risk


@pytest.mark.parametrize("status", [Status.PAUSED, Status.CANCELLED])
def test_pausing_or_cancelling_a_task(client, today, city, status):
    task = Task.objects.filter(lead_unit=city["units"][1], due_date__gt=today).first()
    record_progress(task=task, by=UserFactory(), percent=task.percent, status=status)
    assert shown(client) == recount(today)


def test_a_bulk_mark_done(client, today, city):
    head = UserFactory(role=Role.UNIT_HEAD, unit=city["units"][0])
    open_tasks = Task.objects.filter(lead_unit=city["units"][0]).exclude(status=Status.DONE)
    bulk_mark_done(tasks=list(open_tasks), by=head, note="Xong", delay_reason="Thiếu người")
    after = shown(client)
    assert after == recount(today)
    first = next(r for r in after["units"] if r.key == city["units"][0].pk)
    assert first.figures.done == first.figures.total == 4


def test_an_approved_deadline_change(client, today, city):
    task = Task.objects.filter(lead_unit=city["units"][0], due_date__lt=today).first()
    change = DeadlineChange.objects.create(
        task=task,
        new_due_date=today + timedelta(30),
        reason="Chờ số liệu",
        requested_by=UserFactory(),
        requested_at=task.created_at,
    )
    decide_deadline_change(change=change, by=UserFactory(role=Role.LEADERSHIP), approve=True)
    assert DeadlineChange.objects.get(pk=change.pk).state == ChangeState.APPROVED
    assert shown(client) == recount(today)


def test_a_task_moved_to_another_unit_or_deleted(client, today, city):
    first, second = city["units"]
    task = Task.objects.filter(lead_unit=first).first()
    task.lead_unit = second
    task.save()
    assert shown(client) == recount(today)
    Task.objects.filter(lead_unit=second).first().delete()
    assert shown(client) == recount(today)


def test_a_deleted_phase(client, today, city):
    city["phase"].delete()  # its tasks are taken out of it by an UPDATE, updated_at unchanged
    after = shown(client)
    assert after == recount(today) and after["phases"] == []


def test_the_daily_roll_of_recurring_tasks(client, today, city):
    TaskFactory(
        lead_unit=city["units"][1],
        plan=city["other"],
        deadline_kind=DeadlineKind.RECURRING,
        deadline_text="Hàng năm, từ 2026",
        due_date=date(2026, 11, 20),
        original_due_date=date(2026, 11, 20),
        start_date=date(2026, 1, 1),
        recurrence=Recurrence(freq="yearly", dates=((11, 20),), first_year=2026).to_json(),
    )
    assert shown(client) == recount(today)
    assert roll_forward_periods(today=today) >= 1
    assert shown(client) == recount(today)


def test_an_import(client, today, city):
    units = load_units(json.loads((DEMO_DIR / "organisation.json").read_text())["units"])
    Plan.objects.create(
        number="/KH-SKHCN",
        slug="kh-226",
        title="Kế hoạch 226",
        issuing_body="Sở KH&CN",
        issuing_unit=units["skhcn"],
        issued_as_written="ngày   tháng 6 năm 2026",
    )
    table = DEMO_DIR / "tables" / "000_bang_phan_cong.txt"
    call_command("import_plan", str(table), "--plan-number", "/KH-SKHCN", stdout=None)
    after = shown(client)
    assert after == recount(today)
    assert sum(r.figures.total for r in after["units"]) > 9


def test_a_new_day_turns_tasks_overdue_without_any_write(client, today, city, frozen_clock):
    frozen_clock.shift(timedelta(days=3))
    later = today + timedelta(days=3)
    after = shown(client)
    assert after == recount(later)
    assert sum(r.figures.overdue for r in after["units"]) == 4  # the two due soon ran late


def test_a_second_view_recounts_nothing_whatever_else_the_url_carries(client, today, city):
    with CaptureQueriesContext(connection) as captured:
        shown(client)
        client.get(reverse("tasks:dashboard"), {"sort": "ten", "trang_kh": "1", "rac": "x" * 500})
    grouped = [q["sql"] for q in captured if "GROUP BY" in q["sql"] and "phase_id" in q["sql"]]
    assert not grouped


def test_the_nightly_job_counts_the_day_before_the_first_view(client, today, frozen_clock):
    TaskFactory.create_batch(3, lead_unit=UnitFactory(), due_date=today - timedelta(2))
    TaskFactory(lead_unit=UnitFactory(), fans_out=True)  # counted through its children
    client.force_login(UserFactory(role=Role.OFFICE))
    assert jobs.count_dashboard_shares() == 3
    with CaptureQueriesContext(connection) as captured:
        first = shown(client)
    assert first == recount(today)
    assert not [q for q in captured if "GROUP BY" in q["sql"] and "phase_id" in q["sql"]]


def test_a_share_counted_while_a_write_commits_is_not_kept(client, today, city, monkeypatch):
    unit = city["units"][0]
    task = Task.objects.filter(lead_unit=unit, due_date__gt=today).first()
    task.percent = 50
    task.save()  # the next view recounts this unit
    before = unit_shares.unit_versions([unit.pk])[unit.pk]
    counting = unit_shares.count_shares

    def write_then_count(*args, **kwargs):
        # Another request's write commits between the versions read and the count.
        Task.objects.get(pk=task.pk).save()
        return counting(*args, **kwargs)

    monkeypatch.setattr(unit_shares, "count_shares", write_then_count)
    assert shown(client) == recount(today)
    monkeypatch.undo()
    scope = unit_shares.scope_of(None, {})
    kept = f"dashboards:{unit_shares.FORMAT}:{scope}:{today}:share:{unit.pk}:{before}"
    assert cache.get(kept) is None
    assert shown(client) == recount(today)


def test_two_units_of_the_same_name_are_listed_in_the_same_order_every_time():
    first, second = UnitFactory(name="Thanh tra"), UnitFactory(name="Thanh tra")
    figures = Figures(total=1, overdue=1)
    for by_unit in (
        {first.pk: figures, second.pk: figures},
        {second.pk: figures, first.pk: figures},
    ):
        assert [r.key for r in dashboards.rows_of_units(by_unit)] == [first.pk, second.pk]


@pytest.mark.parametrize(
    "filters", [{"plan": "plan"}, {"period": "nam"}, {"punctuality": "overdue"}, {"unit": "unit"}]
)
def test_a_filtered_dashboard_after_a_write(client, today, city, filters):
    chosen = {"plan": city["plan"], "unit": city["units"][0]}
    params = {k: chosen[v].pk if v in chosen else v for k, v in filters.items()}
    values = {k: chosen.get(v, v) for k, v in filters.items()}
    url = reverse("tasks:dashboard")
    client.get(url, params)
    task = Task.objects.filter(lead_unit=city["units"][0], plan=city["plan"]).first()
    record_progress(
        task=task, by=UserFactory(), percent=100, status=Status.DONE, delay_reason="Thiếu người"
    )
    context = client.get(url, params).context
    tasks = dashboards.apply_filters(Task.objects.tracked(), today=today, **values)
    plans, completeness = dashboards.plan_rows(tasks, today=today)
    assert context["units"] == dashboards.unit_rows(tasks, today=today)
    assert context["plans"] == plans
    assert (context["ro_total"], context["ro_complete"]) == completeness
    assert context["phases"] == dashboards.phase_rows(tasks, today=today)
    assert context["months"] == dashboards.monthly(tasks, today=today)
    assert context["warnings_total"] == dashboards.flagged(tasks, today=today).count()
