"""The browser import: upload or paste a table → preview, correct → confirm (Văn phòng)."""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRedirect, HttpResponseClientRefresh

from accounts.models import Role
from imports.corrections import correct_draft_row
from imports.drafts import (
    DraftNotReady,
    discard_drafts,
    read_again,
    settle_if_stuck,
    start_upload_draft,
)
from imports.forms import ColumnsForm, ImportStartForm, RowForm, SheetForm, column_letter
from imports.importing import (
    confirm_draft,
    draft_plan,
    draft_understanding,
    preview_changes,
    start_draft,
)
from imports.mapping import remap_draft
from imports.models import DraftState, ImportDraft
from imports.tables import Column, TableError
from imports.tables.cells import Confidence
from plans.models import Unit
from tasks.punctuality import local_today


def office_required(view):
    """Importing plans is Văn phòng's work (and the administrator's)."""

    @wraps(view)
    @login_required
    def wrapper(request, *args, **kwargs):
        user = request.user
        if not (user.is_superuser or user.role in (Role.OFFICE, Role.ADMIN)):
            raise PermissionDenied(_("Chỉ Văn phòng được nhập kế hoạch."))
        return view(request, *args, **kwargs)

    return wrapper


def _draft_for(request, pk: int) -> ImportDraft:
    return get_object_or_404(ImportDraft, pk=pk, created_by=request.user)


@office_required
def import_start(request):
    form = ImportStartForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        if upload:
            draft = start_upload_draft(
                by=request.user,
                plan=form.cleaned_data["plan"],
                new_plan=form.new_plan_fields(),
                upload=upload,
                sheet=form.cleaned_data["sheet"],
                now=timezone.now(),
            )
        else:
            draft = start_draft(
                by=request.user,
                plan=form.cleaned_data["plan"],
                new_plan=form.new_plan_fields(),
                source_name=_("Bảng dán từ Word/PDF"),
                table=form.table,
            )
        return redirect("imports:import_preview", pk=draft.pk)
    drafts = (
        ImportDraft.objects.filter(created_by=request.user)
        .exclude(state=DraftState.CONFIRMED)
        .select_related("plan")[:10]
    )
    return render(request, "imports/import_start.html", {"form": form, "drafts": drafts})


@office_required
def import_preview(request, pk: int):
    draft = _draft_for(request, pk)
    if draft.state != DraftState.READY:
        return _not_ready(request, draft)
    today = local_today()
    understanding = draft_understanding(draft, today=today)
    plan = draft_plan(draft)
    changes = (
        preview_changes(plan=plan, understanding=understanding, today=today) if plan.pk else None
    )
    context = {
        "draft": draft,
        "plan": plan,
        "understanding": understanding,
        "rows": list(enumerate(understanding.rows)),
        "changes": changes,
        "units": _unit_names(understanding),
        **_columns_context(draft),
        "sheet_form": SheetForm(initial={"sheet": draft.sheet}, sheets=draft.sheets)
        if len(draft.sheets) > 1
        else None,
    }
    return render(request, "imports/import_preview.html", context)


def _unit_names(understanding) -> dict[int, str]:
    ids = {pk for row in understanding.rows for pk in (*row.lead_ids, *row.coordinating_ids)}
    return dict(Unit.objects.filter(pk__in=ids).values_list("pk", "name"))


