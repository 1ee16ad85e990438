from __future__ import annotations

import hashlib
from datetime import date, datetime, timedelta

from django import forms
from django.conf import settings
from django.forms.models import ModelChoiceIterator
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from plans.cache import kept
from plans.dates import SaneDateField
from plans.models import Phase, Plan, Unit
from plans.text import clean
from tasks import comments, product_files
from tasks.dashboards import UNIT_SORTS, Period
from tasks.models import Occurrence, Task
from tasks.punctuality import Punctuality, Status
from tasks.services import BULK_LIMIT

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def version_of(task) -> str:
    """The concurrency token a form carries: when the task was last saved."""
    return task.updated_at.isoformat()


def hash_of(text: str) -> str:
    return hashlib.blake2b(text.encode(), digest_size=8).hexdigest()


def select_options(field) -> SafeString:
    """The `<option>`s of a bound choice field, escaped, for a page that writes its `<select>`
    itself: Django's widget templates take ~0.4 ms per option, a template loop over them still
    ~20 µs, and the unit, plan and people lists run to hundreds. A model field whose model
    offers `choice_labels(queryset)` (users, units, plans) is read as values, not as objects,
    in one plain query (Django's own iterator opens a server-side cursor: three round trips, and
    a copy held to the end of the request on PostgreSQL), and its options are kept, escaped,
    under the reference version (plans.cache) for the same query."""
    current, chosen = str(field.value() or ""), field.field
    choices = chosen.choices
    if isinstance(choices, ModelChoiceIterator):
        first = "" if chosen.empty_label is None else _options([("", chosen.empty_label)])
        labels = getattr(chosen.queryset.model, "choice_labels", None)
        if labels and not chosen.to_field_name and "label_from_instance" not in vars(chosen):
            query = chosen.queryset
            key = f"choices:{query.model._meta.label}:{hash_of(str(query.query))}"
            options = first + kept(key, lambda: _options(labels(query)))
        else:
            options = first + _options(
                (chosen.prepare_value(obj), chosen.label_from_instance(obj))
                for obj in list(chosen.queryset)
            )
    else:
        options = _options(choices)
    if current:
        chosen_one = f'<option value="{escape(current)}">'
        options = options.replace(chosen_one, f"{chosen_one[:-1]} selected>", 1)
    return mark_safe(options)  # every value and label is escaped by _options


def _options(choices) -> str:
    """The `<option>`s of `choices`, escaped, none selected."""
    return "".join(
        f'<option value="{escape(str(value))}">{escape(label)}</option>' for value, label in choices
    )


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one field (Django's documented pattern), checked together by
    tasks.comments.check_files: kind, size, number and total size."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": product_files.ACCEPT}))
        kwargs.setdefault("required", False)
        kwargs.setdefault(
            "help_text",
            _("Chọn được nhiều tệp (giữ Ctrl): tối đa %(n)s tệp, mỗi tệp %(mb)s MB.")
            % {"n": comments.MAX_FILES, "mb": settings.PRODUCT_FILE_MAX_MB},
        )
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = [f for f in (data if isinstance(data, list | tuple) else [data]) if f]
        cleaned = [super(MultipleFileField, self).clean(f, initial) for f in files]
        comments.check_files(cleaned)
        return cleaned


class VersionedForm(forms.Form):
    """A form about one task that remembers which version of it the person was looking at."""

    version = forms.CharField(widget=forms.HiddenInput)

    def clean_version(self) -> datetime:
        try:
            return datetime.fromisoformat(self.cleaned_data["version"])
        except ValueError as error:
            raise forms.ValidationError(_("Biểu mẫu không hợp lệ, xin tải lại trang.")) from error


