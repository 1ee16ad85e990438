"""Delivering warnings: once per recipient and channel, retried on failure, resolved when done."""

from __future__ import annotations

import smtplib
import threading
from datetime import date, datetime, time, timedelta

import pytest
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import Role
from tasks import alerts
from tasks.context_processors import notifications
from tasks.early_warnings import create_alerts
from tasks.models import (
    Alert,
    AlertState,
    Channel,
    DeliveryState,
    Notification,
    NotificationPreference,
    WarningRule,
)
from tasks.punctuality import Status
from tasks.services import record_progress
from tests.factories import TaskFactory, UnitFactory, UserFactory

DUE = date(2026, 12, 31)


def morning(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(7, 0)))


class FailingBackend(BaseEmailBackend):
    def send_messages(self, messages):
        raise smtplib.SMTPServerDisconnected("máy chủ thư không trả lời")


@pytest.fixture
def overdue_task(db):
    """A task 15 days late: its warning goes to the assignee, the head, the leader, Văn phòng."""
    unit = UnitFactory(name="Phòng Chuyển đổi số")
    assignee = UserFactory(unit=unit, email="cv@so.gov.vn", full_name="Ngô Thị Kim Ngân")
    head = UserFactory(unit=unit, role=Role.UNIT_HEAD, email="tp@so.gov.vn")
    leader = UserFactory(role=Role.LEADERSHIP, email="pgd@so.gov.vn")
    leader.units_in_charge.set([unit])
    office = UserFactory(role=Role.OFFICE, email="vp@so.gov.vn")
    task = TaskFactory(
        lead_unit=unit,
        assignee=assignee,
        due_date=DUE,
        status=Status.IN_PROGRESS,
        percent=40,
        content="Triển khai trợ lý ảo",
        last_update_at=morning(DUE + timedelta(days=10)),
    )
    task.people = {"assignee": assignee, "head": head, "leader": leader, "office": office}
    return task


def scan(day: date):
    return create_alerts(now=morning(day))


def test_it_creates_each_warning_once_under_duplicate_scans(overdue_task):
    first = scan(DUE + timedelta(days=15))
    assert [(f.finding.rule, f.finding.threshold) for f in first] == [(WarningRule.OVERDUE, 3)]
    assert scan(DUE + timedelta(days=15)) == []
    assert Alert.objects.count() == 1
    # Four people, each in the portal and by email.
    assert Notification.objects.filter(channel=Channel.IN_APP).count() == 4
    assert Notification.objects.filter(channel=Channel.EMAIL).count() == 4


def test_it_emails_each_recipient_once_even_when_delivered_twice(overdue_task):
    [found] = scan(DUE + timedelta(days=15))
    now = morning(DUE + timedelta(days=15))
    alerts.deliver_alert(alert_id=found.alert_id, now=now)
    alerts.deliver_alert(alert_id=found.alert_id, now=now + timedelta(minutes=1))
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        ["cv@so.gov.vn", "tp@so.gov.vn", "pgd@so.gov.vn", "vp@so.gov.vn"]
    )
    message = mail.outbox[0]
    assert "Quá hạn" in message.subject and "Triển khai trợ lý ảo" in message.subject
    assert (
        "Quá hạn 15 ngày (hạn 31/12/2026); báo cả lãnh đạo phụ trách và Văn phòng."
        in message.body
    )
    assert f"/nhiem-vu/{overdue_task.pk}/" in message.body
    assert message.alternatives[0][1] == "text/html"
    assert Alert.objects.get().state == AlertState.SENT


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_deliveries_send_each_mail_once(postgres, overdue_task):
    [found] = scan(DUE + timedelta(days=15))
    now = morning(DUE + timedelta(days=15))
    start = threading.Barrier(2)

    def worker():
        start.wait()
        try:
            alerts.deliver_alert(alert_id=found.alert_id, now=now)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(mail.outbox) == 4
    emails = Notification.objects.filter(channel=Channel.EMAIL)
    assert set(emails.values_list("state", "attempts")) == {(DeliveryState.SENT, 1)}


