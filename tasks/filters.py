from __future__ import annotations

import django_filters
from django import forms
from django.db.models import F, Q, Value
from django.db.models.functions import Coalesce, NullIf
from django.utils.translation import gettext_lazy as _

from plans.models import Plan, Unit
from plans.text import fold
from tasks.completeness import MISSING, Ro
from tasks.models import Task
from tasks.punctuality import Punctuality, Status

# The sorts the list's column headers offer: URL value → ORDER BY. Every sort ends on the
# primary key, so pages never overlap or skip a row between two clicks. "-" reverses.
_UNIT_NAME = Coalesce(NullIf(F("lead_unit__short_name"), Value("")), F("lead_unit__name"))
SORTS = {
    "han": (F("due_date").asc(nulls_last=True), "pk"),
    "-han": (F("due_date").desc(nulls_last=True), "-pk"),
    "don_vi": (_UNIT_NAME.asc(nulls_last=True), "pk"),
    "-don_vi": (_UNIT_NAME.desc(nulls_last=True), "-pk"),
    "tien_do": (F("percent").asc(), "pk"),
    "-tien_do": (F("percent").desc(), "-pk"),
    # Never updated is the stalest of all: first when the oldest come first.
    "cap_nhat": (F("last_update_at").asc(nulls_first=True), "pk"),
    "-cap_nhat": (F("last_update_at").desc(nulls_last=True), "-pk"),
}
# (URL value, label) of the sortable columns, in the order of the table.
SORTABLE = [
    ("don_vi", _("Đơn vị chủ trì")),
    ("han", _("Hạn")),
    ("tien_do", _("Tình trạng, tiến độ")),
    ("cap_nhat", _("Cập nhật gần nhất")),
]
# Open tasks that are neither late nor due soon: "Đang thực hiện, chưa đến hạn" on the dashboard.
NOT_DUE_YET = "chua_den_han"


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
        label=_("Tiến độ so với hạn"),
        choices=[
            *Punctuality.choices,
            (NOT_DUE_YET, _("Đang thực hiện hoặc chưa thực hiện, chưa đến hạn")),
        ],
        method="filter_punctuality",
    )
    missing = django_filters.ChoiceFilter(
        label=_("Còn thiếu"),
        choices=[("any", _("Chưa đủ 6 rõ")), *Ro.choices],
        method="filter_missing",
    )
    sort = django_filters.ChoiceFilter(
        choices=[(key, key) for key in SORTS], method="filter_sort", widget=forms.HiddenInput
    )

    class Meta:
        model = Task
        fields = ["q", "plan", "unit", "status", "punctuality", "missing", "sort"]

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

    def filter_punctuality(self, queryset, name, value):
        if value == NOT_DUE_YET:
            return queryset.filter(punctuality__in=[Punctuality.NOT_STARTED, Punctuality.ON_TRACK])
        return queryset.filter(punctuality=value)

    def filter_sort(self, queryset, name, value):
        return queryset.order_by(*SORTS[value])

    def filter_missing(self, queryset, name, value):
        if value == "any":
            return queryset.filter(ro_incomplete=True)
        return queryset.filter(MISSING[Ro(value)])
