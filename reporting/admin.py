from __future__ import annotations

from django.contrib import admin

from reporting.models import Report, RequiredReport


@admin.register(Report)
class ReportAdmin(admin.ModelAdmin):
    list_display = ["title", "kind", "period_start", "period_end", "scope_kind", "state", "version"]
    list_filter = ["kind", "state", "scope_kind"]
    search_fields = ["title", "number"]
    readonly_fields = [
        "period_key",
        "scope_key",
        "scope_other_bodies",
        "state",
        "progress",
        "queued_at",
        "started_at",
        "heartbeat_at",
        "version",
        "data_as_of",
        "pdf",
        "xlsx",
        "generated_at",
        "issued_by",
        "issued_on",
        "created_by",
    ]

    def has_change_permission(self, request, obj=None):
        # Issued reports are evidence: read-only here too.
        return super().has_change_permission(request, obj) and not (obj and obj.is_issued)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and not (obj and obj.is_issued)


@admin.register(RequiredReport)
class RequiredReportAdmin(admin.ModelAdmin):
    """Which periodic reports each plan requires, and in which years (Văn phòng edits)."""

    list_display = ["plan", "kind", "due_day", "due_month", "first_year", "last_year", "note"]
    list_filter = ["kind", "plan"]
    autocomplete_fields = ["plan"]
