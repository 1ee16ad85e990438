"""A plan's task table → understood rows (the preview) → tasks, saved in one transaction.

Reading the table is `imports.tables`; naming units is `imports.unit_matching`; reading deadlines
is `plans.deadlines`. This module puts them together and writes. Nothing is written until
`save_rows`, and that either writes everything or nothing.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date

from django.db import transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _

from imports.drafts import claim_for_confirmation, close_confirmed
from imports.people import PeopleMatcher
from imports.row_details import (
    names_people,
    people_matcher,
    schedule_label,
    section_of,
    warn_repeated_numbers,
    with_period,
)
from imports.tables import Column, Problem, ReadTable, SourceRow
from imports.unit_matching import Collective, NameMatch, UnitMatcher, UnitName
from plans.deadlines import PERIODIC, Deadline, DeadlineKind, Frequency, interpret_deadline
from plans.models import Plan, Unit
from plans.text import fold
from tasks.completeness import Ro


@dataclass
class UnderstoodRow:
    """One row of the table: what was written next to what was understood."""

    line: int
    order_label: str
    section: str
    content: str
    lead_written: str
    coordinating_written: str
    product: str
    deadline_written: str
    deadline: Deadline
    lead_ids: list[int]
    coordinating_ids: list[int]
    unmatched: list[str] = field(default_factory=list)
    fans_out: bool = False
    warnings: list[str] = field(default_factory=list)
    notes: dict[str, str] = field(default_factory=dict)
    # rõ người and rõ thẩm quyền when the table names them: as written, and the user matched
    person_written: str = ""
    person_id: int | None = None
    authority_written: str = ""
    authority_user_id: int | None = None

    @property
    def key(self) -> str:
        """What identifies the row when the same table is imported again."""
        return self.order_label or f"dòng {self.line}"

    @property
    def deadline_label(self) -> str:
        return DeadlineKind(self.deadline.kind).label

    @property
    def recurrence_label(self) -> str:
        rule = self.deadline.recurrence
        if rule is None:
            return ""
        days = schedule_label(rule.dates)
        since = _(" từ năm %(y)s") % {"y": rule.first_year} if rule.first_year else ""
        return f"{Frequency(rule.freq).label}{' (' + days + ')' if days else ''}{since}"

    @property
    def missing(self) -> list[str]:
        """The "rõ" a table can hold that this row lacks (the person is assigned later)."""
        lacks = {
            Ro.VIEC: not self.content,
            Ro.TRACH_NHIEM: not self.lead_ids,
            Ro.THOI_GIAN: self.deadline.due is None and self.deadline.kind not in PERIODIC,
            Ro.KET_QUA: not self.product,
        }
        return [ro.label for ro, lacking in lacks.items() if lacking]

    def to_json(self) -> dict:
        data = asdict(self)
        data["deadline"] = self.deadline.to_json()
        data["missing"] = [str(label) for label in self.missing]
        return data


@dataclass
class Understanding:
    rows: list[UnderstoodRow]
    problems: list[Problem]
    headers: dict[str, str]

    @property
    def needs_attention(self) -> int:
        return sum(1 for row in self.rows if row.warnings) + len(self.problems)


def unit_names(units: Iterable[Unit]) -> list[UnitName]:
    return [
        UnitName(id=u.pk, name=u.name, kind=u.kind, spellings=(u.name, u.short_name, *u.aliases))
        for u in units
    ]


def collective_members(
    collective: Collective, *, units: Sequence[Unit], within: Unit | None
) -> list[int]:
    """The units a collective ("Các phòng, đơn vị") stands for: those of its kinds directly under
    the issuing unit (a department's divisions; a city's departments, centres and communes)."""
    parent_id = within.pk if within else None
    return [
        u.pk
        for u in units
        if u.is_active
        and u.kind in collective.kinds
        and (parent_id is None or u.parent_id == parent_id)
        and fold(u.name).startswith(collective.name_starts)
    ]


def _last_day_of_month(day: date) -> date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def understand_deadline(row: SourceRow, *, reference: date) -> Deadline:
    text = row.cells.get(Column.DEADLINE, "")
    if row.deadline_date is not None:
        if row.deadline_is_month:
            return Deadline(
                text=text, kind=DeadlineKind.MONTH, due=_last_day_of_month(row.deadline_date)
            )
        return Deadline(text=text, kind=DeadlineKind.DATE, due=row.deadline_date)
    return interpret_deadline(text, reference=reference, product=row.cells.get(Column.PRODUCT, ""))


def _matched_ids(matches: list[NameMatch]) -> tuple[list[int], list[str]]:
    ids, unmatched = [], []
    for match in matches:
        if match.unit_id is None and not match.other_level:
            unmatched.append(match.written)
        elif match.unit_id is None:
            continue  # warned about on its own: a unit of another level
        elif match.unit_id not in ids:
            ids.append(match.unit_id)
    return ids, unmatched


def understand_row(
    row: SourceRow,
    *,
    reference: date,
    matcher: UnitMatcher,
    units: Sequence[Unit],
    issuing_unit: Unit | None,
    people: PeopleMatcher | None = None,
) -> UnderstoodRow:
    cells = row.cells
    deadline = understand_deadline(row, reference=reference)
    lead_matches, lead_collective = matcher.match(cells.get(Column.LEAD, ""))
    lead_ids, unmatched = _matched_ids(lead_matches)
    coord_matches, coord_collective = matcher.match(cells.get(Column.COORDINATING, ""))
    coordinating_ids, coord_unmatched = _matched_ids(coord_matches)
    warnings: list[str] = []

    fans_out = bool(lead_collective and lead_collective.kinds)
    if fans_out:
        members = collective_members(lead_collective, units=units, within=issuing_unit)
        lead_ids = list(dict.fromkeys([*lead_ids, *members]))
        if not members:
            warnings.append(
                _("“%(w)s”: không có đơn vị nào thuộc nhóm này trong danh mục.")
                % {"w": lead_collective.written}
            )
    elif len(lead_ids) > 1:
        # "Một việc - một đầu mối": several leads must be resolved by a person.
        warnings.append(
            _("Có %(n)d đơn vị chủ trì: chọn một đơn vị, hoặc giao cho mỗi đơn vị một nhiệm vụ.")
            % {"n": len(lead_ids)}
        )
    if coord_collective and coord_collective.kinds:
        members = collective_members(coord_collective, units=units, within=issuing_unit)
        coordinating_ids = list(dict.fromkeys([*coordinating_ids, *members]))
    if not fans_out:
        # A unit never coordinates on its own task (a fanned-out row drops each child's own).
        coordinating_ids = [pk for pk in coordinating_ids if pk not in lead_ids]
    names = {u.pk: u.name for u in units}
    for match in [*lead_matches, *coord_matches]:
        if match.other_level:
            warnings.append(
                _(
                    "“%(w)s” giống tên “%(u)s” nhưng khác cấp (Sở/phòng và tỉnh/thành phố): "
                    "chọn đúng đơn vị."
                )
                % {"w": match.written, "u": ", ".join(names.get(i, "") for i in match.candidates)}
            )
    for name in [*unmatched, *coord_unmatched]:
        warnings.append(
            _("Chưa nhận ra đơn vị “%(name)s”: chọn đơn vị tương ứng hoặc tạo mới.")
            % {"name": name}
        )
    if not cells.get(Column.LEAD):
        warnings.append(_("Chưa có đơn vị chủ trì."))
    deadline = with_period(row, deadline, reference=reference, warnings=warnings)
    if deadline.needs_review:
        warnings.append(_("Thời hạn cần xem lại: %(reason)s") % {"reason": deadline.reason})
    warnings.extend(long_cell_warnings(row))
    person = (people or PeopleMatcher(())).match(cells.get(Column.PERSON, ""))
    authority = (people or PeopleMatcher(())).match(cells.get(Column.AUTHORITY, ""))
    if person.ambiguous:
        warnings.append(
            _("Có nhiều người tên “%(name)s”: chọn người thực hiện sau khi nhập.")
            % {"name": person.written}
        )
    notes = dict(row.notes)
    if cells.get(Column.PERIOD):
        notes.setdefault(_("Thời gian thực hiện"), cells[Column.PERIOD])

    return UnderstoodRow(
        line=row.line,
        order_label=row.order_label,
        section=section_of(row),
        content=cells.get(Column.CONTENT, ""),
        lead_written=cells.get(Column.LEAD, ""),
        coordinating_written=cells.get(Column.COORDINATING, ""),
        product=cells.get(Column.PRODUCT, ""),
        deadline_written=cells.get(Column.DEADLINE, ""),
        deadline=deadline,
        lead_ids=lead_ids,
        coordinating_ids=coordinating_ids,
        unmatched=unmatched + coord_unmatched,
        fans_out=fans_out,
        warnings=warnings,
        notes=notes,
        person_written=person.written,
        person_id=person.user_id,
        authority_written=authority.written,
        authority_user_id=authority.user_id,
    )


# A lead, a deadline or a group this long is kept whole, but is rarely what it seems.
LONG_CELL = 500


def long_cell_warnings(row: SourceRow) -> list[str]:
    cells = {
        _("Chủ trì"): row.cells.get(Column.LEAD, ""),
        _("Thời hạn"): row.cells.get(Column.DEADLINE, ""),
        _("Nhóm"): row.section,
    }
    return [
        _("Ô «%(column)s» dài %(length)d ký tự: xin xem lại, có thể cột đã bị đọc nhầm.")
        % {"column": column, "length": len(text)}
        for column, text in cells.items()
        if len(text) > LONG_CELL
    ]


def understand(
    table: ReadTable, *, plan_reference: date, issuing_unit: Unit | None
) -> Understanding:
    units = list(Unit.objects.all())
    matcher = UnitMatcher(unit_names(units))
    people = people_matcher() if names_people(table) else None
    rows = [
        understand_row(
            row,
            reference=plan_reference,
            matcher=matcher,
            units=units,
            issuing_unit=issuing_unit,
            people=people,
        )
        for row in table.rows
    ]
    warn_repeated_numbers(rows)
    return Understanding(rows=rows, problems=table.problems, headers=table.headers)


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    changes: list[str] = field(default_factory=list)
    not_in_table: list[str] = field(default_factory=list)


# Task fields an import sets, and the label used when reporting a change to them.
IMPORTED_FIELDS = {
    "content": _("nội dung"),
    "section": _("nhóm"),
    "position": None,
    "lead_as_written": _("chủ trì"),
    "coordinating_as_written": _("phối hợp"),
    "product": _("sản phẩm"),
    "deadline_text": _("thời hạn"),
    "deadline_kind": None,
    "original_due_date": _("hạn hoàn thành"),
    "start_date": None,
    "recurrence": None,
    "condition": None,
    "milestones": None,
    "deadline_needs_review": None,
    "deadline_review_reason": None,
    "notes": _("ghi chú"),
    "phase_id": _("giai đoạn"),
    "authority_user_id": None,
    "authority_body": _("cấp có thẩm quyền"),
    "assignee_as_written": _("người chịu trách nhiệm"),
}


def _phase_for(section: str, phases) -> int | None:
    key = fold(section)
    if not key:
        return None
    for phase in phases:
        name = fold(phase.name)
        if name and (name in key or key in name):
            return phase.pk
    return None


def _row_fields(
    row: UnderstoodRow, *, position: int, phase_id: int | None, authority_body: str
) -> dict:
    deadline = row.deadline
    return {
        "content": row.content,
        "section": row.section,
        "position": position,
        "lead_as_written": row.lead_written,
        "coordinating_as_written": row.coordinating_written,
        "product": row.product,
        "deadline_text": row.deadline_written,
        "deadline_kind": deadline.kind,
        "original_due_date": deadline.due,
        "start_date": deadline.start,
        "recurrence": deadline.recurrence.to_json() if deadline.recurrence else None,
        "condition": deadline.condition,
        "milestones": [d.isoformat() for d in deadline.milestones],
        "deadline_needs_review": deadline.needs_review,
        "deadline_review_reason": deadline.reason,
        "notes": "\n".join(f"{k}: {v}" for k, v in row.notes.items()),
        "phase_id": phase_id,
        "authority_user_id": row.authority_user_id,
        "authority_body": (row.authority_written or authority_body)[:255],
        "assignee_as_written": row.person_written[:255],
    }


def _describe(label: str, field_label, old, new) -> str:
    old = old.strftime("%d/%m/%Y") if isinstance(old, date) else (old or "—")
    new = new.strftime("%d/%m/%Y") if isinstance(new, date) else (new or "—")
    return _("STT %(row)s — %(field)s: “%(old)s” → “%(new)s”") % {
        "row": label,
        "field": field_label,
        "old": old,
        "new": new,
    }


@transaction.atomic
def save_rows(*, plan: Plan, understanding: Understanding, today: date, by=None) -> ImportResult:
    """Write the understood rows as the plan's tasks. Importing the same table again updates the
    tasks it made (matched by STT, and by unit for rows given to every unit) and reports what
    changed; tasks no longer in the table are reported, never deleted."""
    from accounts.models import User
    from tasks.models import Task
    from tasks.services import ensure_occurrences

    leaders = dict(
        User.units_in_charge.through.objects.filter(user__is_active=True).values_list(
            "unit_id", "user_id"
        )
    )
    phases = list(plan.phases.all())
    authority_body = plan.default_authority or plan.issuing_body
    # Tasks by STT (and unit, for a fanned-out row's tasks), in table order: an STT written twice
    # ("1", "1") is two tasks, matched again in the order they come.
    existing: dict[tuple, list[Task]] = {}
    # A unit's break-down of a task is not a row of the document (tasks.breakdown).
    for task in plan.tasks.filter(is_breakdown=False).select_related("parent"):
        key = (
            task.parent.order_label if task.parent_id else task.order_label,
            task.lead_unit_id if task.parent_id else None,
        )
        existing.setdefault(key, []).append(task)
    seen: set[int] = set()
    result = ImportResult()

    def upsert(row: UnderstoodRow, fields: dict, *, lead_id, parent, coordinating_ids) -> Task:
        key = (row.key, lead_id if parent else None)
        task = existing[key].pop(0) if existing.get(key) else None
        fields = {
            **fields,
            "lead_unit_id": lead_id,
            "fans_out": parent is None and row_fans_out(row),
        }
        if fields["authority_user_id"] is None and lead_id is not None and lead_id in leaders:
            fields["authority_user_id"] = leaders[lead_id]
        # The person the table names is the assignee unless someone has assigned one since.
        assignee = row.person_id if parent is None or not row_fans_out(row) else None
        if task is None:
            task = Task(
                plan=plan,
                parent=parent,
                order_label=row.order_label,
                due_date=fields["original_due_date"],
                assignee_id=assignee,
                **fields,
            )
            task._history_user = by
            task.save()
            task.coordinating_units.set(coordinating_ids)
            # A row for several units counts as the tasks of those units, as the lists show.
            result.created += 0 if task.fans_out else 1
        else:
            changed = [name for name, value in fields.items() if getattr(task, name) != value]
            for name in changed:
                if IMPORTED_FIELDS.get(name):
                    result.changes.append(
                        _describe(row.key, IMPORTED_FIELDS[name], getattr(task, name), fields[name])
                    )
                setattr(task, name, fields[name])
            if "original_due_date" in changed and task.deadline_kind not in PERIODIC:
                # The document's deadline changed: the task follows it. (A recurring task's
                # due date is its current period's, kept by its occurrences.)
                task.due_date = task.original_due_date
            if assignee is not None and task.assignee_id is None:
                task.assignee_id = assignee
                changed.append("assignee")
            if set(task.coordinating_units.values_list("pk", flat=True)) != set(coordinating_ids):
                task.coordinating_units.set(coordinating_ids)
                changed.append("coordinating_units")
            if changed:
                task._history_user = by
                task.save()
                result.updated += 0 if task.fans_out else 1
            else:
                result.unchanged += 0 if task.fans_out else 1
        seen.add(task.pk)
        if task.deadline_kind in PERIODIC:
            ensure_occurrences(task, until=today)
        return task

    for position, row in enumerate(understanding.rows, start=1):
        fields = _row_fields(
            row,
            position=position,
            phase_id=_phase_for(row.section, phases),
            authority_body=authority_body,
        )
        if row_fans_out(row):
            parent = upsert(
                row, fields, lead_id=None, parent=None, coordinating_ids=row.coordinating_ids
            )
            for lead_id in row.lead_ids:
                upsert(
                    row,
                    fields,
                    lead_id=lead_id,
                    parent=parent,
                    coordinating_ids=[pk for pk in row.coordinating_ids if pk != lead_id],
                )
        else:
            lead_id = row.lead_ids[0] if row.lead_ids else None
            upsert(row, fields, lead_id=lead_id, parent=None, coordinating_ids=row.coordinating_ids)

    result.not_in_table = [
        str(task) for tasks in existing.values() for task in tasks if task.pk not in seen
    ]
    return result


def row_fans_out(row: UnderstoodRow) -> bool:
    """A row for "all units", or naming several leads, becomes one task per unit."""
    return row.fans_out or len(row.lead_ids) > 1


class _Rollback(Exception):
    pass


def preview_changes(*, plan: Plan, understanding: Understanding, today: date) -> ImportResult:
    """What `save_rows` would do, without writing anything (it runs and is rolled back)."""
    result = ImportResult()
    try:
        with transaction.atomic():
            result = save_rows(plan=plan, understanding=understanding, today=today)
            raise _Rollback
    except _Rollback:
        return result


def rows_to_json(rows: Iterable[SourceRow]) -> list[dict]:
    return [row.to_json() for row in rows]


def rows_from_json(data: Iterable[dict]) -> list[SourceRow]:
    return [SourceRow.from_json(row) for row in data]


# --- the browser import: a draft the clerk corrects, then confirms ----------------------------


def start_draft(*, by, plan: Plan | None, new_plan: dict, source_name: str, table: ReadTable):
    from imports.mapping import draft_source_fields, with_remembered_columns
    from imports.models import ImportDraft

    table = with_remembered_columns(table)
    return ImportDraft.objects.create(
        **draft_source_fields(table),
        created_by=by,
        plan=plan,
        new_plan=new_plan,
        source_name=source_name,
        headers=table.headers,
        rows=rows_to_json(table.rows),
        problems=[asdict(problem) for problem in table.problems],
    )


def draft_plan(draft) -> Plan:
    """The plan a draft is for: the existing one, or a new one not yet saved."""
    if draft.plan_id:
        return draft.plan
    fields = draft.new_plan
    issued_on = date.fromisoformat(fields["issued_on"]) if fields.get("issued_on") else None
    return Plan(
        number=fields.get("number", ""),
        kind=fields.get("kind") or Plan._meta.get_field("kind").default,
        issuing_body=fields.get("issuing_body", ""),
        issuing_unit_id=fields.get("issuing_unit_id"),
        issued_on=issued_on,
        title=fields.get("title", ""),
        slug=f"nhap-{draft.pk}-{slugify(fields.get('number') or fields.get('title', ''))}"[:100],
    )


def draft_understanding(draft, *, today: date) -> Understanding:
    plan = draft_plan(draft)
    table = ReadTable(
        headers=draft.headers,
        rows=rows_from_json(draft.rows),
        problems=[Problem(**problem) for problem in draft.problems],
    )
    reference = plan.reference_date if (plan.pk or plan.issued_on) else today
    return understand(table, plan_reference=reference, issuing_unit=plan.issuing_unit)


def add_footnotes(plan: Plan, footnotes: Iterable[str]) -> bool:
    """The table's footnotes and legends, kept in the plan's notes; a line it has already is
    not added again (a re-import). Returns whether the notes changed; the caller saves."""
    known = set(plan.notes.splitlines())
    new = [note for note in dict.fromkeys(footnotes) if note not in known]
    if new:
        plan.notes = "\n".join([*filter(None, [plan.notes]), *new])
    return bool(new)


@transaction.atomic
def confirm_draft(draft, *, by, today: date) -> tuple[Plan, ImportResult]:
    """Save the plan (if new) and all its tasks in one transaction; the draft stays, marked
    confirmed. Raises DraftNotReady for a second confirm (a double click, two tabs)."""
    claim_for_confirmation(draft)
    plan = draft_plan(draft)
    understanding = draft_understanding(draft, today=today)
    if add_footnotes(plan, draft.footnotes) or plan.pk is None:
        plan.save()
    result = save_rows(plan=plan, understanding=understanding, today=today, by=by)
    close_confirmed(draft, plan=plan)
    return plan, result
