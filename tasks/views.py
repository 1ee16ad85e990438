from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import render

from tasks.filters import TaskFilter
from tasks.models import Task
from tasks.punctuality import local_today


@login_required
def task_list(request):
    today = local_today()
    tasks = (
        Task.objects.visible_to(request.user)
        .tracked()
        .with_punctuality(today)
        .with_completeness()
        .select_related("plan", "lead_unit", "assignee", "authority_user")
        .prefetch_related("coordinating_units")
        .order_by("plan__issued_on", "plan_id", "position", "pk")
    )
    task_filter = TaskFilter(request.GET or None, queryset=tasks, request=request)
    page = Paginator(task_filter.qs, settings.TASKS_PER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {"filter": task_filter, "page": page, "today": today, "query": query.urlencode()}
    template = "tasks/task_list.html#task-table" if request.htmx else "tasks/task_list.html"
    return render(request, template, context)
