"""Punctuality: the one place that says whether a task is on time.

`punctuality()` judges one task or occurrence; `punctuality_expression()` is the same rule
as a database expression, for lists, dashboards, warnings and reports. A test holds the two
to the same answers. "today" is always passed in: the local date in Asia/Ho_Chi_Minh
(`local_today()`), so a task due today is not overdue until local midnight has passed.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import models
from django.db.models import Case, F, Q, Value, When
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Status(models.TextChoices):
    NOT_STARTED = "not_started", _("Chưa thực hiện")
    IN_PROGRESS = "in_progress", _("Đang thực hiện")
    DONE = "done", _("Hoàn thành")
    PAUSED = "paused", _("Tạm dừng")
    CANCELLED = "cancelled", _("Đã hủy")


# The statuses of work still to do: every other one ends or suspends the clock.
OPEN_STATUSES = (Status.NOT_STARTED, Status.IN_PROGRESS)


class Punctuality(models.TextChoices):
    NOT_STARTED = "not_started", _("Chưa thực hiện")
    ON_TRACK = "on_track", _("Đang thực hiện, trong hạn")
    DUE_SOON = "due_soon", _("Sắp đến hạn")
    OVERDUE = "overdue", _("Quá hạn")
    DONE_EARLY = "done_early", _("Hoàn thành trước hạn")
    DONE_ON_TIME = "done_on_time", _("Hoàn thành đúng hạn")
    DONE_LATE = "done_late", _("Hoàn thành trễ hạn")
    PAUSED = "paused", _("Tạm dừng")
    CANCELLED = "cancelled", _("Đã hủy")


DONE_GROUP = (Punctuality.DONE_EARLY, Punctuality.DONE_ON_TIME, Punctuality.DONE_LATE)
ON_TIME_GROUP = (Punctuality.DONE_EARLY, Punctuality.DONE_ON_TIME)
OPEN_GROUP = (
    Punctuality.NOT_STARTED,
    Punctuality.ON_TRACK,
    Punctuality.DUE_SOON,
    Punctuality.OVERDUE,
)


def local_today(now: datetime | None = None) -> date:
    """The calendar date in the portal's time zone (Asia/Ho_Chi_Minh)."""
    return timezone.localdate(now or timezone.now())


def _due_soon_days(days: int | None) -> int:
    return settings.DUE_SOON_DAYS if days is None else days


def punctuality(
    *,
    status: str,
    due_date: date | None,
    completed_on: date | None,
    today: date,
    due_soon_days: int | None = None,
) -> Punctuality:
    soon = _due_soon_days(due_soon_days)
    if status == Status.CANCELLED:
        return Punctuality.CANCELLED
    if status == Status.PAUSED:
        return Punctuality.PAUSED
    if status == Status.DONE:
        if due_date is None or completed_on is None or completed_on == due_date:
            return Punctuality.DONE_ON_TIME
        return Punctuality.DONE_EARLY if completed_on < due_date else Punctuality.DONE_LATE
    if due_date is not None:
        if due_date < today:
            return Punctuality.OVERDUE
        if due_date <= today + timedelta(days=soon):
            return Punctuality.DUE_SOON
    if status == Status.NOT_STARTED:
        return Punctuality.NOT_STARTED
    return Punctuality.ON_TRACK


def punctuality_expression(*, today: date, due_soon_days: int | None = None) -> Case:
    """The same rule as `punctuality()`, for `.annotate(punctuality=…)` on tasks or occurrences."""
    soon_limit = today + timedelta(days=_due_soon_days(due_soon_days))
    done = Q(status=Status.DONE)
    # Past the status branches only open work is left; the date branches say so too, so that
    # `punctuality_in` ("overdue", "due soon") is served by the index of open tasks by due date
    # (Task.Meta `task_open_due`) instead of a scan of every task.
    still_open = Q(status__in=OPEN_STATUSES)
    return Case(
        When(status=Status.CANCELLED, then=Value(Punctuality.CANCELLED.value)),
        When(status=Status.PAUSED, then=Value(Punctuality.PAUSED.value)),
        When(
            done
            & (
                Q(due_date__isnull=True)
                | Q(completed_on__isnull=True)
                | Q(completed_on=F("due_date"))
            ),
            then=Value(Punctuality.DONE_ON_TIME.value),
        ),
        When(done & Q(completed_on__lt=F("due_date")), then=Value(Punctuality.DONE_EARLY.value)),
        When(done, then=Value(Punctuality.DONE_LATE.value)),
        When(still_open & Q(due_date__lt=today), then=Value(Punctuality.OVERDUE.value)),
        When(still_open & Q(due_date__lte=soon_limit), then=Value(Punctuality.DUE_SOON.value)),
        When(status=Status.NOT_STARTED, then=Value(Punctuality.NOT_STARTED.value)),
        default=Value(Punctuality.ON_TRACK.value),
        output_field=models.CharField(),
    )


def punctuality_in(values, *, today: date, due_soon_days: int | None = None) -> Q:
    """`punctuality in values` as a condition on the columns, built from the branches of
    `punctuality_expression` (a branch holds when its test does and no earlier one's does), so
    the two cannot drift apart. PostgreSQL cannot estimate a filter on the CASE, nor serve it
    from an index; it can with this."""
    case = punctuality_expression(today=today, due_soon_days=due_soon_days)
    wanted, earlier = set(values), Q()
    found = Q(pk__in=[])
    for when in case.cases:
        if when.result.value in wanted:
            found |= earlier & when.condition
        earlier &= ~when.condition
    if case.default.value in wanted:
        found |= earlier
    return found


def days_late(*, due_date: date | None, completed_on: date | None, today: date) -> int:
    """Days past the due date: until done, counted to today; once done, to the completion."""
    if due_date is None:
        return 0
    end = completed_on or today
    return max((end - due_date).days, 0)
