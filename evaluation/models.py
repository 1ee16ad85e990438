"""Evaluation of staff and units (đánh giá, xếp loại): schemes, the unit head's judgements on
tasks, each person's evaluation and each unit's for a month or quarter, with the breakdown it was
computed from."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from evaluation.scoring import Level, Rules, SchemeKind
from plans.models import Unit
from tasks.models import Occurrence, Task

PERCENT = [MinValueValidator(0), MaxValueValidator(100)]


def _points(verbose: str, default: int, help_text: str = "") -> models.DecimalField:
    return models.DecimalField(
        verbose, max_digits=5, decimal_places=2, default=Decimal(default),
        validators=PERCENT, help_text=help_text,
    )  # fmt: skip


class Scheme(models.Model):
    """A set of rules (weights and thresholds). The defaults are those of Nghị định 335/2025."""

    name = models.CharField(_("tên"), max_length=200, unique=True)
    kind = models.CharField(
        _("cách xếp loại"), max_length=20, choices=SchemeKind.choices, default=SchemeKind.POINTS
    )
    is_default = models.BooleanField(
        _("mặc định"), default=False, help_text=_("Áp dụng cho các đơn vị chưa được gán cách khác.")
    )
    general_max = _points(_("điểm tiêu chí chung tối đa"), 30)
    results_max = _points(_("điểm kết quả thực hiện nhiệm vụ tối đa"), 70)
    quantity_weight = _points(
        _("trọng số số lượng"), 1, _("70 điểm chia theo tỷ lệ ba trọng số; mặc định bằng nhau.")
    )
    quality_weight = _points(_("trọng số chất lượng"), 1)
    progress_weight = _points(_("trọng số tiến độ"), 1)
    quality_deduction = _points(
        _("trừ điểm chất lượng mỗi lần không đạt (%)"),
        25,
        _("Phần trăm điểm chất lượng của việc đó."),
    )
    progress_deduction = _points(
        _("trừ điểm tiến độ mỗi lần chậm (%)"), 25, _("Phần trăm điểm tiến độ của việc đó.")
    )
    excellent_min = _points(_("xuất sắc từ (điểm)"), 90)
    good_min = _points(_("tốt từ (điểm)"), 70)
    done_min = _points(_("hoàn thành từ (điểm)"), 50)
    excellent_cap = _points(
        _("tỷ lệ xuất sắc tối đa so với số tốt (%)"),
        20,
        _("Số xếp loại xuất sắc không vượt quá tỷ lệ này của số xếp loại tốt, cùng nhóm."),
    )
    own_share = _points(
        _("người đứng đầu đơn vị: phần kết quả cá nhân (%)"),
        50,
        _("Phần còn lại là kết quả của đơn vị họ phụ trách."),
    )
    criteria_done_min = _points(
        _("theo tiêu chí: hoàn thành khi đạt từ (%) công việc đúng hạn, đạt yêu cầu"),
        80,
        _("Nghị định 90/2020: không quá 20% tiêu chí chưa bảo đảm chất lượng, tiến độ."),
    )

    class Meta:
        verbose_name = _("cách đánh giá, xếp loại")
        verbose_name_plural = _("cách đánh giá, xếp loại")
        ordering = ["-is_default", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"], condition=Q(is_default=True), name="scheme_one_default"
            )
        ]

    def __str__(self) -> str:
        return self.name

    def rules(self) -> Rules:
        return Rules(
            kind=self.kind,
            **{
                name: float(getattr(self, name))
                for name in Rules.__dataclass_fields__
                if name != "kind"
            },
        )

    @classmethod
    def default(cls) -> Scheme:
        """The scheme of units not given another (created with the decree's values if missing)."""
        scheme = cls.objects.filter(is_default=True).first()
        return scheme or cls.objects.create(
            name="Nghị định 335/2025/NĐ-CP (công chức)", is_default=True
        )

    @classmethod
    def criteria(cls) -> Scheme:
        """The criteria scheme of Nghị định 90/2020 for viên chức (created if missing)."""
        scheme = cls.objects.filter(kind=SchemeKind.CRITERIA).first()
        return scheme or cls.objects.create(
            name="Nghị định 90/2020/NĐ-CP (viên chức)", kind=SchemeKind.CRITERIA
        )


class UnitScheme(models.Model):
    unit = models.OneToOneField(
        Unit, verbose_name=_("đơn vị"), on_delete=models.CASCADE, related_name="+"
    )
    scheme = models.ForeignKey(Scheme, verbose_name=_("cách đánh giá"), on_delete=models.PROTECT)

    class Meta:
        verbose_name = _("cách đánh giá của đơn vị")
        verbose_name_plural = _("cách đánh giá của đơn vị")

    def __str__(self) -> str:
        return f"{self.unit} — {self.scheme}"

    @classmethod
    def assigned(cls) -> dict[int, Scheme]:
        return {row.unit_id: row.scheme for row in cls.objects.select_related("scheme")}


class TaskFactor(models.Model):
    """The conversion factor (hệ số quy đổi) of a task, for its size or difficulty."""

    task = models.OneToOneField(
        Task, verbose_name=_("nhiệm vụ"), on_delete=models.CASCADE, related_name="+"
    )
    factor = models.DecimalField(
        _("hệ số quy đổi"),
        max_digits=4,
        decimal_places=2,
        default=Decimal(1),
        validators=[MinValueValidator(Decimal("0.1")), MaxValueValidator(Decimal(10))],
    )
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("người đặt"), on_delete=models.PROTECT
    )
    set_at = models.DateTimeField(_("thời điểm"))

    class Meta:
        verbose_name = _("hệ số quy đổi")
        verbose_name_plural = _("hệ số quy đổi")

    def __str__(self) -> str:
        return f"{self.task_id}: {self.factor}"


