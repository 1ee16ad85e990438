from django.contrib import admin

from plans.models import Phase, Plan, PlanBasis, Target, TargetResult, Unit


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ["name", "short_name", "kind", "parent", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["name", "short_name"]
    autocomplete_fields = ["parent"]


class PlanBasisInline(admin.TabularInline):
    model = PlanBasis
    fk_name = "plan"
    extra = 0
    autocomplete_fields = ["referenced_plan"]


class PhaseInline(admin.TabularInline):
    model = Phase
    extra = 0
    fields = ["order", "name", "start", "end", "end_as_written"]


class TargetInline(admin.TabularInline):
    model = Target
    extra = 0
    fields = [
        "order",
        "name",
        "comparator",
        "target_value",
        "unit_of_measure",
        "baseline",
        "responsible_unit",
    ]
    autocomplete_fields = ["responsible_unit"]


@admin.register(Plan)
class PlanAdmin(admin.ModelAdmin):
    list_display = ["label", "issuing_body", "issued_on", "parent"]
    list_filter = ["kind", "issuing_body"]
    search_fields = ["number", "title"]
    autocomplete_fields = ["parent", "issuing_unit"]
    inlines = [PlanBasisInline, PhaseInline, TargetInline]


@admin.register(TargetResult)
class TargetResultAdmin(admin.ModelAdmin):
    list_display = ["target", "unit", "period_end", "value", "recorded_by"]
    list_filter = ["target__plan", "unit"]
    autocomplete_fields = ["unit"]
