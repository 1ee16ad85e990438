"""The task list's filters, as the page has them, for the API."""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _

from tasks.filters import SORT_CHOICES, SORT_REFUSED, TaskFilter


class ApiTaskFilter(TaskFilter):
    """The page's TaskFilter, parameter for parameter (a page's query string works here too),
    plus `ordering`: the usual API name for the page's `sort`."""

    ordering = django_filters.ChoiceFilter(
        label=_("Sắp xếp (như tham số sort của trang danh sách; dấu - là giảm dần)"),
        choices=SORT_CHOICES,
        method="filter_sort",
        error_messages={"invalid_choice": SORT_REFUSED},
    )

    class Meta(TaskFilter.Meta):
        fields = [*TaskFilter.Meta.fields, "ordering"]

    def unit_choices(self, user):
        # The page offers only the units whose tasks one may see; the API accepts every unit
        # that /api/units/ lists. The tasks are already only those the caller may see, so
        # another unit's filter finds nothing, like a unit that has no tasks.
        return self.filters["unit"].queryset
