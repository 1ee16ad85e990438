"""Early warnings (cơ chế cảnh báo sớm): which tasks need chasing, and whom to tell.

The rules, each judged on one task (or one period, kỳ, of a recurring or continuous task) with
"today" passed in. Punctuality (due soon, overdue) comes from `tasks.punctuality`, the one rule;
the thresholds come from `WarningSettings`, which an administrator edits in the admin.

- Due soon (sắp đến hạn): when the days left reach each threshold (default 7, 3 and 1), counted
  in calendar days or in working days (Vietnamese public holidays are not working days). One
  warning per threshold; an item first seen with 2 days left gets only the "3 days" warning.
- Periodic report owed (sắp đến hạn nộp báo cáo): a period of a recurring task whose product is a
  report, due within the lead days (default 5). Such periods get this warning instead of the
  due-soon ladder.
- At risk (có nguy cơ chậm): with start = the task's start date (else the day it was created; for
  a period, its first day), the elapsed share e = (today − start) / (due − start). At risk when
  e ≥ 50% and percent < 100·e − 30 (both tunable): at 80% of the time, under 50% done. Not for
  reports nor continuous tasks, whose percent does not grow towards a due date.
- Overdue (quá hạn): the day after the due date (step 1), then every N days (default 7) one step
  higher, up to the number of steps (default 3). Step 1 goes to the assignee (or the unit head
  when nobody is assigned); step 2 adds the unit head; step 3 and later add the leader in charge
  (the task's authority and the leaders in charge of its lead unit) and Văn phòng.
- Whom: due soon and reports go to the assignee (else the unit head); at risk and no update to
  the assignee and the unit head. Units without people in the portal (other departments,
  communes) get no message: their warnings are in Văn phòng's list and the weekly digest.
- Sub-tasks (`is_breakdown`: a unit head's break-down, or a task of a unit's own plan) are
  warned like any task, but within the unit: the same ladder goes to their assignee (else the
  unit heads) and to the heads of their lead unit, and stops there. The leader in charge and
  Văn phòng are never told of a sub-task, at any step, and the weekly digest leaves sub-tasks
  out (`tasks.alerts.build_digest`): the parent task is warned itself and reaches them once.
  A sub-task that only repeats its open parent (same person, same due date: a task of a unit's
  own plan usually does) gets no warnings of its own, since the parent's reach the same people.
- No update (lâu chưa cập nhật): a task in progress, or a continuous one, whose last progress
  update (else its start) is N days old or more (default 14). One warning per silence: a new
  update starts a new one.

Each warning is a row, unique per (task or period, rule, threshold, the date it is about), so
scans that overlap create it once (an insert that skips what conflicts with the unique
constraints). The date is the due date, so an approved extension warns again for the new date,
and the warnings about the old one are resolved. A task or period that is done, cancelled or
paused resolves its open warnings.

The scan is set-based: a fixed number of queries whatever the number of tasks (the settings,
the people, the open tasks, the open periods, then inserts in batches). The database judges the
rules (`tasks.warning_rules.new_warnings`) and returns only the tasks and periods that need a
warning not stored yet: a scan 15 minutes after the last one reads none of the ~74,000 open
items of a department-wide portal, where it used to judge each in Python. On PostgreSQL the
scan is split by task into `ALERT_SCAN_PARTS` parts written side by side, each in its own
connection and transaction (`tasks.parts`): the first scan after a deployment writes a whole
backlog at once, and one connection writes with one core.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import partial

from django.conf import settings
from django.db import connection, transaction
from django.db.models import BooleanField, Exists, ExpressionWrapper, F, OuterRef, Q
from django.db.models.functions import Coalesce, Greatest, TruncDate
from django.utils import timezone

from accounts.models import Role, User
from plans.deadlines import DeadlineKind
from tasks.alerts import notifications_changed
from tasks.bulk import insert_fanned_out, insert_rows
from tasks.models import (
    OPEN_ALERT_STATES,
    Alert,
    AlertState,
    Channel,
    DeliveryState,
    Notification,
    NotificationPreference,
    Occurrence,
    Task,
    WarningRule,
    WarningSettings,
)
from tasks.parts import WHOLE, Part, run_in_parts
from tasks.punctuality import OPEN_STATUSES, Status, local_today, punctuality_expression
from tasks.warning_rules import Finding, Item, assess, horizon_days, new_warnings

SETTLED_STATUSES = (Status.DONE, Status.CANCELLED, Status.PAUSED)
# Rules whose warning is about a due date: moving the date makes them stale.
DUE_RULES = (
    WarningRule.DUE_SOON,
    WarningRule.REPORT_DUE,
    WarningRule.AT_RISK,
    WarningRule.OVERDUE,
)
LIVE_STATES = (*OPEN_ALERT_STATES, AlertState.ACKNOWLEDGED)


@dataclass
class Found:
    """A warning found by a scan, with whom it goes to; `alert_id` once it is a row."""

    item: Item
    finding: Finding
    recipient_ids: list[int]
    alert_id: int | None = None

    @property
    def key(self) -> tuple:
        f = self.finding
        return (self.item.task_id, self.item.occurrence_id, f.rule, f.threshold, f.reference_date)


@dataclass
class Audience:
    """The people warnings go to, by unit; loaded in two queries."""

    heads: dict[int, list[int]] = field(default_factory=dict)
    leaders: dict[int, list[int]] = field(default_factory=dict)
    office: list[int] = field(default_factory=list)

    @classmethod
    def load(cls) -> Audience:
        active = User.objects.filter(is_active=True).order_by("pk")
        audience = cls()
        staff = active.filter(role__in=[Role.UNIT_HEAD, Role.OFFICE])
        office_members: dict[int, list[int]] = {}
        for pk, unit_id, role in staff.values_list("pk", "unit_id", "role"):
            if role == Role.UNIT_HEAD:
                audience.heads.setdefault(unit_id, []).append(pk)
            else:
                audience.office.append(pk)
                office_members.setdefault(unit_id, []).append(pk)
        # Văn phòng's own tasks: its head (Chánh Văn phòng) has the office role, not unit head.
        for unit_id, members in office_members.items():
            audience.heads.setdefault(unit_id, members)
        leaders = active.filter(role=Role.LEADERSHIP).values_list("pk", "units_in_charge")
        for pk, unit_id in leaders:
            if unit_id is not None:
                audience.leaders.setdefault(unit_id, []).append(pk)
        return audience


def recipients(item: Item, finding: Finding, audience: Audience) -> list[int]:
    """Whom a warning goes to, in escalation order (no one twice). A sub-task's warnings stop at
    its unit's heads: its parent carries the escalation to the leader in charge and Văn phòng."""
    heads = audience.heads.get(item.lead_unit_id, [])
    responsible = [item.assignee_id] if item.assignee_id else heads
    people = list(responsible)
    rule, step = finding.rule, finding.threshold
    if rule in (WarningRule.AT_RISK, WarningRule.NO_UPDATE) or (
        rule == WarningRule.OVERDUE and step >= 2
    ):
        people += heads
    if rule == WarningRule.OVERDUE and step >= 3 and not item.is_subtask:
        people += [item.authority_id] if item.authority_id else []
        people += audience.leaders.get(item.lead_unit_id, [])
        people += audience.office
    return list(dict.fromkeys(people))


