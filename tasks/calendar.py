"""Deadlines by day: the month view and the iCal feed read the same entries.

A task with one due date is one entry on that day; a recurring or continuous task is one entry
per period (kỳ) on the period's due date, so nothing is shown twice. Reports a unit owes (periods
of a recurring task whose product is a report) are marked, as the early warnings mark them.

Sub-tasks of a break-down (and the tasks of a unit's own plan) are someone's work, so they are
in the calendar (`worked_on`), each on its own due date and marked as a part of its parent
(↳, with the parent's content). A sub-task due the same day as its parent would only say the
same thing twice (the unit's plan copies the department's deadline): on that day the calendar
shows one of them. A person's calendar keeps the sub-task, their own piece; a unit's calendar,
and everything one may see, keep the parent, the task that is measured (`fold`).
"""

from __future__ import annotations

import calendar as month_calendar
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from django.db.models import Case, F, QuerySet, Value, When
from django.db.models.functions import Coalesce, NullIf
from django.utils import timezone
from django.utils.translation import gettext as _
from icalendar import Calendar, Event

from accounts.models import Role
from plans.deadlines import PERIODIC
from tasks.early_warnings import REPORT_PERIOD
from tasks.models import Occurrence, Task
from tasks.permissions import authority_filter, own_unit_ids
from tasks.punctuality import OPEN_GROUP, Punctuality

# The feed carries what a phone calendar can use: a quarter back, two years ahead, bounded.
FEED_PAST_DAYS = 92
FEED_FUTURE_DAYS = 731
FEED_MAX_EVENTS = 2000
# A month view of a whole city can hold thousands of deadlines: each day lists a few, then
# says how many more there are, and links to the task list of that day.
MONTH_MAX_ENTRIES = 3000


def _unit_name(path: str):
    """A unit's short name where it has one (the fanned-out units of a city often have none)."""
    return Coalesce(NullIf(F(f"{path}__short_name"), Value("")), F(f"{path}__name"))


@dataclass(frozen=True)
class Entry:
    due: date
    task_id: int
    content: str
    period: str  # the period's label for a recurring task, else ""
    unit: str
    punctuality: str
    is_report: bool
    parent_id: int | None = None  # a sub-task of a break-down: its parent
    parent_content: str = ""

    @property
    def is_subtask(self) -> bool:
        return self.parent_id is not None

    @property
    def is_open(self) -> bool:
        return self.punctuality in OPEN_GROUP

    @property
    def title(self) -> str:
        short = " ".join(self.content.split())
        short = short if len(short) <= 90 else short[:89] + "…"
        return f"{short} — {self.period}" if self.period else short


def entries(
    tasks: QuerySet[Task],
    *,
    start: date,
    end: date,
    today: date,
    limit: int,
    keep_parts: bool = False,
) -> list[Entry]:
    """The deadlines of `tasks` falling in [start, end], by date, at most `limit` of them.
    `keep_parts`: a person's calendar, where a sub-task stands for its parent on the same day
    (else the parent stands for it)."""
    singles = (
        tasks.worked_on()
        .exclude(deadline_kind__in=PERIODIC)
        .filter(due_date__range=(start, end))
        .with_punctuality(today)
        .annotate(
            period=Value(""),
            unit=_unit_name("lead_unit"),
            is_report=Value(False),
            sub_of=Case(When(is_breakdown=True, then=F("parent_id"))),
            sub_of_content=Case(When(is_breakdown=True, then=F("parent__content"))),
        )
        .order_by("due_date", "pk")
        .values(
            "due_date",
            "pk",
            "content",
            "period",
            "unit",
            "punctuality",
            "is_report",
            "sub_of",
            "sub_of_content",
        )[:limit]  # fmt: skip
    )
    periods = (
        Occurrence.objects.filter(
            task__in=tasks.worked_on().filter(deadline_kind__in=PERIODIC),
            due_date__range=(start, end),
        )
        .with_punctuality(today)
        .annotate(
            content=F("task__content"),
            period=F("label"),
            unit=_unit_name("task__lead_unit"),
            is_report=Case(When(REPORT_PERIOD, then=Value(True)), default=Value(False)),
        )
        .order_by("due_date", "pk")
        .values("due_date", "task_id", "content", "period", "unit", "punctuality", "is_report")[
            :limit
        ]
    )
    found = [_entry(row, row["pk"]) for row in singles]
    found += [_entry(row, row["task_id"]) for row in periods]
    found.sort(key=lambda e: (e.due, e.task_id, e.period))
    return fold(found, keep_parts=keep_parts)[:limit]


