"""The page where a unit head makes the unit's own plan from the department's tasks
(tasks.unit_plans)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Role
from plans.models import Plan, Unit
from tasks import unit_plans
from tasks.permissions import own_unit_ids


class UnitPlanForm(forms.Form):
    tasks = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Nhiệm vụ"),
        queryset=None,
        error_messages={"required": gettext_lazy("Chưa chọn nhiệm vụ nào.")},
    )

    def __init__(self, *args, offered, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["tasks"].queryset = offered


def _unit_for(request, pk: int) -> Unit:
    """404 for a unit the person does not belong to (as its page), 403 to those of it who do not
    head it."""
    user = request.user
    unit = get_object_or_404(Unit, pk=pk)
    member = unit.pk in own_unit_ids(user)
    if not (member or user.sees_everything):
        raise Http404
    if not (user.is_superuser or (member and user.role in (Role.UNIT_HEAD, Role.OFFICE))):
        raise PermissionDenied
    return unit


@login_required
def unit_plan(request, pk: int):
    """ "Lập kế hoạch của đơn vị": tick the department's tasks the unit leads, one click."""
    unit = _unit_for(request, pk)
    offered = unit_plans.offered_tasks(unit)
    periodic = unit_plans.periodic_tasks(unit)
    # A periodic task ticked (an old page, a crafted post) reaches plan_for_unit, which says why
    # it stays out, rather than the form's bare "not one of the choices".
    form = UnitPlanForm(request.POST or None, offered=unit_plans.open_department_tasks(unit))
    if request.method == "POST" and form.is_valid():
        try:
            result = unit_plans.plan_for_unit(
                unit=unit, by=request.user, tasks=list(form.cleaned_data["tasks"])
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                _("Kế hoạch của đơn vị: thêm %(new)s nhiệm vụ, %(old)s nhiệm vụ đã có sẵn.")
                % {"new": result.created, "old": result.already},
            )
            if len(result.plans) == 1:
                return redirect(f"{reverse('tasks:list')}?plan={result.plans[0].pk}")
            return redirect("tasks:unit_plan", pk=unit.pk)
    context = {
        "unit": unit,
        "form": form,
        "offered": list(offered[: unit_plans.OFFERED_LIMIT]),
        "periodic": list(periodic[: unit_plans.OFFERED_LIMIT]),
        "periodic_reason": unit_plans.PERIODIC_REASON,
        "chosen": {str(pk) for pk in form["tasks"].value() or ()},
        "plans": Plan.objects.filter(issuing_unit=unit, parent__isnull=False).select_related(
            "parent"
        ),
    }
    return render(request, "tasks/unit_plan.html", context)
