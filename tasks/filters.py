from __future__ import annotations

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from plans.models import Plan, Unit
from plans.text import fold
from tasks.completeness import MISSING, Ro
from tasks.models import Task
from tasks.punctuality import Punctuality, Status


class TaskFilter(django_filters.FilterSet):
    """Filters of the task list. Expects a queryset annotated `with_punctuality`."""

    q = django_filters.CharFilter(label=_("Tìm trong nội dung"), method="filter_text")
    plan = django_filters.ModelChoiceFilter(label=_("Kế hoạch"), queryset=Plan.objects.all())
    unit = django_filters.ModelChoiceFilter(
        label=_("Đơn vị chủ trì"),
        queryset=Unit.objects.filter(is_active=True),
        method="filter_unit",
    )
    status = django_filters.ChoiceFilter(label=_("Trạng thái"), choices=Status.choices)
    punctuality = django_filters.ChoiceFilter(
        label=_("Tiến độ so với hạn"), choices=Punctuality.choices
    )
    missing = django_filters.ChoiceFilter(
        label=_("Còn thiếu"),
        choices=[("any", _("Chưa đủ 6 rõ")), *Ro.choices],
        method="filter_missing",
    )

    class Meta:
        model = Task
        fields = ["q", "plan", "unit", "status", "punctuality", "missing"]

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, request=request, **kwargs)
        user = request.user if request else None
        if user is not None and not user.sees_everything:
            # Offer only the units whose tasks this user may see.
            ids = Unit.objects.descendant_ids({user.unit_id}) if user.unit_id else set()
            self.filters["unit"].queryset = Unit.objects.filter(pk__in=ids)

    def filter_text(self, queryset, name, value):
        # Content is stored as written (NFC). Vietnamese users often type without accents,
        # so both the accented words and every folded word must appear.
        words = value.split()
        for word in words:
            queryset = queryset.filter(
                Q(content__icontains=word) | Q(search_key__contains=fold(word))
            )
        return queryset

    def filter_unit(self, queryset, name, unit):
        return queryset.filter(lead_unit_id__in=Unit.objects.descendant_ids({unit.pk}))

    def filter_missing(self, queryset, name, value):
        if value == "any":
            return queryset.filter(ro_incomplete=True)
        return queryset.filter(MISSING[Ro(value)])
