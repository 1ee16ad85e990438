from __future__ import annotations

from datetime import date
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import BooleanField, Exists, ExpressionWrapper, F, OuterRef, Q
from django.http import Http404, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import Resolver404, resolve, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.models import Role, User
from plans.models import Unit
from tasks import breakdown, dashboards, product_files, unit_plans, unit_shares
from tasks.comment_views import thread_context
from tasks.figures import count_figures
from tasks.forms import (
    AssignForm,
    CoordinationNoteForm,
    DashboardFilterForm,
    DeadlineChangeForm,
    DecisionForm,
    ProgressForm,
    version_of,
)
from tasks.models import ChangeState, DeadlineChange, Occurrence, ProgressUpdate, Task
from tasks.permissions import (
    authority_filter,
    can_assign,
    can_decide,
    can_update,
    coordinated_filter,
    coordinating_unit_for,
    get_change_to_decide,
    get_task_for_user,
    own_unit_ids,
    pending_changes_for,
)
from tasks.punctuality import Status, days_late, local_today, punctuality_in
from tasks.services import (
    StaleWrite,
    add_coordination_note,
    assign_task,
    decide_deadline_change,
    record_progress,
    request_deadline_change,
)
from tasks.timeline import timeline

ROWS_PER_PAGE = 20
UNITS_PER_PAGE = 30
PLANS_PER_PAGE = 15
GROUPS_PARTIAL = "tasks/task_parts.html#task-groups"


def _query_without(request, *names: str) -> str:
    query = request.GET.copy()
    for name in names:
        query.pop(name, None)
    return query.urlencode()


# --- dashboards -------------------------------------------------------------------------------


@login_required
def dashboard(request):
    """Văn phòng's overview: headline figures, units, warnings, plans, phases, charts."""
    today = local_today()
    form = DashboardFilterForm(request.GET or None)
    filters = form.filters()
    tasks = dashboards.apply_filters(dashboards.task_base(request.user), today=today, **filters)
    sort = (form.cleaned_data.get("sort") if form.is_valid() else "") or "qua_han"

    viewer = None if request.user.sees_everything else request.user.pk
    scope = unit_shares.scope_of(viewer, filters)
    totals = unit_shares.dashboard_totals(tasks, scope=scope, today=today)
    units = dashboards.rows_of_units(totals.units, sort=sort)
    plans, (ro_total, ro_complete) = dashboards.rows_of_plans(totals.plans, totals.completeness)
    figures = {
        "units": units,
        "headline": dashboards.add_figures(r.figures for r in units),
        "ro_total": ro_total,
        "ro_complete": ro_complete,
        "ro_share": round(100 * ro_complete / ro_total) if ro_total else None,
        "plans": plans,
        "phases": dashboards.rows_of_phases(totals.phases)
        if dashboards.phases_listed(totals.phases, plan=filters.get("plan"))
        else [],
        "warnings": dashboards.warnings(tasks, today=today),
        "warnings_total": totals.warnings,
        "rate_bars": dashboards.lowest_rates(units),
        "months": dashboards.month_bars(today=today, completed=totals.done, late=totals.late),
    }
    context = {
        **figures,
        "today": today,
        "form": form,
        "sort": sort,
        "target": settings.ON_TIME_TARGET_PERCENT,
        "unit_page": Paginator(figures["units"], UNITS_PER_PAGE).get_page(
            request.GET.get("trang_dv")
        ),
        "plan_page": Paginator(figures["plans"], PLANS_PER_PAGE).get_page(
            request.GET.get("trang_kh")
        ),
        "query": _query_without(request, "sort", "trang_dv"),
        "query_page": _query_without(request, "trang_dv"),
        "query_plans": _query_without(request, "trang_kh"),
    }
    template = "tasks/dashboard.html#dashboard-body" if request.htmx else "tasks/dashboard.html"
    return render(request, template, context)


def row_queryset(tasks):
    """What a task row shows: its punctuality, people, last update, a pending deadline change."""
    pending = DeadlineChange.objects.filter(task=OuterRef("pk"), state=ChangeState.PENDING)
    return (
        dashboards.with_last_update(tasks)
        .annotate(has_pending=Exists(pending))
        .select_related("plan", "lead_unit", "assignee")
    )


def _decorate(user, tasks, today) -> None:
    """What the row template needs to know about each task, without a query per row."""
    unit_ids = own_unit_ids(user)
    for task in tasks:
        task.may_update = can_update(user, task, unit_ids=unit_ids)
        task.may_assign = can_assign(user, task, unit_ids=unit_ids)
        task.days_late = days_late(
            due_date=task.due_date, completed_on=task.completed_on, today=today
        )


