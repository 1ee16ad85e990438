from django.contrib import admin

from evaluation.models import (
    Evaluation,
    Scheme,
    TaskFactor,
    TaskJudgement,
    UnitEvaluation,
    UnitScheme,
)


@admin.register(Scheme)
class SchemeAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "is_default", "excellent_min", "good_min", "done_min"]


@admin.register(UnitScheme)
class UnitSchemeAdmin(admin.ModelAdmin):
    list_display = ["unit", "scheme"]
    autocomplete_fields = ["unit"]


@admin.register(TaskFactor)
class TaskFactorAdmin(admin.ModelAdmin):
    list_display = ["task", "factor", "set_by", "set_at"]
    raw_id_fields = ["task"]


@admin.register(TaskJudgement)
class TaskJudgementAdmin(admin.ModelAdmin):
    list_display = ["task", "kind", "by", "at"]
    list_filter = ["kind"]
    raw_id_fields = ["task", "occurrence"]

    def has_change_permission(self, request, obj=None):
        return False  # evidence: recorded once


@admin.register(Evaluation)
class EvaluationAdmin(admin.ModelAdmin):
    list_display = ["person", "period_label", "total_points", "proposed_level", "confirmed_level",
                    "state"]  # fmt: skip
    list_filter = ["state", "period_code", "confirmed_level"]
    search_fields = ["person__full_name", "person__username"]
    readonly_fields = ["breakdown"]
    raw_id_fields = ["person"]


@admin.register(UnitEvaluation)
class UnitEvaluationAdmin(admin.ModelAdmin):
    list_display = ["unit", "period_label", "total_points", "proposed_level", "confirmed_level",
                    "state"]  # fmt: skip
    list_filter = ["state", "period_code", "confirmed_level"]
    search_fields = ["unit__name"]
    readonly_fields = ["breakdown"]

    def has_change_permission(self, request, obj=None):
        return False  # confirmed by the leader in charge on the portal, then locked
