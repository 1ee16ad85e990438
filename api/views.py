"""Read-only JSON for other government systems: the same data and permissions as the pages."""

from __future__ import annotations

from django.conf import settings
from django.db.models import Prefetch
from django.utils.functional import cached_property
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, viewsets
from rest_framework.decorators import action, api_view
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.settings import api_settings

from api.filters import ApiTaskFilter
from api.serializers import DashboardSerializer, PlanSerializer, TaskSerializer, UnitSerializer
from api.sync import SyncPagination
from plans.models import Phase, Plan, Unit
from tasks import dashboards
from tasks.filters import listed_tasks
from tasks.models import Task
from tasks.permissions import get_task_for_user
from tasks.punctuality import local_today


class UnitViewSet(viewsets.ReadOnlyModelViewSet):
    """Units (a tree: `parent`)."""

    queryset = Unit.objects.filter(is_active=True).order_by("order", "name", "pk")
    serializer_class = UnitSerializer


class PlanViewSet(viewsets.ReadOnlyModelViewSet):
    """Plans with their phases."""

    queryset = Plan.objects.prefetch_related(
        Prefetch("phases", queryset=Phase.objects.order_by("order"))
    ).order_by("-issued_on", "pk")
    serializer_class = PlanSerializer


class TaskPages(PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = 500
    page_size_query_description = (
        f"Số nhiệm vụ mỗi trang (mặc định {api_settings.PAGE_SIZE}, tối đa {max_page_size})"
    )


class TaskSchema(AutoSchema):
    def get_paginated_name(self, serializer_name: str) -> str:
        # The sync's answer is paged by cursor: a shape of its own, not the list's page.
        if self.view.action == "sync":
            return f"{serializer_name}Changes"
        return super().get_paginated_name(serializer_name)


class TaskFilterBackend(DjangoFilterBackend):
    def get_filterset_kwargs(self, request, queryset, view):
        return {**super().get_filterset_kwargs(request, queryset, view), "today": view.today}


class TaskViewSet(viewsets.ReadOnlyModelViewSet):
    """Tasks the caller may see, with their six "rõ" and punctuality today. The list takes the
    task list page's filters under the same names (`q`, `plan`, `unit`, `status`,
    `punctuality`, `missing`, `due_from`, `due_to`, `sort` or `ordering`)."""

    serializer_class = TaskSerializer
    filter_backends = [TaskFilterBackend]
    filterset_class = ApiTaskFilter
    pagination_class = TaskPages
    schema = TaskSchema()

    @cached_property
    def today(self):
        """One day for the request's filters, punctuality and days late."""
        return local_today()

    def get_queryset(self):
        plan = self.request.query_params.get("plan")
        return listed_tasks(self.request.user, today=self.today, plan=plan)

    def read(self, tasks):
        """`tasks` with what the serializer reads, in as many queries whatever their number."""
        return tasks.select_related("assignee", "authority_user").prefetch_related(
            "coordinating_units"
        )

    def get_object(self):
        tasks = self.read(self.get_queryset())
        return get_task_for_user(self.request.user, self.kwargs["pk"], queryset=tasks)

    def paginate_queryset(self, queryset):
        if self.action != "list":
            return super().paginate_queryset(queryset)
        # A page is found by ids first, then its rows are read whole, as the task list page
        # does: sorting narrow rows, not every matching task joined to its people
        # (see benchmarks/api_list.md).
        ids = super().paginate_queryset(queryset.values_list("pk", flat=True))
        rows = self.read(Task.objects.filter(pk__in=ids).with_punctuality(self.today)).in_bulk()
        return [rows[pk] for pk in ids]

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "today": self.today}

    @extend_schema(responses=TaskSerializer(many=True))
    @action(detail=False, filter_backends=[], pagination_class=SyncPagination)
    def sync(self, request):
        """Every task the caller may see, in the order of their last change, for a system
        that keeps a copy: start without `cursor`, then send back each answer's
        `next_cursor`; while `more` is true, call again at once. Changes appear here
        API_SYNC_SETTLE_SECONDS after they are saved; deleted tasks are not reported."""
        page = self.paginate_queryset(self.read(self.get_queryset()))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


class DashboardQuery(serializers.Serializer):
    due_from = serializers.DateField(required=False, help_text="Hạn từ ngày (YYYY-MM-DD)")
    due_to = serializers.DateField(required=False, help_text="Hạn đến ngày (YYYY-MM-DD)")
    plan = serializers.IntegerField(required=False)
    unit = serializers.IntegerField(required=False)


@extend_schema(parameters=[DashboardQuery], responses=DashboardSerializer)
@api_view(["GET"])
def dashboard(request):
    """The dashboard's figures (counted as the reports count them), overall and per lead unit,
    for the tasks due in a period."""
    query = DashboardQuery(data=request.query_params)
    query.is_valid(raise_exception=True)
    params = query.validated_data
    today = local_today()
    tasks = dashboards.task_base(request.user)
    if "due_from" in params:
        tasks = tasks.filter(due_date__gte=params["due_from"])
    if "due_to" in params:
        tasks = tasks.filter(due_date__lte=params["due_to"])
    if "plan" in params:
        tasks = tasks.filter(plan_id=params["plan"])
    if "unit" in params:
        tasks = tasks.filter(lead_unit_id__in=Unit.objects.descendant_ids({params["unit"]}))
    rows = dashboards.unit_rows(tasks, today=today, sort="ten")
    data = {
        "today": today,
        "due_from": params.get("due_from"),
        "due_to": params.get("due_to"),
        "on_time_target": settings.ON_TIME_TARGET_PERCENT,
        "figures": dashboards.add_figures(r.figures for r in rows).as_dict(),
        "units": [{"unit": r.key, "name": r.label, "figures": r.figures.as_dict()} for r in rows],
    }
    return Response(DashboardSerializer(data).data)