def _grouped(request, tasks, today) -> dict:
    """Tasks in tabs by urgency (overdue, due soon, under way, not started, done, other)."""
    counts = dashboards.group_counts(count_figures(tasks, today=today))
    group = dashboards.pick_group(request.GET.get("nhom"), counts)
    # On the columns (punctuality_in), not on the annotation: PostgreSQL cannot estimate a
    # filter on the CASE, took it for one row and joined plans and units by nested loops
    # (26 ms for the busiest unit at 100,000 tasks, against 4 ms).
    listed = row_queryset(
        tasks.with_punctuality(today).filter(punctuality_in(group.punctualities, today=today))
    ).order_by(F("due_date").asc(nulls_last=True), "pk")
    if group.key == "hoan_thanh":
        listed = listed.order_by(F("completed_on").desc(nulls_last=True), "pk")
    page = Paginator(listed, ROWS_PER_PAGE).get_page(request.GET.get("trang"))
    _decorate(request.user, page.object_list, today)
    return {
        "today": today,
        "groups": counts,
        "group": group,
        "page": page,
        "here": request.get_full_path(),
        "base_path": request.path,
    }


COORDINATED = "phoi_hop"


def _unit_tasks(user, unit_pk: int):
    """The tasks a unit (and the units below it) leads, those it coordinates on that others
    lead (the unit page's urgency tabs and its "Phối hợp" tab), and those units' ids."""
    unit_ids = Unit.objects.descendant_ids({unit_pk})
    tasks = dashboards.task_base(user).filter(lead_unit_id__in=unit_ids)
    coordinated = (
        Task.objects.tracked()
        .filter(coordinated_filter(user, unit_ids=unit_ids))
        .exclude(lead_unit_id__in=unit_ids)
    )
    return tasks, coordinated, unit_ids


def _tabs_after_write(request, target: str) -> dict | None:
    """The tabs of the page a row sits on (unit page, my tasks, leadership), counted afresh so
    that an inline save moves the counts too. None when the row is on no such page."""
    parts = urlsplit(target)
    try:
        match = resolve(parts.path)
    except Resolver404:
        return None
    user, today = request.user, local_today()
    extra = {"coordinated_count": None}
    if match.view_name == "tasks:unit":
        pk = match.kwargs["pk"]
        if not user.sees_everything and pk not in own_unit_ids(user):
            return None
        tasks, _coordinated_tasks, unit_ids = _unit_tasks(user, pk)
        extra["coordinated_count"] = dashboards.coordinated_count(unit_ids)
    elif match.view_name == "tasks:mine":
        tasks = Task.objects.worked_on().filter(assignee=user)
    elif match.view_name == "tasks:leadership":
        tasks = dashboards.task_base(user).filter(authority_filter(user))
    else:
        return None
    counts = dashboards.group_counts(count_figures(tasks, today=today))
    key = QueryDict(parts.query).get("nhom")
    group = (
        dashboards.Group(COORDINATED, _("Phối hợp"), ())
        if key == COORDINATED and extra["coordinated_count"] is not None
        else dashboards.pick_group(key, counts)
    )
    return {"groups": counts, "group": group, "base_path": parts.path, **extra}


def _coordinated(request, tasks, coordinated, today, *, may_note: bool) -> dict:
    """The unit page's "Phối hợp" tab: the urgency tabs' counts, and the tasks the unit
    coordinates on, open ones first and soonest due first, each open to a coordination note and
    nothing else."""
    counts = dashboards.group_counts(count_figures(tasks, today=today))
    closed = Q(status__in=(Status.DONE, Status.CANCELLED))
    listed = (
        row_queryset(coordinated.with_punctuality(today))
        .annotate(closed=ExpressionWrapper(closed, output_field=BooleanField()))
        .order_by("closed", F("due_date").asc(nulls_last=True), "pk")
    )
    page = Paginator(listed, ROWS_PER_PAGE).get_page(request.GET.get("trang"))
    for task in page.object_list:
        task.may_note = may_note
        task.days_late = days_late(
            due_date=task.due_date, completed_on=task.completed_on, today=today
        )
    return {
        "today": today,
        "groups": counts,
        "group": dashboards.Group(COORDINATED, _("Phối hợp"), ()),
        "page": page,
        "coordinated_count": page.paginator.count,
        "here": request.get_full_path(),
        "base_path": request.path,
    }