class TaskJudgement(models.Model):
    """The unit head's word on one piece of work: a result judged not up to standard, or an
    objective cause confirmed for a delay or an error. Kept as evidence; never edited."""

    class Kind(models.TextChoices):
        NOT_UP_TO_STANDARD = "quality", _("Kết quả không đạt yêu cầu")
        DELAY_CAUSE = "delay_cause", _("Chậm do nguyên nhân khách quan (đã xác nhận)")
        ERROR_CAUSE = "error_cause", _("Sai sót do nguyên nhân khách quan (đã xác nhận)")

    task = models.ForeignKey(
        Task, verbose_name=_("nhiệm vụ"), on_delete=models.CASCADE, related_name="+"
    )
    occurrence = models.ForeignKey(
        Occurrence,
        verbose_name=_("kỳ"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    kind = models.CharField(_("loại"), max_length=20, choices=Kind.choices)
    note = models.TextField(_("nội dung"), max_length=2000)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("người ghi nhận"), on_delete=models.PROTECT
    )
    at = models.DateTimeField(_("thời điểm"))

    class Meta:
        verbose_name = _("nhận xét công việc")
        verbose_name_plural = _("nhận xét công việc")
        ordering = ["at", "pk"]
        indexes = [models.Index(fields=["task", "kind"], name="judgement_task_kind")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.task_id}"


class Rated(models.Model):
    """What every evaluation (of a person or of a unit) holds for one month or quarter: the
    breakdown snapshot the level was proposed from, the level proposed and the one confirmed.
    A confirmed evaluation is locked: it keeps its snapshot when the record changes later."""

    class State(models.TextChoices):
        DRAFT = "draft", _("Đang đánh giá")
        CONFIRMED = "confirmed", _("Đã xếp loại")

    period_code = models.CharField(_("kỳ"), max_length=10)
    period_label = models.CharField(_("tên kỳ"), max_length=100)
    period_start = models.DateField(_("từ ngày"))
    period_end = models.DateField(_("đến ngày"))
    scheme = models.ForeignKey(
        Scheme, verbose_name=_("cách đánh giá"), on_delete=models.PROTECT, related_name="+"
    )
    breakdown = models.JSONField(_("chi tiết tính điểm"), default=dict)
    total_points = models.DecimalField(_("tổng điểm"), max_digits=5, decimal_places=2, null=True)
    proposed_level = models.CharField(
        _("mức đề xuất"), max_length=20, choices=Level.choices, blank=True
    )
    confirmed_level = models.CharField(
        _("mức xếp loại"), max_length=20, choices=Level.choices, blank=True
    )
    change_reason = models.TextField(_("lý do thay đổi mức"), blank=True, max_length=2000)
    state = models.CharField(
        _("trạng thái"), max_length=20, choices=State.choices, default=State.DRAFT
    )
    computed_at = models.DateTimeField(_("thời điểm tính điểm"))
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người xếp loại"),
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
    )
    confirmed_at = models.DateTimeField(_("thời điểm xếp loại"), null=True)

    class Meta:
        abstract = True

    @property
    def level(self) -> str:
        return self.confirmed_level or self.proposed_level

    @property
    def is_confirmed(self) -> bool:
        return self.state == self.State.CONFIRMED


class Evaluation(Rated):
    """One person's evaluation for a month or quarter."""

    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người được đánh giá"),
        on_delete=models.PROTECT,
        related_name="evaluations",
    )
    unit = models.ForeignKey(
        Unit, verbose_name=_("đơn vị"), on_delete=models.PROTECT, null=True, related_name="+"
    )
    is_manager = models.BooleanField(_("người đứng đầu đơn vị"), default=False)
    results_points = models.DecimalField(
        _("điểm kết quả thực hiện nhiệm vụ"), max_digits=5, decimal_places=2, null=True
    )
    general_points = models.DecimalField(
        _("điểm tiêu chí chung"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    general_note = models.TextField(_("nhận xét tiêu chí chung"), blank=True, max_length=2000)
    evaluated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người đánh giá"),
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
    )
    evaluated_at = models.DateTimeField(_("thời điểm đánh giá"), null=True)

    class Meta:
        verbose_name = _("phiếu đánh giá")
        verbose_name_plural = _("phiếu đánh giá")
        ordering = ["-period_end", "person__full_name"]
        constraints = [
            models.UniqueConstraint(fields=["person", "period_code"], name="evaluation_unique")
        ]

    def __str__(self) -> str:
        return f"{self.person} · {self.period_label}"


class UnitEvaluation(Rated):
    """A unit's evaluation as a body (`evaluation.units`), by the leader in charge of it."""

    unit = models.ForeignKey(
        Unit, verbose_name=_("đơn vị"), on_delete=models.PROTECT, related_name="+"
    )
    tasks_points = models.DecimalField(
        _("điểm kết quả nhiệm vụ của đơn vị"), max_digits=5, decimal_places=2, null=True
    )
    staff_points = models.DecimalField(
        _("điểm kết quả xếp loại công chức"), max_digits=5, decimal_places=2, null=True
    )

    class Meta:
        verbose_name = _("đánh giá đơn vị")
        verbose_name_plural = _("đánh giá đơn vị")
        ordering = ["-period_end", "unit__order", "unit__name"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "period_code"], name="unit_evaluation_unique")
        ]

    def __str__(self) -> str:
        return f"{self.unit} · {self.period_label}"
