"""Read-only JSON for other government systems: the same data and permissions as the pages."""

from __future__ import annotations

from django.conf import settings
from django.db.models import Prefetch
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, viewsets
from rest_framework.decorators import api_view
from rest_framework.response import Response

from api.serializers import DashboardSerializer, PlanSerializer, TaskSerializer, UnitSerializer
from plans.models import Phase, Plan, Unit
from tasks import dashboards
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


@extend_schema(
    parameters=[
        OpenApiParameter("plan", OpenApiTypes.INT, description="Chỉ nhiệm vụ của kế hoạch này"),
        OpenApiParameter("unit", OpenApiTypes.INT, description="Đơn vị chủ trì (kể cả cấp dưới)"),
    ]
)
class TaskViewSet(viewsets.ReadOnlyModelViewSet):
    """Tasks the caller may see, with their six "rõ" and punctuality today."""

    serializer_class = TaskSerializer

    def get_queryset(self):
        today = local_today()
        tasks = (
            dashboards.task_base(self.request.user)
            .with_punctuality(today)
            .select_related("assignee", "authority_user")
            .prefetch_related("coordinating_units")
            .order_by("plan_id", "position", "pk")
        )
        plan = self.request.query_params.get("plan")
        if plan and plan.isdigit():
            tasks = tasks.filter(plan_id=plan)
        unit = self.request.query_params.get("unit")
        if unit and unit.isdigit():
            tasks = tasks.filter(lead_unit_id__in=Unit.objects.descendant_ids({int(unit)}))
        return tasks

    def get_object(self):
        return get_task_for_user(self.request.user, self.kwargs["pk"], queryset=self.get_queryset())

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "today": local_today()}


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
