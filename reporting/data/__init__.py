"""The report's content, built once as plain data (`ReportData`) by `build_report_data()`, the
only code of reporting that queries; the PDF and Excel renderers read it and never query."""

from reporting.data.build import (
    CHART_MAX_UNITS,
    build_for,
    build_report_data,
    organisation_unit_ids,
    plan_phases,
)
from reporting.data.model import (
    ChangeRow,
    ChartBar,
    Group,
    Remark,
    ReportData,
    Scope,
    ScopeKind,
    TargetRow,
    TaskRow,
    UnitRow,
    scope_for,
)

__all__ = [
    "CHART_MAX_UNITS",
    "ChangeRow",
    "ChartBar",
    "Group",
    "Remark",
    "ReportData",
    "Scope",
    "ScopeKind",
    "TargetRow",
    "TaskRow",
    "UnitRow",
    "build_for",
    "build_report_data",
    "organisation_unit_ids",
    "plan_phases",
    "scope_for",
]
