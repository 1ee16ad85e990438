from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from imports.tables import MAX_BYTES, ReadTable, TableError, read_text
from imports.tables.cells import NoHeader
from imports.tables.uploads import check_text_size, check_upload
from plans.models import DocumentKind, Plan, Unit
from plans.text import clean
from tasks.forms import DATE_WIDGET


class ImportStartForm(forms.Form):
    plan = forms.ModelChoiceField(
        label=_("Kế hoạch"),
        queryset=Plan.objects.all(),
        required=False,
        empty_label=_("— Kế hoạch mới —"),
        help_text=_("Chọn kế hoạch đã có để nhập lại (cập nhật) bảng của nó."),
    )
    number = forms.CharField(label=_("Số, ký hiệu"), required=False, max_length=100)
    kind = forms.ChoiceField(
        label=_("Loại văn bản"), choices=DocumentKind.choices, initial=DocumentKind.PLAN
    )
    issuing_body = forms.CharField(label=_("Cơ quan ban hành"), required=False, max_length=255)
    issuing_unit = forms.ModelChoiceField(
        label=_("Đơn vị ban hành trong hệ thống"),
        queryset=Unit.objects.filter(is_active=True),
        required=False,
        help_text=_("Để “các phòng, đơn vị” được giao cho đúng các đơn vị trực thuộc."),
    )
    issued_on = forms.DateField(label=_("Ngày ban hành"), required=False, widget=DATE_WIDGET)
    title = forms.CharField(
        label=_("Trích yếu"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    file = forms.FileField(
        label=_("Tệp bảng phân công"),
        required=False,
        help_text=_("Excel (.xlsx), Word (.docx), .csv hoặc .txt; tối đa 10 MB."),
    )
    sheet = forms.CharField(
        label=_("Trang tính (tệp Excel)"),
        required=False,
        max_length=255,
        help_text=_("Để trống: đọc trang tính đầu tiên có bảng nhiệm vụ."),
    )
    text = forms.CharField(
        label=_("Hoặc dán bảng từ Word/PDF"),
        required=False,
        widget=forms.Textarea(
            attrs={
                "rows": 6,
                "placeholder": _("STT  Nội dung  Chủ trì  Phối hợp  Sản phẩm  Thời hạn"),
            }
        ),
    )

    def clean_issued_on(self):
        issued_on = self.cleaned_data["issued_on"]
        if issued_on and not 1990 <= issued_on.year <= 2100:
            raise forms.ValidationError(_("Ngày ban hành không hợp lệ (năm 1990–2100)."))
        return issued_on

    def clean(self):
        data = super().clean()
        if not data.get("plan") and not (data.get("title") and data.get("issuing_body")):
            raise forms.ValidationError(
                _("Kế hoạch mới cần có trích yếu và cơ quan ban hành, hoặc chọn kế hoạch đã có.")
            )
        upload, pasted = data.get("file"), (data.get("text") or "").strip()
        if not upload and not pasted:
            raise forms.ValidationError(_("Xin chọn tệp hoặc dán bảng phân công nhiệm vụ."))
        try:
            self.table = self._read(upload, pasted)
        except NoHeader as error:
            self.table = error.table  # rows in columns, none recognised: the clerk maps them
        except TableError as error:
            raise forms.ValidationError(str(error)) from error
        if self.table is not None and not self.table.rows and self.table.header_line is not None:
            raise forms.ValidationError(_("Không tìm thấy dòng nhiệm vụ nào trong bảng."))
        return data

    def _read(self, upload, pasted: str) -> ReadTable | None:
        """Pasted text is read now; a file only checked (empty, too large, not a table…): it
        is read in the background, in a process of its own."""
        if upload:
            if upload.size > MAX_BYTES:
                raise TableError(_("Tệp quá lớn (hơn 10 MB). Xin chỉ gửi phần bảng phân công."))
            check_upload(upload.name, upload.read())
            upload.seek(0)
            return None
        check_text_size(pasted)
        return read_text(pasted)

    def new_plan_fields(self) -> dict:
        data = self.cleaned_data
        return {
            "number": clean(data["number"]),
            "kind": data["kind"],
            "issuing_body": clean(data["issuing_body"]),
            "issuing_unit_id": data["issuing_unit"].pk if data["issuing_unit"] else None,
            "issued_on": data["issued_on"].isoformat() if data["issued_on"] else None,
            "title": clean(data["title"]),
        }


class SheetForm(forms.Form):
    """Another sheet of the workbook, to read instead."""

    sheet = forms.ChoiceField(label=_("Trang tính"))

    def __init__(self, *args, sheets: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["sheet"].choices = [(name, name) for name in sheets]


class RowForm(forms.Form):
    order_label = forms.CharField(label=_("STT"), required=False, max_length=20)
    content = forms.CharField(
        label=_("Nội dung công việc"), widget=forms.Textarea(attrs={"rows": 3})
    )
    lead = forms.CharField(
        label=_("Đơn vị chủ trì"),
        required=False,
        widget=forms.TextInput(attrs={"list": "unit-names"}),
        help_text=_("Gõ tên một đơn vị trong danh mục (hoặc “Các phòng, đơn vị”)."),
    )
    coordinating = forms.CharField(
        label=_("Đơn vị phối hợp"),
        required=False,
        widget=forms.TextInput(attrs={"list": "unit-names"}),
    )
    product = forms.CharField(
        label=_("Sản phẩm, kết quả"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    deadline = forms.CharField(label=_("Thời hạn"), required=False)
    person = forms.CharField(
        label=_("Người chịu trách nhiệm"),
        required=False,
        max_length=255,
        help_text=_("Họ tên như trong danh sách người dùng, để giao ngay khi nhập."),
    )
    authority = forms.CharField(label=_("Cấp có thẩm quyền"), required=False, max_length=255)


class ColumnsForm(forms.Form):
    """The mapping step: what each source column is, and which line is the header."""

    header_line = forms.IntegerField(
        label=_("Dòng tiêu đề"),
        min_value=0,
        max_value=1_000_000,
        required=False,
        help_text=_("Số dòng trong tệp; để 0 khi bảng không có dòng tiêu đề."),
    )

    def __init__(self, *args, width: int, **kwargs):
        super().__init__(*args, **kwargs)
        from imports.tables.choice import Choice

        self.width = width
        for position in range(width):
            self.fields[f"col_{position}"] = forms.ChoiceField(
                label=_("Cột %(n)s") % {"n": column_letter(position)},
                choices=Choice.choices,
                initial=Choice.NOTES,
            )

    def mapping(self) -> dict[int, str]:
        return {position: self.cleaned_data[f"col_{position}"] for position in range(self.width)}


def column_letter(position: int) -> str:
    """A, B, … Z, AA, AB …: the letters a clerk sees in Excel."""
    letters = ""
    number = position + 1
    while number:
        number, rest = divmod(number - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters
