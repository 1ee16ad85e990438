"""The units' tab of the evaluation pages: the list of a period, a unit's sheet, the leader's
confirmation and the downloads (`evaluation.units`)."""

from __future__ import annotations

from functools import partial

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from evaluation import services, units
from evaluation.models import UnitEvaluation
from evaluation.permissions import (
    can_evaluate_unit,
    evaluated_units,
    get_unit_for,
    may_see_units,
    visible_units,
)
from evaluation.scoring import Level
from evaluation.sheet import build_unit_sheet, render_pdf, render_unit_xlsx
from evaluation.views import (
    XLSX,
    ConfirmForm,
    confirm_from_form,
    download,
    period_from,
    sheet_url,
)
from plans.text import fold
from tasks.punctuality import local_today


def _unit_url(unit_pk: int, code: str) -> str:
    return reverse("evaluation:unit", args=[unit_pk]) + f"?period={code}"


@login_required
def unit_list(request):
    period = period_from(request)
    if not may_see_units(request.user):
        return redirect(sheet_url(request.user.pk, period.code))
    mine = list(evaluated_units(request.user).values_list("pk", flat=True))
    everyone = request.user.sees_everything and (request.GET.get("scope") == "all" or not mine)
    listed = visible_units(request.user) if everyone or not mine else evaluated_units(request.user)
    listed = list(listed.order_by("order", "name"))
    computed = units.compute_units(units=listed, period=period)
    saved = {
        e.unit_id: e
        for e in UnitEvaluation.objects.filter(period_code=period.code, unit__in=listed)
    }
    rows = []
    for unit in listed:
        c, evaluation = computed[unit.pk], saved.get(unit.pk)
        confirmed = evaluation is not None and evaluation.is_confirmed
        proposed = evaluation.proposed_level if confirmed else (c.proposed or "")
        rows.append(
            {
                "unit": unit,
                "computed": c,
                "confirmed": confirmed,
                "total": evaluation.total_points if confirmed else c.total,
                "proposed": Level(proposed).label if proposed else "",
                "level": Level(evaluation.confirmed_level).label if confirmed else "",
                "may_evaluate": unit.pk in mine,
            }
        )
    return render(
        request,
        "evaluation/unit_list.html",
        {
            "period": period,
            "rows": rows,
            "choices": services.period_choices(local_today()),
            "everyone": everyone,
            "may_widen": request.user.sees_everything and bool(mine),
            "tab": "units",
            "may_see_units": True,
        },
    )


def _unit_sheet_data(unit, period):
    evaluation = (
        UnitEvaluation.objects.filter(unit=unit, period_code=period.code)
        .select_related("confirmed_by")
        .first()
    )
    if evaluation is None or not evaluation.is_confirmed:
        # Before it is confirmed the sheet shows the record as it is now (nothing is saved).
        computed = units.compute_units(units=[unit], period=period)[unit.pk]
        evaluation = evaluation or UnitEvaluation(unit=unit, period_code=period.code)
        units.refresh_unit(evaluation, computed, now=timezone.now())
    data = build_unit_sheet(
        unit=unit, period=period, snapshot=evaluation.breakdown, evaluation=evaluation
    )
    return data, evaluation


@login_required
def unit_sheet(request, pk):
    unit = get_unit_for(request.user, pk)
    period = period_from(request)
    data, evaluation = _unit_sheet_data(unit, period)
    return render(
        request,
        "evaluation/unit_sheet.html",
        {
            "unit": unit,
            "period": period,
            "s": data,
            "evaluation": evaluation,
            "may_evaluate": can_evaluate_unit(request.user, unit) and not evaluation.is_confirmed,
            "confirm_form": ConfirmForm(initial={"level": data.proposed_level}),
            "choices": services.period_choices(local_today()),
        },
    )


@login_required
@require_POST
def unit_confirm(request, pk):
    unit = get_unit_for(request.user, pk)
    if not can_evaluate_unit(request.user, unit):
        raise Http404
    period = period_from(request, request.POST)
    confirm_from_form(
        request,
        partial(units.confirm_unit_level, unit=unit, period=period, by=request.user),
        done=_("Đã xác nhận mức xếp loại của đơn vị."),
    )
    return redirect(_unit_url(unit.pk, period.code))


def _filename(unit, period, extension: str) -> str:
    name = fold(unit.short_name or unit.name).replace(" ", "-")[:60]
    return f"danh-gia-don-vi-{name}-{period.code}.{extension}"


@login_required
def unit_sheet_pdf(request, pk):
    unit = get_unit_for(request.user, pk)
    period = period_from(request)
    data, _evaluation = _unit_sheet_data(unit, period)
    content = render_pdf(data, "evaluation/unit_sheet_pdf.html")
    return download(content, "application/pdf", _filename(unit, period, "pdf"))


@login_required
def unit_sheet_xlsx(request, pk):
    unit = get_unit_for(request.user, pk)
    period = period_from(request)
    data, _evaluation = _unit_sheet_data(unit, period)
    return download(render_unit_xlsx(data), XLSX, _filename(unit, period, "xlsx"))