# --- reading the items, set-based --------------------------------------------------------------


# A period of a recurring task whose product (or content) is a report ("Báo cáo tháng", "Báo
# cáo 6 tháng và năm"): a report the unit owes. "Số lượng … giảm 15%; báo cáo kết quả" is a
# target reported on, not a periodic report: only a product that starts with the word counts.
REPORT_PERIOD = Q(task__deadline_kind=DeadlineKind.RECURRING) & (
    Q(task__product__istartswith="báo cáo") | Q(task__search_key__startswith="bao cao")
)


def _aliased(names: dict[str, str]) -> dict[str, F]:
    """Short names for the columns read (aliases cannot shadow model fields)."""
    return {alias: F(path) for alias, path in names.items()}


TASK_FIELDS = {
    "kind": "deadline_kind",
    "unit": "lead_unit_id",
    "person": "assignee_id",
    "leader": "authority_user_id",
    "sub": "is_breakdown",
}
PERIOD_FIELDS = {
    "task_ref": "task_id",
    "kind": "task__deadline_kind",
    "unit": "task__lead_unit_id",
    "person": "task__assignee_id",
    "leader": "task__authority_user_id",
    "sub": "task__is_breakdown",
}


# A sub-task that repeats its open parent: the same due date and the same person (or nobody).
REPEATS_PARENT = Q(
    is_breakdown=True, parent__due_date=F("due_date"), parent__status__in=OPEN_STATUSES
) & (
    Q(parent__assignee_id=F("assignee_id"))
    | Q(parent__assignee__isnull=True, assignee__isnull=True)
)