def fold(found: list[Entry], *, keep_parts: bool) -> list[Entry]:
    """One entry a day for a task and its sub-tasks due that same day: the sub-tasks in a
    person's calendar (`keep_parts`), else the parent. Sub-tasks on other days stay."""
    shown = {(e.task_id, e.due) for e in found if not e.period}
    parts = {(e.parent_id, e.due) for e in found if e.is_subtask}
    if keep_parts:
        return [e for e in found if e.period or (e.task_id, e.due) not in parts]
    return [e for e in found if not (e.is_subtask and (e.parent_id, e.due) in shown)]


def _entry(row: dict, task_id: int) -> Entry:
    return Entry(
        due=row["due_date"],
        task_id=task_id,
        content=row["content"],
        period=row["period"] or "",
        unit=row["unit"] or "",
        punctuality=row["punctuality"],
        is_report=bool(row["is_report"]),
        parent_id=row.get("sub_of"),
        parent_content=row.get("sub_of_content") or "",
    )


# --- The month view ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Day:
    day: date
    in_month: bool
    entries: tuple[Entry, ...]


def month_weeks(year: int, month: int, found: Iterable[Entry]) -> list[list[Day]]:
    """The month's weeks, Monday first, each day with its deadlines."""
    by_day: dict[date, list[Entry]] = {}
    for entry in found:
        by_day.setdefault(entry.due, []).append(entry)
    weeks = month_calendar.Calendar(firstweekday=0).monthdatescalendar(year, month)
    return [[Day(d, d.month == month, tuple(by_day.get(d, ()))) for d in week] for week in weeks]


def month_bounds(year: int, month: int) -> tuple[date, date]:
    """The first and last day shown: whole weeks around the month."""
    weeks = month_calendar.Calendar(firstweekday=0).monthdatescalendar(year, month)
    return weeks[0][0], weeks[-1][-1]


def shift_month(year: int, month: int, by: int) -> tuple[int, int]:
    index = year * 12 + (month - 1) + by
    return index // 12, index % 12 + 1


# --- The iCal feed -------------------------------------------------------------------------------


def feed_tasks(user) -> QuerySet[Task]:
    """A person's own deadlines: what is assigned to them, and for a unit head (or Văn phòng)
    what their unit leads. Leaders get the tasks under their authority. Never all of a city."""
    tasks = Task.objects.visible_to(user)
    scope = Task.objects.filter(assignee=user)
    if user.role in (Role.UNIT_HEAD, Role.OFFICE) and user.unit_id:
        scope |= Task.objects.filter(lead_unit_id__in=own_unit_ids(user))
    if user.role == Role.LEADERSHIP:
        scope |= Task.objects.filter(authority_filter(user))
    return tasks.filter(pk__in=scope.values("pk"))


def ical_feed(user, *, now: datetime, site_url: str, task_url) -> bytes:
    """The person's deadlines and the reports they owe as an iCalendar file (RFC 5545): one
    all-day event on each due date, open items only, so the phone shows what is still to do."""
    today = timezone.localdate(now)
    found = entries(
        feed_tasks(user),
        start=today - timedelta(days=FEED_PAST_DAYS),
        end=today + timedelta(days=FEED_FUTURE_DAYS),
        today=today,
        limit=FEED_MAX_EVENTS,
        # Staff follow their own pieces; those who watch a unit or more, the measured tasks.
        keep_parts=user.role not in (Role.UNIT_HEAD, Role.OFFICE, Role.LEADERSHIP),
    )
    feed = Calendar()
    feed.add("prodid", "-//Cong 6 ro//Han nhiem vu//VI")
    feed.add("version", "2.0")
    feed.add("calscale", "GREGORIAN")
    feed.add("x-wr-calname", _("Hạn nhiệm vụ — %(name)s") % {"name": user})
    feed.add("x-wr-timezone", "Asia/Ho_Chi_Minh")
    host = site_url.split("://", 1)[-1].strip("/") or "localhost"
    for entry in found:
        if not entry.is_open:
            continue
        event = Event()
        uid_period = f"-{entry.due:%Y%m%d}" if entry.period else ""
        event.add("uid", f"task-{entry.task_id}{uid_period}@{host}")
        event.add("dtstamp", now.astimezone(UTC))
        event.add("dtstart", entry.due)
        event.add("dtend", entry.due + timedelta(days=1))
        prefix = _("Nộp báo cáo") if entry.is_report else _("Hạn")
        event.add("summary", f"{prefix}: {entry.title}")
        part_of = (
            _("Việc con của: %(task)s") % {"task": " ".join(entry.parent_content.split())[:200]}
            if entry.is_subtask
            else ""
        )
        description = "\n".join(x for x in (entry.unit, part_of, task_url(entry.task_id)) if x)
        event.add("description", description)
        event.add("url", task_url(entry.task_id))
        if entry.punctuality == Punctuality.OVERDUE:
            event.add("categories", [_("Quá hạn")])
        feed.add_component(event)
    return feed.to_ical()
