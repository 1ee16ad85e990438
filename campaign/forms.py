from __future__ import annotations

import unicodedata
from datetime import date, timedelta

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from campaign.models import BottleneckState, Campaign, Registration, RegistrationKind
from plans.models import Plan, Unit
from tasks import product_files
from tasks.forms import DATE_WIDGET
from tasks.models import Task


def nfc(value: str) -> str:
    return unicodedata.normalize("NFC", value or "").strip()


class NFCForm(forms.Form):
    """Vietnamese typed on another system arrives decomposed: stored composed (NFC)."""

    def clean(self):
        data = super().clean()
        return {k: nfc(v) if isinstance(v, str) else v for k, v in data.items()}


class CampaignForm(NFCForm):
    plan = forms.ModelChoiceField(label=_("Kế hoạch phát động"), queryset=Plan.objects.all())
    started_on = forms.DateField(label=_("Ngày phát động"), widget=DATE_WIDGET)
    targets_due_on = forms.DateField(label=_("Hạn hoàn thành chỉ tiêu"), widget=DATE_WIDGET)

    def clean(self):
        data = super().clean()
        start, due = data.get("started_on"), data.get("targets_due_on")
        if start and not date(2000, 1, 1) <= start <= date(2100, 12, 31):
            self.add_error("started_on", _("Ngày phát động không hợp lệ."))
        elif start and due and not start < due <= start + timedelta(days=20 * 366):
            self.add_error(
                "targets_due_on",
                _("Hạn hoàn thành chỉ tiêu phải sau ngày phát động, trong vòng 20 năm."),
            )
        return data


class RoundForm(NFCForm):
    title = forms.CharField(label=_("Tên đợt"), max_length=255)
    text = forms.CharField(
        label=_("Nội dung cam kết"), max_length=20000, widget=forms.Textarea(attrs={"rows": 6})
    )
    due_on = forms.DateField(label=_("Hạn ký"), required=False, widget=DATE_WIDGET)