def _local_day(field: str) -> TruncDate:
    """The local date (Asia/Ho_Chi_Minh) of a moment, as `timezone.localdate` gives it."""
    return TruncDate(field, tzinfo=timezone.get_current_timezone())


# What `_item` reads of a row, besides the fields of TASK_FIELDS / PERIOD_FIELDS.
ITEM_COLUMNS = ("pk", "p", "status", "due_date", "percent", "start_day", "last_day")


def _item(row: dict, *, task_id: int, occurrence_id: int | None, is_report=False) -> Item:
    """The item a task's or a period's row describes (`open_items` reads both alike)."""
    return Item(
        task_id=task_id,
        occurrence_id=occurrence_id,
        punctuality=row["p"],
        status=row["status"],
        due_date=row["due_date"],
        start=row["start_day"],
        percent=row["percent"],
        last_update=row["last_day"],
        continuous=row["kind"] == DeadlineKind.CONTINUOUS,
        is_report=is_report,
        lead_unit_id=row["unit"],
        assignee_id=row["person"],
        authority_id=row["leader"],
        is_subtask=row["sub"],
    )


def open_items(*, today: date, rules: WarningSettings, part: Part = WHOLE):
    """The open tasks without periods and the open periods that need a warning not stored yet,
    each with the rules that do: two queries, streamed, the rules judged by the database
    (`tasks.warning_rules.new_warnings`). The sub-tasks of a break-down are in (`worked_on`):
    they are someone's work to chase. Only the tasks of `part`, and their periods."""
    soon = horizon_days(today=today, rules=rules)
    task_news = new_warnings(
        today=today,
        rules=rules,
        stored=Alert.objects.filter(task=OuterRef("pk"), occurrence__isnull=True),
        is_report=None,
        continuous=Q(deadline_kind=DeadlineKind.CONTINUOUS),
    )
    tasks = (
        Task.objects.worked_on()
        .filter(status__in=OPEN_STATUSES)
        .filter(~Exists(Occurrence.objects.filter(task=OuterRef("pk"))))
        .exclude(REPEATS_PARENT)
        .filter(part.of("pk"))
        .annotate(start_day=Coalesce("start_date", _local_day("created_at")))
        .annotate(last_day=Coalesce(_local_day("last_update_at"), "start_day"))
        .annotate(**task_news)
        .filter(_any(task_news))
        .annotate(
            p=punctuality_expression(today=today, due_soon_days=soon), **_aliased(TASK_FIELDS)
        )
        .order_by("pk")
        .values(*ITEM_COLUMNS, *TASK_FIELDS, *task_news)
    )
    for row in tasks.iterator(chunk_size=20000):
        yield _news(row, task_news), _item(row, task_id=row["pk"], occurrence_id=None)
    period_news = new_warnings(
        today=today,
        rules=rules,
        stored=Alert.objects.filter(occurrence=OuterRef("pk")),
        is_report=REPORT_PERIOD,
        continuous=Q(task__deadline_kind=DeadlineKind.CONTINUOUS),
    )
    period_update, task_update = _local_day("last_update_at"), _local_day("task__last_update_at")
    periods = (
        Occurrence.objects.filter(status__in=OPEN_STATUSES, task__fans_out=False)
        .exclude(task__status__in=SETTLED_STATUSES)
        .filter(part.of("task_id"))
        .annotate(start_day=F("period_start"))
        .annotate(
            # The later of the two updates (Greatest is NULL on SQLite when one is missing).
            last_day=Coalesce(
                Greatest(period_update, task_update), period_update, task_update, "start_day"
            )
        )
        .annotate(**period_news)
        .filter(_any(period_news))
        .annotate(
            p=punctuality_expression(today=today, due_soon_days=soon),
            is_report=ExpressionWrapper(REPORT_PERIOD, BooleanField()),
            **_aliased(PERIOD_FIELDS),
        )
        .order_by("pk")
        .values(*ITEM_COLUMNS, "is_report", *PERIOD_FIELDS, *period_news)
    )
    for row in periods.iterator(chunk_size=20000):
        item = _item(
            row, task_id=row["task_ref"], occurrence_id=row["pk"], is_report=bool(row["is_report"])
        )
        yield _news(row, period_news), item


