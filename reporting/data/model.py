"""What a report says, as plain data (`ReportData`): built once by reporting.data.build, read
by the PDF and Excel renderers, kept as an issued report's JSON snapshot and written by
`build_report --format json`.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from datetime import date

from django.db import models
from django.utils.translation import gettext_lazy as _

from plans.models import Comparator, Plan, Unit
from reporting.periods import Period
from tasks.figures import REPORT_STATES, Figures, report_state_of
from tasks.punctuality import Punctuality, Status

P = Punctuality
LATE = (P.OVERDUE, P.DONE_LATE)


class ScopeKind:
    ORGANISATION = "organisation"
    UNIT = "unit"
    PLAN = "plan"
    LEADER = "leader"

    choices = [
        (ORGANISATION, _("Toàn cơ quan")),
        (UNIT, _("Một đơn vị (kể cả đơn vị trực thuộc)")),
        (PLAN, _("Một kế hoạch")),
        (LEADER, _("Các đơn vị do một lãnh đạo phụ trách")),
    ]


@dataclass(frozen=True)
class Scope:
    kind: str = ScopeKind.ORGANISATION
    unit_id: int | None = None
    plan_id: int | None = None
    leader_id: int | None = None
    label: str = ""  # what follows the title: "của Phòng Chuyển đổi số"
    # Tasks led by other bodies (Sở Nội vụ, the wards…) in the plans the department monitors:
    # only in a scope that asks for them.
    other_bodies: bool = False

    @property
    def key(self) -> str:
        ident = self.unit_id or self.plan_id or self.leader_id
        key = self.kind if ident is None else f"{self.kind}:{ident}"
        return f"{key}:all" if self.other_bodies else key


# What the title adds when a scope takes in the tasks other bodies lead.
OTHER_BODIES_LABEL = "(gồm cả nhiệm vụ do cơ quan khác chủ trì)"


def scope_for(
    *, unit: Unit | None = None, plan: Plan | None = None, leader=None, other_bodies=False
) -> Scope:
    """The scope of a report. `other_bodies` widens a plan's or the department's scope to the
    tasks other bodies lead; a unit or a leader covers their own units only."""
    wider = f" {OTHER_BODIES_LABEL}" if other_bodies else ""
    if unit is not None:
        return Scope(ScopeKind.UNIT, unit_id=unit.pk, label=f"của {unit.name}")
    if plan is not None:
        return Scope(
            ScopeKind.PLAN,
            plan_id=plan.pk,
            label=f"theo {plan.label}{wider}",
            other_bodies=other_bodies,
        )
    if leader is not None:
        who = f"{leader.title} {leader}".strip()
        return Scope(ScopeKind.LEADER, leader_id=leader.pk, label=f"các đơn vị do {who} phụ trách")
    return Scope(label=wider.strip(), other_bodies=other_bodies)


# --- the data -------------------------------------------------------------------------------


@dataclass
class UnitRow:
    unit_id: int | None
    name: str
    figures: Figures


class Group(models.TextChoices):
    """Why an item is in a report (DOMAIN.md, "What the cut-off means"). Only DUE is counted
    for punctuality; an item is in one group of a report."""

    DUE = "due", _("Đến hạn trong kỳ")
    OVERDUE_BEFORE = "overdue_before", _("Quá hạn từ kỳ trước, chưa hoàn thành")
    NOT_YET_DUE = "not_yet_due", _("Chưa đến hạn tại ngày chốt số liệu")
    CONTINUOUS = "continuous", _("Nhiệm vụ thường xuyên, kỳ hiện tại")
    NEXT = "next", _("Nhiệm vụ kỳ tới")


@dataclass
class TaskRow:
    """A task, or one period (kỳ) of a recurring task, as it stood at the cut-off."""

    task_id: int
    occurrence_id: int | None
    plan: str
    order_label: str
    content: str
    unit: str
    assignee: str
    product: str
    deadline_text: str
    period_label: str  # the kỳ of a recurring task
    due_date: date | None
    status: str
    punctuality: str
    percent: int
    completed_on: date | None
    days_late: int
    reason: str = ""
    explanation: str = ""
    achieved: str = ""  # written inside the window
    product_link: str = ""
    group: str = Group.DUE
    unit_id: int | None = None  # the lead unit: the row of the per-unit table it is counted in
    key: str = ""  # "Trọng tâm", "Đột phá": a key or breakthrough task of the campaign

    @property
    def is_late(self) -> bool:
        return self.punctuality in LATE

    @property
    def is_open(self) -> bool:
        return self.status in (Status.NOT_STARTED, Status.IN_PROGRESS)

    @property
    def is_done(self) -> bool:
        return self.status == Status.DONE

    @property
    def punctuality_label(self) -> str:
        return str(P(self.punctuality).label)

    @property
    def status_label(self) -> str:
        return str(Status(self.status).label)


@dataclass
class Remark:
    """A difficulty or proposal written in the updates, with the units that wrote it."""

    text: str
    units: list[str]


@dataclass
class ChangeRow:
    """A deadline change granted inside the window."""

    task_id: int
    content: str
    unit: str
    old_due_date: date | None
    new_due_date: date
    decided_on: date
    decided_by: str
    reason: str


@dataclass
class TargetRow:
    plan: str
    name: str
    comparator: str
    target_value: float
    unit_of_measure: str
    unit: str
    actual: float | None
    period_end: date | None
    met: bool | None

    @property
    def target_label(self) -> str:
        value = f"{self.target_value:g}{self.unit_of_measure}"
        return {
            Comparator.AT_LEAST: f"≥ {value}",
            Comparator.AT_MOST: f"≤ {value}",
            Comparator.EQUAL: f"= {value}",
            Comparator.REDUCE_BY: f"giảm ≥ {value}",
            Comparator.INCREASE_BY: f"tăng ≥ {value}",
        }.get(self.comparator, value)


@dataclass
class ChartBar:
    label: str
    rate: float | None


@dataclass
class ReportData:
    period: Period
    previous: Period | None
    scope: Scope
    as_of: date
    figures: Figures
    previous_figures: Figures | None
    on_time_target: float
    units: list[UnitRow] = field(default_factory=list)
    tasks: list[TaskRow] = field(default_factory=list)
    difficulties: list[Remark] = field(default_factory=list)
    proposals: list[Remark] = field(default_factory=list)
    targets: list[TargetRow] = field(default_factory=list)
    chart: list[ChartBar] = field(default_factory=list)
    chart_note: str = ""
    # The calendar span the period is named after (the window is `period.start`–`period.end`).
    named_start: date | None = None
    named_end: date | None = None
    next_label: str = ""
    changes: list[ChangeRow] = field(default_factory=list)

    @property
    def document_title(self) -> str:
        """The title under "BÁO CÁO": a unit issues its own report, so its name is in the
        header, not repeated after the title."""
        if self.scope.kind == ScopeKind.UNIT:
            return f"Kết quả thực hiện nhiệm vụ {self.period.label}"
        return self.title

    def group(self, name: str) -> list[TaskRow]:
        return [row for row in self.tasks if row.group == name]

    @property
    def due_tasks(self) -> list[TaskRow]:
        return self.group(Group.DUE)

    def behind(self, *, figure: str, unit_id: int | None = None) -> list[TaskRow]:
        """The items a figure of the summary or per-unit table counts: `figure` is "total", a
        state of REPORT_STATES, or the group "overdue_before" or "not_yet_due"; `unit_id` the
        row of the per-unit table (0: the row of items with no lead unit). ValueError for a
        figure the tables do not have."""
        if figure in (Group.OVERDUE_BEFORE, Group.NOT_YET_DUE):
            rows = self.group(figure)
        elif figure == "total":
            rows = self.due_tasks
        elif figure in REPORT_STATES:
            rows = [row for row in self.due_tasks if report_state_of(row.punctuality) == figure]
        else:
            raise ValueError(figure)
        if unit_id is not None:
            rows = [row for row in rows if (row.unit_id or 0) == unit_id]
        return rows

    @property
    def key_tasks(self) -> list[TaskRow]:
        """The campaign's key and breakthrough tasks the report holds (the next period's aside)."""
        return [row for row in self.tasks if row.key and row.group != Group.NEXT]

    @property
    def has_previous(self) -> bool:
        """A comparison is printed only when the earlier period has data."""
        return self.previous_figures is not None and self.previous_figures.total > 0

    @property
    def achieved_tasks(self) -> list[TaskRow]:
        """Results written inside the window, task by task (the next period's tasks aside)."""
        return [row for row in self.tasks if row.achieved and row.group != Group.NEXT]

    @property
    def open_tasks(self) -> list[TaskRow]:
        """Not finished at the cut-off and not late: not yet due, continuous, due in the window
        but not yet past (a report built before its cut-off)."""
        return [
            row
            for row in self.tasks
            if row.is_open
            and not row.is_late
            and row.group in (Group.DUE, Group.NOT_YET_DUE, Group.CONTINUOUS)
        ]

    @property
    def title(self) -> str:
        return " ".join(
            part
            for part in ("Kết quả thực hiện nhiệm vụ", self.period.label, self.scope.label)
            if part
        )

    @property
    def late_tasks(self) -> list[TaskRow]:
        """Late at the cut-off: due in the window and late, or still overdue from before."""
        return [
            row
            for row in self.tasks
            if row.is_late and row.group in (Group.DUE, Group.OVERDUE_BEFORE)
        ]

    @property
    def completed_tasks(self) -> list[TaskRow]:
        return [
            row
            for row in self.tasks
            if row.is_done and row.group in (Group.DUE, Group.NOT_YET_DUE, Group.CONTINUOUS)
        ]

    @property
    def rate_change(self) -> float | None:
        """Points gained (or lost) on the on-time rate against the previous period."""
        now = self.figures.on_time_rate
        before = self.previous_figures.on_time_rate if self.has_previous else None
        if now is None or before is None:
            return None
        return round(now - before, 1)

    @property
    def late_change(self) -> int | None:
        if not self.has_previous:
            return None
        late = self.figures.overdue + self.figures.done_late
        return late - (self.previous_figures.overdue + self.previous_figures.done_late)

    # -- snapshot: a plain JSON document, read back as the same data --------------------------

    def to_json(self) -> dict:
        return {
            "period": _period_json(self.period),
            "previous": _period_json(self.previous) if self.previous else None,
            "scope": asdict(self.scope),
            "as_of": self.as_of.isoformat(),
            "figures": asdict(self.figures),
            "previous_figures": asdict(self.previous_figures) if self.previous_figures else None,
            "on_time_target": self.on_time_target,
            "units": [
                {"unit_id": u.unit_id, "name": u.name, "figures": asdict(u.figures)}
                for u in self.units
            ],
            # Rows as lists in field order: a third of the size of dictionaries.
            "task_fields": [f.name for f in fields(TaskRow)],
            "tasks": [_row_json(row) for row in self.tasks],
            "difficulties": [asdict(r) for r in self.difficulties],
            "proposals": [asdict(r) for r in self.proposals],
            "targets": [{**asdict(t), "period_end": _iso(t.period_end)} for t in self.targets],
            "chart": [asdict(bar) for bar in self.chart],
            "chart_note": self.chart_note,
            "named_start": _iso(self.named_start),
            "named_end": _iso(self.named_end),
            "next_label": self.next_label,
            "changes": [
                {**asdict(c), **{n: _iso(getattr(c, n)) for n in CHANGE_DATES}}
                for c in self.changes
            ],
        }

    def export(self) -> dict:
        """The snapshot with what other systems check without reading a PDF: the window, the
        rate of every unit, and the items of each group (`build_report --format json`)."""
        data = self.to_json()
        data["window"] = {"start": _iso(self.period.start), "end": _iso(self.period.end)}
        data["figures"] = self.figures.as_dict()
        data["previous_figures"] = (
            self.previous_figures.as_dict() if self.previous_figures else None
        )
        for unit, row in zip(data["units"], self.units, strict=True):
            unit["figures"] = row.figures.as_dict()
        data["groups"] = {
            group: {
                "tasks": sorted(
                    r.task_id for r in self.tasks if r.group == group and not r.occurrence_id
                ),
                "occurrences": sorted(
                    r.occurrence_id for r in self.tasks if r.group == group and r.occurrence_id
                ),
            }
            for group in Group.values
        }
        return data

    @classmethod
    def from_json(cls, data: dict) -> ReportData:
        names = data["task_fields"]
        return cls(
            period=Period(**{**data["period"], **_dates(data["period"], "start", "end")}),
            previous=(
                Period(**{**data["previous"], **_dates(data["previous"], "start", "end")})
                if data["previous"]
                else None
            ),
            scope=Scope(**data["scope"]),
            as_of=date.fromisoformat(data["as_of"]),
            figures=_figures(data["figures"]),
            previous_figures=(
                _figures(data["previous_figures"]) if data["previous_figures"] else None
            ),
            on_time_target=data["on_time_target"],
            units=[UnitRow(u["unit_id"], u["name"], _figures(u["figures"])) for u in data["units"]],
            tasks=[
                TaskRow(
                    **{
                        **(row := dict(zip(names, values, strict=True))),
                        **_dates(row, "due_date", "completed_on"),
                    }
                )
                for values in data["tasks"]
            ],
            difficulties=[Remark(**r) for r in data["difficulties"]],
            proposals=[Remark(**r) for r in data["proposals"]],
            targets=[TargetRow(**{**t, **_dates(t, "period_end")}) for t in data["targets"]],
            chart=[ChartBar(**bar) for bar in data["chart"]],
            chart_note=data["chart_note"],
            named_start=_date(data.get("named_start")),
            named_end=_date(data.get("named_end")),
            next_label=data.get("next_label", ""),
            changes=[
                ChangeRow(**{**c, **_dates(c, *CHANGE_DATES)}) for c in data.get("changes", [])
            ],
        )


CHANGE_DATES = ("old_due_date", "new_due_date", "decided_on")
FIGURE_NAMES = [f.name for f in fields(Figures)]


def _figures(data: dict) -> Figures:
    return Figures(**{name: data[name] for name in FIGURE_NAMES})


def _date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


def _dates(data: dict, *names: str) -> dict:
    return {name: date.fromisoformat(data[name]) if data[name] else None for name in names}


def _period_json(period: Period) -> dict:
    return {**asdict(period), "start": _iso(period.start), "end": _iso(period.end)}


def _row_json(row: TaskRow) -> list:
    values = []
    for f in fields(TaskRow):
        value = getattr(row, f.name)
        values.append(value.isoformat() if isinstance(value, date) else value)
    return values