class SignForm(NFCForm):
    own_works = forms.CharField(
        label=_("Công trình, phần việc tôi đăng ký thực hiện"),
        max_length=5000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    registrations = forms.ModelMultipleChoiceField(
        label=_("Nhiệm vụ trọng tâm, đột phá của đơn vị tôi nhận thực hiện"),
        queryset=Registration.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    agree = forms.BooleanField(label=_("Tôi đã đọc và cam kết thực hiện nội dung trên"))

    def __init__(self, *args, registrations, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["registrations"]
        field.queryset = registrations
        field.label_from_instance = lambda r: f"{r.get_kind_display()}: {r.title}"


class RegistrationForm(NFCForm):
    unit = forms.ModelChoiceField(
        label=_("Đơn vị"), queryset=Unit.objects.none(), empty_label=_("— chọn đơn vị —")
    )
    kind = forms.ChoiceField(label=_("Loại"), choices=RegistrationKind.choices)
    task = forms.ModelChoiceField(
        label=_("Nhiệm vụ đã có"),
        queryset=Task.objects.none(),
        required=False,
        empty_label=_("— nhiệm vụ mới (nhập bên dưới) —"),
    )
    title = forms.CharField(
        label=_("Nội dung nhiệm vụ mới"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    product = forms.CharField(label=_("Sản phẩm, kết quả"), max_length=500, required=False)
    due_date = forms.DateField(label=_("Thời hạn"), required=False, widget=DATE_WIDGET)

    def __init__(self, *args, units, tasks, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units
        self.fields["task"].queryset = tasks
        self.fields["task"].label_from_instance = lambda t: str(t)[:90]


class DecisionForm(NFCForm):
    decision = forms.ChoiceField(
        choices=[("approve", _("Duyệt")), ("refuse", _("Không duyệt"))], widget=forms.HiddenInput
    )
    comment = forms.CharField(
        label=_("Ý kiến"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class BottleneckForm(NFCForm):
    unit = forms.ModelChoiceField(
        label=_("Đơn vị chịu trách nhiệm"),
        queryset=Unit.objects.none(),
        empty_label=_("— chọn đơn vị —"),
    )
    title = forms.CharField(label=_("Việc bị vướng"), max_length=500)
    cause = forms.CharField(
        label=_("Nguyên nhân"), max_length=5000, widget=forms.Textarea(attrs={"rows": 2})
    )
    responsible = forms.ModelChoiceField(
        label=_("Người chịu trách nhiệm"),
        queryset=User.objects.none(),
        empty_label=_("— chọn người —"),
    )

    def __init__(self, *args, units, people, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units
        self.fields["responsible"].queryset = people

    def clean(self):
        data = super().clean()
        unit, person = data.get("unit"), data.get("responsible")
        if unit and person and person.unit_id != unit.pk:
            self.add_error("responsible", _("Người chịu trách nhiệm phải thuộc đơn vị đó."))
        return data


class MoveForm(NFCForm):
    state = forms.ChoiceField(label=_("Trạng thái"), choices=BottleneckState.choices)
    note = forms.CharField(
        label=_("Kết quả tháo gỡ, lý do"), max_length=5000, widget=forms.Textarea(attrs={"rows": 2})
    )


class ClearingTaskForm(NFCForm):
    content = forms.CharField(
        label=_("Việc cần làm để tháo gỡ"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    due_date = forms.DateField(label=_("Thời hạn"), widget=DATE_WIDGET)
    assignee = forms.ModelChoiceField(
        label=_("Người thực hiện"),
        queryset=User.objects.none(),
        required=False,
        empty_label=_("— chưa giao —"),
    )

    def __init__(self, *args, people, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = people


class TargetResultForm(NFCForm):
    period_end = forms.DateField(label=_("Kỳ báo cáo (đến ngày)"), widget=DATE_WIDGET)
    value = forms.DecimalField(
        label=_("Giá trị đạt được"), max_digits=12, decimal_places=2, required=False
    )
    measured = forms.DecimalField(
        label=_("Số liệu của kỳ"), max_digits=12, decimal_places=2, required=False, min_value=0
    )
    evidence_link = forms.URLField(
        label=_("Đường dẫn minh chứng"), max_length=500, required=False, assume_scheme="https"
    )
    evidence_file = forms.FileField(
        label=_("Tệp minh chứng"),
        required=False,
        validators=[product_files.validate_upload],
        widget=forms.ClearableFileInput(attrs={"accept": product_files.ACCEPT}),
    )
    note = forms.CharField(
        label=_("Ghi chú"),
        max_length=5000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, relative: bool, **kwargs):
        super().__init__(*args, **kwargs)
        # A reduction against a stored baseline is entered as the period's figure.
        del self.fields["value" if relative else "measured"]


class RankingWeightsForm(forms.ModelForm):
    """Văn phòng's settings of a campaign: the weights of the emulation ranking, the thresholds
    of its two lists, and which of the plan's targets the portal computes from the record."""

    class Meta:
        model = Campaign
        fields = [
            "weight_on_time",
            "weight_targets",
            "weight_registrations",
            "weight_bottlenecks",
            "award_threshold",
            "accountability_threshold",
            "late_task_target",
            "commitment_target",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("late_task_target", "commitment_target"):
            self.fields[name].queryset = self.instance.plan.targets.all()

    def clean(self):
        data = super().clean()
        weights = [data.get(name) or 0 for name in self.Meta.fields[:4]]
        if not sum(weights):
            raise forms.ValidationError(_("Cần ít nhất một trọng số lớn hơn 0."))
        award, accountable = data.get("award_threshold"), data.get("accountability_threshold")
        if award is not None and award > 100:
            self.add_error("award_threshold", _("Điểm tối đa là 100."))
        computed = data.get("late_task_target"), data.get("commitment_target")
        if computed[0] is not None and computed[0] == computed[1]:
            self.add_error("commitment_target", _("Hai chỉ tiêu tự tính phải khác nhau."))
        if award is not None and accountable is not None and accountable >= award:
            self.add_error(
                "accountability_threshold",
                _("Điểm xem xét trách nhiệm phải thấp hơn điểm đề nghị khen thưởng."),
            )
        return data
