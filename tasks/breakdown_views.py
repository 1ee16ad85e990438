"""The pages of a task's break-down (tasks.breakdown): add sub-tasks, choose how the parent's
progress is kept."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from tasks import breakdown
from tasks.breakdown_forms import ProgressModeForm, subtask_formset
from tasks.permissions import get_task_for_user


def _task_to_break_down(request, pk: int):
    """404 for a task the person may not see, 403 for one they may not split."""
    task = get_task_for_user(request.user, pk)
    if not breakdown.can_break_down(request.user, task):
        raise PermissionDenied
    return task


@login_required
def task_break_down(request, pk: int):
    """ "Chia nhỏ nhiệm vụ": a few sub-tasks at once, each with its person, deadline and product."""
    task = _task_to_break_down(request, pk)
    people = breakdown.people_for(task)
    try:
        rows = int(request.GET.get("dong", 3))
    except ValueError:
        rows = 3
    if request.method == "POST":
        formset = subtask_formset(request.POST, parent=task, people=people)
        if formset.is_valid():
            try:
                created = breakdown.break_down(task=task, by=request.user, parts=formset.parts())
            except ValidationError as error:
                formset._non_form_errors = formset.error_class(error.messages)
            else:
                messages.success(
                    request,
                    ngettext(
                        "Đã thêm %(n)s nhiệm vụ con.", "Đã thêm %(n)s nhiệm vụ con.", len(created)
                    )
                    % {"n": len(created)},
                )
                return redirect("tasks:detail", pk=task.pk)
    else:
        formset = subtask_formset(parent=task, people=people, rows=rows)
    context = {"task": task, "formset": formset, "more_rows": min(rows + 3, breakdown.MAX_PARTS)}
    return render(request, "tasks/breakdown_form.html", context)


@require_POST
@login_required
def task_progress_mode(request, pk: int):
    """The unit head chooses whether the task's progress follows its sub-tasks."""
    task = _task_to_break_down(request, pk)
    form = ProgressModeForm(request.POST)
    if form.is_valid():
        from_children = form.cleaned_data["from_children"]
        breakdown.set_progress_mode(task=task, by=request.user, from_children=from_children)
        messages.success(
            request,
            _("Tiến độ của nhiệm vụ này được tính từ các nhiệm vụ con.")
            if from_children
            else _("Tiến độ của nhiệm vụ này được cập nhật thủ công."),
        )
    else:
        messages.error(request, _("Lựa chọn không hợp lệ."))
    return redirect("tasks:detail", pk=task.pk)
