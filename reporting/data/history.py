"""A task (or one period of it) as it stood at the end of the cut-off day, rebuilt from its
history, so that a report built later, or rebuilt, says what the data said that day.

The record, in order of trust:
- progress updates (each keeps the moment it was made): the latest one made by the end of the
  cut-off day gives the status and percent; a "done" update gives the completion date, its day;
- the task's own history (django-simple-history, with the moment of each save): when a save made
  by then is later than that update (a leader pausing or cancelling the task), it wins;
- with neither before the cut-off but some after it, the item had not been started;
- with no history at all (generated data, very old periods), the current state, except that a
  completion after the cut-off day was not yet a completion.
Due dates: an approved deadline change decided after the cut-off did not yet apply, so the task
was due on the change's old date (the earliest such change, if there were several).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Exists, F, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from tasks.models import ChangeState, DeadlineChange, Occurrence, ProgressUpdate, Task
from tasks.punctuality import Status


@dataclass(frozen=True)
class Cutoff:
    """The data are taken at the end of `day`; punctuality is judged on `judge`."""

    day: date
    judge: date

    @property
    def moment(self) -> datetime:
        """Local midnight after `day`: events before it are in the report."""
        zone = timezone.get_default_timezone()
        return timezone.make_aware(datetime.combine(self.day + timedelta(days=1), time.min), zone)


def cutoff_for(*, end: date, today: date) -> Cutoff:
    """A period whose last day has passed is read at the end of that day, when a task due on
    it and not done has become overdue. Built earlier, it says what the data say today, judged
    as the dashboard judges today."""
    if today > end:
        return Cutoff(day=end, judge=end + timedelta(days=1))
    return Cutoff(day=today, judge=today)


STATE_FIELDS = (
    "status",
    "percent",
    "completed_on",
    "u_at",
    "u_status",
    "u_percent",
    "any_update",
    "h_at",
    "h_status",
    "h_percent",
    "h_completed",
    "any_history",
)


def with_history(items: QuerySet, *, moment: datetime) -> QuerySet:
    """Tasks or occurrences annotated with what `state_at` needs, and (`due_then`) the due date
    that applied at `moment`. One query whatever the number of items."""
    if items.model is Task:
        updates = ProgressUpdate.objects.filter(task=OuterRef("pk"), occurrence__isnull=True)
        history = Task.history.model.objects.filter(id=OuterRef("pk"))
        later_change = DeadlineChange.objects.filter(
            task=OuterRef("pk"),
            occurrence__isnull=True,
            state=ChangeState.APPROVED,
            decided_at__gte=moment,
        ).order_by("decided_at", "pk")
        due_then = Coalesce(Subquery(later_change.values("old_due_date")[:1]), F("due_date"))
    else:
        updates = ProgressUpdate.objects.filter(occurrence=OuterRef("pk"))
        history = Occurrence.history.model.objects.filter(id=OuterRef("pk"))
        due_then = F("due_date")
    latest_update = updates.filter(created_at__lt=moment).order_by("-created_at", "-pk")
    latest_save = history.filter(history_date__lt=moment).order_by("-history_date", "-history_id")
    return items.annotate(
        due_then=due_then,
        u_at=Subquery(latest_update.values("created_at")[:1]),
        u_status=Subquery(latest_update.values("status")[:1]),
        u_percent=Subquery(latest_update.values("percent")[:1]),
        any_update=Exists(updates),
        h_at=Subquery(latest_save.values("history_date")[:1]),
        h_status=Subquery(latest_save.values("status")[:1]),
        h_percent=Subquery(latest_save.values("percent")[:1]),
        h_completed=Subquery(latest_save.values("completed_on")[:1]),
        any_history=Exists(history),
    )


def state_at(row: dict, *, day: date) -> tuple[str, int, date | None]:
    """(status, percent, completed on) at the end of `day`, from a row of `with_history`."""
    events = []
    if row["u_at"] is not None:
        done = row["u_status"] == Status.DONE
        completed = timezone.localdate(row["u_at"]) if done else None
        events.append((row["u_at"], row["u_status"], row["u_percent"], completed))
    if row["h_at"] is not None:
        events.append((row["h_at"], row["h_status"], row["h_percent"], row["h_completed"]))
    if events:
        _at, status, percent, completed = max(events, key=lambda event: event[0])
        return status, percent, completed if status == Status.DONE else None
    if row["any_update"] or row["any_history"]:
        return Status.NOT_STARTED, 0, None
    status, completed = row["status"], row["completed_on"]
    if status == Status.DONE and completed is not None and completed > day:
        return Status.NOT_STARTED, 0, None
    return status, row["percent"], completed if status == Status.DONE else None
