"""Delivering warnings: each recipient gets each one once, by each channel they use.

A delivery row (`Notification`) is claimed with a conditional UPDATE before anything is sent
(as healthchecks' `sendalerts` claims a flip), so two workers, two beat ticks or a retry never
send it twice; the outcome is recorded on the row. A row left "sending" by a worker killed
mid-send is claimable again once its lease has passed. A failure is retried with backoff, up to
`MAX_ATTEMPTS`; the scan re-finds rows still waiting, so nothing is lost while Redis is down.

Channels are small classes with a `send()`: the portal itself (the row is the notification),
email (HTML and text, Vietnamese, with a link to the task) and a webhook (JSON POST, for the
chat systems staff use; `tasks.webhooks` keeps it to public addresses).
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.models import Role, User
from plans.cache import cache_get_many, cached, new_version
from tasks import webhooks
from tasks.models import (
    NOTICE_RULES,
    Alert,
    AlertState,
    Channel,
    DeliveryState,
    Notification,
    NotificationPreference,
    WarningRule,
)
from tasks.punctuality import days_late, local_today

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
SENDING_LEASE = timedelta(minutes=10)


def backoff(attempts: int) -> timedelta:
    """1, 2, 4, 8… minutes after each failed attempt, at most an hour."""
    return timedelta(minutes=min(2 ** max(attempts - 1, 0), 60))


def task_url(task_id: int) -> str:
    """The task's page as an absolute address, for messages read outside the portal."""
    return settings.SITE_URL.rstrip("/") + reverse("tasks:detail", args=[task_id])


def describe(alert: Alert, *, today: date) -> str:
    """One Vietnamese sentence saying what the warning is about."""
    if alert.message:  # a notice of a decision says what was decided
        return alert.message
    item = alert.item
    due = item.due_date.strftime("%d/%m/%Y") if item.due_date else ""
    rule = alert.rule
    if rule == WarningRule.DUE_SOON:
        left = (item.due_date - today).days
        if left <= 0:
            return _("Đến hạn hôm nay (%(due)s).") % {"due": due}
        return _("Còn %(n)s ngày đến hạn (%(due)s).") % {"n": left, "due": due}
    if rule == WarningRule.REPORT_DUE:
        return _("Báo cáo kỳ %(period)s phải nộp chậm nhất ngày %(due)s.") % {
            "period": alert.occurrence.label if alert.occurrence else "",
            "due": due,
        }
    if rule == WarningRule.OVERDUE:
        late = days_late(due_date=item.due_date, completed_on=None, today=today)
        # The step says how far the warning has been escalated, not how many were sent: a
        # task found long overdue at its first scan goes straight to the leader in charge.
        # A sub-task's escalation stops at its unit (tasks.early_warnings.recipients).
        step = min(alert.threshold, 2) if alert.task.is_breakdown else alert.threshold
        escalation = {
            1: _("báo người thực hiện"),
            2: _("báo cả Trưởng đơn vị"),
        }.get(step, _("báo cả lãnh đạo phụ trách và Văn phòng"))
        return _("Quá hạn %(n)s ngày (hạn %(due)s); %(escalation)s.") % {
            "n": late,
            "due": due,
            "escalation": escalation,
        }
    if rule == WarningRule.AT_RISK:
        return _("Có nguy cơ chậm: tiến độ mới đạt %(p)s%%, hạn %(due)s.") % {
            "p": item.percent,
            "due": due,
        }
    return _("Chưa cập nhật tiến độ từ ngày %(since)s.") % {
        "since": alert.reference_date.strftime("%d/%m/%Y")
    }


def one_line(text: str) -> str:
    """Text on one line: every run of whitespace (line breaks and tabs included) is one space."""
    return " ".join(text.split())


