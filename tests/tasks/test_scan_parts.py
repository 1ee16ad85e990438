"""The early-warning scan in parts (`tasks.parts`): on PostgreSQL its parts run side by side,
each in its own connection and transaction, and store exactly what one whole scan stores. A
part that fails to store leaves the others' warnings stored and its own to the next scan; one
that fails to find its warnings, or keeps the others waiting too long, stops them all."""

from __future__ import annotations

import threading
from datetime import date, datetime, time, timedelta
from time import sleep

import pytest
from django.db import transaction
from django.utils import timezone

from accounts.models import Role
from plans.deadlines import DeadlineKind
from tasks import early_warnings, jobs, parts
from tasks.models import Alert, AlertState, Notification, NotificationPreference, Occurrence, Task
from tasks.parts import WHOLE, Part, run_in_parts, split
from tasks.punctuality import OPEN_STATUSES, Status
from tests.factories import TaskFactory, UnitFactory, UserFactory

TODAY = date(2026, 12, 1)
NOW = timezone.make_aware(datetime.combine(TODAY, time(7, 0)))


@pytest.fixture
def backlog(postgres):
    """Two units' late, at-risk, due-soon and silent tasks and a monthly report owed, told to
    people by the portal, by e-mail (one opted out) and by webhook."""
    office = UserFactory(role=Role.OFFICE, email="vp@so.gov.vn")
    leader = UserFactory(role=Role.LEADERSHIP, email="pgd@so.gov.vn")
    for n, name in enumerate(["Phòng Chuyển đổi số", "Trung tâm Công nghệ thông tin"]):
        unit = UnitFactory(name=name)
        leader.units_in_charge.add(unit)
        UserFactory(unit=unit, role=Role.UNIT_HEAD, email=f"tp{n}@so.gov.vn")
        staff = [UserFactory(unit=unit, email=f"cv{n}{k}@so.gov.vn") for k in range(3)]
        NotificationPreference.objects.create(user=staff[1], email=False)
        NotificationPreference.objects.create(user=staff[2], webhook_url="https://chat.vn/h/1")
        for k, due in enumerate([-15, -1, 2, 20, 45, -30, 6]):
            TaskFactory(
                lead_unit=unit,
                assignee=None if k == 5 else staff[k % 3],
                authority_user=leader if k % 2 else None,
                status=Status.IN_PROGRESS,
                start_date=TODAY - timedelta(days=60),
                due_date=TODAY + timedelta(days=due),
                percent=10,
                last_update_at=NOW - timedelta(days=20 if k % 3 else 1),
            )
        report = TaskFactory(
            lead_unit=unit,
            assignee=staff[0],
            deadline_kind=DeadlineKind.RECURRING,
            product="Báo cáo tháng",
            due_date=None,
        )
        Occurrence.objects.create(
            task=report,
            label="Tháng 12/2026",
            period_start=date(2026, 12, 1),
            period_end=date(2026, 12, 31),
            due_date=TODAY + timedelta(days=3),
            status=Status.NOT_STARTED,
        )
    return office


def stored() -> dict[str, set]:
    return {
        "alerts": set(
            Alert.objects.values_list(
                "task_id", "occurrence_id", "rule", "threshold", "reference_date", "state"
            )
        ),
        "deliveries": set(
            Notification.objects.values_list(
                "alert__task_id",
                "alert__occurrence_id",
                "alert__rule",
                "alert__threshold",
                "recipient_id",
                "channel",
                "state",
                "sent_at",
            )
        ),
    }


def scan_whole() -> dict[str, set]:
    """What one whole scan stores (then forgotten, for the next run to start afresh)."""
    with transaction.atomic():  # inside a transaction the scan runs as one part
        early_warnings.create_alerts(now=NOW)
        whole = stored()
        transaction.set_rollback(True)
    return whole


@pytest.mark.django_db(transaction=True)
def test_two_parts_side_by_side_store_what_one_whole_scan_stores(backlog, settings, monkeypatch):
    whole = scan_whole()
    assert len(whole["alerts"]) > 15
    assert {d[5] for d in whole["deliveries"]} == {"in_app", "email", "webhook"}
    seen = []
    find = early_warnings.find_warnings

    def spied(*, today, rules=None, part=WHOLE):
        seen.append((part, threading.current_thread() is threading.main_thread()))
        return find(today=today, rules=rules, part=part)

    monkeypatch.setattr(early_warnings, "find_warnings", spied)
    settings.ALERT_SCAN_PARTS = 2
    created = early_warnings.create_alerts(now=NOW)
    assert [in_main for _part, in_main in seen] == [False, False]
    first, second = sorted((part for part, _in_main in seen), key=lambda part: part.start or 0)
    assert (first.start, first.end, second.end) == (None, second.start, None)
    assert stored() == whole
    assert len(created) == len(whole["alerts"])
    assert early_warnings.create_alerts(now=NOW + timedelta(minutes=15)) == []
    assert stored() == whole


