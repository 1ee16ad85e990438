from __future__ import annotations

import django_filters
from django import forms
from django.db.models import F, Q, Value
from django.db.models.functions import Coalesce, NullIf
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from plans.dates import SaneDateField
from plans.models import Plan, Unit
from plans.text import fold
from tasks import breakdown
from tasks.completeness import INCOMPLETE, MISSING, Ro
from tasks.forms import DATE_WIDGET
from tasks.models import Task, own_unit_ids
from tasks.punctuality import Punctuality, Status, local_today, punctuality_in

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
SORT_CHOICES = [(key, key) for key in SORTS]
SORT_REFUSED = format_lazy(
    _("Không sắp xếp được theo «%(value)s»: chỉ nhận {keys}."), keys=", ".join(SORTS)
)
# The list's own order when no sort is chosen: plan by plan, as the plans are written.
PLAN_ORDER = ("plan__issued_on", "plan_id", "position", "pk")
# (URL value, label) of the sortable columns, in the order of the table.
SORTABLE = [
    ("don_vi", _("Đơn vị chủ trì")),
    ("han", _("Hạn")),
    ("tien_do", _("Tình trạng, tiến độ")),
    ("cap_nhat", _("Cập nhật gần nhất")),
]
# The list's group of the campaign's key and breakthrough tasks (nhiệm vụ trọng tâm, đột phá).
KEY_OR_BREAKTHROUGH = "trong_tam_dot_pha"
# Open tasks that are neither late nor due soon: "Đang thực hiện, chưa đến hạn" on the dashboard.
NOT_DUE_YET = "chua_den_han"
# Every task not finished: not started, in progress or paused (Redmine's "open").
NOT_FINISHED = "chua_xong"


def listed_tasks(user, *, today, plan=None):
    """What the task list (page and API) starts from: the measured tasks `user` may see, with
    their punctuality on `today`, in the plans' order; when the list is of one `plan` (its id as
    given), those counted in that plan (tasks.breakdown.counted: a unit's own plan lists its
    tasks)."""
    text = str(plan or "")
    plan_id = int(text) if text.isascii() and text.isdigit() and len(text) <= 9 else None
    tasks = breakdown.counted(Task.objects.visible_to(user), plan_id=plan_id)
    return tasks.with_punctuality(today).order_by(*PLAN_ORDER)


class SaneDateFilter(django_filters.DateFilter):
    field_class = SaneDateField


class TaskFilter(django_filters.FilterSet):
    """Filters of the task list, on the page and in the API. Expects `listed_tasks(…)` for
    the same `today`."""

    q = django_filters.CharFilter(label=_("Tìm trong nội dung"), method="filter_text")
    # Only what the choices show (and the chosen plan's notes): every page of the list reads
    # all plans and units for its filter.
    plan = django_filters.ModelChoiceFilter(
        label=_("Kế hoạch"),
        queryset=Plan.objects.only("kind", "number", "short_name", "title", "notes"),
    )
    unit = django_filters.ModelChoiceFilter(
        label=_("Đơn vị chủ trì"),
        field_name="lead_unit",  # the model field: the API schema types the id from it
        queryset=Unit.objects.filter(is_active=True).only("name", "short_name"),
        method="filter_unit",
    )
    status = django_filters.ChoiceFilter(
        label=_("Trạng thái"),
        choices=[*Status.choices, (NOT_FINISHED, _("Chưa xong (chưa, đang thực hiện, tạm dừng)"))],
        method="filter_status",
    )
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
    group = django_filters.ChoiceFilter(
        label=_("Nhóm nhiệm vụ"),
        choices=[
            (KEY_OR_BREAKTHROUGH, _("Trọng tâm hoặc đột phá")),
            ("trong_tam", _("Nhiệm vụ trọng tâm")),
            ("dot_pha", _("Nhiệm vụ đột phá")),
        ],
        method="filter_group",
    )
    due_from = SaneDateFilter(
        label=_("Hạn từ ngày"), field_name="due_date", lookup_expr="gte", widget=DATE_WIDGET
    )
    due_to = SaneDateFilter(
        label=_("Hạn đến ngày"), field_name="due_date", lookup_expr="lte", widget=DATE_WIDGET
    )
    sort = django_filters.ChoiceFilter(
        label=_("Sắp xếp"),
        choices=SORT_CHOICES,
        method="filter_sort",
        widget=forms.HiddenInput,
        error_messages={"invalid_choice": SORT_REFUSED},
    )

    class Meta:
        model = Task
        fields = [
            "q",
            "plan",
            "unit",
            "status",
            "punctuality",
            "missing",
            "group",
            "due_from",
            "due_to",
            "sort",
        ]

    def __init__(self, *args, request=None, today=None, **kwargs):
        super().__init__(*args, request=request, **kwargs)
        self.today = today or local_today()  # the day the queryset's punctuality is for
        self.filters["unit"].queryset = self.unit_choices(request.user if request else None)

    def unit_choices(self, user):
        """The units the list offers `user`: those whose tasks they may see."""
        units = self.filters["unit"].queryset
        if user is None or user.sees_everything:
            return units
        return units.filter(pk__in=own_unit_ids(user))

    def filter_text(self, queryset, name, value):
        # Content is stored as written (NFC). Vietnamese users often type without accents,
        # so both the accented words and every folded word must appear.
        words = value.split()
        for word in words:
            queryset = queryset.filter(
                Q(content__icontains=word) | Q(search_key__contains=fold(word))
            )
        return queryset

    def filter_group(self, queryset, name, value):
        # Key and breakthrough tasks: marked so when the campaign's registration is approved.
        if value == "trong_tam":
            return queryset.filter(is_key=True)
        if value == "dot_pha":
            return queryset.filter(is_breakthrough=True)
        return queryset.filter(Q(is_key=True) | Q(is_breakthrough=True))

    def filter_unit(self, queryset, name, unit):
        return queryset.filter(lead_unit_id__in=Unit.objects.descendant_ids({unit.pk}))

    def filter_status(self, queryset, name, value):
        if value == NOT_FINISHED:
            return queryset.exclude(status__in=[Status.DONE, Status.CANCELLED])
        return queryset.filter(status=value)

    def filter_punctuality(self, queryset, name, value):
        values = (
            [Punctuality.NOT_STARTED, Punctuality.ON_TRACK] if value == NOT_DUE_YET else [value]
        )
        # On the columns, not on the annotation: PostgreSQL then estimates the rows and uses
        # the (status, due date) index (see benchmarks/api_list.md).
        return queryset.filter(punctuality_in(values, today=self.today))

    def filter_sort(self, queryset, name, value):
        return queryset.order_by(*SORTS[value])

    def filter_missing(self, queryset, name, value):
        if value == "any":
            return queryset.filter(INCOMPLETE)
        return queryset.filter(MISSING[Ro(value)])
