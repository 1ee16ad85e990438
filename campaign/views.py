"""The campaign's pages (/thi-dua/): the hub, commitments, registrations, bottlenecks, targets.
Each form posts plainly (then redirects) and through htmx (then gets its partial back)."""

from __future__ import annotations

from collections import Counter

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.models import Role, User
from campaign import figures, permissions, services
from campaign.forms import (
    BottleneckForm,
    CampaignForm,
    ClearingTaskForm,
    DecisionForm,
    MoveForm,
    RegistrationForm,
    RoundForm,
    SignForm,
    TargetResultForm,
)
from campaign.models import (
    Bottleneck,
    BottleneckState,
    Campaign,
    Commitment,
    CommitmentRound,
    Registration,
    RegistrationKind,
    RegistrationState,
)
from plans.models import Target, TargetResult, Unit
from tasks import product_files
from tasks.models import Task
from tasks.permissions import own_unit_ids, units_in_charge_ids
from tasks.punctuality import Status, local_today

PARTS = "campaign/parts.html"


def _campaign(request, pk=None) -> Campaign | None:
    campaigns = Campaign.objects.select_related("plan", "late_task_target")
    if pk is not None:
        return get_object_or_404(campaigns, pk=pk)
    chosen = request.GET.get("phong_trao", "")
    if chosen.isdigit():
        return get_object_or_404(campaigns, pk=int(chosen))
    return campaigns.first()


def _is_office(user) -> bool:
    return user.is_superuser or user.role == Role.OFFICE


def _errors(error: ValidationError, form) -> None:
    """Put a service's refusal on the form, by field where it names one."""
    if hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)


# --- the hub ----------------------------------------------------------------------------------


@login_required
def hub(request):
    campaign = _campaign(request)
    user = request.user
    if campaign is None:
        form = CampaignForm() if _is_office(user) else None
        return render(request, "campaign/hub.html", {"campaign": None, "form": form})
    today = local_today()
    current = campaign.rounds.first()
    status = figures.round_status(current) if current else None
    scope = permissions.unit_scope(user)
    registrations = (
        campaign.registrations.filter(scope)
        .select_related("unit", "task", "task__assignee")
        .order_by("kind", "unit__order", "unit__name", "pk")
    )
    registrations = list(figures.annotate_tracking(registrations))
    groups = [
        (label, [r for r in registrations if r.kind == kind])
        for kind, label in RegistrationKind.choices
    ]
    bottlenecks = list(
        figures.with_movement(permissions.bottlenecks_for(user, campaign)).select_related("unit")
    )
    states = Counter(b.state for b in bottlenecks)
    stalled = [b for b in bottlenecks if figures.stall_days(b, today=today) is not None]
    targets = campaign.plan.targets.prefetch_related("results").select_related("plan")
    trends = [
        figures.target_trend(t, campaign=campaign, results=t.results.all(), today=today)
        for t in targets
    ]
    context = {
        "campaign": campaign,
        "campaigns": Campaign.objects.select_related("plan"),
        "round": current,
        "status": status,
        "todo": _todo(user, campaign=campaign, round=current, status=status),
        "groups": groups,
        "tracking": figures.key_task_tracking(
            campaign, unit_ids=None if user.sees_everything else own_unit_ids(user)
        ),
        "tracked_definition": figures.TRACKED_WITH_DATA,
        "states": [(label, states.get(value, 0)) for value, label in BottleneckState.choices],
        "bottlenecks_total": len(bottlenecks),
        "stalled": stalled,
        "trends": trends,
        "today": today,
        "round_form": RoundForm() if _is_office(user) else None,
    }
    return render(request, "campaign/hub.html", context)


def _todo(user, *, campaign, round, status) -> list[tuple[str, str]]:
    """What the person must still do in the campaign: (sentence, link name)."""
    items = []
    if round is not None and status is not None:
        mine = {row.person.pk: row.commitment for row in status.people}
        if user.pk in mine and mine[user.pk] is None:
            items.append((_("Bạn chưa ký cam kết trách nhiệm (%(r)s).") % {"r": round}, "sign"))
        if user.role == Role.UNIT_HEAD and any(
            unit.pk == user.unit_id and c is None for unit, c in status.units
        ):
            items.append((_("Bạn chưa ký cam kết thay mặt đơn vị."), "sign"))
    if user.role == Role.LEADERSHIP:
        waiting = campaign.registrations.filter(
            state=RegistrationState.PENDING, unit_id__in=units_in_charge_ids(user)
        ).count()
        if waiting:
            items.append(
                (_("%(n)s đăng ký nhiệm vụ chờ bạn duyệt.") % {"n": waiting}, "registrations")
            )
    mine_open = campaign.bottlenecks.filter(responsible=user).exclude(state=BottleneckState.CLEARED)
    if count := mine_open.count():
        items.append(
            (_("Bạn chịu trách nhiệm %(n)s điểm nghẽn chưa tháo gỡ.") % {"n": count}, "bottlenecks")
        )
    return items