def test_a_mail_failure_is_retried_with_backoff_and_sent_once_it_recovers(overdue_task, settings):
    NotificationPreference.objects.create(user=overdue_task.people["head"], email=False)
    NotificationPreference.objects.create(user=overdue_task.people["leader"], email=False)
    NotificationPreference.objects.create(user=overdue_task.people["office"], email=False)
    [found] = scan(DUE + timedelta(days=15))
    now = morning(DUE + timedelta(days=15))
    settings.EMAIL_BACKEND = "tests.tasks.test_alerts.FailingBackend"
    outcome = alerts.deliver_alert(alert_id=found.alert_id, now=now)
    email = Notification.objects.get(channel=Channel.EMAIL)
    assert (email.state, email.attempts, email.next_attempt_at) == (
        DeliveryState.RETRY,
        1,
        now + timedelta(minutes=1),
    )
    assert "máy chủ thư không trả lời" in email.last_error
    assert outcome.retry_at == now + timedelta(minutes=1)
    # Before the backoff has passed nothing is tried; the scan knows the warning still waits.
    assert alerts.deliver_alert(alert_id=found.alert_id, now=now).errors == []
    assert alerts.alerts_to_deliver(now=now + timedelta(minutes=1)) == [found.alert_id]
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    alerts.deliver_alert(alert_id=found.alert_id, now=now + timedelta(minutes=1))
    email.refresh_from_db()
    assert (email.state, email.attempts, email.last_error) == (DeliveryState.SENT, 2, "")
    assert [m.to for m in mail.outbox] == [["cv@so.gov.vn"]]


def test_it_gives_up_after_the_last_attempt_and_says_so(overdue_task, settings):
    [found] = scan(DUE + timedelta(days=15))
    settings.EMAIL_BACKEND = "tests.tasks.test_alerts.FailingBackend"
    now = morning(DUE + timedelta(days=15))
    for _ in range(alerts.MAX_ATTEMPTS):
        alerts.deliver_alert(alert_id=found.alert_id, now=now)
        now += timedelta(hours=1)
    assert set(
        Notification.objects.filter(channel=Channel.EMAIL).values_list("state", "attempts")
    ) == {(DeliveryState.FAILED, alerts.MAX_ATTEMPTS)}
    assert Alert.objects.get().state == AlertState.FAILED
    assert alerts.alerts_to_deliver(now=now) == []


def test_a_user_who_switched_email_off_is_told_in_the_portal_only(overdue_task):
    assignee = overdue_task.people["assignee"]
    NotificationPreference.objects.create(user=assignee, email=False)
    scan(DUE + timedelta(days=15))
    assert set(
        Notification.objects.filter(recipient=assignee).values_list("channel", flat=True)
    ) == {Channel.IN_APP}


def test_a_webhook_gets_a_json_post(overdue_task, monkeypatch):
    assignee = overdue_task.people["assignee"]
    NotificationPreference.objects.create(
        user=assignee, email=False, webhook_url="https://chat.example.vn/hook"
    )
    posted = []

    def post_json(url, body):
        posted.append((url, body.decode()))
        return 200

    monkeypatch.setattr(alerts.webhooks, "post_json", post_json)
    [found] = scan(DUE + timedelta(days=15))
    alerts.deliver_alert(alert_id=found.alert_id, now=morning(DUE + timedelta(days=15)))
    [(url, body)] = posted
    assert url == "https://chat.example.vn/hook"
    assert '"rule": "overdue"' in body and "Triển khai trợ lý ảo" in body


def test_completing_the_task_resolves_its_warnings_and_cancels_what_is_unsent(overdue_task):
    [found] = scan(DUE + timedelta(days=15))
    record_progress(
        task=overdue_task,
        by=overdue_task.people["assignee"],
        percent=100,
        status=Status.DONE,
        delay_reason="Chờ nhà cung cấp",
        at=morning(DUE + timedelta(days=16)),
    )
    alert = Alert.objects.get()
    assert alert.state == AlertState.RESOLVED
    assert set(
        Notification.objects.filter(channel=Channel.EMAIL).values_list("state", flat=True)
    ) == {DeliveryState.CANCELLED}
    assert alerts.alerts_to_deliver(now=morning(DUE + timedelta(days=16))) == []
    assert alerts.unread_count(overdue_task.people["assignee"]) == 0


