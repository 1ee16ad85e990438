from __future__ import annotations

import calendar
from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from plans.text import fold
from reporting.data import ScopeKind
from reporting.narrative import Document, organisation_defaults
from reporting.periods import PeriodKind


class ReportState(models.TextChoices):
    DRAFT = "draft", _("Dự thảo")
    GENERATING = "generating", _("Đang tạo tệp")
    ISSUED = "issued", _("Đã ban hành")
    FAILED = "failed", _("Lỗi khi tạo tệp")


class Report(models.Model):
    """A periodic report: a draft Văn phòng edits, then issued with its data and files frozen.

    Issuing the same period and scope again makes a new version; an issued report never changes.
    """

    kind = models.CharField(_("loại báo cáo"), max_length=20, choices=PeriodKind.choices)
    period_code = models.CharField(_("kỳ"), max_length=30)
    cutoff = models.BooleanField(
        _("chốt số liệu theo Nghị định 09/2019/NĐ-CP"),
        default=True,
        help_text=_("Bỏ chọn để tính theo kỳ dương lịch."),
    )
    period_key = models.CharField(max_length=60, editable=False)
    period_start = models.DateField(_("từ ngày"))
    period_end = models.DateField(_("đến ngày"))
    title = models.CharField(_("trích yếu"), max_length=500)

    scope_kind = models.CharField(
        _("phạm vi"), max_length=20, choices=ScopeKind.choices, default=ScopeKind.ORGANISATION
    )
    scope_unit = models.ForeignKey(
        "plans.Unit", verbose_name=_("đơn vị"), on_delete=models.PROTECT, null=True, blank=True
    )
    scope_plan = models.ForeignKey(
        "plans.Plan", verbose_name=_("kế hoạch"), on_delete=models.PROTECT, null=True, blank=True
    )
    scope_leader = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("lãnh đạo phụ trách"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    scope_other_bodies = models.BooleanField(
        _("gồm cả nhiệm vụ do cơ quan khác chủ trì"),
        default=False,
        help_text=_("Với phạm vi toàn cơ quan hoặc một kế hoạch."),
    )
    scope_key = models.CharField(max_length=40, editable=False)

    state = models.CharField(
        _("trạng thái"), max_length=20, choices=ReportState.choices, default=ReportState.DRAFT
    )
    progress = models.PositiveSmallIntegerField(_("tiến độ tạo tệp (%)"), default=0)
    issuing = models.BooleanField(default=False, editable=False)  # the job makes the final files
    error = models.TextField(_("lỗi"), blank=True)
    # The build under way. Each request to generate is a new `attempt`, carried by its job, so a
    # job redelivered after its worker died finishes the same build, while a late job of an
    # older build does nothing. `runs` counts how often this build was started (a build that
    # kills its worker each time is stopped, not retried forever); the job beats `heartbeat_at`
    # while it works, and the sweep fails a build whose heartbeat has stopped.
    attempt = models.PositiveIntegerField(default=0, editable=False)
    runs = models.PositiveSmallIntegerField(default=0, editable=False)
    queued_at = models.DateTimeField(_("yêu cầu tạo tệp lúc"), null=True, blank=True)
    started_at = models.DateTimeField(_("bắt đầu tạo tệp lúc"), null=True, blank=True)
    heartbeat_at = models.DateTimeField(_("còn hoạt động lúc"), null=True, blank=True)
    version = models.PositiveIntegerField(_("lần ban hành"), null=True, blank=True)

    # The parts Văn phòng writes before issuing.
    number = models.CharField(_("số báo cáo"), max_length=20, blank=True)
    assessment = models.TextField(_("đánh giá chung"), blank=True)
    proposals = models.TextField(_("đề xuất, kiến nghị"), blank=True)
    recipients = models.TextField(_("nơi nhận"), blank=True, help_text=_("Mỗi dòng một nơi nhận."))
    signer_title = models.CharField(
        _("chức vụ người ký"),
        max_length=150,
        blank=True,
        help_text=_("Mỗi dòng một dòng, ví dụ: KT. GIÁM ĐỐC / PHÓ GIÁM ĐỐC."),
    )
    signer_name = models.CharField(_("người ký"), max_length=150, blank=True)

    snapshot = models.JSONField(_("số liệu đã chốt"), null=True, blank=True, editable=False)
    data_as_of = models.DateField(_("số liệu tính đến ngày"), null=True, blank=True)
    pdf = models.FileField(_("tệp PDF"), upload_to="reports/%Y/", blank=True)
    xlsx = models.FileField(_("tệp Excel"), upload_to="reports/%Y/", blank=True)

    prepared_automatically = models.BooleanField(_("chuẩn bị tự động"), default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người tạo"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("ngày tạo"), auto_now_add=True)
    generated_at = models.DateTimeField(_("tạo tệp lúc"), null=True, blank=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người ban hành"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    issued_on = models.DateField(_("ngày ban hành"), null=True, blank=True)

    class Meta:
        verbose_name = _("báo cáo")
        verbose_name_plural = _("báo cáo")
        ordering = ["-period_end", "-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["period_key", "scope_key", "version"],
                condition=Q(state="issued"),
                name="report_one_issue_per_version",
            )
        ]
        indexes = [models.Index(fields=["period_key", "scope_key"], name="report_period_scope")]

    def __str__(self) -> str:
        version = f" (lần {self.version})" if self.version else ""
        return f"{self.title}{version}"

    def save(self, *args, **kwargs):
        # An issued report is evidence: its data, narrative and files never change.
        if self.pk and Report.objects.filter(pk=self.pk, state=ReportState.ISSUED).exists():
            raise ValueError("Báo cáo đã ban hành không thể sửa.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if self.state == ReportState.ISSUED:
            raise ValueError("Báo cáo đã ban hành không thể xóa.")
        return super().delete(*args, **kwargs)

    @property
    def ends_early(self) -> bool:
        """Its data stop before the period's usual last day, so that it is sent by its due date
        (the period's key says so: reporting.periods.Period.key)."""
        return self.period_key.endswith(f":den-{self.period_end.isoformat()}")

    @property
    def is_issued(self) -> bool:
        return self.state == ReportState.ISSUED

    @property
    def is_editable(self) -> bool:
        return self.state in (ReportState.DRAFT, ReportState.FAILED)

    def document(self, *, final: bool = False) -> Document:
        return Document(
            **organisation_defaults(self.scope_unit),
            year=self.period_end.year,
            number=self.number,
            issued_on=self.issued_on if final else None,
            signer_title=self.signer_title,
            signer_name=self.signer_name,
            recipients=[line.strip() for line in self.recipients.splitlines() if line.strip()],
            assessment=self.assessment,
            proposals=self.proposals,
            draft=not final,
            version=self.version,
        )

    def file_name(self, extension: str) -> str:
        """Vietnamese without accents, as a clerk would name the file:
        "bao-cao-6-thang-dau-nam-2026-lan-1.pdf" (the title's period and scope)."""
        state = f"lan {self.version}" if self.version else "du thao"
        what = self.title.removeprefix("Kết quả thực hiện nhiệm vụ")
        words = fold(f"bao cao {what} {state}")
        return f"{slugify(words)[:150]}.{extension}"


class RequiredReport(models.Model):
    """A periodic report a plan requires of the department, and in which years: plan 83 wants
    the 6-month report by 10/6 and the annual one by 10/12, except that in 2026 (its footnote 2)
    only the annual one. The portal prepares a draft of each ahead of its due date; the
    department's own reports (services.DUE_REPORTS) are prepared whatever the plans say."""

    plan = models.ForeignKey(
        "plans.Plan",
        verbose_name=_("kế hoạch"),
        on_delete=models.CASCADE,
        related_name="required_reports",
    )
    kind = models.CharField(
        _("loại báo cáo"),
        max_length=20,
        choices=[
            (kind.value, kind.label)
            for kind in (
                PeriodKind.MONTHLY,
                PeriodKind.QUARTERLY,
                PeriodKind.SEMIANNUAL,
                PeriodKind.ANNUAL,
            )
        ],
    )
    due_day = models.PositiveSmallIntegerField(
        _("hạn gửi: ngày"), validators=[MinValueValidator(1), MaxValueValidator(31)]
    )
    due_month = models.PositiveSmallIntegerField(
        _("hạn gửi: tháng"),
        validators=[MinValueValidator(1), MaxValueValidator(12)],
        help_text=_("Báo cáo là của kỳ có ngày hạn gửi, ví dụ hạn 10/6: báo cáo 6 tháng đầu năm."),
    )
    first_year = models.PositiveSmallIntegerField(
        _("từ năm"),
        null=True,
        blank=True,
        validators=[MinValueValidator(2000), MaxValueValidator(2100)],
        help_text=_("Để trống: từ khi ban hành kế hoạch."),
    )
    last_year = models.PositiveSmallIntegerField(
        _("đến năm"),
        null=True,
        blank=True,
        validators=[MinValueValidator(2000), MaxValueValidator(2100)],
        help_text=_("Để trống: không giới hạn."),
    )
    note = models.CharField(
        _("căn cứ"),
        max_length=300,
        blank=True,
        help_text=_("Ví dụ: Chú thích 2 của kế hoạch: năm 2026 chỉ báo cáo cuối năm."),
    )

    class Meta:
        verbose_name = _("báo cáo kế hoạch yêu cầu")
        verbose_name_plural = _("báo cáo kế hoạch yêu cầu")
        ordering = ["plan_id", "due_month", "due_day"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}, trước ngày {self.due_day:02d}/{self.due_month:02d}"

    def clean(self):
        errors = {}
        # A day every year has: 29/02 is not.
        if (
            self.due_month in range(1, 13)
            and self.due_day
            and self.due_day > calendar.monthrange(2001, self.due_month)[1]
        ):
            errors["due_day"] = _("Tháng %(month)s không có ngày %(day)s mọi năm.") % {
                "month": self.due_month,
                "day": self.due_day,
            }
        if self.first_year and self.last_year and self.last_year < self.first_year:
            errors["last_year"] = _("Năm kết thúc phải từ năm bắt đầu trở đi.")
        if errors:
            raise ValidationError(errors)

    def applies_in(self, year: int) -> bool:
        return (self.first_year or year) <= year <= (self.last_year or year)

    def due_in(self, year: int) -> date:
        return date(year, self.due_month, self.due_day)