def _any(news: dict) -> Q:
    return Q(*(Q(**{name: True}) for name in news), _connector=Q.OR)


def _news(row: dict, news: dict) -> set[str]:
    """The rules whose warning the row needs (`new_<rule>` true)."""
    return {name.removeprefix("new_") for name in news if row[name]}


def find_warnings(
    *, today: date, rules: WarningSettings | None = None, part: Part = WHOLE
) -> list[Found]:
    """Every warning the open tasks (of `part`) deserve today and that is not stored yet."""
    rules = rules or WarningSettings.load()
    audience = Audience.load()
    found = []
    for news, item in open_items(today=today, rules=rules, part=part):
        for finding in assess(item, today=today, rules=rules):
            if finding.rule in news:
                found.append(Found(item, finding, recipients(item, finding, audience)))
    return found


def create_alerts(*, now: datetime, dry_run: bool = False) -> list[Found]:
    """Resolve the warnings whose item is settled, then find today's warnings and store those
    not stored yet, with one delivery row per recipient and channel. Returns what this scan
    created (or would create, in a dry run).

    Each part (`ALERT_SCAN_PARTS`, by task) commits on its own: a part that fails to store its
    warnings leaves the others' stored and its own to the next scan, which creates what is
    missing; one that fails to find them stores nothing, nor do the others."""
    today = local_today(now)
    if dry_run:
        return find_warnings(today=today)
    with transaction.atomic():
        resolve_settled(now=now)
        rules = WarningSettings.load()  # created here if need be: the parts only read
    return run_in_parts(
        partial(_find_without_jit, today=today, rules=rules),
        partial(_store, now=now),
        keys=Task.objects.filter(status__in=OPEN_STATUSES).values_list("pk", flat=True),
        count=settings.ALERT_SCAN_PARTS,
    )


