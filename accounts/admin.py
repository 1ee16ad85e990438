from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from accounts.models import User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ["username", "full_name", "title", "role", "unit", "is_active"]
    list_filter = ["role", "unit", "is_active"]
    search_fields = ["username", "full_name", "email", "title"]
    autocomplete_fields = ["unit"]
    filter_horizontal = ["units_in_charge", "groups", "user_permissions"]
    fieldsets = [
        (None, {"fields": ["username", "password"]}),
        (
            _("Thông tin cán bộ"),
            {"fields": ["full_name", "email", "unit", "title", "role", "units_in_charge"]},
        ),
        (
            _("Quyền"),
            {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]},
        ),
        (_("Thời điểm"), {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (None, {"fields": ["username", "password1", "password2"]}),
        (_("Thông tin cán bộ"), {"fields": ["full_name", "email", "unit", "title", "role"]}),
    ]
