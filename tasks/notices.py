"""Notices of decisions: a leader hears of a deadline-change request, the requester of the
decision, a person of the task given to them. They travel as the early warnings do (one Alert,
one Notification per recipient and channel, in the portal, by e-mail, to a webhook), and are
created by the services in the same transaction as the decision, then queued once it commits.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from accounts.models import Role, User
from plans.models import Unit
from tasks.early_warnings import create_deliveries
from tasks.models import (
    Alert,
    AlertState,
    ChangeState,
    CoordinationNote,
    DeadlineChange,
    DeliveryState,
    Notification,
    Task,
    WarningRule,
)
from tasks.punctuality import local_today


def notify(
    *, task: Task, rule: str, key: int, message: str, recipients: Iterable[int], now: datetime
) -> Alert | None:
    """Tell `recipients` (user ids) of one decision about `task`; `key` tells decisions of the
    same kind apart (the request's id, the assignee's id), so a repeated call tells no one twice.
    """
    people = [pk for pk in dict.fromkeys(recipients) if pk]
    if not people:
        return None
    alert, created = Alert.objects.get_or_create(
        task=task,
        occurrence=None,
        rule=rule,
        threshold=key,
        reference_date=local_today(now),
        defaults={"batch": uuid.uuid4(), "created_at": now, "message": message},
    )
    if not created:
        return None
    create_deliveries([(alert.pk, people)], now=now)
    waiting = Notification.objects.filter(alert=alert, state=DeliveryState.PENDING)
    if not waiting.exists():
        Alert.objects.filter(pk=alert.pk).update(state=AlertState.SENT)
        return alert
    transaction.on_commit(lambda: _enqueue(alert.pk))
    return alert


def _enqueue(alert_id: int) -> None:
    # Imported here: the jobs module wraps the services, which call this module.
    from tasks.jobs import enqueue_deliveries

    enqueue_deliveries([alert_id])


def deciders(task: Task) -> list[int]:
    """Who decides a deadline change (tasks.permissions.can_decide): the task's authority, and
    the leaders in charge of its lead unit or of a unit above it."""
    units, unit_id = [], task.lead_unit_id
    parents = dict(Unit.objects.values_list("pk", "parent_id")) if unit_id else {}
    while unit_id is not None and unit_id not in units:
        units.append(unit_id)
        unit_id = parents.get(unit_id)
    leaders = User.objects.filter(
        Q(pk=task.authority_user_id) | Q(units_in_charge__in=units),
        role=Role.LEADERSHIP,
        is_active=True,
    )
    return list(leaders.order_by("pk").values_list("pk", flat=True).distinct())


def _date(day) -> str:
    return day.strftime("%d/%m/%Y") if day else _("(chưa có)")


def deadline_change_requested(change: DeadlineChange, *, now: datetime) -> Alert | None:
    return notify(
        task=change.task,
        rule=WarningRule.DEADLINE_REQUESTED,
        key=change.pk,
        message=_(
            "%(who)s đề nghị điều chỉnh hạn từ %(old)s sang %(new)s. Lý do: %(reason)s"
        )
        % {
            "who": change.requested_by,
            "old": _date(change.old_due_date),
            "new": _date(change.new_due_date),
            "reason": " ".join(change.reason.split()),
        }
        + (f" {beyond}" if (beyond := change.beyond_plan) else ""),
        recipients=deciders(change.task),
        now=now,
    )


def deadline_change_decided(change: DeadlineChange, *, now: datetime) -> Alert | None:
    verdict = _("đồng ý") if change.state == ChangeState.APPROVED else _("không đồng ý")
    message = _("%(who)s %(verdict)s điều chỉnh hạn từ %(old)s sang %(new)s.") % {
        "who": change.decided_by,
        "verdict": verdict,
        "old": _date(change.old_due_date),
        "new": _date(change.new_due_date),
    }
    if change.decision_comment.strip():
        message += " " + _("Ý kiến: %(c)s") % {"c": " ".join(change.decision_comment.split())}
    return notify(
        task=change.task,
        rule=WarningRule.DEADLINE_DECIDED,
        key=change.pk,
        message=message,
        recipients=[change.requested_by_id],
        now=now,
    )


def task_assigned(task: Task, *, by: User, now: datetime) -> Alert | None:
    if task.assignee_id is None or task.assignee_id == by.pk:
        return None
    return notify(
        task=task,
        rule=WarningRule.ASSIGNED,
        key=task.assignee_id,
        message=_("%(who)s giao cho bạn nhiệm vụ này, hạn %(due)s.")
        % {"who": by, "due": _date(task.due_date)},
        recipients=[task.assignee_id],
        now=now,
    )


def coordination_noted(note: CoordinationNote, *, now: datetime) -> Alert | None:
    """The lead unit hears of a coordinating unit's note: its heads, and the task's assignee."""
    task = note.task
    heads = User.objects.filter(
        role=Role.UNIT_HEAD, unit_id=task.lead_unit_id, is_active=True
    ).values_list("pk", flat=True)
    recipients = [pk for pk in [*heads, task.assignee_id] if pk != note.author_id]
    return notify(
        task=task,
        rule=WarningRule.COORDINATION_NOTE,
        key=note.pk,
        message=_("%(who)s (%(unit)s, đơn vị phối hợp): %(text)s")
        % {"who": note.author, "unit": note.unit.display_name, "text": " ".join(note.text.split())},
        recipients=recipients,
        now=now,
    )