@office_required
def import_row(request, pk: int, index: int):
    """One row of the preview: shown, or edited in place (htmx), or corrected (POST)."""
    draft = _draft_for(request, pk)
    if draft.state != DraftState.READY:
        return _to_preview(request, draft)
    if not 0 <= index < len(draft.rows):
        raise PermissionDenied
    source = draft.rows[index]
    if request.method == "POST":
        form = RowForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            cells = {
                Column.CONTENT: data["content"],
                Column.LEAD: data["lead"],
                Column.COORDINATING: data["coordinating"],
                Column.PRODUCT: data["product"],
                Column.DEADLINE: data["deadline"],
                Column.PERSON: data["person"],
                Column.AUTHORITY: data["authority"],
            }
            correct_draft_row(draft, index, cells=cells, order_label=data["order_label"])
            if not request.htmx:
                return redirect(reverse("imports:import_preview", args=[pk]) + f"#dong-{index}")
            return _row(request, draft, index, "import-row-saved")
        return _row(request, draft, index, "import-row-form", form=form)
    if request.GET.get("edit"):
        cells = source["cells"]
        form = RowForm(
            initial={
                "order_label": source["order_label"],
                "content": cells.get(Column.CONTENT, ""),
                "lead": cells.get(Column.LEAD, ""),
                "coordinating": cells.get(Column.COORDINATING, ""),
                "product": cells.get(Column.PRODUCT, ""),
                "deadline": cells.get(Column.DEADLINE, ""),
                "person": cells.get(Column.PERSON, ""),
                "authority": cells.get(Column.AUTHORITY, ""),
            }
        )
        return _row(request, draft, index, "import-row-form", form=form)
    return _row(request, draft, index, "import-row")


def _row(request, draft, index: int, partial: str, form=None):
    understanding = draft_understanding(draft, today=local_today())
    context = {
        "draft": draft,
        "index": index,
        "row": understanding.rows[index],
        "understanding": understanding,
        "form": form,
        "units": _unit_names(understanding),
        "all_units": Unit.objects.filter(is_active=True).values_list("name", flat=True),
    }
    return render(request, f"imports/import_preview.html#{partial}", context)


@office_required
@require_POST
def import_confirm(request, pk: int):
    draft = _draft_for(request, pk)
    if draft.state == DraftState.READY and not draft.rows:
        messages.error(request, _("Chưa có dòng nhiệm vụ nào để nhập: hãy chọn các cột trước."))
        return redirect(reverse("imports:import_preview", args=[pk]) + "#cac-cot")
    try:
        plan, result = confirm_draft(draft, by=request.user, today=local_today())
    except DraftNotReady:
        draft.refresh_from_db()
        return _not_ready(request, draft)
    messages.success(
        request,
        _("Đã nhập %(plan)s: %(created)d nhiệm vụ mới, %(updated)d cập nhật, %(same)d không đổi.")
        % {
            "plan": plan.display_name,
            "created": result.created,
            "updated": result.updated,
            "same": result.unchanged,
        },
    )
    return redirect(reverse("tasks:list") + f"?plan={plan.pk}")


@office_required
@require_POST
def import_discard(request, pk: int):
    draft = _draft_for(request, pk)
    if draft.state == DraftState.CONFIRMED:
        return _not_ready(request, draft)
    discard_drafts(ImportDraft.objects.filter(pk=draft.pk))
    messages.info(request, _("Đã hủy bản nhập; không có gì được ghi."))
    return redirect("imports:import_start")


# --- The column-mapping step ----------------------------------------------------------------

_FIRST_ROWS = 8


def _columns_context(draft, form: ColumnsForm | None = None) -> dict:
    """The first source rows under one choice per column, with how each column was read."""
    grid = draft.grid or []
    width = max((len(row["cells"]) for row in grid), default=0)
    readings = {reading["position"]: reading for reading in draft.columns}
    if form is None:
        initial = {f"col_{p}": r["choice"] for p, r in readings.items()}
        initial["header_line"] = draft.header_line or 0
        form = ColumnsForm(width=width, initial=initial)
    start = 0
    if draft.header_line:
        start = next((i for i, row in enumerate(grid) if row["line"] == draft.header_line), 0)
    first_rows = [
        {
            "line": row["line"],
            "is_header": row["line"] == draft.header_line,
            "cells": [(cell[0] if cell else "") for cell in row["cells"]]
            + [""] * (width - len(row["cells"])),
        }
        for row in grid[start : start + _FIRST_ROWS]
        if any(row["cells"])
    ]
    columns = [
        {
            "letter": column_letter(position),
            "field": form[f"col_{position}"],
            "reading": readings.get(position),
            "confidence": Confidence(readings[position]["confidence"]).label
            if position in readings
            else "",
            "unsure": position in readings and readings[position]["confidence"] == Confidence.LOW,
        }
        for position in range(width)
    ]
    unsure = draft.header_line is None or any(c["unsure"] for c in columns)
    return {
        "columns_form": form,
        "source_columns": columns,
        "first_rows": first_rows,
        "columns_unsure": unsure and bool(columns),
    }


