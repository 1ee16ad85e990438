"""The forms of a task's break-down (tasks.breakdown): a few sub-tasks at once."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from plans.dates import SaneDateField
from tasks.breakdown import CONTENT_MAX, MAX_PARTS, PRODUCT_MAX, REASON_MAX, Part, check_part
from tasks.forms import DATE_WIDGET
from tasks.models import Task


class SubTaskForm(forms.Form):
    content = forms.CharField(
        label=_("Nội dung công việc"),
        max_length=CONTENT_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    assignee = forms.ModelChoiceField(
        label=_("Người thực hiện"), queryset=User.objects.none(), empty_label=_("— chọn người —")
    )
    due_date = SaneDateField(label=_("Hạn hoàn thành"), widget=DATE_WIDGET)
    product = forms.CharField(label=_("Sản phẩm, kết quả"), max_length=PRODUCT_MAX, required=False)
    later = forms.BooleanField(label=_("Hạn muộn hơn hạn nhiệm vụ cha"), required=False)
    later_reason = forms.CharField(
        label=_("Lý do hạn muộn hơn"), max_length=REASON_MAX, required=False
    )

    def __init__(self, *args, parent: Task, people, **kwargs):
        super().__init__(*args, **kwargs)
        self.parent = parent
        self.fields["assignee"].queryset = people

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        part = Part(
            content=data["content"],
            assignee=data["assignee"],
            due_date=data["due_date"],
            product=data["product"],
            # An unticked box is no reason: the later deadline must be meant.
            later_reason=data["later_reason"] if data["later"] else "",
        )
        try:
            data["part"] = check_part(parent=self.parent, part=part)
        except ValidationError as error:
            for field, messages in error.message_dict.items():
                self.add_error(field if field in self.fields else None, messages)
        return data


class BaseSubTaskFormSet(forms.BaseFormSet):
    def clean(self):
        super().clean()
        if not any(self.errors) and not self.parts():
            raise ValidationError(_("Xin nhập ít nhất một nhiệm vụ con."))

    def parts(self) -> list[Part]:
        return [form.cleaned_data["part"] for form in self.forms if form.cleaned_data.get("part")]


def subtask_formset(data=None, *, parent: Task, people, rows: int = 3):
    """`rows` empty lines to fill (bounded); the rows a person left empty are skipped."""
    formset_class = forms.formset_factory(
        SubTaskForm,
        formset=BaseSubTaskFormSet,
        extra=max(1, min(rows, MAX_PARTS)),
        max_num=MAX_PARTS,
        absolute_max=MAX_PARTS,
        validate_max=True,
    )
    return formset_class(data, form_kwargs={"parent": parent, "people": people}, prefix="con")


class ProgressModeForm(forms.Form):
    from_children = forms.TypedChoiceField(
        label=_("Tiến độ của nhiệm vụ"),
        choices=[
            ("1", _("Tính từ các nhiệm vụ con")),
            ("0", _("Cập nhật thủ công")),
        ],
        coerce=lambda value: value == "1",
    )