def test_a_recipient_acknowledges_a_warning(overdue_task):
    [found] = scan(DUE + timedelta(days=15))
    assignee = overdue_task.people["assignee"]
    notification = Notification.objects.get(recipient=assignee, channel=Channel.IN_APP)
    assert alerts.unread_count(assignee) == 1
    alerts.acknowledge(notification=notification, now=morning(DUE + timedelta(days=15)))
    alert = Alert.objects.get()
    assert (alert.state, alert.acknowledged_by) == (AlertState.ACKNOWLEDGED, assignee)
    assert alerts.unread_count(assignee) == 0


def test_the_digest_lists_late_and_at_risk_tasks_per_unit(overdue_task, settings):
    settings.SITE_URL = "https://6ro.so.gov.vn"
    other = TaskFactory(
        lead_unit=UnitFactory(name="Trung tâm KH&CN"),
        content="Xây dựng cơ sở dữ liệu chuyên gia",
        due_date=DUE + timedelta(days=20),
        start_date=DUE - timedelta(days=60),
        percent=10,
        status=Status.IN_PROGRESS,
    )
    scan(DUE + timedelta(days=15))
    units = alerts.build_digest(today=DUE + timedelta(days=15))
    assert [(u.unit, [(r.content, r.late, r.days_late) for r in u.rows]) for u in units] == [
        ("Phòng Chuyển đổi số", [("Triển khai trợ lý ảo", True, 15)]),
        ("Trung tâm KH&CN", [(other.content, False, 0)]),
    ]
    sent = alerts.send_weekly_digest(now=morning(DUE + timedelta(days=15)))
    # Văn phòng and leadership: the leader and the office clerk.
    assert sent == 2 and sorted(m.to[0] for m in mail.outbox) == ["pgd@so.gov.vn", "vp@so.gov.vn"]
    body = mail.outbox[0].body
    assert "Quá hạn: 1 nhiệm vụ. Có nguy cơ chậm tiến độ: 1 nhiệm vụ." in body
    assert "[Quá hạn 15 ngày] Triển khai trợ lý ảo" in body
    assert "cập nhật lần cuối: 10/01/2027" in body
    assert f"https://6ro.so.gov.vn/nhiem-vu/{overdue_task.pk}/" in body


def test_the_digest_respects_the_preference(overdue_task):
    NotificationPreference.objects.create(user=overdue_task.people["leader"], digest=False)
    assert list(alerts.digest_recipients()) == [overdue_task.people["office"]]


def test_the_badge_costs_one_query_and_nothing_for_anonymous_visitors(overdue_task, rf):
    from django.contrib.auth.models import AnonymousUser

    scan(DUE + timedelta(days=15))
    request = rf.get("/")
    request.user = AnonymousUser()
    with CaptureQueriesContext(connection) as anonymous:
        assert notifications(request) == {}
    request.user = overdue_task.people["assignee"]
    with CaptureQueriesContext(connection) as member:
        assert notifications(request)["unread_notifications"] == 1
    assert (len(anonymous), len(member)) == (0, 1)


def test_an_alert_for_a_task_with_line_breaks_is_mailed_with_a_one_line_subject(overdue_task):
    overdue_task.content = "Triển khai\r\ntrợ lý ảo\n\tcho   cán bộ, công chức"
    overdue_task.save()
    [found] = scan(DUE + timedelta(days=15))
    outcome = alerts.deliver_alert(alert_id=found.alert_id, now=morning(DUE + timedelta(days=15)))
    assert (outcome.failed, outcome.errors) == (0, [])
    assert set(
        Notification.objects.filter(channel=Channel.EMAIL).values_list("state", flat=True)
    ) == {DeliveryState.SENT}
    assert len(mail.outbox) == 4
    # The locmem backend builds the real MIME message (as SMTP would), which refuses newlines.
    assert mail.outbox[0].subject.endswith("Triển khai trợ lý ảo cho cán bộ, công chức")