def subject(alert: Alert, *, today: date) -> str:
    """A mail header cannot hold a line break (Django refuses it), and task texts pasted from
    documents often have some."""
    content = one_line(alert.task.content)
    short = content if len(content) <= 70 else content[:69] + "…"
    kind = _("Thông báo") if alert.rule in NOTICE_RULES else _("Cảnh báo")
    return f"[{kind}] {alert.get_rule_display()}: {short}"


def alert_context(alert: Alert, *, today: date) -> dict:
    return {
        "alert": alert,
        "task": alert.task,
        "occurrence": alert.occurrence,
        "summary": describe(alert, today=today),
        "url": task_url(alert.task_id),
        "today": today,
    }


class DeliveryError(Exception):
    pass


class InAppChannel:
    """The row is the notification: it shows in the portal as soon as it exists."""

    def send(self, notification: Notification, *, today: date) -> None:
        return None


class EmailChannel:
    def send(self, notification: Notification, *, today: date) -> None:
        alert = notification.alert
        context = {**alert_context(alert, today=today), "recipient": notification.recipient}
        message = EmailMultiAlternatives(
            subject=subject(alert, today=today),
            body=render_to_string("emails/alert.txt", context),
            to=[notification.recipient.email],
        )
        message.attach_alternative(render_to_string("emails/alert.html", context), "text/html")
        try:
            message.send()
        except Exception as error:  # any transport error: SMTP, DNS, socket
            raise DeliveryError(f"{type(error).__name__}: {error}") from error


class WebhookChannel:
    def send(self, notification: Notification, *, today: date) -> None:
        preference = NotificationPreference.objects.filter(user=notification.recipient).first()
        if preference is None or not preference.webhook_url:
            raise DeliveryError(_("Người nhận chưa khai báo địa chỉ webhook."))
        alert = notification.alert
        payload = {
            "text": f"{subject(alert, today=today)}\n{describe(alert, today=today)}",
            "rule": alert.rule,
            "task_id": alert.task_id,
            "url": task_url(alert.task_id),
        }
        try:
            webhooks.post_json(
                preference.webhook_url, json.dumps(payload, ensure_ascii=False).encode()
            )
        except webhooks.WebhookError as error:
            raise DeliveryError(str(error)) from error


CHANNELS = {
    Channel.IN_APP: InAppChannel(),
    Channel.EMAIL: EmailChannel(),
    Channel.WEBHOOK: WebhookChannel(),
}


def claimable(now: datetime) -> Q:
    return (
        Q(state=DeliveryState.PENDING)
        | Q(state=DeliveryState.RETRY, next_attempt_at__lte=now)
        | Q(state=DeliveryState.SENDING, claimed_at__lt=now - SENDING_LEASE)
    )


def claim(notification_id: int, *, now: datetime) -> bool:
    """Take a delivery for this worker: only one of concurrent claims updates the row."""
    return bool(
        Notification.objects.filter(claimable(now), pk=notification_id).update(
            state=DeliveryState.SENDING, claimed_at=now, attempts=F("attempts") + 1
        )
    )


@dataclass
class Outcome:
    sent: int = 0
    failed: int = 0
    retry_at: datetime | None = None
    errors: list[str] = field(default_factory=list)


def deliver_alert(*, alert_id: int, now: datetime) -> Outcome:
    """Send what is still to send for one warning, recording each outcome on its row."""
    outcome = Outcome()
    today = local_today(now)
    waiting = Notification.objects.filter(claimable(now), alert_id=alert_id)
    for pk in list(waiting.values_list("pk", flat=True)):
        if not claim(pk, now=now):
            continue  # another worker has it
        notification = Notification.objects.select_related(
            "alert__task__plan", "alert__task__lead_unit", "alert__occurrence", "recipient"
        ).get(pk=pk)
        try:
            CHANNELS[notification.channel].send(notification, today=today)
        except DeliveryError as error:
            _record_failure(notification, error=str(error), now=now, outcome=outcome)
        else:
            Notification.objects.filter(pk=pk).update(
                state=DeliveryState.SENT, sent_at=now, last_error="", next_attempt_at=None
            )
            outcome.sent += 1
    refresh_alert_state(alert_id)
    return outcome