class ProgressForm(VersionedForm):
    percent = forms.IntegerField(
        label=_("Tiến độ (%)"),
        min_value=0,
        max_value=100,
        help_text=_("100% là hoàn thành: nhiệm vụ (hoặc kỳ) sẽ được ghi là “Hoàn thành”."),
    )
    status = forms.ChoiceField(label=_("Trạng thái"), choices=Status.choices)
    occurrence = forms.ModelChoiceField(
        label=_("Kỳ"), queryset=Occurrence.objects.none(), required=False, empty_label=None
    )
    achieved = forms.CharField(
        label=_("Kết quả đạt được"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    product_file = forms.FileField(
        label=_("Tệp sản phẩm"),
        required=False,
        validators=[product_files.validate_upload],
        widget=forms.ClearableFileInput(attrs={"accept": product_files.ACCEPT}),
        help_text=_("Văn bản, PDF, ảnh hoặc tệp nén; tối đa %(mb)s MB.")
        % {"mb": settings.PRODUCT_FILE_MAX_MB},
    )
    product_link = forms.URLField(
        label=_("Đường dẫn sản phẩm"), required=False, assume_scheme="https"
    )
    attachments = MultipleFileField(label=_("Tệp đính kèm khác"))
    difficulties = forms.CharField(
        label=_("Khó khăn, vướng mắc"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    proposals = forms.CharField(
        label=_("Đề xuất, kiến nghị"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    delay_reason = forms.CharField(
        label=_("Lý do chậm trễ (bắt buộc)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    delay_explanation = forms.CharField(
        label=_("Giải trình"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    LATE_FIELDS = ("delay_reason", "delay_explanation")

    def __init__(self, *args, task, occurrences=(), late: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.task = task
        self.late = late
        self.marked_done = False
        if occurrences:
            field = self.fields["occurrence"]
            field.queryset = Occurrence.objects.filter(pk__in=[o.pk for o in occurrences])
            field.label_from_instance = lambda o: f"{o.label} (hạn {o.due_date:%d/%m/%Y})"
        else:
            del self.fields["occurrence"]
        if late:
            # The reason is what a late task's update must give: asked first.
            self.order_fields([*self.LATE_FIELDS, "percent", "status"])
        else:
            for name in self.LATE_FIELDS:
                del self.fields[name]

    def clean(self):
        data = super().clean()
        open_statuses = (Status.NOT_STARTED, Status.IN_PROGRESS)
        if data.get("percent") == 100 and data.get("status") in open_statuses:
            # 100% means done: recorded as such rather than left "in progress" with no word.
            data["status"] = Status.DONE
            self.marked_done = True
        for name in self.LATE_FIELDS:
            data.setdefault(name, "")
        return data


class AssignForm(VersionedForm):
    assignee = forms.ModelChoiceField(
        label=_("Giao cho"), queryset=User.objects.none(), empty_label=_("— chọn người —")
    )

    def __init__(self, *args, people, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = people


class DeadlineChangeForm(forms.Form):
    new_due_date = SaneDateField(label=_("Hạn đề nghị"), widget=DATE_WIDGET)
    reason = forms.CharField(label=_("Lý do"), widget=forms.Textarea(attrs={"rows": 2}))


class CoordinationNoteForm(forms.Form):
    text = forms.CharField(
        label=_("Ý kiến phối hợp"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Đơn vị chủ trì và những người theo dõi nhiệm vụ sẽ thấy ý kiến này."),
        error_messages={"required": _("Xin nhập ý kiến phối hợp.")},
    )


class CommentForm(forms.Form):
    text = forms.CharField(
        label=_("Ý kiến"),
        required=False,
        max_length=comments.MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Gõ @ rồi tên đăng nhập hoặc họ tên để nhắc đến một người; họ sẽ được báo."),
    )
    files = MultipleFileField(label=_("Tệp đính kèm"))
    token = forms.UUIDField(widget=forms.HiddenInput)

    def clean(self):
        data = super().clean()
        if not self.errors and not data.get("text", "").strip() and not data.get("files"):
            self.add_error("text", _("Xin nhập ý kiến hoặc đính kèm tệp."))
        return data


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        choices=[("approve", _("Đồng ý")), ("refuse", _("Không đồng ý"))],
        widget=forms.HiddenInput,
    )
    comment = forms.CharField(
        label=_("Ý kiến"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def clean(self):
        data = super().clean()
        if data.get("decision") == "refuse" and not data.get("comment", "").strip():
            self.add_error("comment", _("Xin nêu ý kiến khi không đồng ý."))
        return data


class DashboardFilterForm(forms.Form):
    """Filters of the dashboards; read from the URL so a filtered view can be shared."""

    plan = forms.ModelChoiceField(
        label=_("Kế hoạch"), queryset=Plan.objects.all(), required=False, empty_label=_("Tất cả")
    )
    phase = forms.ModelChoiceField(
        label=_("Giai đoạn"), queryset=Phase.objects.none(), required=False, empty_label=_("Tất cả")
    )
    unit = forms.ModelChoiceField(
        label=_("Đơn vị"),
        queryset=Unit.objects.filter(is_active=True),
        required=False,
        empty_label=_("Tất cả"),
    )
    period = forms.ChoiceField(
        label=_("Hạn trong kỳ"), choices=[("", _("Mọi kỳ")), *Period.CHOICES], required=False
    )
    punctuality = forms.ChoiceField(
        label=_("Tình trạng"), choices=[("", _("Tất cả")), *Punctuality.choices], required=False
    )
    sort = forms.ChoiceField(choices=[(k, k) for k in UNIT_SORTS], required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        plan_id = self.data.get("plan") if self.is_bound else None
        if plan_id and str(plan_id).isdigit():
            # Phases belong to a plan: offered once a plan is chosen.
            self.fields["phase"].queryset = Phase.objects.filter(plan_id=plan_id)

    def selects(self) -> list[tuple]:
        """(field, its `<option>`s) for each filter (see `select_options`)."""
        names = ("plan", "phase", "unit", "period", "punctuality")
        return [(self[name], select_options(self[name])) for name in names]

    def filters(self) -> dict:
        """The cleaned filters for `dashboards.apply_filters` (empty when the form is invalid)."""
        if not self.is_valid():
            return {}
        data = self.cleaned_data
        return {
            "plan": data["plan"],
            "phase": data["phase"],
            "unit": data["unit"],
            "period": data["period"],
            "punctuality": data["punctuality"],
        }


class _BoundedTasks(forms.ModelMultipleChoiceField):
    def clean(self, value):
        # Refuse a flood of ids before they become one huge query.
        if value and len(value) > BULK_LIMIT:
            raise forms.ValidationError(
                _("Mỗi lần chỉ xử lý tối đa %(n)s nhiệm vụ.") % {"n": BULK_LIMIT}
            )
        return super().clean(value)


class BulkAction(forms.Form):
    """One change for the tasks ticked in the list: assign, mark done, or ask a new deadline."""

    ASSIGN, DONE, DEADLINE = "giao", "hoan_thanh", "gia_han"
    LONGEST_DEADLINE = timedelta(days=10 * 366)

    action = forms.ChoiceField(
        label=_("Thao tác"),
        choices=[
            ("", _("— chọn thao tác —")),
            (ASSIGN, _("Giao cho một người")),
            (DONE, _("Đánh dấu hoàn thành")),
            (DEADLINE, _("Đề nghị điều chỉnh thời hạn")),
        ],
    )
    tasks = _BoundedTasks(
        queryset=Task.objects.none(),
        widget=forms.MultipleHiddenInput,
        error_messages={"required": _("Chưa chọn nhiệm vụ nào.")},
    )
    assignee = forms.ModelChoiceField(
        label=_("Giao cho"),
        queryset=User.objects.none(),
        required=False,
        empty_label=_("— chọn người —"),
    )
    note = forms.CharField(
        label=_("Kết quả đạt được (chung cho các nhiệm vụ)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    delay_reason = forms.CharField(
        label=_("Lý do chậm trễ (cho nhiệm vụ đã quá hạn)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    new_due_date = SaneDateField(label=_("Hạn đề nghị"), required=False, widget=DATE_WIDGET)
    reason = forms.CharField(
        label=_("Lý do đề nghị"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, tasks, people, today: date, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today
        self.fields["tasks"].queryset = tasks
        self.fields["assignee"].queryset = people

    def without_assign(self) -> None:
        """For someone who may update tasks but not give them to people (staff)."""
        action = self.fields["action"]
        action.choices = [c for c in action.choices if c[0] != self.ASSIGN]
        del self.fields["assignee"]

    def clean(self):
        data = super().clean()
        for name in ("note", "delay_reason", "reason"):
            data[name] = clean(data.get(name, ""))
        action = data.get("action")
        if action == self.ASSIGN and not data.get("assignee"):
            self.add_error("assignee", _("Xin chọn người được giao."))
        if action == self.DONE and not data["note"]:
            self.add_error("note", _("Xin ghi kết quả đạt được."))
        if action == self.DEADLINE:
            new = data.get("new_due_date")
            if new is None:
                self.add_error("new_due_date", _("Xin chọn hạn đề nghị."))
            elif not self.today <= new <= self.today + self.LONGEST_DEADLINE:
                self.add_error(
                    "new_due_date",
                    _("Hạn đề nghị phải từ hôm nay đến %(last)s.")
                    % {"last": (self.today + self.LONGEST_DEADLINE).strftime("%d/%m/%Y")},
                )
            if not data["reason"]:
                self.add_error("reason", _("Xin nêu lý do đề nghị điều chỉnh thời hạn."))
        return data
