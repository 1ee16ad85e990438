from __future__ import annotations

import re
from datetime import date

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from plans.text import clean, fold


def choice_label(choices: type[models.Choices], value: str) -> str:
    """The label of `value` among `choices`, or the value itself when it is not one of them.
    For pages that show many rows: `get_FOO_display()` translates every label of the field on
    each call, and `Choices.values` builds its list anew."""
    try:
        return str(choices(value).label)
    except ValueError:
        return value


def plan_label(kind: str, number: str) -> str:
    """ "Kế hoạch số 12/KH-SKHCN", or the kind alone while the plan has no number."""
    # Not get_kind_display(): it translates the whole choice list on every call, and plan
    # names fill the task list's filter and every row.
    kind = choice_label(DocumentKind, kind)
    if not number:
        return kind
    if number.startswith("/"):
        return f"{kind} số {number} (chưa lấy số)"
    return f"{kind} số {number}"


class UnitKind(models.TextChoices):
    CITY = "city", _("UBND tỉnh/thành phố")
    DEPARTMENT = "department", _("Sở, ban, ngành")
    LEADERSHIP = "leadership", _("Ban Giám đốc")
    DIVISION = "division", _("Phòng")
    CENTRE = "centre", _("Trung tâm, đơn vị sự nghiệp")
    COMMUNE = "commune", _("UBND xã, phường")
    OTHER = "other", _("Khác")


class UnitQuerySet(models.QuerySet):
    def descendant_ids(self, root_ids: set[int]) -> set[int]:
        """The given units and everything below them (one query; unit trees are small)."""
        return set().union(set(root_ids), *self.subtrees(root_ids).values())

    def subtrees(self, root_ids) -> dict[int, set[int]]:
        """{root: the root and everything below it} for each of the given units, in one query."""
        return unit_subtrees(self.values_list("pk", "parent_id"), root_ids)


def unit_subtrees(edges, root_ids) -> dict[int, set[int]]:
    """{root: the root and everything below it}, from (unit, parent) pairs already read."""
    children: dict[int | None, list[int]] = {}
    for pk, parent_id in edges:
        children.setdefault(parent_id, []).append(pk)
    trees = {}
    for root in root_ids:
        found, stack = set(), [root]
        while stack:
            pk = stack.pop()
            if pk not in found:
                found.add(pk)
                stack.extend(children.get(pk, ()))
        trees[root] = found
    return trees