def _record_failure(notification: Notification, *, error: str, now: datetime, outcome) -> None:
    log.warning("Gửi cảnh báo %s thất bại: %s", notification.pk, error)
    outcome.errors.append(error)
    if notification.attempts >= MAX_ATTEMPTS:
        state, retry_at = DeliveryState.FAILED, None
        outcome.failed += 1
    else:
        state, retry_at = DeliveryState.RETRY, now + backoff(notification.attempts)
        outcome.retry_at = min(filter(None, [outcome.retry_at, retry_at]))
    Notification.objects.filter(pk=notification.pk).update(
        state=state, last_error=error[:2000], next_attempt_at=retry_at
    )


def refresh_alert_state(alert_id: int) -> None:
    """Sent once every delivery is sent; failed when one has given up. Acknowledged and resolved
    warnings keep their state."""
    states = set(
        Notification.objects.filter(alert_id=alert_id)
        .exclude(state=DeliveryState.CANCELLED)
        .values_list("state", flat=True)
    )
    if DeliveryState.FAILED in states:
        state = AlertState.FAILED
    elif states <= {DeliveryState.SENT}:
        state = AlertState.SENT
    else:
        state = AlertState.PENDING
    Alert.objects.filter(
        pk=alert_id, state__in=[AlertState.PENDING, AlertState.SENT, AlertState.FAILED]
    ).update(state=state)


def alerts_to_deliver(*, now: datetime) -> list[int]:
    """Warnings with a delivery waiting: new, due for a retry, or abandoned mid-send."""
    return list(
        Notification.objects.filter(claimable(now))
        .exclude(alert__state=AlertState.RESOLVED)
        .order_by("alert_id")
        .values_list("alert_id", flat=True)
        .distinct()
    )


# --- reading and acknowledging in the portal ---------------------------------------------------


def mark_read(*, notification: Notification, now: datetime) -> None:
    if notification.read_at is None:
        notification.read_at = now
        notification.save(update_fields=["read_at"])
        notifications_changed()


def mark_all_read(user, *, now: datetime) -> int:
    read = Notification.objects.filter(
        recipient=user, channel=Channel.IN_APP, read_at__isnull=True
    ).update(read_at=now)
    notifications_changed()
    return read


def acknowledge(*, notification: Notification, now: datetime) -> None:
    """The recipient takes the warning in hand: it stays in the lists, marked as such."""
    mark_read(notification=notification, now=now)
    Alert.objects.filter(
        pk=notification.alert_id, state__in=[AlertState.PENDING, AlertState.SENT, AlertState.FAILED]
    ).update(
        state=AlertState.ACKNOWLEDGED, acknowledged_by=notification.recipient, acknowledged_at=now
    )
    notification.alert.refresh_from_db()


def unread_count(user) -> int:
    return (
        Notification.objects.filter(recipient=user, channel=Channel.IN_APP, read_at__isnull=True)
        .exclude(alert__state=AlertState.RESOLVED)
        .count()
    )


# The header's badge on every page: each person's count is kept under one version of everyone's
# notifications, which new, resolved and read warnings move once they are committed.
UNREAD_KEY = "unread-version"
UNREAD_SECONDS = 600


def unread_badge(user) -> int:
    """`unread_count`, kept until the notifications change (or for UNREAD_SECONDS)."""
    version = cache_get_many([UNREAD_KEY]).get(UNREAD_KEY) or new_version(UNREAD_KEY)
    return cached(f"unread:{version}:{user.pk}", lambda: unread_count(user), UNREAD_SECONDS)


def notifications_changed() -> None:
    """Warnings were created, resolved or read: every badge is counted again. Now, and once
    more when the change is committed, since a badge counted in between read the old rows."""
    new_version(UNREAD_KEY)
    transaction.on_commit(lambda: new_version(UNREAD_KEY), robust=True)


