from __future__ import annotations

import unicodedata
from collections import Counter
from collections.abc import Iterator
from datetime import date
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Count, Max
from django.utils import timezone

from accounts.models import User
from demo.generator import clear_generated
from plans.deadlines import DeadlineKind, interpret_deadline
from plans.models import Plan, Unit
from plans.text import fold
from tasks.models import Occurrence, ProgressUpdate, Task
from tasks.punctuality import Punctuality, Status

pytestmark = pytest.mark.django_db

TODAY = date(2026, 11, 22)
SMALL = ["--units", "40", "--plans", "5", "--tasks", "600", "--seed", "7", "--today", "2026-11-22"]
PERIODIC = (DeadlineKind.RECURRING, DeadlineKind.CONTINUOUS)


def run(*extra: str) -> str:
    out = StringIO()
    call_command("generate_data", *SMALL, *extra, stdout=out)
    return out.getvalue()


def fingerprint() -> Counter:
    return Counter(Task.objects.values_list("plan__slug", "order_label", "deadline_text", "status"))


@pytest.fixture(scope="module")
def generated(django_db_setup, django_db_blocker) -> Iterator[str]:
    """One generation shared by the tests that only read it; tests that change the data run
    in their own transaction, rolled back after them."""
    with django_db_blocker.unblock():
        output = run()
    yield output
    with django_db_blocker.unblock():
        clear_generated()


def test_counts_are_what_was_asked_and_the_summary_says_so(generated):
    assert (Unit.objects.count(), Plan.objects.count(), Task.objects.count()) == (40, 5, 600)
    assert User.objects.filter(unit__isnull=False).count() >= 40 * 4
    for figure in ("40 đơn vị", "5 kế hoạch", "600 nhiệm vụ", "cập nhật tiến độ", "giây"):
        assert figure in generated


def test_the_same_seed_gives_the_same_data(generated):
    first = fingerprint()
    units = Counter(Unit.objects.values_list("name", "kind"))
    output = run("--clear")
    assert "Đã xóa dữ liệu sinh trước đó (600 nhiệm vụ)" in output
    assert fingerprint() == first
    assert Counter(Unit.objects.values_list("name", "kind")) == units


def test_generating_a_seed_twice_stops_with_a_clear_message(generated):
    with pytest.raises(CommandError, match="--clear"):
        run()
    assert Task.objects.count() == 600


def test_impossible_arguments_are_refused(generated):
    with pytest.raises(CommandError, match="ít nhất 1 đơn vị"):
        call_command("generate_data", "--units", "0", "--seed", "8", stdout=StringIO())


def test_about_fifteen_percent_of_tracked_tasks_are_overdue(generated):
    tracked = Task.objects.tracked().with_punctuality(TODAY)
    overdue = tracked.filter(punctuality=Punctuality.OVERDUE).count()
    assert 0.10 <= overdue / tracked.count() <= 0.20


def test_every_tracked_task_has_one_lead_and_rows_for_all_units_have_none(generated):
    assert not Task.objects.tracked().filter(lead_unit__isnull=True).exists()
    fanned = Task.objects.filter(fans_out=True).annotate(units=Count("children"))
    assert fanned.exists()
    for row in fanned:
        assert row.lead_unit_id is None and row.units >= 2


def test_deadline_texts_read_back_as_recorded(generated):
    for task in Task.objects.tracked().select_related("plan"):
        reading = interpret_deadline(task.deadline_text, reference=task.plan.issued_on)
        assert reading.kind == task.deadline_kind, task.deadline_text
        assert (reading.recurrence.to_json() if reading.recurrence else None) == task.recurrence
        if task.deadline_kind not in PERIODIC:
            assert (reading.due, reading.start) == (task.original_due_date, task.start_date)
            assert reading.condition == task.condition


def test_recurring_and_continuous_tasks_have_their_periods(generated):
    periodic = Task.objects.tracked().filter(deadline_kind__in=PERIODIC)
    assert periodic.exists()
    assert not periodic.filter(occurrences__isnull=True).exists()
    past = Occurrence.objects.filter(due_date__lt=TODAY)
    assert past.filter(status=Status.DONE).count() / past.count() > 0.7
    for task in periodic.prefetch_related("occurrences"):
        current = [o for o in task.occurrences.all() if o.status != Status.DONE]
        assert task.due_date == (current[0] if current else task.occurrences.last()).due_date


def test_progress_agrees_with_status(generated):
    tracked = Task.objects.tracked()
    assert not tracked.filter(status=Status.DONE).exclude(percent=100).exists()
    assert not tracked.filter(status=Status.DONE, completed_on__isnull=True).exists()
    assert not tracked.filter(status=Status.NOT_STARTED, completed_on__isnull=False).exists()
    last = dict(tracked.annotate(last=Max("updates__created_at")).values_list("pk", "last"))
    assert last == dict(tracked.values_list("pk", "last_update_at"))


def test_updates_are_in_the_past_and_late_ones_give_a_reason(generated):
    updates = ProgressUpdate.objects.select_related("task", "occurrence")
    assert 0 < updates.count() <= 4 * Task.objects.count()
    for update in updates:
        day = timezone.localdate(update.created_at)
        due = (update.occurrence or update.task).due_date
        assert day < TODAY
        if due and day > due and update.status != Status.CANCELLED:
            assert update.delay_reason


def test_names_are_nfc_and_search_keys_are_folded(generated):
    texts = [
        *Unit.objects.values_list("name", flat=True),
        *User.objects.values_list("full_name", flat=True),
        *Task.objects.values_list("content", flat=True),
        *Task.objects.values_list("deadline_text", flat=True),
    ]
    assert all(unicodedata.is_normalized("NFC", text) for text in texts)
    assert all(
        key == fold(content) for content, key in Task.objects.values_list("content", "search_key")
    )


def test_authority_is_the_leader_in_charge_of_the_lead_department(generated):
    tasks = Task.objects.tracked().select_related("lead_unit", "authority_user")
    for task in tasks.prefetch_related("authority_user__units_in_charge"):
        if task.authority_user is None:
            assert task.authority_body
            continue
        in_charge = {unit.pk for unit in task.authority_user.units_in_charge.all()}
        assert {task.lead_unit_id, task.lead_unit.parent_id} & in_charge