# --- an uploaded file, read in the background ------------------------------------------------


def _to_preview(request, draft):
    url = reverse("imports:import_preview", args=[draft.pk])
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)


def _not_ready(request, draft):
    """A draft that is not waiting for confirmation: confirmed already (a second click: said
    so, and on to the plan's tasks), or still reading, or failed (its page says which)."""
    if draft.state == DraftState.CONFIRMED:
        messages.info(
            request,
            _("Bản nhập «%(source)s» đã được xác nhận rồi; các nhiệm vụ không được nhập lại.")
            % {"source": draft.source_name},
        )
        url = reverse("tasks:list") + f"?plan={draft.plan_id}" if draft.plan_id else "/"
        return HttpResponseClientRedirect(url) if request.htmx else redirect(url)
    if request.method != "GET":
        return _to_preview(request, draft)
    draft = settle_if_stuck(draft, now=timezone.now())
    if draft.state == DraftState.READY:
        return _to_preview(request, draft)
    return render(request, "imports/import_reading.html", {"draft": draft})


@office_required
def import_status(request, pk: int):
    """Polled by the page while the file is read: the status, until the preview is ready."""
    draft = settle_if_stuck(_draft_for(request, pk), now=timezone.now())
    if draft.state != DraftState.READING:
        return HttpResponseClientRefresh() if request.htmx else _to_preview(request, draft)
    if not request.htmx:
        return _to_preview(request, draft)
    return render(request, "imports/import_reading.html#reading-status", {"draft": draft})


@office_required
@require_POST
def import_columns(request, pk: int):
    """The clerk's columns: the draft is read again from its source rows."""
    draft = _draft_for(request, pk)
    width = max((len(row["cells"]) for row in draft.grid or []), default=0)
    form = ColumnsForm(request.POST, width=width)
    if form.is_valid():
        try:
            dropped = remap_draft(
                draft,
                mapping=form.mapping(),
                header_line=form.cleaned_data["header_line"],
                by=request.user,
            )
        except TableError as error:
            messages.error(request, str(error))
        else:
            messages.success(
                request,
                _(
                    "Đã đọc lại bảng theo các cột đã chọn. Bảng có cùng dòng tiêu đề sẽ được "
                    "đọc như vậy ở lần nhập sau."
                ),
            )
            if dropped:
                messages.warning(
                    request,
                    ngettext(
                        "%(n)d chỉnh sửa từng dòng không còn dòng nào để áp dụng và đã bỏ.",
                        "%(n)d chỉnh sửa từng dòng không còn dòng nào để áp dụng và đã bỏ.",
                        dropped,
                    )
                    % {"n": dropped},
                )
    else:
        messages.error(request, _("Lựa chọn cột không hợp lệ; xin chọn lại."))
    return redirect(reverse("imports:import_preview", args=[pk]) + "#cac-cot")


@office_required
@require_POST
def import_read_again(request, pk: int):
    """Read the file again: after a failure, or another sheet of the workbook."""
    draft = _draft_for(request, pk)
    sheet = None
    if "sheet" in request.POST:
        form = SheetForm(request.POST, sheets=draft.sheets)
        if not form.is_valid():
            return _to_preview(request, draft)
        sheet = form.cleaned_data["sheet"]
    if not read_again(draft, now=timezone.now(), sheet=sheet):
        messages.warning(request, _("Không đọc lại được bản nhập này: hãy tải tệp lên lần nữa."))
    return _to_preview(request, draft)
