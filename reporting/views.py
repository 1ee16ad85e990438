"""Report pages: choose a period and scope, edit the draft, generate (with a progress indicator
polled by htmx), issue, download, and the archive.

Văn phòng and leadership see and generate reports; Văn phòng edits and issues them; others get
403.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from accounts.models import Role
from reporting import services
from reporting.data import ReportData
from reporting.forms import NarrativeForm, ReportRequestForm
from reporting.models import Report, ReportState
from reporting.pdf import figure_context
from tasks.punctuality import local_today


def can_see_reports(user) -> bool:
    return user.is_superuser or user.role in (Role.OFFICE, Role.LEADERSHIP)


def can_edit_reports(user) -> bool:
    return user.is_superuser or user.role == Role.OFFICE


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied


def _get_report(request, pk: int) -> Report:
    _require(can_see_reports(request.user))
    return get_object_or_404(
        Report.objects.select_related("scope_unit", "scope_plan", "scope_leader", "created_by"),
        pk=pk,
    )


def _state_context(request, report: Report) -> dict:
    """The report's state and, once its data are gathered, the preview of its figures: read
    from the snapshot the files were made from (gathering them again takes as long as making
    the files, so "Tổng hợp lại số liệu" does it in the background)."""
    preview = None
    if report.snapshot and report.state != ReportState.GENERATING:
        preview = figure_context(ReportData.from_json(report.snapshot))
        preview["items_url"] = reverse("reporting:items", args=[report.pk])
        # Data gathered before the rows carried their unit link the totals only.
        preview["unit_links"] = "unit_id" in report.snapshot["task_fields"]
    return {"report": report, "can_edit": can_edit_reports(request.user), "preview": preview}


# What each figure of the report's tables counts (ReportData.behind), as the tables name it.
FIGURE_LABELS = {
    "total": gettext_lazy("Nhiệm vụ đến hạn trong kỳ"),
    "not_started": gettext_lazy("Chưa thực hiện"),
    "under_way": gettext_lazy("Đang thực hiện, trong hạn"),
    "overdue": gettext_lazy("Quá hạn chưa hoàn thành"),
    "done_early": gettext_lazy("Hoàn thành trước hạn"),
    "done_on_time": gettext_lazy("Hoàn thành đúng hạn"),
    "done_late": gettext_lazy("Hoàn thành trễ hạn"),
    "paused": gettext_lazy("Tạm dừng"),
    "cancelled": gettext_lazy("Đã hủy"),
    "overdue_before": gettext_lazy("Quá hạn từ các kỳ trước, chưa hoàn thành"),
    "not_yet_due": gettext_lazy("Chưa đến hạn tại ngày chốt số liệu"),
}


@login_required
def report_items(request, pk: int):
    """The tasks behind a figure of the report, as they stood at its cut-off (its snapshot)."""
    report = _get_report(request, pk)
    figure = request.GET.get("so_lieu", "total")
    unit = request.GET.get("don_vi", "")
    if not report.snapshot or figure not in FIGURE_LABELS or not (unit == "" or unit.isdigit()):
        raise Http404
    data = ReportData.from_json(report.snapshot)
    unit_id = int(unit) if unit else None
    rows = data.behind(figure=figure, unit_id=unit_id)
    unit_name = next((u.name for u in data.units if (u.unit_id or 0) == unit_id), "")
    context = {
        "report": report,
        "label": FIGURE_LABELS[figure],
        "unit_name": unit_name,
        "as_of": data.as_of,
        "page": Paginator(rows, 100).get_page(request.GET.get("page")),
    }
    return render(request, "reporting/report_items.html", context)


def _render_state(request, report: Report):
    """The progress section; when the files are done, the preview too (swapped out of band)."""
    return render(request, "reporting/report_detail.html#state", _state_context(request, report))


@login_required
def report_list(request):
    _require(can_see_reports(request.user))
    reports = Report.objects.select_related("created_by", "issued_by").order_by(
        "-period_end", "period_key", "scope_key", "-version", "-created_at"
    )[:200]
    return render(request, "reporting/report_list.html", {"reports": reports})


@login_required
def report_new(request):
    _require(can_see_reports(request.user))
    form = ReportRequestForm(request.POST or None, today=local_today())
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            report = services.create_draft(
                kind=form.cleaned_data["kind"],
                code=form.cleaned_data["code"],
                cutoff=form.cleaned_data["cutoff"],
                by=request.user,
                **form.scope_objects(),
            )
            services.start_generation(report=report)
        return redirect("reporting:detail", pk=report.pk)
    return render(request, "reporting/report_new.html", {"form": form})


@login_required
def report_detail(request, pk: int):
    report = _get_report(request, pk)
    editable = can_edit_reports(request.user) and report.is_editable
    form = NarrativeForm(request.POST or None, instance=report) if editable else None
    if request.method == "POST":
        _require(editable)
        if form.is_valid():
            form.save()
            messages.success(request, _("Đã lưu phần nội dung của báo cáo."))
            return redirect("reporting:detail", pk=report.pk)
    context = {
        **_state_context(request, report),
        "form": form,
        "versions": Report.objects.filter(
            period_key=report.period_key, scope_key=report.scope_key, state=ReportState.ISSUED
        ).order_by("version"),
    }
    return render(request, "reporting/report_detail.html", context)


@login_required
def report_progress(request, pk: int):
    return _render_state(request, _get_report(request, pk))


def _generate(request, pk: int, *, issue: bool | None):
    """Start a build (`issue` None: again what failed). A double click starts one build; with
    the broker down, the report is failed at once, and its page says so and offers "Tạo lại"."""
    report = _get_report(request, pk)
    retry = issue is None
    if retry:
        issue = report.issuing
    _require(can_edit_reports(request.user) if issue else True)
    if not report.is_editable:
        messages.warning(request, _("Báo cáo này đang được tạo tệp hoặc đã ban hành."))
    elif retry and report.state != ReportState.FAILED:
        messages.info(request, _("Báo cáo này đã được tạo lại."))
    else:
        if issue:
            Report.objects.filter(pk=report.pk).update(issued_by=request.user)
        with transaction.atomic():
            services.start_generation(report=report, issue=issue)
        report.refresh_from_db()  # queued on commit, or failed (shown with "Tạo lại")
    if request.htmx:
        return _render_state(request, report)
    return redirect("reporting:detail", pk=report.pk)


@login_required
@require_POST
def report_generate(request, pk: int):
    return _generate(request, pk, issue=False)


@login_required
@require_POST
def report_issue(request, pk: int):
    return _generate(request, pk, issue=True)


@login_required
@require_POST
def report_retry(request, pk: int):
    return _generate(request, pk, issue=None)


@login_required
def report_download(request, pk: int, fmt: str):
    report = _get_report(request, pk)
    file = {"pdf": report.pdf, "xlsx": report.xlsx}.get(fmt)
    if not file:
        raise Http404
    return FileResponse(file.open("rb"), as_attachment=True, filename=report.file_name(fmt))