@login_required
@require_POST
def start(request):
    if not _is_office(request.user):
        raise PermissionDenied
    form = CampaignForm(request.POST)
    if not form.is_valid():
        return render(request, "campaign/hub.html", {"campaign": None, "form": form})
    data = form.cleaned_data
    campaign, _created = Campaign.objects.get_or_create(
        plan=data["plan"],
        defaults={"started_on": data["started_on"], "targets_due_on": data["targets_due_on"]},
    )
    return redirect(f"{reverse('campaign:hub')}?phong_trao={campaign.pk}")


# --- commitments ------------------------------------------------------------------------------


@login_required
@require_POST
def open_round(request, pk):
    campaign = _campaign(request, pk)
    if not _is_office(request.user):
        raise PermissionDenied
    form = RoundForm(request.POST)
    if form.is_valid():
        try:
            services.open_round(
                campaign=campaign,
                opened_on=local_today(),
                by=request.user,
                **form.cleaned_data,
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Đã mở đợt ký cam kết."))
    else:
        messages.error(request, _("Xin nhập tên đợt và nội dung cam kết."))
    return redirect(f"{reverse('campaign:hub')}?phong_trao={campaign.pk}")


def _current_round(campaign) -> CommitmentRound:
    found = campaign.rounds.first()
    if found is None:
        raise Http404
    return found


def _sign_context(request, campaign, round, *, forms=None) -> dict:
    user = request.user
    mine = {
        ("unit" if c.unit_id else "person"): c
        for c in Commitment.objects.filter(round=round).filter(
            Q(signer=user, unit__isnull=True) | Q(unit_id=user.unit_id, unit__isnull=False)
        )
    }
    offered = Registration.objects.filter(
        campaign=campaign,
        unit_id=user.unit_id,
        kind__in=[RegistrationKind.KEY, RegistrationKind.BREAKTHROUGH],
    ).exclude(state=RegistrationState.REFUSED)
    forms = forms or {}
    boxes = [("person", _("Cam kết của cá nhân"), mine.get("person"))]
    if permissions.may_sign_for_unit(user, user.unit):
        boxes.append(("unit", _("Cam kết của đơn vị: %(u)s") % {"u": user.unit}, mine.get("unit")))
    return {
        "campaign": campaign,
        "round": round,
        "boxes": [
            {
                "scope": scope,
                "title": title,
                "commitment": signed,
                "form": forms.get(scope) or SignForm(registrations=offered, prefix=scope),
            }
            for scope, title, signed in boxes
        ],
    }


@login_required
def sign(request, pk):
    campaign = _campaign(request, pk)
    round = _current_round(campaign)
    user = request.user
    if request.method != "POST":
        return render(request, "campaign/sign.html", _sign_context(request, campaign, round))
    scope = request.POST.get("scope")
    if scope not in ("person", "unit"):
        raise Http404
    for_unit = user.unit if scope == "unit" else None
    if for_unit is not None and not permissions.may_sign_for_unit(user, for_unit):
        raise PermissionDenied
    if user.unit_id is None:
        raise PermissionDenied
    context = _sign_context(request, campaign, round)
    box = next(b for b in context["boxes"] if b["scope"] == scope)
    form = SignForm(
        request.POST, registrations=box["form"].fields["registrations"].queryset, prefix=scope
    )
    if form.is_valid():
        commitment, created = services.sign_commitment(
            round=round,
            by=user,
            for_unit=for_unit,
            own_works=form.cleaned_data["own_works"],
            registrations=form.cleaned_data["registrations"],
        )
        box["commitment"] = commitment
        if not request.htmx:
            if created:
                messages.success(
                    request,
                    _("Đã ký cam kết ngày %(d)s.")
                    % {"d": commitment.signed_on.strftime("%d/%m/%Y")},
                )
            return redirect("campaign:sign", pk=campaign.pk)
    else:
        box["form"] = form
    if request.htmx:
        return render(request, f"{PARTS}#sign-box", {**context, "box": box})
    return render(request, "campaign/sign.html", context)


@login_required
def round_detail(request, pk):
    """Văn phòng's list of who has and has not signed."""
    campaign = _campaign(request, pk)
    if not request.user.sees_everything:
        raise PermissionDenied
    round = _current_round(campaign)
    return render(
        request,
        "campaign/round.html",
        {"campaign": campaign, "round": round, "status": figures.round_status(round)},
    )


@login_required
@require_POST
def remind(request, pk):
    campaign = _campaign(request, pk)
    if not _is_office(request.user):
        raise PermissionDenied
    round = _current_round(campaign)
    sent = services.remind_unsigned(round=round, now=timezone.now())
    text = (
        _("Đã gửi thư nhắc tới %(n)s người chưa ký.") % {"n": sent}
        if sent
        else _("Không có ai cần nhắc thêm hôm nay (mỗi người được nhắc tối đa một lần mỗi ngày).")
    )
    if request.htmx:
        return render(request, f"{PARTS}#remind-result", {"text": text})
    messages.success(request, text)
    return redirect("campaign:round", pk=campaign.pk)


# --- registrations ----------------------------------------------------------------------------


def _registerable_units(user):
    units = Unit.objects.filter(is_active=True)
    if user.is_superuser or user.role == Role.OFFICE:
        return units
    return units.filter(pk=user.unit_id)


def _registration_form(request, campaign, data=None):
    user = request.user
    units = _registerable_units(user)
    # Existing tasks offered: the open ones of the person's own unit (Văn phòng registers other
    # units' new tasks; their own existing tasks are marked by the units themselves), so the list
    # stays the size of one unit's work.
    tasks = (
        Task.objects.tracked()
        .filter(lead_unit_id__in=own_unit_ids(user))
        .exclude(status__in=[Status.DONE, Status.CANCELLED])
        .exclude(registrations__campaign=campaign)
        .order_by("plan_id", "position")
    )
    return RegistrationForm(data, units=units, tasks=tasks)


def _registrations_context(request, campaign, form=None) -> dict:
    user = request.user
    rows = figures.annotate_tracking(
        campaign.registrations.filter(permissions.unit_scope(user)).select_related(
            "unit", "task", "task__assignee", "registered_by", "decided_by"
        )
    )
    charged = units_in_charge_ids(user) if user.role == Role.LEADERSHIP else set()
    rows = list(rows)
    for row in rows:
        row.can_decide = row.state == RegistrationState.PENDING and (
            user.is_superuser or row.unit_id in charged
        )
        row.tracked = figures.is_tracked(row)
    return {
        "campaign": campaign,
        "groups": [
            (label, [r for r in rows if r.kind == kind]) for kind, label in RegistrationKind.choices
        ],
        "form": form or _registration_form(request, campaign),
        "tracking": figures.key_task_tracking(
            campaign, unit_ids=None if user.sees_everything else own_unit_ids(user)
        ),
        "tracked_definition": figures.TRACKED_WITH_DATA,
    }


@login_required
def registrations(request, pk):
    campaign = _campaign(request, pk)
    if request.method != "POST":
        return render(
            request, "campaign/registrations.html", _registrations_context(request, campaign)
        )
    form = _registration_form(request, campaign, request.POST)
    if form.is_valid():
        data = form.cleaned_data
        if not permissions.may_register(request.user, data["unit"]):
            raise PermissionDenied
        try:
            services.register(campaign=campaign, by=request.user, **data)
        except ValidationError as error:
            _errors(error, form)
        else:
            if not request.htmx:
                messages.success(request, _("Đã gửi đăng ký, chờ lãnh đạo phụ trách duyệt."))
                return redirect("campaign:registrations", pk=campaign.pk)
            form = None
    context = _registrations_context(request, campaign, form)
    if request.htmx:
        return render(request, f"{PARTS}#registrations", context)
    return render(request, "campaign/registrations.html", context)


@login_required
@require_POST
def decide(request, pk):
    registration = get_object_or_404(
        Registration.objects.select_related("campaign__plan", "unit", "task"), pk=pk
    )
    if not permissions.may_decide_registration(request.user, registration):
        raise PermissionDenied
    form = DecisionForm(request.POST)
    if form.is_valid():
        try:
            services.decide_registration(
                registration=registration,
                by=request.user,
                approve=form.cleaned_data["decision"] == "approve",
                comment=form.cleaned_data["comment"],
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Đã ghi quyết định."))
    campaign = registration.campaign
    if request.htmx:
        return render(request, f"{PARTS}#registrations", _registrations_context(request, campaign))
    return redirect("campaign:registrations", pk=campaign.pk)


# --- bottlenecks ------------------------------------------------------------------------------


def _bottleneck_form(request, data=None):
    user = request.user
    units = Unit.objects.filter(is_active=True)
    if not (user.is_superuser or user.role == Role.OFFICE):
        units = (
            units.filter(pk__in=own_unit_ids(user)) if user.role == Role.UNIT_HEAD else units.none()
        )
    people = User.objects.filter(is_active=True, unit__in=units).order_by("full_name")
    return BottleneckForm(data, units=units, people=people)


def _bottlenecks_context(request, campaign, form=None) -> dict:
    today = local_today()
    rows = list(
        figures.with_movement(permissions.bottlenecks_for(request.user, campaign))
        .select_related("unit", "responsible", "leader")
        .prefetch_related(Prefetch("tasks", queryset=Task.objects.order_by("due_date")))
    )
    for row in rows:
        row.stalled = figures.stall_days(row, today=today)
    user = request.user
    can_record = user.is_superuser or user.role in (Role.OFFICE, Role.UNIT_HEAD)
    return {
        "campaign": campaign,
        "rows": rows,
        "today": today,
        "form": (form or _bottleneck_form(request)) if can_record else None,
    }


@login_required
def bottlenecks(request, pk):
    campaign = _campaign(request, pk)
    if request.method != "POST":
        return render(request, "campaign/bottlenecks.html", _bottlenecks_context(request, campaign))
    form = _bottleneck_form(request, request.POST)
    if form.is_valid():
        data = form.cleaned_data
        if not permissions.may_record_bottleneck(request.user, data["unit"]):
            raise PermissionDenied
        try:
            bottleneck = services.record_bottleneck(campaign=campaign, by=request.user, **data)
        except ValidationError as error:
            _errors(error, form)
        else:
            if not request.htmx:
                messages.success(request, _("Đã ghi điểm nghẽn; xin lập kế hoạch tháo gỡ."))
                return redirect("campaign:bottleneck", pk=bottleneck.pk)
            form = None
    elif not (request.user.is_superuser or request.user.role in (Role.OFFICE, Role.UNIT_HEAD)):
        raise PermissionDenied
    context = _bottlenecks_context(request, campaign, form)
    if request.htmx:
        return render(request, f"{PARTS}#bottleneck-list", context)
    return render(request, "campaign/bottlenecks.html", context)


def _get_bottleneck(request, pk) -> Bottleneck:
    found = Bottleneck.objects.select_related("campaign__plan", "unit", "responsible", "leader")
    bottleneck = get_object_or_404(found, pk=pk)
    visible = permissions.bottlenecks_for(request.user, bottleneck.campaign)
    if not visible.filter(pk=pk).exists():
        raise Http404
    return bottleneck


def _bottleneck_context(request, bottleneck, *, move_form=None, task_form=None) -> dict:
    today = local_today()
    annotated = figures.with_movement(Bottleneck.objects.filter(pk=bottleneck.pk)).get()
    people = User.objects.filter(is_active=True, unit=bottleneck.unit).order_by("full_name")
    history = bottleneck.history.select_related("history_user").order_by("-history_date")[:50]
    return {
        "campaign": bottleneck.campaign,
        "b": bottleneck,
        "stalled": figures.stall_days(annotated, today=today),
        "moved_on": figures.last_movement(annotated),
        "tasks": bottleneck.tasks.select_related("assignee")
        .with_punctuality(today)
        .order_by("due_date"),
        "history": history,
        "can_move": permissions.may_move_bottleneck(request.user, bottleneck),
        "move_form": move_form or MoveForm(initial={"state": bottleneck.state}),
        "task_form": task_form or ClearingTaskForm(people=people),
    }


@login_required
def bottleneck(request, pk):
    bottleneck = _get_bottleneck(request, pk)
    return render(request, "campaign/bottleneck.html", _bottleneck_context(request, bottleneck))


@login_required
@require_POST
def bottleneck_move(request, pk):
    bottleneck = _get_bottleneck(request, pk)
    if not permissions.may_move_bottleneck(request.user, bottleneck):
        raise PermissionDenied
    form = MoveForm(request.POST)
    if form.is_valid():
        try:
            services.move_bottleneck(bottleneck=bottleneck, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            _errors(error, form)
        else:
            if not request.htmx:
                messages.success(request, _("Đã cập nhật điểm nghẽn."))
                return redirect("campaign:bottleneck", pk=bottleneck.pk)
            form = None
    context = _bottleneck_context(request, bottleneck, move_form=form)
    if request.htmx:
        return render(request, f"{PARTS}#bottleneck-state", context)
    return render(request, "campaign/bottleneck.html", context)


@login_required
@require_POST
def bottleneck_task(request, pk):
    bottleneck = _get_bottleneck(request, pk)
    if not permissions.may_move_bottleneck(request.user, bottleneck):
        raise PermissionDenied
    people = User.objects.filter(is_active=True, unit=bottleneck.unit)
    form = ClearingTaskForm(request.POST, people=people)
    if form.is_valid():
        try:
            services.add_clearing_task(bottleneck=bottleneck, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            _errors(error, form)
        else:
            if not request.htmx:
                messages.success(request, _("Đã thêm nhiệm vụ tháo gỡ."))
                return redirect("campaign:bottleneck", pk=bottleneck.pk)
            form = None
    context = _bottleneck_context(request, bottleneck, task_form=form)
    if request.htmx:
        return render(request, f"{PARTS}#clearing-tasks", context)
    return render(request, "campaign/bottleneck.html", context)


# --- targets ----------------------------------------------------------------------------------


def _target_context(request, target, form=None) -> dict:
    today = local_today()
    campaign = Campaign.objects.filter(plan_id=target.plan_id).first()
    results = list(TargetResult.objects.filter(target=target).select_related("unit", "recorded_by"))
    trend = figures.target_trend(target, campaign=campaign, results=results, today=today)
    relative = target.comparator in services.RELATIVE and target.baseline_value is not None
    may_report = permissions.may_report_target(request.user, target, computed=trend.computed)
    late_target = trend.computed and campaign.late_task_target_id == target.pk
    late = figures.late_task_reduction(campaign, as_of=today) if late_target else None
    return {
        "campaign": campaign,
        "target": target,
        "trend": trend,
        "late": late,
        "late_definition": figures.LATE_DEFINITION,
        "path_definition": figures.PATH_DEFINITION,
        "form": (form or TargetResultForm(relative=relative)) if may_report else None,
        "relative": relative,
    }


@login_required
def target(request, pk):
    target = get_object_or_404(Target.objects.select_related("plan", "responsible_unit"), pk=pk)
    if request.method != "POST":
        return render(request, "campaign/target.html", _target_context(request, target))
    context = _target_context(request, target)
    if context["form"] is None:
        raise PermissionDenied
    form = TargetResultForm(request.POST, request.FILES, relative=context["relative"])
    if form.is_valid():
        data = form.cleaned_data
        try:
            _result, created = services.report_target(
                target=target,
                unit=target.responsible_unit,
                by=request.user,
                period_end=data["period_end"],
                value=data.get("value"),
                measured=data.get("measured"),
                note=data["note"],
                evidence_link=data["evidence_link"],
                evidence_file=data["evidence_file"],
                today=local_today(),
            )
        except ValidationError as error:
            _errors(error, form)
        else:
            if not request.htmx:
                messages.success(request, _("Đã ghi số liệu của kỳ."))
                return redirect("campaign:target", pk=target.pk)
            form = None
    context = _target_context(request, target, form)
    if request.htmx:
        return render(request, f"{PARTS}#target-figures", context)
    return render(request, "campaign/target.html", context)


@login_required
def evidence(request, pk):
    """A target figure's evidence file, as a download to people of the portal (the targets are
    open to all of them), never from an open /media/ (tasks.product_files)."""
    result = get_object_or_404(TargetResult.objects.exclude(evidence_file=""), pk=pk)
    return product_files.file_response(result.evidence_file)
