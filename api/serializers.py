from __future__ import annotations

from rest_framework import serializers

from plans.models import Phase, Plan, Unit
from tasks.completeness import Ro
from tasks.models import Task
from tasks.punctuality import Punctuality, days_late


class UnitSerializer(serializers.ModelSerializer):
    class Meta:
        model = Unit
        fields = ["id", "name", "short_name", "kind", "parent"]


class PhaseSerializer(serializers.ModelSerializer):
    class Meta:
        model = Phase
        fields = ["id", "order", "name", "start", "end"]


class PlanSerializer(serializers.ModelSerializer):
    phases = PhaseSerializer(many=True, read_only=True)

    class Meta:
        model = Plan
        fields = [
            "id",
            "number",
            "kind",
            "short_name",
            "title",
            "issuing_body",
            "issued_on",
            "signer_name",
            "parent",
            "phases",
        ]


class PersonSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField(source="__str__")
    title = serializers.CharField()


class SixRoSerializer(serializers.Serializer):
    """The six points of a task, each as recorded; `missing` names those still unclear."""

    nguoi = PersonSerializer(source="assignee", allow_null=True, help_text="Rõ người")
    viec = serializers.CharField(source="content", help_text="Rõ việc")
    thoi_gian = serializers.SerializerMethodField(help_text="Rõ thời gian")
    trach_nhiem = serializers.SerializerMethodField(help_text="Rõ trách nhiệm")
    tham_quyen = serializers.CharField(source="authority_display", help_text="Rõ thẩm quyền")
    ket_qua = serializers.CharField(source="product", help_text="Rõ kết quả")
    missing = serializers.SerializerMethodField()

    def get_thoi_gian(self, task: Task) -> dict:
        return {
            "as_written": task.deadline_text,
            "kind": task.deadline_kind,
            "due_date": task.due_date,
            "original_due_date": task.original_due_date,
        }

    def get_trach_nhiem(self, task: Task) -> dict:
        return {
            "lead_unit": task.lead_unit_id,
            "lead_as_written": task.lead_as_written,
            "coordinating_units": [u.pk for u in task.coordinating_units.all()],
        }

    def get_missing(self, task: Task) -> list[str]:
        return [Ro(ro).value for ro in task.missing_ro]


class TaskSerializer(serializers.ModelSerializer):
    six_ro = SixRoSerializer(source="*")
    punctuality = serializers.ChoiceField(choices=Punctuality.choices)
    days_late = serializers.SerializerMethodField()

    class Meta:
        model = Task
        fields = [
            "id",
            "plan",
            "phase",
            "parent",
            "order_label",
            "section",
            "six_ro",
            "status",
            "percent",
            "completed_on",
            "last_update_at",
            "punctuality",
            "days_late",
        ]

    def get_days_late(self, task: Task) -> int:
        today = self.context["today"]
        return days_late(due_date=task.due_date, completed_on=task.completed_on, today=today)


class FiguresSerializer(serializers.Serializer):
    total = serializers.IntegerField()
    not_started = serializers.IntegerField()
    on_track = serializers.IntegerField()
    due_soon = serializers.IntegerField()
    overdue = serializers.IntegerField()
    done_early = serializers.IntegerField()
    done_on_time = serializers.IntegerField()
    done_late = serializers.IntegerField()
    paused = serializers.IntegerField()
    cancelled = serializers.IntegerField()
    done = serializers.IntegerField()
    in_progress = serializers.IntegerField()
    on_time = serializers.IntegerField()
    on_time_rate = serializers.FloatField(allow_null=True)


class UnitFiguresSerializer(serializers.Serializer):
    unit = serializers.IntegerField(allow_null=True)
    name = serializers.CharField()
    figures = FiguresSerializer()


class DashboardSerializer(serializers.Serializer):
    today = serializers.DateField()
    due_from = serializers.DateField(allow_null=True)
    due_to = serializers.DateField(allow_null=True)
    on_time_target = serializers.IntegerField()
    figures = FiguresSerializer()
    units = UnitFiguresSerializer(many=True)
