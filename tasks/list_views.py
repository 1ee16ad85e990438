"""The task list as a work surface: filter, sort, export to Excel or CSV, change several tasks at
once."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.forms import ChoiceField
from django.http import FileResponse, QueryDict, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from accounts.models import User
from tasks import exports, list_rows
from tasks.filters import SORTABLE, TaskFilter, listed_tasks
from tasks.forms import BulkAction, select_options
from tasks.models import Task
from tasks.permissions import can_assign, can_update, own_unit_ids
from tasks.punctuality import local_today
from tasks.services import (
    BulkRefused,
    bulk_assign,
    bulk_mark_done,
    bulk_request_deadline_change,
)

LIST_PARTIAL = "tasks/task_list.html#task-table"
PERSON_NAME = ("full_name", "first_name", "last_name", "username")  # what str(user) reads


def _listed(user, params: QueryDict, *, request, today) -> TaskFilter:
    tasks = listed_tasks(user, today=today, plan=params.get("plan"))
    return TaskFilter(params or None, queryset=tasks, request=request, today=today)


def _people(user, unit_ids: set[int] | None = None):
    """Whom a bulk "assign" may name: the active people of the user's units."""
    people = User.objects.filter(is_active=True).order_by("full_name", "username")
    if user.is_superuser:
        return people
    return people.filter(unit_id__in=own_unit_ids(user) if unit_ids is None else unit_ids)


def _without(params: QueryDict, *names: str) -> str:
    query = params.copy()
    for name in names:
        query.pop(name, None)
    return query.urlencode()


def with_options(form) -> list[tuple]:
    """(field, its `<option>`s or None) for each visible field: the page writes its selects
    itself, Django's widget templates being slow for hundreds of units or people."""
    return [
        (field, select_options(field) if isinstance(field.field, ChoiceField) else None)
        for field in form.visible_fields()
    ]


def _list_context(request, params: QueryDict, *, today, bulk_form=None, selected=()) -> dict:
    user = request.user
    task_filter = _listed(user, params, request=request, today=today)
    # A page is found by ids first (with each task's version): sorting narrow rows, not 100,000
    # rows joined to their plan, unit and people (see benchmarks/task_list.md). The rows' cells
    # come from the cache, drawn only for tasks changed since (tasks.list_rows); the pick box,
    # which depends on the person, is worked out here.
    page = list_rows.page_of(
        task_filter.qs, params.get("page"), per_page=settings.TASKS_PER_PAGE
    )
    page.object_list = list_rows.page_rows(page.object_list, task_filter.qs, today=today)
    unit_ids, picked = own_unit_ids(user), {str(pk) for pk in selected}
    for task in page.object_list:
        task.may_update = can_update(user, task, unit_ids=unit_ids)
        task.may_assign = can_assign(user, task, unit_ids=unit_ids)
        task.picked = str(task.pk) in picked
    bulk = any(task.may_update for task in page.object_list)
    sort = task_filter.form.cleaned_data.get("sort") if task_filter.form.is_valid() else ""
    # Each sortable header: its label, where a click goes (the other way round when it is the
    # current sort) and its aria-sort.
    columns = {
        key: {
            "label": label,
            "href_sort": f"-{key}" if sort == key else key,
            "order": "ascending" if sort == key else "descending" if sort == f"-{key}" else "",
        }
        for key, label in SORTABLE
    }
    if bulk and bulk_form is None:
        # Shown, not yet chosen from: the people's names are all the select needs.
        people = _people(user, unit_ids).only(*PERSON_NAME)
        bulk_form = BulkAction(tasks=Task.objects.none(), people=people, today=today)
        if not any(task.may_assign for task in page.object_list):
            bulk_form.without_assign()
    list_url = reverse("tasks:list")
    query = _without(params, "page")
    valid = task_filter.form.is_valid()
    return {
        "filter": task_filter,
        "chosen_plan": task_filter.form.cleaned_data.get("plan") if valid else None,
        "page": page,
        "today": today,
        "query": query,
        "query_unsorted": _without(params, "page", "sort"),
        "sort": sort or "",
        "columns": columns,
        "bulk_form": bulk_form if bulk else None,
        "bulk_fields": with_options(bulk_form) if bulk else [],
        "here": f"{list_url}?{_without(params)}" if params else list_url,
        "list_url": list_url,
    }