def second_part_fails_to_store(monkeypatch) -> Part:
    """The second of two parts writes its warnings, then loses the database before it commits;
    returns that part."""
    open_tasks = Task.objects.filter(status__in=OPEN_STATUSES).values_list("pk", flat=True)
    _first, second = split(open_tasks, 2)
    store = early_warnings._store

    def failing(found, *, now):
        stored_now = store(found, now=now)
        if any(f.item.task_id >= second.start for f in found):
            raise ConnectionError("mất kết nối với cơ sở dữ liệu")
        return stored_now

    monkeypatch.setattr(early_warnings, "_store", failing)
    return second


@pytest.mark.django_db(transaction=True)
def test_a_part_that_fails_to_store_leaves_its_warnings_to_the_next_scan(
    backlog, settings, monkeypatch
):
    whole = scan_whole()
    last = second_part_fails_to_store(monkeypatch)
    settings.ALERT_SCAN_PARTS = 2
    with pytest.raises(ConnectionError):
        early_warnings.create_alerts(now=NOW)
    kept = stored()
    tasks = {task_id for task_id, *_ in kept["alerts"]}
    assert tasks and all(task_id < last.start for task_id in tasks)
    assert kept["alerts"] < whole["alerts"]
    # Each stored warning has all its deliveries: a part is one transaction.
    assert kept["deliveries"] == {d for d in whole["deliveries"] if d[0] in tasks}
    monkeypatch.undo()
    early_warnings.create_alerts(now=NOW)
    assert stored() == whole


@pytest.mark.django_db(transaction=True)
def test_the_job_queues_the_deliveries_of_the_part_that_was_stored(backlog, settings, monkeypatch):
    second_part_fails_to_store(monkeypatch)
    queued = []
    monkeypatch.setattr(jobs, "enqueue_deliveries", queued.extend)
    monkeypatch.setattr(timezone, "now", lambda: NOW)
    settings.ALERT_SCAN_PARTS = 2
    with pytest.raises(ConnectionError):
        jobs.scan_early_warnings()
    # The warnings the first part stored that have e-mails or webhooks to send are queued now,
    # not 15 minutes later.
    waiting = Alert.objects.filter(state=AlertState.PENDING).values_list("pk", flat=True)
    assert queued and sorted(queued) == sorted(waiting)


@pytest.mark.django_db(transaction=True)
def test_a_part_that_fails_to_find_stops_every_part(backlog, settings, monkeypatch):
    find = early_warnings.find_warnings

    def first_part_fails(*, today, rules=None, part=WHOLE):
        if part.start is None:
            raise ConnectionError("mất kết nối với cơ sở dữ liệu")
        return find(today=today, rules=rules, part=part)

    monkeypatch.setattr(early_warnings, "find_warnings", first_part_fails)
    settings.ALERT_SCAN_PARTS = 2
    with pytest.raises(ConnectionError):
        early_warnings.create_alerts(now=NOW)
    assert stored() == {"alerts": set(), "deliveries": set()}


@pytest.mark.django_db(transaction=True)
def test_parts_that_wait_too_long_for_the_others_give_up_all_together(
    backlog, settings, monkeypatch
):
    # A part stuck in its reading must not keep the others' transactions open for ever.
    find = early_warnings.find_warnings

    def first_part_is_stuck(*, today, rules=None, part=WHOLE):
        if part.start is None:
            sleep(1.5)
        return find(today=today, rules=rules, part=part)

    monkeypatch.setattr(early_warnings, "find_warnings", first_part_is_stuck)
    monkeypatch.setattr(parts, "PATIENCE_SECONDS", 0.3)
    settings.ALERT_SCAN_PARTS = 2
    with pytest.raises(TimeoutError, match="chờ các phần khác đọc xong quá 0.3 giây"):
        early_warnings.create_alerts(now=NOW)
    assert stored() == {"alerts": set(), "deliveries": set()}
    monkeypatch.setattr(early_warnings, "find_warnings", find)
    assert early_warnings.create_alerts(now=NOW)


@pytest.mark.django_db
def test_parts_split_the_rows_without_gap_or_overlap_in_about_equal_shares():
    TaskFactory.create_batch(8)
    every = set(Task.objects.values_list("pk", flat=True))
    parts = split(Task.objects.values_list("pk", flat=True), 3)
    shares = [set(Task.objects.filter(p.of("pk")).values_list("pk", flat=True)) for p in parts]
    assert set().union(*shares) == every
    assert sorted(map(len, shares)) == [2, 3, 3]
    assert set(Task.objects.filter(WHOLE.of("pk")).values_list("pk", flat=True)) == every
    assert split(Task.objects.filter(pk__in=[min(every)]).values_list("pk", flat=True), 2) == [
        WHOLE
    ]


@pytest.mark.django_db
def test_inside_a_transaction_the_job_runs_whole_here():
    # Another connection would not see this transaction's rows: no part may run elsewhere.
    ran = []
    TaskFactory.create_batch(4)

    def read(part):
        ran.append(threading.current_thread())
        return [part]

    keys = Task.objects.values_list("pk", flat=True)
    assert run_in_parts(read, list, keys=keys, count=4) == [WHOLE]
    assert ran == [threading.current_thread()]
