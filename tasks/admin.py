from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from accounts.models import Role
from tasks.models import (
    Alert,
    DeadlineChange,
    Notification,
    NotificationPreference,
    Occurrence,
    ProgressUpdate,
    Task,
    WarningSettings,
)


class OccurrenceInline(admin.TabularInline):
    model = Occurrence
    extra = 0
    fields = [
        "label",
        "period_start",
        "period_end",
        "due_date",
        "status",
        "percent",
        "completed_on",
    ]


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class ProgressUpdateInline(ReadOnlyInline):
    model = ProgressUpdate
    fields = ["created_at", "author", "percent", "status", "achieved", "delay_reason"]


@admin.register(Task)
class TaskAdmin(SimpleHistoryAdmin):
    list_display = [
        "__str__",
        "plan",
        "lead_unit",
        "assignee",
        "deadline_text",
        "due_date",
        "status",
    ]
    list_filter = [
        "plan",
        "status",
        "deadline_kind",
        "deadline_needs_review",
        "is_key",
        "lead_unit",
    ]
    search_fields = ["content", "product", "deadline_text", "lead_as_written"]
    autocomplete_fields = [
        "plan",
        "parent",
        "lead_unit",
        "coordinating_units",
        "assignee",
        "authority_user",
    ]
    readonly_fields = ["original_due_date", "last_update_at"]
    inlines = [OccurrenceInline, ProgressUpdateInline]
    fieldsets = [
        (
            _("Rõ việc"),
            {
                "fields": [
                    "plan",
                    "parent",
                    "fans_out",
                    "order_label",
                    "position",
                    "section",
                    "phase",
                    "content",
                ]
            },
        ),
        (
            _("Rõ trách nhiệm"),
            {
                "fields": [
                    "lead_unit",
                    "lead_as_written",
                    "coordinating_units",
                    "coordinating_as_written",
                ]
            },
        ),
        (
            _("Rõ người, rõ thẩm quyền"),
            {"fields": ["assignee", "authority_user", "authority_body"]},
        ),
        (_("Rõ kết quả"), {"fields": ["product"]}),
        (
            _("Rõ thời gian"),
            {
                "fields": [
                    "deadline_text",
                    "deadline_kind",
                    "due_date",
                    "original_due_date",
                    "start_date",
                    "recurrence",
                    "condition",
                    "milestones",
                    "deadline_needs_review",
                    "deadline_review_reason",
                ]
            },
        ),
        (_("Tiến độ"), {"fields": ["status", "percent", "completed_on", "last_update_at"]}),
        (_("Khác"), {"fields": ["is_key", "is_breakthrough", "notes"]}),
    ]


@admin.register(ProgressUpdate)
class ProgressUpdateAdmin(admin.ModelAdmin):
    """Updates are evidence: they can be read here, never changed or deleted."""

    list_display = ["task", "author", "created_at", "percent", "status"]
    list_filter = ["status"]
    search_fields = ["task__content", "achieved", "delay_reason"]

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(DeadlineChange)
class DeadlineChangeAdmin(admin.ModelAdmin):
    list_display = ["task", "old_due_date", "new_due_date", "state", "requested_by", "decided_by"]
    list_filter = ["state"]
    raw_id_fields = ["task", "occurrence"]


@admin.register(WarningSettings)
class WarningSettingsAdmin(admin.ModelAdmin):
    """One row: the thresholds of the early-warning rules."""

    fieldsets = [
        (_("Sắp đến hạn"), {"fields": ["due_soon_days", "working_days", "report_lead_days"]}),
        (
            _("Có nguy cơ chậm tiến độ"),
            {"fields": ["at_risk_elapsed_percent", "at_risk_gap_points"]},
        ),
        (_("Quá hạn"), {"fields": ["overdue_repeat_days", "overdue_steps"]}),
        (_("Lâu chưa cập nhật"), {"fields": ["no_update_days"]}),
    ]

    def has_add_permission(self, request):
        return not WarningSettings.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False


class NotificationInline(ReadOnlyInline):
    model = Notification
    fields = ["recipient", "channel", "state", "attempts", "last_error", "sent_at", "read_at"]


@admin.register(Alert)
class AlertAdmin(admin.ModelAdmin):
    list_display = [
        "task",
        "occurrence",
        "rule",
        "threshold",
        "reference_date",
        "state",
        "created_at",
    ]
    list_filter = ["rule", "state"]
    search_fields = ["task__content"]
    raw_id_fields = ["task", "occurrence", "acknowledged_by"]
    readonly_fields = ["batch", "created_at"]
    inlines = [NotificationInline]


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["alert", "recipient", "channel", "state", "attempts", "sent_at", "read_at"]
    list_filter = ["channel", "state"]
    raw_id_fields = ["alert", "recipient"]


@admin.register(NotificationPreference)
class NotificationPreferenceAdmin(admin.ModelAdmin):
    """Where someone's warnings go is theirs to say (their own page), or Văn phòng's and the
    administrator's: another member of staff with admin access may only look."""

    list_display = ["user", "email", "digest", "webhook_url"]
    raw_id_fields = ["user"]

    @staticmethod
    def manages_others(user) -> bool:
        return user.is_superuser or user.role in (Role.OFFICE, Role.ADMIN)

    def has_add_permission(self, request):
        return self.manages_others(request.user) and super().has_add_permission(request)

    def has_change_permission(self, request, obj=None):
        mine = obj is not None and obj.user_id == request.user.pk
        allowed = mine or self.manages_others(request.user)
        return allowed and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self.manages_others(request.user) and super().has_delete_permission(request, obj)
