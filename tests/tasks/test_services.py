from __future__ import annotations

import threading
from datetime import UTC, date, datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from plans.deadlines import DeadlineKind, Recurrence
from tasks.models import ChangeState, DeadlineChange, ProgressUpdate
from tasks.punctuality import Punctuality, Status
from tasks.services import (
    decide_deadline_change,
    ensure_occurrences,
    record_progress,
    request_deadline_change,
)
from tests.factories import TaskFactory, UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_clock")]


def at(day: date, hour: int = 3) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


def test_recording_progress_appends_an_update_and_moves_the_task():
    task, author = TaskFactory(due_date=date(2026, 12, 31)), UserFactory()
    record_progress(
        task=task,
        by=author,
        percent=40,
        status=Status.IN_PROGRESS,
        achieved="Dự thảo",
        at=at(date(2026, 11, 1)),
    )
    record_progress(
        task=task, by=author, percent=100, status=Status.DONE, at=at(date(2026, 11, 20))
    )
    task.refresh_from_db()
    assert (task.status, task.percent, task.completed_on) == (Status.DONE, 100, date(2026, 11, 20))
    assert task.punctuality_on(date(2026, 11, 22)) == Punctuality.DONE_EARLY
    assert [u.percent for u in task.updates.order_by("created_at")] == [40, 100]


def test_a_late_update_without_a_reason_is_refused_with_a_clear_message():
    task = TaskFactory(due_date=date(2026, 11, 10))
    with pytest.raises(ValidationError) as refused:
        record_progress(
            task=task,
            by=UserFactory(),
            percent=50,
            status=Status.IN_PROGRESS,
            at=at(date(2026, 11, 22)),
        )
    assert "lý do chậm trễ" in str(refused.value)
    assert "10/11/2026" in str(refused.value)
    assert not task.updates.exists()


def test_finishing_on_the_due_date_needs_no_reason():
    task = TaskFactory(due_date=date(2026, 11, 22))
    record_progress(
        task=task,
        by=UserFactory(),
        percent=100,
        status=Status.DONE,
        at=at(date(2026, 11, 22), hour=16),
    )
    task.refresh_from_db()
    assert task.punctuality_on(date(2026, 11, 23)) == Punctuality.DONE_ON_TIME


def test_updates_are_append_only():
    task = TaskFactory()
    update = record_progress(task=task, by=UserFactory(), percent=10, status=Status.IN_PROGRESS)
    update.percent = 90
    with pytest.raises(ValueError, match="append-only"):
        update.save()
    with pytest.raises(ValueError, match="append-only"):
        update.delete()
    assert ProgressUpdate.objects.get(pk=update.pk).percent == 10


def test_every_change_to_a_task_is_kept_with_who_and_old_to_new():
    task, author = TaskFactory(due_date=date(2026, 12, 31)), UserFactory()
    record_progress(task=task, by=author, percent=30, status=Status.IN_PROGRESS)
    newest, previous = task.history.all()[:2]
    delta = newest.diff_against(previous)
    changed = {c.field: (c.old, c.new) for c in delta.changes}
    assert changed["percent"] == (0, 30)
    assert changed["status"] == (Status.NOT_STARTED, Status.IN_PROGRESS)
    assert newest.history_user == author


def test_an_approved_deadline_change_applies_and_keeps_the_original():
    leader, head = UserFactory(), UserFactory()
    task = TaskFactory(
        due_date=date(2026, 9, 30), original_due_date=date(2026, 9, 30), authority_user=leader
    )
    change = request_deadline_change(
        task=task, by=head, new_due_date=date(2026, 12, 15), reason="Chờ hướng dẫn"
    )
    with pytest.raises(ValidationError):
        request_deadline_change(
            task=task, by=head, new_due_date=date(2026, 12, 20), reason="Lần nữa"
        )
    decide_deadline_change(change=change, by=leader, approve=True, comment="Đồng ý")
    task.refresh_from_db()
    assert (task.due_date, task.original_due_date) == (date(2026, 12, 15), date(2026, 9, 30))
    assert task.history.first().history_user == leader
    change.refresh_from_db()
    assert change.state == ChangeState.APPROVED
    with pytest.raises(ValidationError):
        decide_deadline_change(change=change, by=leader, approve=False)


def test_a_refused_change_leaves_the_deadline():
    task = TaskFactory(due_date=date(2026, 9, 30))
    change = request_deadline_change(
        task=task, by=UserFactory(), new_due_date=date(2026, 12, 15), reason="x"
    )
    decide_deadline_change(
        change=change, by=UserFactory(), approve=False, comment="Không đủ căn cứ"
    )
    task.refresh_from_db()
    assert task.due_date == date(2026, 9, 30)


