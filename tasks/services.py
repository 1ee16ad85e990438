"""Writes that touch several models or keep evidence: the only way task progress changes."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from plans.deadlines import Deadline, Recurrence, occurrence_schedule
from plans.models import Unit
from plans.text import clean
from tasks import breakdown, comments, early_warnings, notices
from tasks.models import (
    ChangeState,
    CoordinationNote,
    DeadlineChange,
    Occurrence,
    ProgressUpdate,
    Task,
)
from tasks.permissions import can_assign, can_update, own_unit_ids, units_above
from tasks.punctuality import Status, local_today


def _deadline_of(task: Task) -> Deadline:
    """The deadline as the document states it: a periodic task's due_date is its current
    period's, which must not become the schedule's end."""
    return Deadline(
        text=task.deadline_text,
        kind=task.deadline_kind,
        due=task.original_due_date,
        start=task.start_date,
        recurrence=Recurrence.from_json(task.recurrence),
    )


def missing_occurrences(task: Task, *, until: date, existing: set[date]) -> list[Occurrence]:
    """The periods (kỳ) of a recurring or continuous task that have begun by `until`, and the
    next one when none is still open then, less those already there (`existing`: their due
    dates); unsaved. Periods due before the plan was issued do not exist ("báo cáo 6 tháng" of a
    plan issued in June starts with June's). Reads `task.plan`."""
    deadline = _deadline_of(task)
    periods = occurrence_schedule(deadline, until=until)
    if not periods or periods[-1].due < until:
        later = occurrence_schedule(deadline, until=until + timedelta(days=400))
        periods += [p for p in later if p.due >= until][:1]
    issued = task.plan.issue_date
    if issued is not None:
        periods = [p for p in periods if p.due >= issued]
    return [
        Occurrence(
            task=task,
            label=period.label,
            period_start=period.start,
            period_end=period.end,
            due_date=period.due,
        )
        for period in periods
        if period.due not in existing
    ]


def ensure_occurrences(task: Task, *, until: date) -> list[Occurrence]:
    """Create one task's missing periods up to `until` (see `missing_occurrences`) and show its
    current one. The nightly job does all tasks at once: tasks.roll_forward."""
    existing = set(task.occurrences.values_list("due_date", flat=True))
    created = Occurrence.objects.bulk_create(
        missing_occurrences(task, until=until, existing=existing)
    )
    if created:
        sync_task_from_occurrences(task)
    return created


def show_current_period(task: Task, occurrences: list[Occurrence]) -> None:
    """Set (not save) a recurring task's progress from its periods, ordered by due date: it shows
    the earliest period not yet done, or is done when all are."""
    current = next(
        (o for o in occurrences if o.status not in (Status.DONE, Status.CANCELLED)), None
    )
    if current is None:
        last = occurrences[-1]
        task.status, task.percent = Status.DONE, 100
        task.due_date, task.completed_on = last.due_date, last.completed_on
    else:
        # A period not yet begun after earlier ones were done: the task as a whole is under way.
        any_done = any(o.status == Status.DONE for o in occurrences)
        begun = current.status == Status.NOT_STARTED and any_done
        task.status = Status.IN_PROGRESS if begun else current.status
        task.percent, task.due_date, task.completed_on = current.percent, current.due_date, None


def sync_task_from_occurrences(task: Task) -> None:
    """A recurring task shows its current period: the earliest one not yet done."""
    occurrences = list(task.occurrences.order_by("due_date"))
    if not occurrences:
        return
    show_current_period(task, occurrences)
    task.save(
        update_fields=[
            "status",
            "percent",
            "due_date",
            "completed_on",
            "last_update_at",
            "updated_at",
        ]
    )


class StaleWrite(ValidationError):
    """The task changed since the form was shown: saving would overwrite someone else's work."""


def refuse_if_changed(task: Task, *, since: datetime | None) -> None:
    """Lock the task row and refuse when its `updated_at` is no longer `since` (the form's)."""
    if since is None:
        return
    current = Task.objects.select_for_update().values_list("updated_at", flat=True).get(pk=task.pk)
    if current != since:
        raise StaleWrite(
            _("Nhiệm vụ vừa được người khác cập nhật sau khi bạn mở biểu mẫu."), code="stale"
        )


def is_late(*, due_date: date | None, status: str, on: date) -> bool:
    """Late means past the due date, or finishing after it: a reason is then required."""
    return due_date is not None and due_date < on and status != Status.CANCELLED


def record_progress(*, attachments: Iterable = (), **details) -> ProgressUpdate:
    """Append a progress update (see `_record_progress` for `details`) with its attached files
    (tasks.comments.check_files): all written, or nothing, no stored file left behind."""
    attachments = list(attachments)
    comments.check_files(attachments)
    with comments.files_removed_on_error() as stored, transaction.atomic():
        update = _record_progress(**details)
        comments.attach(
            files=attachments, by=update.author, at=update.created_at, stored=stored, update=update
        )
    return update


def _record_progress(
    *,
    task: Task,
    by,
    percent: int,
    status: str,
    achieved: str = "",
    product_link: str = "",
    product_file=None,
    difficulties: str = "",
    proposals: str = "",
    delay_reason: str = "",
    delay_explanation: str = "",
    occurrence: Occurrence | None = None,
    at: datetime | None = None,
    if_unchanged_since: datetime | None = None,
) -> ProgressUpdate:
    """Append a progress update and bring the task (or its period) up to date (inside
    `record_progress`'s transaction)."""
    refuse_if_changed(task, since=if_unchanged_since)
    breakdown.refuse_manual_progress(task)
    at = at or timezone.now()
    today = local_today(at)
    target = occurrence or task
    if not 0 <= percent <= 100:
        raise ValidationError({"percent": _("Tiến độ phải từ 0 đến 100%.")})
    if status == Status.DONE:
        percent = 100
    if is_late(due_date=target.due_date, status=status, on=today) and not delay_reason.strip():
        raise ValidationError(
            {
                "delay_reason": _("Nhiệm vụ đã quá hạn ngày %(due)s: xin nêu lý do chậm trễ.")
                % {"due": target.due_date.strftime("%d/%m/%Y")}
            }
        )
    update = ProgressUpdate.objects.create(
        task=task,
        occurrence=occurrence,
        author=by,
        created_at=at,
        percent=percent,
        status=status,
        achieved=achieved,
        product_link=product_link,
        product_file=product_file or "",
        difficulties=difficulties,
        proposals=proposals,
        delay_reason=delay_reason,
        delay_explanation=delay_explanation,
    )
    target.percent = percent
    target.status = status
    target.completed_on = today if status == Status.DONE else None
    target.last_update_at = at
    target._history_user = by
    target.save()
    if occurrence is not None:
        task.last_update_at = at
        task._history_user = by
        sync_task_from_occurrences(task)
    early_warnings.settle_alerts(task=task, occurrence=occurrence, now=at)
    breakdown.after_progress(task, by=by, at=at)
    return update


@transaction.atomic
def assign_task(*, task: Task, assignee, by, if_unchanged_since: datetime | None = None) -> Task:
    refuse_if_changed(task, since=if_unchanged_since)
    task.assignee = assignee
    task._history_user = by
    task.save(update_fields=["assignee", "updated_at"])
    notices.task_assigned(task, by=by, now=timezone.now())
    return task


def _already_pending() -> ValidationError:
    return ValidationError(
        _("Nhiệm vụ này đã có một đề nghị điều chỉnh thời hạn đang chờ quyết định."),
        code="already_pending",
    )


@transaction.atomic
def request_deadline_change(
    *, task: Task, by, new_due_date: date, reason: str, at: datetime | None = None
) -> DeadlineChange:
    if not reason.strip():
        raise ValidationError({"reason": _("Xin nêu lý do đề nghị điều chỉnh thời hạn.")})
    pending = task.deadline_changes.filter(state=ChangeState.PENDING)
    if pending.exists():
        raise _already_pending()
    try:
        # A savepoint: when a simultaneous request wins the race, the unique constraint
        # refuses this one and the caller's transaction stays usable.
        with transaction.atomic():
            change = DeadlineChange.objects.create(
                task=task,
                old_due_date=task.due_date,
                new_due_date=new_due_date,
                reason=reason,
                requested_by=by,
                requested_at=at or timezone.now(),
            )
    except IntegrityError:
        if pending.exists():
            raise _already_pending() from None
        raise
    notices.deadline_change_requested(change, now=change.requested_at)
    return change


@transaction.atomic
def decide_deadline_change(
    *, change: DeadlineChange, by, approve: bool, comment: str = "", at: datetime | None = None
) -> DeadlineChange:
    """The authority approves (the new deadline applies; the original stays recorded) or refuses."""
    change = DeadlineChange.objects.select_for_update().get(pk=change.pk)
    if change.state != ChangeState.PENDING:
        raise ValidationError(_("Đề nghị này đã được quyết định."))
    change.state = ChangeState.APPROVED if approve else ChangeState.REFUSED
    change.decided_by, change.decided_at, change.decision_comment = (
        by,
        at or timezone.now(),
        comment,
    )
    change.save()
    if approve:
        task = change.task
        if task.original_due_date is None:
            task.original_due_date = task.due_date
        task.due_date = change.new_due_date
        task._history_user = by
        task._change_reason = _("Điều chỉnh thời hạn theo đề nghị ngày %(d)s") % {
            "d": timezone.localtime(change.requested_at).strftime("%d/%m/%Y")
        }
        task.save()
    notices.deadline_change_decided(change, now=change.decided_at)
    return change


NOTE_MAX_LENGTH = 4000


@transaction.atomic
def add_coordination_note(
    *, task: Task, unit: Unit, by, text: str, at: datetime | None = None
) -> CoordinationNote:
    """A coordinating unit's note on a task it helps with; the lead's progress is untouched, the
    lead unit is told (tasks.notices)."""
    text = clean(text)
    if not text:
        raise ValidationError({"text": _("Xin nhập ý kiến phối hợp.")})
    if len(text) > NOTE_MAX_LENGTH:
        raise ValidationError({"text": _("Ý kiến dài quá %(n)s ký tự.") % {"n": NOTE_MAX_LENGTH}})
    if not task.coordinating_units.filter(pk=unit.pk).exists():
        raise ValidationError(_("%(unit)s không phối hợp nhiệm vụ này.") % {"unit": unit})
    note = CoordinationNote.objects.create(
        task=task, unit=unit, author=by, text=text, created_at=at or timezone.now()
    )
    notices.coordination_noted(note, now=note.created_at)
    return note


# --- the same change to several tasks at once (a unit head's list) ----------------------------

BULK_LIMIT = 100  # tasks per bulk action: a page of the list, with room to spare


@dataclass(frozen=True)
class Problem:
    task: Task
    message: str


class BulkRefused(ValidationError):
    """At least one task could not take the change: none of them did."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__(
            [f"{problem.task}: {problem.message}" for problem in problems], code="bulk"
        )


def _messages(error: ValidationError) -> str:
    return " ".join(error.messages)


@transaction.atomic
def _all_or_nothing(
    tasks: Iterable[Task], *, allowed: Callable[[Task], bool], apply: Callable[[Task], None]
) -> int:
    """Apply `apply` to every task through the single-task services, or to none: a task the
    person may not change, or one the service refuses, rolls back the whole action and is
    reported with its reason."""
    tasks = list(tasks)
    if not tasks:
        raise ValidationError(_("Chưa chọn nhiệm vụ nào."))
    if len(tasks) > BULK_LIMIT:
        raise ValidationError(
            _("Mỗi lần chỉ xử lý tối đa %(n)s nhiệm vụ.") % {"n": BULK_LIMIT}, code="too_many"
        )
    refused = [
        Problem(task, _("bạn không có quyền thực hiện việc này với nhiệm vụ này."))
        for task in tasks
        if not allowed(task)
    ]
    if refused:
        raise BulkRefused(refused)
    problems = []
    for task in tasks:
        try:
            with transaction.atomic():
                apply(task)
        except ValidationError as error:
            problems.append(Problem(task, _messages(error)))
    if problems:
        raise BulkRefused(problems)  # leaving the atomic block undoes what was written
    return len(tasks)


def bulk_assign(*, tasks: Iterable[Task], assignee, by) -> int:
    """Give several tasks to one person of their lead unit (or a unit below it)."""
    unit_ids = own_unit_ids(by)
    assignee_units = units_above({assignee.unit_id})

    def allowed(task: Task) -> bool:
        return can_assign(by, task, unit_ids=unit_ids)

    def apply(task: Task) -> None:
        if not assignee.is_active or task.lead_unit_id not in assignee_units:
            raise ValidationError(
                _("%(name)s không thuộc đơn vị chủ trì nhiệm vụ này.") % {"name": assignee}
            )
        assign_task(task=task, assignee=assignee, by=by)

    return _all_or_nothing(tasks, allowed=allowed, apply=apply)


def bulk_mark_done(
    *,
    tasks: Iterable[Task],
    by,
    note: str,
    delay_reason: str = "",
    at: datetime | None = None,
) -> int:
    """Record several tasks as done with one note ("kết quả đạt được"). A recurring task's
    earliest open period is the one done, as the single-task form does. Late tasks need the
    reason for the delay."""
    unit_ids = own_unit_ids(by)
    if not note.strip():
        raise ValidationError({"note": _("Xin ghi kết quả đạt được.")})

    def allowed(task: Task) -> bool:
        return can_update(by, task, unit_ids=unit_ids)

    def apply(task: Task) -> None:
        occurrence = (
            task.occurrences.exclude(status__in=(Status.DONE, Status.CANCELLED))
            .order_by("due_date")
            .first()
        )
        record_progress(
            task=task,
            by=by,
            percent=100,
            status=Status.DONE,
            occurrence=occurrence,
            achieved=note,
            delay_reason=delay_reason,
            at=at,
        )

    return _all_or_nothing(tasks, allowed=allowed, apply=apply)


def bulk_request_deadline_change(
    *, tasks: Iterable[Task], by, new_due_date: date, reason: str, at: datetime | None = None
) -> int:
    """Ask the authority for one new deadline for several tasks (one request per task)."""
    unit_ids = own_unit_ids(by)

    def allowed(task: Task) -> bool:
        return can_update(by, task, unit_ids=unit_ids)

    def apply(task: Task) -> None:
        request_deadline_change(task=task, by=by, new_due_date=new_due_date, reason=reason, at=at)

    return _all_or_nothing(tasks, allowed=allowed, apply=apply)