# --- the weekly digest -------------------------------------------------------------------------


@dataclass(frozen=True)
class DigestRow:
    task_id: int
    content: str
    plan: str
    period: str
    late: bool
    due_date: date | None
    days_late: int
    percent: int
    last_update: datetime | None
    assignee: str
    url: str


@dataclass
class UnitWarnings:
    unit: str
    rows: list[DigestRow]

    @property
    def late_count(self) -> int:
        return sum(row.late for row in self.rows)

    @property
    def at_risk_count(self) -> int:
        return sum(not row.late for row in self.rows)


def build_digest(*, today: date) -> list[UnitWarnings]:
    """The list Văn phòng keeps: per unit, the late and at-risk tasks (one query). Sub-tasks
    of a break-down are left out: their parent is in the list, and counts once."""
    alerts = (
        Alert.objects.filter(rule__in=[WarningRule.OVERDUE, WarningRule.AT_RISK])
        .exclude(task__is_breakdown=True)
        .exclude(state=AlertState.RESOLVED)
        .select_related("task__plan", "task__lead_unit", "task__assignee", "occurrence")
        .order_by("pk")
    )
    rows: dict[tuple, DigestRow] = {}
    units: dict[tuple, str] = {}
    for alert in alerts:
        item, task = alert.item, alert.task
        late = alert.rule == WarningRule.OVERDUE
        key = (task.pk, alert.occurrence_id)
        if key in rows and rows[key].late >= late:
            continue
        rows[key] = DigestRow(
            task_id=task.pk,
            content=task.content,
            plan=task.plan.display_name,
            period=alert.occurrence.label if alert.occurrence else "",
            late=late,
            due_date=item.due_date,
            days_late=days_late(due_date=item.due_date, completed_on=None, today=today),
            percent=item.percent,
            last_update=item.last_update_at or task.last_update_at,
            assignee=str(task.assignee) if task.assignee else "",
            url=task_url(task.pk),
        )
        unit = task.lead_unit
        units[key] = (unit.order, unit.name) if unit else (10**9, _("Chưa rõ đơn vị chủ trì"))
    grouped: dict[tuple, list[DigestRow]] = {}
    for key, row in rows.items():
        grouped.setdefault(units[key], []).append(row)
    return [
        UnitWarnings(
            unit=name,
            rows=sorted(group, key=lambda r: (not r.late, -r.days_late, r.content)),
        )
        for (_order, name), group in sorted(grouped.items())
    ]


def digest_recipients():
    """Văn phòng and leadership, with an address, unless they switched the digest off."""
    return (
        User.objects.filter(is_active=True, role__in=[Role.OFFICE, Role.LEADERSHIP])
        .exclude(email="")
        .exclude(notification_preference__digest=False)
        .order_by("pk")
    )


def send_weekly_digest(*, now: datetime) -> int:
    """Email the digest; one bad address does not stop the others. Returns the mails sent."""
    today = local_today(now)
    units = build_digest(today=today)
    context = {
        "units": units,
        "today": today,
        "late_total": sum(u.late_count for u in units),
        "at_risk_total": sum(u.at_risk_count for u in units),
        "site_url": settings.SITE_URL,
    }
    text = render_to_string("emails/digest.txt", context)
    html = render_to_string("emails/digest.html", context)
    title = _("Tổng hợp cảnh báo nhiệm vụ tuần %(date)s") % {"date": today.strftime("%d/%m/%Y")}
    sent = 0
    for user in digest_recipients():
        message = EmailMultiAlternatives(subject=title, body=text, to=[user.email])
        message.attach_alternative(html, "text/html")
        try:
            message.send()
        except Exception:
            log.exception("Không gửi được bản tổng hợp tới %s", user.email)
        else:
            sent += 1
    return sent