def test_a_yearly_task_gets_one_period_per_year_and_shows_the_current_one():
    task = TaskFactory(
        deadline_kind=DeadlineKind.RECURRING,
        deadline_text="Hàng năm, bắt đầu từ năm 2026",
        due_date=date(2026, 12, 31),
        start_date=date(2026, 1, 1),
        recurrence=Recurrence(freq="yearly", dates=((12, 31),), first_year=2026).to_json(),
    )
    ensure_occurrences(task, until=date(2027, 3, 1))
    assert list(task.occurrences.values_list("due_date", flat=True)) == [
        date(2026, 12, 31),
        date(2027, 12, 31),
    ]
    first = task.occurrences.first()
    record_progress(
        task=task,
        occurrence=first,
        by=UserFactory(),
        percent=100,
        status=Status.DONE,
        at=at(date(2026, 12, 20)),
    )
    task.refresh_from_db()
    assert (task.due_date, task.status) == (date(2027, 12, 31), Status.IN_PROGRESS)
    ensure_occurrences(task, until=date(2027, 3, 1))  # again: nothing new
    assert task.occurrences.count() == 2


def test_a_continuous_task_gets_the_next_half_year_when_the_time_comes():
    task = TaskFactory(
        deadline_kind=DeadlineKind.CONTINUOUS,
        deadline_text="Thường xuyên",
        due_date=None,
        original_due_date=None,
        start_date=date(2026, 1, 1),
    )
    ensure_occurrences(task, until=date(2026, 11, 22))
    task.refresh_from_db()
    assert task.due_date == date(2026, 6, 30)  # the earliest period not yet reported
    ensure_occurrences(task, until=date(2027, 2, 1))
    assert list(task.occurrences.values_list("due_date", flat=True)) == [
        date(2026, 6, 30),
        date(2026, 12, 31),
        date(2027, 6, 30),
    ]


def test_the_daily_roll_opens_new_periods_of_every_recurring_task():
    from tasks.roll_forward import roll_forward_periods

    yearly = TaskFactory(
        deadline_kind=DeadlineKind.RECURRING,
        deadline_text="Hàng năm, từ 2026",
        due_date=date(2026, 12, 31),
        original_due_date=date(2026, 12, 31),
        start_date=date(2026, 1, 1),
        recurrence=Recurrence(freq="yearly", dates=((12, 31),), first_year=2026).to_json(),
    )
    TaskFactory()  # a one-off task has no periods
    assert roll_forward_periods(today=date(2026, 11, 22)) == 1
    assert roll_forward_periods(today=date(2026, 11, 22)) == 0
    assert roll_forward_periods(today=date(2027, 1, 2)) == 1
    assert yearly.occurrences.count() == 2


def test_a_second_pending_request_is_refused_by_the_database_too():
    task = TaskFactory(due_date=date(2026, 9, 30))
    fields = {"task": task, "new_due_date": date(2026, 12, 1), "reason": "x"}
    DeadlineChange.objects.create(**fields, requested_by=UserFactory(), requested_at=timezone.now())
    with pytest.raises(IntegrityError), transaction.atomic():
        DeadlineChange.objects.create(
            **fields, requested_by=UserFactory(), requested_at=timezone.now()
        )
    # Decided requests do not count: a new one may follow.
    DeadlineChange.objects.update(state=ChangeState.REFUSED)
    DeadlineChange.objects.create(**fields, requested_by=UserFactory(), requested_at=timezone.now())


@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_requests_give_one_pending_and_a_clear_message(postgres, monkeypatch):
    task = TaskFactory(due_date=date(2026, 9, 30))
    people = [UserFactory(), UserFactory()]
    # Both requests have passed the service's own check before either writes: the race.
    both_checked = threading.Barrier(2, timeout=10)
    create = DeadlineChange.objects.create

    def create_after_both_checked(**fields):
        both_checked.wait()
        return create(**fields)

    monkeypatch.setattr(DeadlineChange.objects, "create", create_after_both_checked)
    outcomes = []

    def ask(person):
        try:
            request_deadline_change(
                task=task, by=person, new_due_date=date(2026, 12, 1), reason="Chờ ý kiến"
            )
            outcomes.append("ok")
        except ValidationError as error:
            outcomes.append(error.messages[0])
        finally:
            connection.close()

    threads = [threading.Thread(target=ask, args=(p,)) for p in people]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == [
        "Nhiệm vụ này đã có một đề nghị điều chỉnh thời hạn đang chờ quyết định.",
        "ok",
    ]
    assert task.deadline_changes.filter(state=ChangeState.PENDING).count() == 1


def test_an_update_of_a_period_is_the_tasks_last_update_too():
    task = TaskFactory(
        deadline_kind=DeadlineKind.RECURRING,
        deadline_text="Hàng năm, bắt đầu từ năm 2026",
        due_date=date(2026, 12, 31),
        start_date=date(2026, 1, 1),
        recurrence=Recurrence(freq="yearly", dates=((12, 31),), first_year=2026).to_json(),
    )
    ensure_occurrences(task, until=date(2026, 11, 22))
    when = at(date(2026, 11, 22))
    record_progress(
        task=task,
        occurrence=task.occurrences.first(),
        by=UserFactory(),
        percent=30,
        status=Status.IN_PROGRESS,
        at=when,
    )
    task.refresh_from_db()
    assert task.last_update_at == when and task.percent == 30
