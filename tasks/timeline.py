"""A task's history as one timeline, newest first: every saved change of the task (from
django-simple-history), the coordinating units' notes, the comments of its thread and the files
attached to its progress updates."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from accounts.models import User
from plans.models import Phase, Plan, Unit
from tasks.models import Task


@dataclass
class HistoryEntry:
    when: object
    who: object
    created: bool
    reason: str
    changes: list[tuple[str, str, str]]
    note: str = ""
    files: list = field(default_factory=list)  # Attachment rows


HISTORY_HIDDEN = {"last_update_at", "search_key", "updated_at", "position"}


def changes(task: Task) -> list[HistoryEntry]:
    """Every saved change of the task, newest first: who, when, field old → new (labels and names,
    not ids). Queries: the history rows, then one per kind of related object that changed."""
    records = list(task.history.select_related("history_user").order_by("history_date", "pk"))
    if not records:
        return []
    diffs = [
        [c for c in rec.diff_against(prev).changes if c.field not in HISTORY_HIDDEN]
        for prev, rec in zip(records, records[1:], strict=False)
    ]
    related = {"assignee": User, "authority_user": User, "lead_unit": Unit, "phase": Phase}
    related["plan"] = Plan
    ids: dict[type, set] = {}
    for diff in diffs:
        for c in diff:
            if c.field in related:
                ids.setdefault(related[c.field], set()).update({c.old, c.new} - {None})
    names = {model: model.objects.in_bulk(list(pks)) for model, pks in ids.items()}

    def show(name: str, value) -> str:
        if value in (None, ""):
            return "—"
        if name in related:
            obj = names.get(related[name], {}).get(value)
            return str(obj) if obj else f"#{value}"
        model_field = Task._meta.get_field(name)
        if model_field.choices:
            return str(dict(model_field.flatchoices).get(value, value))
        if isinstance(value, bool):
            return _("Có") if value else _("Không")
        if hasattr(value, "strftime"):
            return value.strftime("%d/%m/%Y")
        return str(value)

    entries = [HistoryEntry(records[0].history_date, records[0].history_user, True, "", [])]
    entries[0].reason = records[0].history_change_reason or ""
    for rec, diff in zip(records[1:], diffs, strict=True):
        if not diff:
            continue
        entries.append(
            HistoryEntry(
                when=rec.history_date,
                who=rec.history_user,
                created=False,
                reason=rec.history_change_reason or "",
                changes=[
                    (
                        str(Task._meta.get_field(c.field).verbose_name),
                        show(c.field, c.old),
                        show(c.field, c.new),
                    )
                    for c in diff
                ],
            )
        )
    return entries[::-1]


def timeline(task: Task, *, notes=(), comments=(), updates=()) -> list[HistoryEntry]:
    """The task's changes with its coordination notes, its comments (with their files) and the
    files of its progress updates, newest first. The notes, comments and updates come as the
    page loaded them (with authors, units and attachments), so this adds no query per row."""
    entries = [
        HistoryEntry(
            when=n.created_at,
            who=n.author,
            created=False,
            reason=_("Ý kiến phối hợp của %(unit)s") % {"unit": n.unit.display_name},
            changes=[],
            note=n.text,
        )
        for n in notes
    ]
    entries += [
        HistoryEntry(
            when=c.created_at,
            who=c.author,
            created=False,
            reason=_("Ý kiến trao đổi"),
            changes=[],
            note=c.text,
            files=list(c.attachments.all()),
        )
        for c in comments
    ]
    entries += [
        HistoryEntry(
            when=u.created_at,
            who=u.author,
            created=False,
            reason=_("Tệp đính kèm cập nhật tiến độ"),
            changes=[],
            files=files,
        )
        for u in updates
        if (files := list(u.attachments.all()))
    ]
    return sorted([*changes(task), *entries], key=lambda e: e.when, reverse=True)