def _find_without_jit(part: Part, *, today: date, rules: WarningSettings) -> list[Found]:
    """`find_warnings`, with PostgreSQL's JIT off for the rest of the transaction: it compiled
    each of the two reading queries for 1.2–1.4 s at 100,000 tasks, where they run in 0.1–0.3 s
    (benchmarks/scan_alerts.md). Set per transaction, it holds behind any connection pooler."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL jit = off")
    return find_warnings(today=today, rules=rules, part=part)


def _store(found: list[Found], *, now: datetime) -> list[Found]:
    """Store the warnings found, each with its deliveries; returns those this call stored."""
    channels = delivery_channels({pk for f in found for pk in f.recipient_ids})
    batch = uuid.uuid4()
    # A warning with nothing to send (portal only, or nobody to tell) needs no delivery job:
    # it is stored as sent.
    sending = {pk for pk, ways in channels.items() if len(ways) > 1}
    insert_rows(
        Alert,
        ["task_id", "occurrence_id", "rule", "threshold", "reference_date", "state"],
        [(*f.key, _first_state(f.recipient_ids, sending)) for f in found],
        ignore_conflicts=True,
        batch=batch,
        created_at=now,
    )
    # Another scan running at the same time may have inserted some of these first (the unique
    # constraints make the insert skip them): only rows of this batch get deliveries.
    ours = {
        (task_id, occurrence_id, rule, threshold, ref): pk
        for pk, task_id, occurrence_id, rule, threshold, ref in Alert.objects.filter(
            batch=batch
        ).values_list("pk", "task_id", "occurrence_id", "rule", "threshold", "reference_date")
    }
    created = [f for f in found if f.key in ours]
    for f in created:
        f.alert_id = ours[f.key]
    create_deliveries(
        ((f.alert_id, f.recipient_ids) for f in created),
        now=now,
        channels=channels,
        ignore_conflicts=False,
    )
    return created


def delivery_channels(people: set[int]) -> dict[int, tuple[str, ...]]:
    """How each active person is told: in the portal always, by e-mail unless they opted out
    (or have no address), to their webhook if they set one."""
    users = dict(User.objects.filter(pk__in=people, is_active=True).values_list("pk", "email"))
    preferences = {
        p.user_id: p for p in NotificationPreference.objects.filter(user_id__in=users.keys())
    }
    channels = {}
    for pk, email in users.items():
        preference = preferences.get(pk)
        ways = [Channel.IN_APP]
        if email and (preference is None or preference.email):
            ways.append(Channel.EMAIL)
        if preference is not None and preference.webhook_url:
            ways.append(Channel.WEBHOOK)
        channels[pk] = tuple(ways)
    return channels


def _first_state(recipient_ids: list[int], sending: set[int]) -> str:
    """Pending when one of the recipients is told by more than the portal (`sending`)."""
    return AlertState.SENT if sending.isdisjoint(recipient_ids) else AlertState.PENDING


def create_deliveries(
    to: Iterable[tuple[int, list[int]]],
    *,
    now: datetime,
    channels: dict[int, tuple[str, ...]] | None = None,
    ignore_conflicts: bool = True,
) -> None:
    """One delivery row per recipient and channel, for each (alert id, recipient ids): in the
    portal (already delivered), and pending ones by e-mail and webhook as `channels` says.
    `ignore_conflicts=False` when the alerts were created by this transaction: none of them can
    have a delivery yet, and a plain insert is faster."""
    created = list(to)
    if channels is None:
        channels = delivery_channels({pk for _alert, people in created for pk in people})
    # Each person's (channel, state, sent at): in the portal it is delivered by being stored.
    ways = {
        pk: [
            (way, DeliveryState.SENT, now)
            if way == Channel.IN_APP
            else (way, DeliveryState.PENDING, None)
            for way in person_channels
        ]
        for pk, person_channels in channels.items()
    }
    stored = insert_fanned_out(
        Notification,
        ["alert_id", "recipient_id", "channel", "state", "sent_at"],
        created,
        ways,
        ignore_conflicts=ignore_conflicts,
        created_at=now,
    )
    if stored:
        notifications_changed()


# --- resolution --------------------------------------------------------------------------------


def _resolve(alerts, *, now: datetime) -> int:
    live = alerts.filter(state__in=LIVE_STATES)
    Notification.objects.filter(
        alert__in=live, state__in=[DeliveryState.PENDING, DeliveryState.RETRY]
    ).update(state=DeliveryState.CANCELLED)
    resolved = live.update(state=AlertState.RESOLVED, resolved_at=now)
    if resolved:
        notifications_changed()
    return resolved


def settle_alerts(*, task: Task, occurrence: Occurrence | None = None, now: datetime) -> int:
    """Resolve the open warnings of a task (or of one period) that is now done or cancelled."""
    target = occurrence or task
    if target.status not in (Status.DONE, Status.CANCELLED):
        return 0
    alerts = Alert.objects.filter(occurrence=occurrence) if occurrence else task.alerts.all()
    return _resolve(alerts, now=now)


def resolve_settled(*, now: datetime) -> int:
    """Set-based, at each scan: resolve warnings whose item was settled by any means (the admin,
    an import) and those about a due date that has since moved."""
    tasks = Alert.objects.filter(occurrence__isnull=True)
    periods = Alert.objects.filter(occurrence__isnull=False)
    return (
        _resolve(tasks.filter(task__status__in=SETTLED_STATUSES), now=now)
        + _resolve(periods.filter(occurrence__status__in=SETTLED_STATUSES), now=now)
        + _resolve(
            tasks.filter(rule__in=DUE_RULES).exclude(reference_date=F("task__due_date")),
            now=now,
        )
        + _resolve(
            periods.filter(rule__in=DUE_RULES).exclude(reference_date=F("occurrence__due_date")),
            now=now,
        )
    )