class Unit(models.Model):
    name = models.CharField(_("tên đơn vị"), max_length=255)
    short_name = models.CharField(_("tên viết tắt"), max_length=100, blank=True)
    aliases = models.JSONField(
        _("cách viết khác"),
        default=list,
        blank=True,
        help_text=_("Các cách viết tên đơn vị trong văn bản, ví dụ: “VP Sở”, “Văn phòng”."),
    )
    kind = models.CharField(
        _("loại"), max_length=20, choices=UnitKind.choices, default=UnitKind.OTHER
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("trực thuộc"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
    )
    order = models.PositiveIntegerField(_("thứ tự"), default=0)
    is_active = models.BooleanField(_("đang hoạt động"), default=True)

    objects = UnitQuerySet.as_manager()

    class Meta:
        verbose_name = _("đơn vị")
        verbose_name_plural = _("đơn vị")
        ordering = ["order", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["parent", "name"],
                name="unit_unique_name_in_parent",
                violation_error_message=_("Đã có một đơn vị cùng tên trực thuộc đơn vị này."),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        self.normalise()
        super().save(*args, **kwargs)

    def clean(self) -> None:
        # Before the uniqueness check (full_clean runs clean() first), so that a name equal to
        # another after NFC and space folding is a form error, not an IntegrityError at save.
        self.normalise()

    def normalise(self) -> None:
        self.name = clean(self.name)
        self.short_name = clean(self.short_name)
        self.aliases = [clean(a) for a in self.aliases or () if clean(a)]

    @property
    def display_name(self) -> str:
        return self.short_name or self.name

    @staticmethod
    def choice_labels(units) -> list[tuple[int, str]]:
        """(pk, display name) of each unit, read as values (tasks.forms.select_options)."""
        return [
            (pk, short_name or name)
            for pk, short_name, name in units.values_list("pk", "short_name", "name")
        ]

    def spellings(self) -> list[str]:
        """Every way this unit is written, folded for matching."""
        names = [self.name, self.short_name, *self.aliases]
        return sorted({fold(n) for n in names if n})


class DocumentKind(models.TextChoices):
    PLAN = "ke_hoach", _("Kế hoạch")
    PROGRAMME = "chuong_trinh", _("Chương trình")
    DECISION = "quyet_dinh", _("Quyết định")
    DIRECTIVE = "chi_thi", _("Chỉ thị")
    CONCLUSION = "ket_luan", _("Kết luận")
    RESOLUTION = "nghi_quyet", _("Nghị quyết")
    OTHER = "khac", _("Văn bản khác")


_ISSUED_AS_WRITTEN = re.compile(
    r"ngày\s*(?P<d>\d{1,2})?\s*tháng\s*(?P<m>\d{1,2})?\s*năm\s*(?P<y>\d{4})", re.IGNORECASE
)


class Plan(models.Model):
    number = models.CharField(
        _("số, ký hiệu"),
        max_length=100,
        blank=True,
        help_text=_("Ví dụ: 83/KH-UBND. Có thể để trống khi văn bản chưa lấy số (Số: /KH-SKHCN)."),
    )
    kind = models.CharField(
        _("loại văn bản"), max_length=20, choices=DocumentKind.choices, default=DocumentKind.PLAN
    )
    short_name = models.CharField(
        _("tên ngắn"),
        max_length=100,
        blank=True,
        help_text=_("Tên gọi quen dùng trong danh sách, ví dụ: “KH 500 ngày đêm”."),
    )
    issuing_body = models.CharField(_("cơ quan ban hành"), max_length=255)
    issuing_unit = models.ForeignKey(
        Unit,
        verbose_name=_("đơn vị ban hành"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="issued_plans",
    )
    place = models.CharField(_("địa danh"), max_length=100, blank=True)
    issued_on = models.DateField(_("ngày ban hành"), null=True, blank=True)
    issued_as_written = models.CharField(
        _("ngày ban hành (như trong văn bản)"),
        max_length=100,
        blank=True,
        help_text=_("Ví dụ: “ngày   tháng 6 năm 2026” khi văn bản chưa ghi ngày."),
    )
    title = models.TextField(_("trích yếu"))
    default_authority = models.CharField(
        _("cấp có thẩm quyền"),
        max_length=255,
        blank=True,
        help_text=_(
            "Người/cơ quan nghiệm thu kết quả khi đơn vị chủ trì không có lãnh đạo phụ trách "
            "trong hệ thống, ví dụ: Chủ tịch UBND thành phố."
        ),
    )
    signer_name = models.CharField(_("người ký"), max_length=150, blank=True)
    signer_title = models.CharField(
        _("chức vụ người ký"),
        max_length=150,
        blank=True,
        help_text=_("Ví dụ: KT. GIÁM ĐỐC / PHÓ GIÁM ĐỐC"),
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("kế hoạch cấp trên"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="implementing_plans",
        help_text=_("Kế hoạch mà văn bản này triển khai thực hiện."),
    )
    recipients = models.TextField(_("nơi nhận"), blank=True, help_text=_("Mỗi dòng một nơi nhận."))
    notes = models.TextField(
        _("chú thích"),
        blank=True,
        help_text=_("Chú thích, ghi chú dưới bảng nhiệm vụ (mỗi dòng một chú thích)."),
    )
    original_file = models.FileField(_("tệp gốc"), upload_to="plans/%Y/", blank=True)
    slug = models.SlugField(
        _("mã nội bộ"),
        max_length=100,
        unique=True,
        help_text=_("Mã dùng để nhận lại văn bản khi nhập lại (không hiển thị cho người dùng)."),
    )
    created_at = models.DateTimeField(_("ngày tạo"), auto_now_add=True)

    class Meta:
        verbose_name = _("kế hoạch")
        verbose_name_plural = _("kế hoạch")
        ordering = ["-issued_on", "number"]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        """Short, for lists: the usual name, else the number."""
        return self.short_name or self.label

    @property
    def label(self) -> str:
        return plan_label(self.kind, self.number)

    @staticmethod
    def choice_labels(plans) -> list[tuple[int, str]]:
        """(pk, display name) of each plan, read as values (tasks.forms.select_options)."""
        rows = plans.values_list("pk", "short_name", "kind", "number")
        return [
            (pk, short_name or plan_label(kind, number)) for pk, short_name, kind, number in rows
        ]

    @property
    def issue_date(self) -> date | None:
        """The day the plan was issued; for a draft that carries only "ngày   tháng 6 năm 2026",
        the first day of the month (or of the year) it names; None when it says nothing."""
        if self.issued_on:
            return self.issued_on
        found = _ISSUED_AS_WRITTEN.search(self.issued_as_written or "")
        if found:
            year = int(found["y"])
            month = int(found["m"] or 1)
            day = int(found["d"] or 1)
            try:
                return date(year, month, day)
            except ValueError:
                return date(year, 1, 1)
        return None

    @property
    def reference_date(self) -> date:
        """The date deadlines without a year are read against: the issue date, else the day
        the plan was entered."""
        if issued := self.issue_date:
            return issued
        return timezone.localdate(self.created_at) if self.created_at else timezone.localdate()


class PlanBasis(models.Model):
    """A document the plan is based on ("Căn cứ …"): another plan here, or one outside."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="bases")
    referenced_plan = models.ForeignKey(
        Plan,
        verbose_name=_("kế hoạch trong hệ thống"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    reference = models.TextField(_("văn bản căn cứ"))
    order = models.PositiveIntegerField(_("thứ tự"), default=0)

    class Meta:
        verbose_name = _("căn cứ")
        verbose_name_plural = _("căn cứ")
        ordering = ["order"]

    def __str__(self) -> str:
        return self.reference[:100]


class Phase(models.Model):
    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="phases")
    order = models.PositiveIntegerField(_("thứ tự"))
    name = models.CharField(_("tên giai đoạn"), max_length=255)
    start = models.DateField(_("từ ngày"), null=True, blank=True)
    end = models.DateField(_("đến ngày"), null=True, blank=True)
    end_as_written = models.CharField(
        _("thời gian (như trong văn bản)"), max_length=255, blank=True
    )
    description = models.TextField(_("nội dung trọng tâm"), blank=True)

    class Meta:
        verbose_name = _("giai đoạn")
        verbose_name_plural = _("giai đoạn")
        ordering = ["plan", "order"]
        constraints = [models.UniqueConstraint(fields=["plan", "order"], name="phase_unique_order")]

    def __str__(self) -> str:
        return self.name


class Comparator(models.TextChoices):
    AT_LEAST = "gte", _("≥ (tối thiểu)")
    AT_MOST = "lte", _("≤ (tối đa)")
    EQUAL = "eq", _("= (bằng)")
    REDUCE_BY = "reduce", _("giảm ít nhất (so với kỳ gốc)")
    INCREASE_BY = "increase", _("tăng ít nhất (so với kỳ gốc)")


class Target(models.Model):
    """A quantitative target (chỉ tiêu): not a task, a figure the units report each period."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="targets")
    order = models.PositiveIntegerField(_("thứ tự"), default=0)
    name = models.CharField(_("chỉ tiêu"), max_length=500)
    comparator = models.CharField(_("so sánh"), max_length=10, choices=Comparator.choices)
    target_value = models.DecimalField(_("giá trị mục tiêu"), max_digits=12, decimal_places=2)
    unit_of_measure = models.CharField(_("đơn vị tính"), max_length=50, default="%")
    baseline = models.CharField(
        _("kỳ gốc / giá trị gốc"), max_length=255, blank=True, help_text=_("Ví dụ: năm 2025")
    )
    baseline_value = models.DecimalField(
        _("giá trị kỳ gốc"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_(
            "Số liệu của kỳ gốc (ví dụ số hội nghị năm 2025) mà chỉ tiêu giảm/tăng so sánh với."
        ),
    )
    responsible_unit = models.ForeignKey(
        Unit, verbose_name=_("đơn vị theo dõi"), on_delete=models.PROTECT, null=True, blank=True
    )
    as_written = models.TextField(_("nguyên văn"), blank=True)

    class Meta:
        verbose_name = _("chỉ tiêu")
        verbose_name_plural = _("chỉ tiêu")
        ordering = ["plan", "order"]

    def __str__(self) -> str:
        return self.name

    def is_met(self, value) -> bool:
        """Whether a reported figure meets the target (a reduction is reported as a positive %)."""
        if self.comparator == Comparator.AT_MOST:
            return value <= self.target_value
        if self.comparator == Comparator.EQUAL:
            return value == self.target_value
        return value >= self.target_value


class TargetResult(models.Model):
    """A figure a unit reports against a target for one period."""

    target = models.ForeignKey(Target, on_delete=models.CASCADE, related_name="results")
    unit = models.ForeignKey(
        Unit, verbose_name=_("đơn vị"), on_delete=models.PROTECT, null=True, blank=True
    )
    period_end = models.DateField(_("kỳ báo cáo (đến ngày)"))
    value = models.DecimalField(_("giá trị đạt được"), max_digits=12, decimal_places=2)
    measured = models.DecimalField(
        _("số liệu đo được"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("Với chỉ tiêu giảm/tăng so với kỳ gốc: số liệu của kỳ, từ đó tính %."),
    )
    note = models.TextField(_("ghi chú"), blank=True)
    evidence_link = models.URLField(_("đường dẫn minh chứng"), max_length=500, blank=True)
    evidence_file = models.FileField(_("tệp minh chứng"), upload_to="targets/%Y/", blank=True)
    recorded_by = models.ForeignKey(
        "accounts.User",
        verbose_name=_("người nhập"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
    )
    recorded_at = models.DateTimeField(_("thời điểm nhập"), auto_now_add=True)

    class Meta:
        verbose_name = _("kết quả chỉ tiêu")
        verbose_name_plural = _("kết quả chỉ tiêu")
        ordering = ["target", "-period_end"]

    def __str__(self) -> str:
        return f"{self.target} — {self.value} ({self.period_end:%d/%m/%Y})"
