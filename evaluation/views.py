from __future__ import annotations

from functools import partial

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from evaluation import services
from evaluation.models import Evaluation, TaskJudgement
from evaluation.permissions import (
    can_evaluate,
    evaluatees,
    get_person_for,
    may_see_units,
    visible_people,
)
from evaluation.scoring import Level, excellent_cap
from evaluation.sheet import build_sheet, render_pdf, render_xlsx
from reporting.periods import PeriodError
from tasks.models import Occurrence, Task
from tasks.punctuality import local_today


class GeneralForm(forms.Form):
    points = forms.DecimalField(
        label=gettext_lazy("Điểm tiêu chí chung"), min_value=0, max_value=100, decimal_places=2
    )
    note = forms.CharField(
        label=gettext_lazy("Nhận xét"), required=False, max_length=2000, widget=forms.Textarea
    )


class ConfirmForm(forms.Form):
    level = forms.ChoiceField(label=gettext_lazy("Mức xếp loại"), choices=Level.choices)
    reason = forms.CharField(
        label=gettext_lazy("Lý do (khi khác mức đề xuất)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class FactorForm(forms.Form):
    factor = forms.DecimalField(
        label=gettext_lazy("Hệ số quy đổi"), min_value=0.1, max_value=10, decimal_places=2
    )


class JudgeForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("Nhận xét"), choices=TaskJudgement.Kind.choices)
    note = forms.CharField(label=gettext_lazy("Nội dung"), max_length=2000)
    occurrence = forms.IntegerField(required=False, widget=forms.HiddenInput)


def period_from(request, source=None):
    code = (source or request.GET).get("period") or services.last_quarter(local_today())
    try:
        return services.evaluation_period(code)
    except PeriodError as error:
        raise Http404(str(error)) from error


def sheet_url(person_pk: int, code: str) -> str:
    return reverse("evaluation:sheet", args=[person_pk]) + f"?period={code}"


@login_required
def evaluation_list(request):
    period = period_from(request)
    mine = set(evaluatees(request.user).values_list("pk", flat=True))
    # Those who evaluate see their people first; leadership and Văn phòng may widen to everyone.
    everyone = request.user.sees_everything and (request.GET.get("scope") == "all" or not mine)
    if not mine and not everyone:
        return redirect(sheet_url(request.user.pk, period.code))
    people = visible_people(request.user) if everyone else evaluatees(request.user)
    people = list(
        people.select_related("unit").order_by("unit__order", "unit__name", "role", "full_name")
    )
    computed = services.compute(people=people, period=period)
    saved = {
        e.person_id: e
        for e in Evaluation.objects.filter(period_code=period.code, person__in=people)
    }
    rows, levels = [], []
    for person in people:
        c, evaluation = computed[person.pk], saved.get(person.pk)
        confirmed = evaluation is not None and evaluation.state == Evaluation.State.CONFIRMED
        general = evaluation.general_points if evaluation else None
        results = evaluation.results_points if confirmed else c.results_points
        proposed = evaluation.proposed_level if confirmed else c.proposed(general)
        level = evaluation.confirmed_level if confirmed else (proposed or "")
        total = None if general is None or results is None else results + general
        group = _("Lãnh đạo đơn vị") if c.unit is not None else _("Công chức, viên chức")
        levels.append((group, level or None))
        rows.append(
            {
                "person": person,
                "computed": c,
                "evaluation": evaluation,
                "confirmed": confirmed,
                "results": results,
                "general": general,
                "total": total,
                "proposed": Level(proposed).label if proposed else "",
                "level": Level(level).label if level else "",
                "may_evaluate": person.pk in mine,
            }
        )
    rules = services.Scheme.default().rules()
    return render(
        request,
        "evaluation/list.html",
        {
            "period": period,
            "rows": rows,
            "caps": [c for c in excellent_cap(levels=levels, rules=rules) if c.exceeded],
            "cap_percent": rules.excellent_cap,
            "choices": services.period_choices(local_today()),
            "everyone": everyone,
            "may_widen": request.user.sees_everything and bool(mine),
            "tab": "people",
            "may_see_units": may_see_units(request.user),
        },
    )


def _sheet_data(person, period):
    computed = services.compute(people=[person], period=period)[person.pk]
    evaluation = Evaluation.objects.filter(person=person, period_code=period.code).select_related(
        "evaluated_by", "confirmed_by"
    ).first()  # fmt: skip
    if evaluation is not None and evaluation.state == Evaluation.State.CONFIRMED:
        snapshot = evaluation.breakdown
    else:
        snapshot = computed.snapshot()
        if evaluation is not None:  # a draft shows the record as it is now
            services.refresh(evaluation, computed, now=timezone.now())
    return build_sheet(person=person, period=period, snapshot=snapshot, evaluation=evaluation), (
        evaluation
    )


@login_required
def sheet(request, pk):
    person = get_person_for(request.user, pk)
    period = period_from(request)
    data, evaluation = _sheet_data(person, period)
    may_evaluate = can_evaluate(request.user, person)
    confirmed = evaluation is not None and evaluation.state == Evaluation.State.CONFIRMED
    return render(
        request,
        "evaluation/sheet.html",
        {
            "person": person,
            "period": period,
            "s": data,
            "evaluation": evaluation,
            "may_evaluate": may_evaluate and not confirmed,
            "general_form": GeneralForm(
                initial={"points": data.general_points, "note": data.general_note}
            ),
            "confirm_form": ConfirmForm(initial={"level": data.proposed_level}),
            "judge_kinds": TaskJudgement.Kind.choices,
            "choices": services.period_choices(local_today()),
        },
    )


def _evaluator_post(request, pk):
    person = get_person_for(request.user, pk)
    if not can_evaluate(request.user, person):
        raise Http404
    return person, period_from(request, request.POST)


def report_errors(request, error: ValidationError) -> None:
    for message in error.messages:
        messages.error(request, message)


@login_required
@require_POST
def save_general(request, pk):
    person, period = _evaluator_post(request, pk)
    form = GeneralForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for message in errors:
                messages.error(request, message)
    else:
        try:
            services.save_general_points(
                person=person, period=period, by=request.user,
                points=form.cleaned_data["points"], note=form.cleaned_data["note"],
            )  # fmt: skip
            messages.success(request, _("Đã lưu điểm tiêu chí chung."))
        except ValidationError as error:
            report_errors(request, error)
    return redirect(sheet_url(person.pk, period.code))


def confirm_from_form(request, confirm, *, done: str) -> None:
    """Validate the level form and call `confirm(level=…, reason=…)`; say how it went."""
    form = ConfirmForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Chọn một mức xếp loại."))
        return
    try:
        confirm(level=form.cleaned_data["level"], reason=form.cleaned_data["reason"])
        messages.success(request, done)
    except ValidationError as error:
        report_errors(request, error)


@login_required
@require_POST
def confirm(request, pk):
    person, period = _evaluator_post(request, pk)
    confirm_from_form(
        request,
        partial(services.confirm_level, person=person, period=period, by=request.user),
        done=_("Đã xác nhận mức xếp loại."),
    )
    return redirect(sheet_url(person.pk, period.code))


def _task_to_judge(request, task_pk):
    task = get_object_or_404(Task.objects.select_related("assignee"), pk=task_pk)
    if not services.can_judge(request.user, task):
        raise Http404
    return task, period_from(request, request.POST)


@login_required
@require_POST
def set_factor(request, task_pk):
    task, period = _task_to_judge(request, task_pk)
    form = FactorForm(request.POST)
    if form.is_valid():
        services.set_factor(task=task, factor=form.cleaned_data["factor"], by=request.user)
        messages.success(request, _("Đã đặt hệ số quy đổi."))
    else:
        messages.error(request, _("Hệ số quy đổi phải từ 0,1 đến 10."))
    return redirect(sheet_url(task.assignee_id, period.code))


@login_required
@require_POST
def judge(request, task_pk):
    task, period = _task_to_judge(request, task_pk)
    form = JudgeForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Xin chọn loại nhận xét và ghi nội dung."))
        return redirect(sheet_url(task.assignee_id, period.code))
    occurrence = None
    if form.cleaned_data["occurrence"]:
        occurrence = get_object_or_404(Occurrence, pk=form.cleaned_data["occurrence"], task=task)
    try:
        services.judge(
            task=task, occurrence=occurrence, kind=form.cleaned_data["kind"],
            note=form.cleaned_data["note"], by=request.user,
        )  # fmt: skip
        messages.success(request, _("Đã ghi nhận."))
    except ValidationError as error:
        report_errors(request, error)
    return redirect(sheet_url(task.assignee_id, period.code))


def _filename(person, period, extension: str) -> str:
    return f"phieu-danh-gia-{person.username}-{period.code}.{extension}"


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def download(content: bytes, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
def sheet_pdf(request, pk):
    person = get_person_for(request.user, pk)
    period = period_from(request)
    data, _evaluation = _sheet_data(person, period)
    return download(render_pdf(data), "application/pdf", _filename(person, period, "pdf"))


@login_required
def sheet_xlsx(request, pk):
    person = get_person_for(request.user, pk)
    period = period_from(request)
    data, _evaluation = _sheet_data(person, period)
    return download(render_xlsx(data), XLSX, _filename(person, period, "xlsx"))