@login_required
def unit_page(request, pk: int):
    """A unit's tasks: the unit head's daily page, and the drill-down of the dashboards."""
    user = request.user
    unit = get_object_or_404(Unit, pk=pk)
    member = unit.pk in own_unit_ids(user)
    if not user.sees_everything and not member:
        raise Http404
    tasks, coordinated, unit_ids = _unit_tasks(user, unit.pk)
    today = local_today()
    if request.GET.get("nhom") == COORDINATED:
        # Văn phòng browses any unit's tab; only the unit's own people write its notes.
        context = _coordinated(request, tasks, coordinated, today, may_note=member)
    else:
        context = _grouped(request, tasks, today)
        context["coordinated_count"] = dashboards.coordinated_count(unit_ids)
    context["unit"] = unit
    context["key_count"] = tasks.filter(Q(is_key=True) | Q(is_breakthrough=True)).count()
    if not request.htmx:
        context["unit_plans"] = unit_plans.summaries(unit, today=today)
    template = GROUPS_PARTIAL if request.htmx else "tasks/unit_page.html"
    return render(request, template, context)


@login_required
def my_unit(request):
    if not request.user.unit_id:
        raise Http404
    return redirect("tasks:unit", pk=request.user.unit_id)


@login_required
def my_tasks(request):
    """Staff's page: the tasks assigned to me."""
    tasks = Task.objects.worked_on().filter(assignee=request.user)
    context = _grouped(request, tasks, local_today())
    template = GROUPS_PARTIAL if request.htmx else "tasks/my_tasks.html"
    return render(request, template, context)


@login_required
def leadership(request):
    """A leader's page: overview, deadline changes to decide, the tasks under their authority."""
    user = request.user
    if user.role != Role.LEADERSHIP and not user.is_superuser:
        raise PermissionDenied
    today = local_today()
    units = dashboards.unit_rows(dashboards.task_base(user), today=today)
    changes = (
        pending_changes_for(user)
        .select_related("task", "task__lead_unit", "task__phase", "requested_by")
        .prefetch_related("task__plan__phases")
        .order_by("requested_at")
    )
    authority = dashboards.task_base(user).filter(authority_filter(user))
    context = _grouped(request, authority, today)
    context.update(
        headline=dashboards.add_figures(r.figures for r in units),
        target=settings.ON_TIME_TARGET_PERCENT,
        units=units[:10],
        changes=changes,
    )
    template = GROUPS_PARTIAL if request.htmx else "tasks/leadership.html"
    return render(request, template, context)


# --- one task ----------------------------------------------------------------------------------


@login_required
def task_detail(request, pk: int, *, comment_form=None):
    """The task's page; `comment_form` is a refused comment shown again with its errors."""
    today = local_today()
    task = get_task_for_user(
        request.user,
        pk,
        queryset=breakdown.with_children_flag(Task.objects.with_punctuality(today))
        .select_related("plan", "phase", "lead_unit", "assignee", "authority_user", "parent")
        .prefetch_related("coordinating_units"),
        coordinated=True,
    )
    user = request.user
    unit_ids = own_unit_ids(user)
    notes = list(task.coordination_notes.select_related("unit", "author"))
    updates = list(
        task.updates.select_related("author", "occurrence").prefetch_related("attachments")
    )
    changes = list(task.deadline_changes.select_related("requested_by", "decided_by"))
    for change in changes:
        change.may_decide = change.state == ChangeState.PENDING and can_decide(user, change)
    context = {
        "task": task,
        "today": today,
        "days_late": days_late(due_date=task.due_date, completed_on=task.completed_on, today=today),
        "coordinating": list(task.coordinating_units.all()),
        "milestones": [date.fromisoformat(day) for day in task.milestones or ()],
        "missing": task.missing_ro,
        "occurrences": list(task.occurrences.with_punctuality(today)),
        "updates": updates,
        "changes": changes,
        "notes": notes,
        "note_unit": coordinating_unit_for(user, task, unit_ids=unit_ids),
        "may_update": can_update(user, task, unit_ids=unit_ids),
        "may_assign": can_assign(user, task, unit_ids=unit_ids),
        **thread_context(task, form=comment_form),
    }
    context["history"] = timeline(task, notes=notes, comments=context["comments"], updates=updates)
    return render(request, "tasks/task_detail.html", context)


@login_required
def product_file(request, pk: int):
    """A progress update's file, to those who may see its task, coordinating units included
    (404 to others, as the task)."""
    update = get_object_or_404(ProgressUpdate.objects.exclude(product_file=""), pk=pk)
    get_task_for_user(request.user, update.task_id, coordinated=True)
    return product_files.file_response(update.product_file)