@login_required
def task_list(request):
    context = _list_context(request, request.GET, today=local_today())
    if request.htmx:
        return render(request, LIST_PARTIAL, context)
    context["filter_fields"] = with_options(context["filter"].form)
    return render(request, "tasks/task_list.html", context)


@login_required
def task_export(request):
    """The filtered list, all its rows, as an .xlsx streamed from a temporary file."""
    today = local_today()
    task_filter = _listed(request.user, request.GET, request=request, today=today)
    return FileResponse(
        exports.task_list_file(task_filter.qs, today=today),
        as_attachment=True,
        filename=exports.file_name(today, extension=".xlsx"),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


@login_required
def task_export_csv(request):
    """The filtered list, all its rows, as CSV written into the response as it is read."""
    today = local_today()
    task_filter = _listed(request.user, request.GET, request=request, today=today)
    response = StreamingHttpResponse(
        exports.task_list_csv(task_filter.qs), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = content_disposition_header(
        True, exports.file_name(today, extension=".csv")
    )
    return response


def _list_params(target: str | None) -> QueryDict:
    """The filters of the list the person came from (a bulk form posts them back as `next`)."""
    parts = urlsplit(target or "")
    if parts.scheme or parts.netloc or parts.path != reverse("tasks:list"):
        return QueryDict()
    return QueryDict(parts.query)


def _apply(form: BulkAction, *, by) -> str:
    """Run the chosen action through the services; the summary to show when it worked."""
    data = form.cleaned_data
    chosen = list(data["tasks"].select_related("lead_unit"))
    action = data["action"]
    if action == BulkAction.ASSIGN:
        n = bulk_assign(tasks=chosen, assignee=data["assignee"], by=by)
        return ngettext(
            "Đã giao %(n)s nhiệm vụ cho %(name)s.",
            "Đã giao %(n)s nhiệm vụ cho %(name)s.",
            n,
        ) % {"n": n, "name": data["assignee"]}
    if action == BulkAction.DONE:
        n = bulk_mark_done(
            tasks=chosen, by=by, note=data["note"], delay_reason=data["delay_reason"]
        )
        return ngettext(
            "Đã ghi hoàn thành %(n)s nhiệm vụ.", "Đã ghi hoàn thành %(n)s nhiệm vụ.", n
        ) % {"n": n}
    n = bulk_request_deadline_change(
        tasks=chosen, by=by, new_due_date=data["new_due_date"], reason=data["reason"]
    )
    return ngettext(
        "Đã gửi đề nghị điều chỉnh thời hạn đến ngày %(due)s cho %(n)s nhiệm vụ, chờ lãnh đạo "
        "quyết định.",
        "Đã gửi đề nghị điều chỉnh thời hạn đến ngày %(due)s cho %(n)s nhiệm vụ, chờ lãnh đạo "
        "quyết định.",
        n,
    ) % {"n": n, "due": data["new_due_date"].strftime("%d/%m/%Y")}


@require_POST
@login_required
def task_bulk(request):
    """One change for the ticked tasks, all or nothing. A plain post returns to the list with a
    message; htmx gets the list's table again, with the outcome above it."""
    user, today = request.user, local_today()
    params = _list_params(request.POST.get("next"))
    visible = Task.objects.visible_to(user).worked_on()
    form = BulkAction(request.POST, tasks=visible, people=_people(user), today=today)
    done, errors = "", []
    if form.is_valid():
        try:
            done = _apply(form, by=user)
        except BulkRefused as refused:
            errors = [
                _("Chưa thay đổi nhiệm vụ nào: %(bad)s/%(all)s nhiệm vụ không thực hiện được.")
                % {"bad": len(refused.problems), "all": len(form.cleaned_data["tasks"])},
                *(f"«{p.task.content[:80]}»: {p.message}" for p in refused.problems),
            ]
        except ValidationError as error:
            errors = [_("Chưa thay đổi nhiệm vụ nào."), *error.messages]
    else:
        errors = [
            _("Chưa thay đổi nhiệm vụ nào."),
            *(message for messages_ in form.errors.values() for message in messages_),
        ]
    if not request.htmx:
        if done:
            messages.success(request, done)
        for error in errors:
            messages.error(request, error)
        back = reverse("tasks:list")
        return redirect(f"{back}?{params.urlencode()}" if params else back)
    context = _list_context(
        request,
        params,
        today=today,
        bulk_form=form if errors else None,
        selected=request.POST.getlist("tasks") if errors else (),
    )
    context.update(bulk_done=done, bulk_errors=errors)
    return render(request, LIST_PARTIAL, context)
