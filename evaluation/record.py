"""The record an evaluation reads: tasks and periods due in a period, as `scoring.Item`s.

A handful of queries for any number of people (or units), never one per row: the list page
computes everyone on it at once.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date

from django.db.models import Q

from evaluation.models import TaskFactor, TaskJudgement
from evaluation.scoring import ApprovedChange, Item
from plans.deadlines import DeadlineKind
from tasks.models import ChangeState, DeadlineChange, Occurrence, Task
from tasks.punctuality import Status

PERIODIC = (DeadlineKind.RECURRING, DeadlineKind.CONTINUOUS)
LEFT_OUT = (Status.CANCELLED, Status.PAUSED)


def _label(order_label: str, content: str, period: str = "") -> str:
    text = f"{order_label}. {content}" if order_label else content
    text = text if len(text) <= 300 else text[:299] + "…"
    return f"{text} — {period}" if period else text


def collect_items(
    *, start: date, end: date, person_ids=None, unit_ids=None
) -> dict[int, list[Item]]:
    """Pieces of work due in [start, end], grouped by assignee (`person_ids`) or, with
    `unit_ids`, by the unit leading them.

    Sub-tasks of a break-down (`is_breakdown`: a unit head's split, or a task of the unit's own
    plan) are a person's assigned work: by person they count (`worked_on`), each with its own
    deadline. A task the person holds together with one of its sub-tasks (the unit head split
    their task and kept a part for them, or copied it into the unit's plan) counts through the
    sub-task only, so no piece of work counts twice for one person. By unit, the parent counts
    once and its sub-tasks do not (`tracked`)."""
    by_person = person_ids is not None
    if by_person:
        key = "assignee_id"
        task_scope, occ_scope = Q(assignee_id__in=person_ids), Q(task__assignee_id__in=person_ids)
        measured = Task.objects.worked_on()
    else:
        key = "lead_unit_id"
        task_scope, occ_scope = Q(lead_unit_id__in=unit_ids), Q(task__lead_unit_id__in=unit_ids)
        measured = Task.objects.tracked()
        occ_scope &= Q(task__is_breakdown=False)
    tasks = list(
        measured.filter(task_scope, due_date__range=(start, end))
        .exclude(deadline_kind__in=PERIODIC)
        .exclude(status__in=LEFT_OUT)
        .values(
            "pk",
            "assignee_id",
            "lead_unit_id",
            "order_label",
            "content",
            "due_date",
            "original_due_date",
            "status",
            "completed_on",
        )  # fmt: skip
    )
    occurrences = list(
        Occurrence.objects.filter(occ_scope, task__fans_out=False, due_date__range=(start, end))
        .exclude(status__in=LEFT_OUT)
        .exclude(task__status=Status.CANCELLED)
        .values(
            "pk",
            "task_id",
            "label",
            "due_date",
            "status",
            "completed_on",
            "task__assignee_id",
            "task__lead_unit_id",
            "task__order_label",
            "task__content",
        )  # fmt: skip
    )
    if by_person and tasks:
        held = set(
            Task.objects.filter(
                is_breakdown=True,
                parent_id__in=[t["pk"] for t in tasks],
                assignee_id__in=person_ids,
            )
            .exclude(status__in=LEFT_OUT)
            .values_list("parent_id", "assignee_id")
        )
        tasks = [t for t in tasks if (t["pk"], t["assignee_id"]) not in held]
    task_ids = {t["pk"] for t in tasks} | {o["task_id"] for o in occurrences}
    changes: dict[tuple[int, int | None], list[ApprovedChange]] = defaultdict(list)
    for row in DeadlineChange.objects.filter(
        task_id__in=task_ids, state=ChangeState.APPROVED
    ).values("pk", "task_id", "occurrence_id", "new_due_date", "decided_at"):
        changes[(row["task_id"], row["occurrence_id"])].append(
            ApprovedChange(
                pk=row["pk"],
                new_due=row["new_due_date"],
                decided_on=row["decided_at"].date() if row["decided_at"] else None,
            )
        )
    factors = dict(TaskFactor.objects.filter(task_id__in=task_ids).values_list("task_id", "factor"))
    judged: dict[tuple[int, int | None], Counter] = defaultdict(Counter)
    causes: dict[tuple[int, int | None], str] = {}
    for row in TaskJudgement.objects.filter(task_id__in=task_ids).values(
        "task_id", "occurrence_id", "kind", "note"
    ):
        item_key = (row["task_id"], row["occurrence_id"])
        judged[item_key][row["kind"]] += 1
        if row["kind"] == TaskJudgement.Kind.DELAY_CAUSE:
            causes[item_key] = row["note"]

    def item(task_id, occurrence_id, label, due, original, status, completed_on) -> Item:
        item_key = (task_id, occurrence_id)
        failures = judged[item_key][TaskJudgement.Kind.NOT_UP_TO_STANDARD]
        excused = min(failures, judged[item_key][TaskJudgement.Kind.ERROR_CAUSE])
        return Item(
            task_id=task_id,
            occurrence_id=occurrence_id,
            label=label,
            due=due,
            original_due=original,
            # Done with no date recorded counts as done on its due date, as punctuality does.
            completed_on=(completed_on or due) if status == Status.DONE else None,
            factor=float(factors.get(task_id, 1)),
            approved_changes=tuple(changes[item_key]),
            delay_cause=causes.get(item_key, ""),
            quality_failures=failures - excused,
            quality_excused=excused,
        )

    grouped: dict[int, list[Item]] = defaultdict(list)
    for t in tasks:
        grouped[t[key]].append(
            item(
                t["pk"],
                None,
                _label(t["order_label"], t["content"]),
                t["due_date"],
                t["original_due_date"] or t["due_date"],
                t["status"],
                t["completed_on"],
            )  # fmt: skip
        )
    for o in occurrences:
        grouped[o["task__" + key]].append(
            item(
                o["task_id"],
                o["pk"],
                _label(o["task__order_label"], o["task__content"], o["label"]),
                o["due_date"],
                o["due_date"],
                o["status"],
                o["completed_on"],
            )  # fmt: skip
        )
    return grouped