def _next_url(request, task: Task) -> str:
    target = request.POST.get("next") or request.GET.get("next")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("tasks:detail", args=[task.pk])


def _row_response(
    request, task: Task, note: str, *, may_note: bool = False, current: bool = False
):
    """After a write: htmx gets the fresh row; a plain post goes back where it came from.
    `current`: the task was read by `row_queryset` and the write brought it up to date, so it
    is shown as it is instead of being read again."""
    if not request.htmx:
        messages.success(request, note)
        return redirect(_next_url(request, task))
    today = local_today()
    if current:
        fresh = task
        fresh.punctuality = task.punctuality_on(today)
    else:
        fresh = row_queryset(Task.objects.with_punctuality(today)).get(pk=task.pk)
    _decorate(request.user, [fresh], today)
    fresh.may_note = may_note
    here = _next_url(request, task)
    context = {"task": fresh, "today": today, "note": note, "here": here}
    tabs = _tabs_after_write(request, here)
    if tabs is None:
        return render(request, "tasks/task_parts.html#task-row", context)
    return render(request, "tasks/task_parts.html#row-and-tabs", {**context, "tabs": tabs})


def _form_response(request, task: Task, partial: str, form, **extra):
    context = {
        "task": task,
        "form": form,
        "partial": f"tasks/task_parts.html#{partial}",
        "here": _next_url(request, task),
        **extra,
    }
    template = context["partial"] if request.htmx else "tasks/task_form.html"
    return render(request, template, context)


def _version(form, task: Task, *, stale: bool) -> str:
    """The token a re-shown form carries: the person's own unless the task has moved on."""
    if form.is_bound and not stale:
        return form.data.get("version", "")
    return version_of(task)


def _open_occurrences(task: Task) -> list:
    if not getattr(task, "has_open_periods", True):
        return []
    return list(
        task.occurrences.exclude(status__in=(Status.DONE, Status.CANCELLED)).order_by("due_date")
    )


def _add_errors(form, error: ValidationError) -> None:
    """A service's refusal on the form: beside its field when the form shows it, else on top."""
    if hasattr(error, "error_dict") and not set(error.error_dict) <= set(form.fields):
        error = ValidationError(error.messages)
    form.add_error(None, error)


@login_required
def task_row(request, pk: int):
    """The row of a task (to cancel an inline form); without htmx, the task's page."""
    task = get_task_for_user(request.user, pk)
    if not request.htmx:
        return redirect("tasks:detail", pk=task.pk)
    today = local_today()
    fresh = row_queryset(Task.objects.with_punctuality(today)).get(pk=task.pk)
    _decorate(request.user, [fresh], today)
    context = {"task": fresh, "today": today, "here": _next_url(request, task)}
    return render(request, "tasks/task_parts.html#task-row", context)


@login_required
def task_update(request, pk: int):
    """Record progress: GET the form, POST it (plain or htmx). The task is read as its row
    shows it, with whether it has open periods, so that the row after the save needs no query."""
    open_periods = Occurrence.objects.filter(task=OuterRef("pk")).exclude(
        status__in=(Status.DONE, Status.CANCELLED)
    )
    tasks = row_queryset(Task.objects.annotate(has_open_periods=Exists(open_periods)))
    task = get_task_for_user(request.user, pk, queryset=tasks)
    if not can_update(request.user, task):
        raise PermissionDenied
    occurrences = _open_occurrences(task)
    today = local_today()
    due = occurrences[0].due_date if occurrences else task.due_date
    late = due is not None and due < today
    stale = False
    if request.method == "POST":
        form = ProgressForm(
            request.POST, request.FILES, task=task, occurrences=occurrences, late=late
        )
        if form.is_valid():
            data = form.cleaned_data
            try:
                record_progress(
                    task=task,
                    by=request.user,
                    percent=data["percent"],
                    status=data["status"],
                    occurrence=data.get("occurrence"),
                    achieved=data["achieved"],
                    product_file=data["product_file"],
                    product_link=data["product_link"],
                    attachments=data["attachments"],
                    difficulties=data["difficulties"],
                    proposals=data["proposals"],
                    delay_reason=data["delay_reason"],
                    delay_explanation=data["delay_explanation"],
                    if_unchanged_since=data["version"],
                )
            except StaleWrite as error:
                stale = True
                task.refresh_from_db()
                form.add_error(None, error)
            except ValidationError as error:
                _add_errors(form, error)
            else:
                saved = _("Đã lưu tiến độ.")
                if form.marked_done:
                    saved = _("Đã lưu tiến độ: 100% nên được ghi là hoàn thành.")
                task.last_note = data["achieved"]  # the update just written is the last one
                return _row_response(request, task, saved, current=True)
    else:
        form = ProgressForm(
            initial={
                "percent": task.percent,
                "status": task.status,
                "occurrence": occurrences[0].pk if occurrences else None,
                "version": version_of(task),
            },
            task=task,
            occurrences=occurrences,
            late=late,
        )
    latest = task.updates.select_related("author").first() if stale else None
    return _form_response(
        request,
        task,
        "update-form",
        form,
        stale=stale,
        latest=latest,
        version=_version(form, task, stale=stale),
        late=late,
        due=due,
    )


