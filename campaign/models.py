"""The emulation campaign (phong trào thi đua) a plan launches: commitments, registered key,
breakthrough and backlog tasks, and the bottleneck register. It stands above tasks: it links to
tasks and plans, never the reverse."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from plans.models import Plan, Target, Unit
from tasks.models import AppendOnly, Task


class Campaign(models.Model):
    """A plan run as an emulation campaign (001: "500 ngày đêm")."""

    plan = models.OneToOneField(
        Plan, verbose_name=_("kế hoạch"), on_delete=models.CASCADE, related_name="campaign"
    )
    started_on = models.DateField(
        _("ngày phát động"),
        help_text=_(
            "Mốc “trước khi triển khai phong trào”: số nhiệm vụ trễ hạn được so với cùng một "
            "khoảng thời gian ngay trước ngày này."
        ),
    )
    targets_due_on = models.DateField(
        _("hạn hoàn thành chỉ tiêu"),
        help_text=_("Lộ trình của mỗi chỉ tiêu đi từ giá trị gốc tới mục tiêu vào ngày này."),
    )
    late_task_target = models.ForeignKey(
        Target,
        verbose_name=_("chỉ tiêu giảm nhiệm vụ trễ hạn"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Chỉ tiêu do cổng tự tính từ dữ liệu nhiệm vụ, không nhập tay."),
    )
    commitment_target = models.ForeignKey(
        Target,
        verbose_name=_("chỉ tiêu ký cam kết"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Tỷ lệ người đã ký cam kết: cổng tự tính từ các đợt ký, không nhập tay."),
    )
    # The emulation ranking (campaign/ranking.py): the weight of each share in a unit's score,
    # and the scores that put a unit or a person on the lists proposed for awards and for
    # accountability. Defaults: the campaign's first goal is to cut late tasks (on time ≥ 98%),
    # so the on-time rate weighs half; targets and registered tasks, what units commit to, a
    # fifth each; bottlenecks, which only some units have, the rest.
    weight_on_time = models.PositiveSmallIntegerField(_("trọng số: đúng hạn"), default=50)
    weight_targets = models.PositiveSmallIntegerField(_("trọng số: chỉ tiêu đạt"), default=20)
    weight_registrations = models.PositiveSmallIntegerField(
        _("trọng số: nhiệm vụ đăng ký hoàn thành"), default=20
    )
    weight_bottlenecks = models.PositiveSmallIntegerField(
        _("trọng số: điểm nghẽn tháo gỡ"), default=10
    )
    award_threshold = models.PositiveSmallIntegerField(
        _("điểm đề nghị khen thưởng (từ)"), default=90
    )
    accountability_threshold = models.PositiveSmallIntegerField(
        _("điểm xem xét trách nhiệm (dưới)"), default=50
    )

    class Meta:
        verbose_name = _("phong trào thi đua")
        verbose_name_plural = _("phong trào thi đua")
        ordering = ["-started_on"]

    def __str__(self) -> str:
        return self.plan.display_name


class CommitmentRound(models.Model):
    """A round of signing (đợt ký cam kết) with the text everyone signs."""

    campaign = models.ForeignKey(
        Campaign, verbose_name=_("phong trào"), on_delete=models.CASCADE, related_name="rounds"
    )
    title = models.CharField(_("tên đợt"), max_length=255)
    text = models.TextField(_("nội dung cam kết"))
    opened_on = models.DateField(_("ngày mở"))
    due_on = models.DateField(_("hạn ký"), null=True, blank=True)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("người mở"), on_delete=models.PROTECT
    )

    class Meta:
        verbose_name = _("đợt ký cam kết")
        verbose_name_plural = _("đợt ký cam kết")
        ordering = ["-opened_on", "-pk"]

    def __str__(self) -> str:
        return self.title


class Commitment(AppendOnly):
    """A signed commitment: the text as signed and what was registered, never changed."""

    round = models.ForeignKey(
        CommitmentRound, verbose_name=_("đợt"), on_delete=models.PROTECT, related_name="signed"
    )
    signer = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("người ký"), on_delete=models.PROTECT
    )
    unit = models.ForeignKey(
        Unit,
        verbose_name=_("ký thay mặt đơn vị"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        help_text=_("Trống: cam kết cá nhân; có: người đứng đầu ký cho đơn vị."),
    )
    text = models.TextField(_("nội dung đã ký"))
    own_works = models.TextField(_("công trình, phần việc đăng ký"), blank=True)
    # The registrations named, as they read when signed: [{"id", "kind", "title"}].
    registered = models.JSONField(_("nhiệm vụ trọng tâm, đột phá đăng ký"), default=list)
    signed_on = models.DateField(_("ngày ký"))
    signed_at = models.DateTimeField(_("thời điểm ký"))

    class Meta:
        verbose_name = _("cam kết")
        verbose_name_plural = _("cam kết")
        ordering = ["-signed_at"]
        constraints = [
            # One personal and one unit commitment per person and round: a double click signs once.
            models.UniqueConstraint(
                fields=["round", "signer"],
                condition=Q(unit__isnull=True),
                name="commitment_one_personal",
            ),
            models.UniqueConstraint(
                fields=["round", "unit"],
                condition=Q(unit__isnull=False),
                name="commitment_one_per_unit",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.signer} · {self.round}"


class Reminder(models.Model):
    """A reminder sent about a commitment round or a bottleneck: one per person, subject and day,
    so a second click or a second run of the job sends nothing."""

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    subject = models.CharField(max_length=40)  # "round-<pk>" or "bottleneck-<pk>"
    day = models.DateField()
    sent_at = models.DateTimeField()

    class Meta:
        verbose_name = _("lời nhắc")
        verbose_name_plural = _("lời nhắc")
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "subject", "day"], name="reminder_once_a_day"
            )
        ]

    def __str__(self) -> str:
        return f"{self.subject} → {self.recipient_id} ({self.day:%d/%m/%Y})"


class RegistrationKind(models.TextChoices):
    KEY = "key", _("Nhiệm vụ trọng tâm")
    BREAKTHROUGH = "breakthrough", _("Nhiệm vụ đột phá")
    BACKLOG = "backlog", _("Nhiệm vụ tồn đọng")


class RegistrationState(models.TextChoices):
    PENDING = "pending", _("Chờ duyệt")
    APPROVED = "approved", _("Đã duyệt")
    REFUSED = "refused", _("Không duyệt")


class Registration(models.Model):
    """A task a unit registers as key, breakthrough or backlog: an existing task, or a new one
    created when the leader in charge approves it."""

    campaign = models.ForeignKey(
        Campaign,
        verbose_name=_("phong trào"),
        on_delete=models.CASCADE,
        related_name="registrations",
    )
    unit = models.ForeignKey(Unit, verbose_name=_("đơn vị"), on_delete=models.PROTECT)
    kind = models.CharField(_("loại"), max_length=20, choices=RegistrationKind.choices)
    task = models.ForeignKey(
        Task,
        verbose_name=_("nhiệm vụ"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="registrations",
    )
    title = models.TextField(_("nội dung"))
    product = models.CharField(_("sản phẩm, kết quả"), max_length=500, blank=True)
    due_date = models.DateField(_("thời hạn"), null=True, blank=True)
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người đăng ký"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    registered_at = models.DateTimeField(_("thời điểm đăng ký"))
    state = models.CharField(
        _("trạng thái"),
        max_length=20,
        choices=RegistrationState.choices,
        default=RegistrationState.PENDING,
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người duyệt"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("thời điểm duyệt"), null=True, blank=True)
    comment = models.TextField(_("ý kiến"), blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("đăng ký nhiệm vụ")
        verbose_name_plural = _("đăng ký nhiệm vụ")
        ordering = ["unit__order", "unit__name", "kind", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "task", "kind"],
                condition=Q(task__isnull=False),
                name="registration_once_per_task",
            )
        ]

    def __str__(self) -> str:
        return self.title[:80]


class BottleneckState(models.TextChoices):
    OPEN = "open", _("Chưa tháo gỡ")
    CLEARING = "clearing", _("Đang tháo gỡ")
    CLEARED = "cleared", _("Đã tháo gỡ")
    ESCALATED = "escalated", _("Đã báo cáo cấp trên")


class Bottleneck(models.Model):
    """A bottleneck (điểm nghẽn, nút thắt): what is blocked, why, who answers for it, and the
    tasks with deadlines that clear it."""

    campaign = models.ForeignKey(
        Campaign, verbose_name=_("phong trào"), on_delete=models.CASCADE, related_name="bottlenecks"
    )
    unit = models.ForeignKey(
        Unit, verbose_name=_("đơn vị chịu trách nhiệm"), on_delete=models.PROTECT
    )
    title = models.CharField(_("điểm nghẽn (việc bị vướng)"), max_length=500)
    cause = models.TextField(_("nguyên nhân"))
    responsible = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người chịu trách nhiệm"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    leader = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("lãnh đạo phụ trách"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    state = models.CharField(
        _("trạng thái"),
        max_length=20,
        choices=BottleneckState.choices,
        default=BottleneckState.OPEN,
    )
    note = models.TextField(_("ghi chú lần cập nhật cuối"), blank=True)
    tasks = models.ManyToManyField(
        Task, verbose_name=_("nhiệm vụ tháo gỡ"), blank=True, related_name="bottlenecks"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người ghi"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("thời điểm ghi"))
    moved_at = models.DateTimeField(
        _("thay đổi lần cuối"),
        help_text=_("Lần đổi trạng thái hoặc ghi chú, hay thêm nhiệm vụ tháo gỡ gần nhất."),
    )
    cleared_on = models.DateField(_("ngày tháo gỡ xong"), null=True, blank=True)

    history = HistoricalRecords(
        m2m_fields=[tasks], history_change_reason_field=models.TextField(null=True)
    )

    class Meta:
        verbose_name = _("điểm nghẽn")
        verbose_name_plural = _("điểm nghẽn")
        ordering = ["state", "-moved_at"]
        indexes = [models.Index(fields=["state", "moved_at"], name="bottleneck_state_moved")]

    def __str__(self) -> str:
        return self.title

    @property
    def is_open(self) -> bool:
        return self.state != BottleneckState.CLEARED
