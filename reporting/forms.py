from __future__ import annotations

from datetime import date, timedelta

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import Role, User
from plans.dates import SaneDateField
from plans.models import Phase, Plan, Unit
from reporting.data import ScopeKind, plan_phases
from reporting.models import Report
from reporting.periods import PeriodError, choices_for_year, parse_period

CUSTOM = "custom"


def period_choices(today: date) -> list:
    """The periods a leader picks from: this year and last, the recent weeks and months, the
    phases of the plans, and a custom range."""
    recent = []
    for weeks_back in (0, 1):
        iso = (today - timedelta(weeks=weeks_back)).isocalendar()
        recent.append((f"weekly:{iso.year}-W{iso.week:02d}", f"Tuần {iso.week} năm {iso.year}"))
    groups = [(_("Gần đây"), recent)]
    groups += choices_for_year(today.year) + choices_for_year(today.year - 1)
    phases = [
        (f"phase:{phase.plan_id}:{phase.order}", f"{phase.plan.display_name} — {phase.name}")
        for phase in Phase.objects.select_related("plan").exclude(end=None)
    ]
    if phases:
        groups.append((_("Sơ kết, tổng kết giai đoạn của kế hoạch"), phases))
    groups.append((_("Khác"), [(CUSTOM, _("Khoảng thời gian tùy chọn (nhập ngày bên dưới)"))]))
    return groups


class ReportRequestForm(forms.Form):
    period = forms.ChoiceField(label=_("Kỳ báo cáo"))
    cutoff = forms.TypedChoiceField(
        label=_("Cách tính kỳ"),
        choices=[
            ("1", _("Chốt số liệu theo Nghị định 09/2019/NĐ-CP (từ ngày 15 tháng trước)")),
            ("0", _("Theo kỳ dương lịch")),
        ],
        coerce=lambda value: value == "1",
        initial="1",
        widget=forms.RadioSelect,
    )
    start = SaneDateField(
        label=_("Từ ngày"), required=False, input_formats=["%d/%m/%Y", "%Y-%m-%d"]
    )
    end = SaneDateField(label=_("Đến ngày"), required=False, input_formats=["%d/%m/%Y", "%Y-%m-%d"])
    scope = forms.ChoiceField(
        label=_("Phạm vi"),
        choices=ScopeKind.choices,
        initial=ScopeKind.ORGANISATION,
        widget=forms.RadioSelect,
    )
    unit = forms.ModelChoiceField(
        label=_("Đơn vị"), queryset=Unit.objects.filter(is_active=True), required=False
    )
    plan = forms.ModelChoiceField(label=_("Kế hoạch"), queryset=Plan.objects.all(), required=False)
    leader = forms.ModelChoiceField(
        label=_("Lãnh đạo"), queryset=User.objects.filter(role=Role.LEADERSHIP), required=False
    )
    other_bodies = forms.BooleanField(
        label=_("Gồm cả nhiệm vụ do cơ quan khác chủ trì"),
        required=False,
        help_text=_(
            "Các nhiệm vụ do sở, ngành, địa phương khác chủ trì trong các kế hoạch Sở theo dõi; "
            "chỉ với phạm vi toàn cơ quan hoặc một kế hoạch."
        ),
    )

    def __init__(self, *args, today: date, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["period"].choices = period_choices(today)
        half = "H1" if today.month <= 6 else "H2"
        self.fields["period"].initial = f"semiannual:{today.year}-{half}"

    def clean(self):
        cleaned = super().clean()
        choice = cleaned.get("period")
        if not choice:
            return cleaned
        plan = cleaned.get("plan")
        if choice == CUSTOM:
            start, end = cleaned.get("start"), cleaned.get("end")
            if "start" in self.errors or "end" in self.errors:
                return cleaned  # the field says what is wrong with it
            if not (start and end):
                raise forms.ValidationError(_("Xin nhập từ ngày và đến ngày."))
            kind, code = "custom", f"{start.isoformat()}..{end.isoformat()}"
        elif choice.startswith("phase:"):
            _kind, plan_id, order = choice.split(":")
            plan = Plan.objects.get(pk=plan_id)
            kind, code = "phase", order
            cleaned["plan"] = plan
            if cleaned.get("scope") != ScopeKind.PLAN:
                cleaned["scope"] = ScopeKind.PLAN
        else:
            kind, code = choice.split(":", 1)
        scope = cleaned.get("scope")
        for name in ("unit", "plan", "leader"):
            if scope == name and not cleaned.get(name):
                self.add_error(name, _("Xin chọn cho phạm vi này."))
        if cleaned.get("other_bodies") and scope not in (ScopeKind.ORGANISATION, ScopeKind.PLAN):
            self.add_error(
                "other_bodies",
                _("Chỉ chọn được với phạm vi toàn cơ quan hoặc một kế hoạch."),
            )
        try:
            phases = plan_phases(plan) if kind == "phase" else []
            parse_period(kind, code, cutoff=cleaned.get("cutoff", True), phases=phases)
        except PeriodError as error:
            raise forms.ValidationError(str(error)) from error
        cleaned["kind"], cleaned["code"] = kind, code
        return cleaned

    def scope_objects(self) -> dict:
        scope = self.cleaned_data["scope"]
        return {
            **{
                name: self.cleaned_data.get(name) if scope == name else None
                for name in ("unit", "plan", "leader")
            },
            "other_bodies": self.cleaned_data.get("other_bodies", False),
        }


class NarrativeForm(forms.ModelForm):
    class Meta:
        model = Report
        fields = ["number", "assessment", "proposals", "recipients", "signer_title", "signer_name"]
        widgets = {
            "assessment": forms.Textarea(attrs={"rows": 6}),
            "proposals": forms.Textarea(attrs={"rows": 5}),
            "recipients": forms.Textarea(attrs={"rows": 5}),
            "signer_title": forms.Textarea(attrs={"rows": 2}),
        }