@login_required
def task_assign(request, pk: int):
    task = get_task_for_user(request.user, pk)
    if not can_assign(request.user, task):
        raise PermissionDenied
    people = User.objects.filter(
        is_active=True,
        unit_id__in=Unit.objects.descendant_ids({task.lead_unit_id}),
    ).order_by("full_name", "username")
    stale = False
    if request.method == "POST":
        form = AssignForm(request.POST, people=people)
        if form.is_valid():
            try:
                assign_task(
                    task=task,
                    assignee=form.cleaned_data["assignee"],
                    by=request.user,
                    if_unchanged_since=form.cleaned_data["version"],
                )
            except StaleWrite as error:
                stale = True
                task.refresh_from_db()
                form.add_error(None, error)
            else:
                note = _("Đã giao cho %(name)s.") % {"name": task.assignee}
                return _row_response(request, task, note)
    else:
        form = AssignForm(
            initial={"assignee": task.assignee_id, "version": version_of(task)}, people=people
        )
    return _form_response(
        request, task, "assign-form", form, stale=stale, version=_version(form, task, stale=stale)
    )


@login_required
def task_request_change(request, pk: int):
    """Ask the authority for a new deadline."""
    task = get_task_for_user(request.user, pk)
    if not can_update(request.user, task):
        raise PermissionDenied
    if request.method == "POST":
        form = DeadlineChangeForm(request.POST)
        if form.is_valid():
            try:
                change = request_deadline_change(
                    task=task,
                    by=request.user,
                    new_due_date=form.cleaned_data["new_due_date"],
                    reason=form.cleaned_data["reason"],
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                note = _("Đã gửi đề nghị điều chỉnh thời hạn, chờ lãnh đạo quyết định.")
                if beyond := change.beyond_plan:
                    note = f"{note} {_('Lưu ý:')} {beyond}"
                return _row_response(request, task, note)
    else:
        form = DeadlineChangeForm()
    return _form_response(request, task, "change-form", form)


@login_required
def task_coordination_note(request, pk: int):
    """A coordinating unit's note on a task another unit leads: GET the form, POST it."""
    task = get_task_for_user(request.user, pk, coordinated=True)
    unit = coordinating_unit_for(request.user, task)
    if unit is None:
        raise PermissionDenied
    if request.method == "POST":
        form = CoordinationNoteForm(request.POST)
        if form.is_valid():
            try:
                add_coordination_note(
                    task=task, unit=unit, by=request.user, text=form.cleaned_data["text"]
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                note = _("Đã ghi ý kiến phối hợp của %(unit)s.") % {"unit": unit.display_name}
                return _row_response(request, task, note, may_note=True)
    else:
        form = CoordinationNoteForm()
    return _form_response(request, task, "note-form", form, unit=unit)


@require_POST
@login_required
def change_decide(request, pk: int):
    """The authority approves or refuses a deadline change, with a comment."""
    change = get_change_to_decide(request.user, pk)
    form = DecisionForm(request.POST)
    error = None
    if form.is_valid():
        try:
            change = decide_deadline_change(
                change=change,
                by=request.user,
                approve=form.cleaned_data["decision"] == "approve",
                comment=form.cleaned_data["comment"],
            )
        except ValidationError as problem:
            error = problem.messages[0]
    else:
        error = "; ".join(m for errors in form.errors.values() for m in errors)
    if not request.htmx:
        if error:
            messages.error(request, error)
        else:
            messages.success(request, _("Đã ghi quyết định."))
        target = request.POST.get("next")
        if not (target and url_has_allowed_host_and_scheme(target, {request.get_host()})):
            target = reverse("tasks:leadership")
        return redirect(target)
    change = DeadlineChange.objects.select_related("task", "task__lead_unit", "requested_by").get(
        pk=change.pk
    )
    context = {"change": change, "error": error, "form": form}
    return render(request, "tasks/task_parts.html#change-item", context)
