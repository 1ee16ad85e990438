from __future__ import annotations

from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from plans.cache import kept
from plans.deadlines import DeadlineKind, Recurrence
from plans.models import Phase, Plan, Unit, choice_label, unit_subtrees
from plans.text import clean, fold
from tasks.completeness import INCOMPLETE, missing_ro
from tasks.punctuality import Punctuality, Status, punctuality, punctuality_expression
from tasks.webhooks import validate_webhook_url


def own_unit_ids(user) -> set[int]:
    """The user's unit and every unit below it. Worked out once per user object, a request
    asking it several times (what the user may see, update, assign) and `request.user` living as
    long as the request, from the unit tree kept under the reference version (plans.cache)."""
    if not user.unit_id:
        return set()
    known = user.__dict__.get("_own_unit_ids")
    if known is None or known[0] != user.unit_id:
        edges = kept("unit-edges", lambda: list(Unit.objects.values_list("pk", "parent_id")))
        below = unit_subtrees(edges, {user.unit_id})[user.unit_id]
        known = (user.unit_id, frozenset(below))
        user.__dict__["_own_unit_ids"] = known
    return set(known[1])


class PunctualityQuerySet(models.QuerySet):
    def with_punctuality(self, today: date):
        return self.annotate(punctuality=punctuality_expression(today=today))


class TaskQuerySet(PunctualityQuerySet):
    def tracked(self):
        """Tasks that are measured, each piece of work once: a row fanned out to every unit counts
        through its children (one per unit); a task a unit head broke down (tasks.breakdown)
        counts itself, its sub-tasks (`is_breakdown`) do not, wherever they sit (its own plan or
        the unit's plan). Sub-tasks are their assignees' work: see `worked_on`."""
        return self.filter(fans_out=False, is_breakdown=False)

    def worked_on(self):
        """What people work on: the measured tasks and the sub-tasks of a break-down."""
        return self.filter(fans_out=False)

    def visible_to(self, user):
        """Leadership, Văn phòng and administrators see everything; others their unit's tasks."""
        if not user.is_authenticated:
            return self.none()
        if user.sees_everything:
            return self
        scope = Q(assignee=user)
        if user.unit_id:
            scope |= Q(lead_unit_id__in=own_unit_ids(user))
        return self.filter(scope)

    def with_completeness(self):
        return self.annotate(
            ro_incomplete=models.ExpressionWrapper(INCOMPLETE, models.BooleanField())
        )

    def completeness_by_plan(self) -> dict[int, tuple[int, int]]:
        """{plan id: (tracked tasks, tasks clear on all six "rõ")}, in one query."""
        rows = (
            self.tracked()
            .with_completeness()
            .values("plan_id")
            .annotate(total=Count("pk"), complete=Count("pk", filter=Q(ro_incomplete=False)))
        )
        return {row["plan_id"]: (row["total"], row["complete"]) for row in rows}


class Task(models.Model):
    plan = models.ForeignKey(
        Plan, verbose_name=_("kế hoạch"), on_delete=models.CASCADE, related_name="tasks"
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("nhiệm vụ cha"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="children",
    )
    fans_out = models.BooleanField(
        _("giao cho tất cả đơn vị"),
        default=False,
        help_text=_("Dòng giao cho “các phòng, đơn vị”: mỗi đơn vị có một nhiệm vụ con riêng."),
    )
    is_breakdown = models.BooleanField(
        _("nhiệm vụ con do đơn vị chia nhỏ"),
        default=False,
        help_text=_("Một phần việc của nhiệm vụ cha: số liệu chung tính qua nhiệm vụ cha."),
    )
    progress_from_children = models.BooleanField(_("tiến độ tính từ nhiệm vụ con"), default=False)
    later_than_parent_reason = models.TextField(
        _("lý do hạn muộn hơn hạn nhiệm vụ cha"), blank=True
    )
    order_label = models.CharField(_("STT"), max_length=20, blank=True)
    position = models.PositiveIntegerField(_("vị trí trong bảng"), default=0)
    # As long as the document wrote them: a table's cells have no length limit.
    section = models.TextField(_("nhóm nhiệm vụ"), blank=True)
    phase = models.ForeignKey(
        Phase, verbose_name=_("giai đoạn"), on_delete=models.SET_NULL, null=True, blank=True
    )

    # rõ việc
    content = models.TextField(_("nội dung công việc"))
    # rõ trách nhiệm: exactly one lead ("một việc - một đầu mối") and any coordinating units
    lead_unit = models.ForeignKey(
        Unit,
        verbose_name=_("đơn vị chủ trì"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="led_tasks",
    )
    lead_as_written = models.TextField(_("chủ trì (như trong văn bản)"), blank=True)
    coordinating_units = models.ManyToManyField(
        Unit, verbose_name=_("đơn vị phối hợp"), blank=True, related_name="coordinated_tasks"
    )
    coordinating_as_written = models.TextField(_("phối hợp (như trong văn bản)"), blank=True)
    # rõ người
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người thực hiện"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_tasks",
    )
    assignee_as_written = models.CharField(
        _("người chịu trách nhiệm (như trong văn bản)"), max_length=255, blank=True
    )
    # rõ thẩm quyền: the leader in charge, or the issuing body
    authority_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("lãnh đạo phụ trách"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="authorised_tasks",
    )
    authority_body = models.CharField(_("cấp có thẩm quyền"), max_length=255, blank=True)
    # rõ kết quả
    product = models.TextField(_("sản phẩm, kết quả"), blank=True)
    # rõ thời gian: as written, and as understood
    deadline_text = models.TextField(_("thời hạn (như trong văn bản)"), blank=True)
    deadline_kind = models.CharField(
        _("loại thời hạn"),
        max_length=20,
        choices=DeadlineKind.choices,
        default=DeadlineKind.UNKNOWN,
    )
    due_date = models.DateField(_("hạn hoàn thành"), null=True, blank=True)
    original_due_date = models.DateField(_("hạn ban đầu"), null=True, blank=True)
    start_date = models.DateField(_("ngày bắt đầu"), null=True, blank=True)
    recurrence = models.JSONField(_("lặp lại"), null=True, blank=True)
    condition = models.TextField(_("điều kiện"), blank=True)
    milestones = models.JSONField(_("các mốc khác"), default=list, blank=True)
    deadline_needs_review = models.BooleanField(_("thời hạn cần xem lại"), default=False)
    deadline_review_reason = models.TextField(_("lý do cần xem lại"), blank=True)

    is_key = models.BooleanField(_("nhiệm vụ trọng tâm"), default=False)
    is_breakthrough = models.BooleanField(_("nhiệm vụ đột phá"), default=False)
    notes = models.TextField(_("ghi chú"), blank=True)

    # progress, kept current by tasks.services from the updates (and occurrences)
    status = models.CharField(
        _("trạng thái"), max_length=20, choices=Status.choices, default=Status.NOT_STARTED
    )
    percent = models.PositiveSmallIntegerField(_("tiến độ (%)"), default=0)
    completed_on = models.DateField(_("ngày hoàn thành"), null=True, blank=True)
    last_update_at = models.DateTimeField(_("cập nhật tiến độ lần cuối"), null=True, blank=True)

    # Folded (no accents, lower case) copy of the content, for searches typed without accents.
    search_key = models.TextField(editable=False, blank=True)
    created_at = models.DateTimeField(_("ngày tạo"), auto_now_add=True)
    updated_at = models.DateTimeField(_("ngày sửa"), auto_now=True)

    history = HistoricalRecords(excluded_fields=["updated_at", "search_key"])
    objects = TaskQuerySet.as_manager()

    class Meta:
        verbose_name = _("nhiệm vụ")
        verbose_name_plural = _("nhiệm vụ")
        ordering = ["plan", "position", "pk"]
        indexes = [
            models.Index(fields=["lead_unit", "status", "due_date"], name="task_unit_status_due"),
            models.Index(fields=["status", "due_date"], name="task_status_due"),
            models.Index(fields=["plan", "position"], name="task_plan_position"),
            models.Index(fields=["assignee", "status"], name="task_assignee_status"),
            # The dashboard keeps each unit's share under the unit's task count and last change
            # (tasks.unit_shares): read from this index alone, not from the table.
            models.Index(fields=["lead_unit", "updated_at"], name="task_unit_updated"),
            # The API's change feed (/api/tasks/sync/) pages by the last change.
            models.Index(fields=["updated_at", "id"], name="task_updated_at"),
            # The dashboard's warnings: open tasks, most overdue first (PostgreSQL keeps the
            # progress in the index too, for "due soon and below 50 %").
            models.Index(
                fields=["due_date"],
                include=["percent"],
                condition=Q(status__in=["not_started", "in_progress"], fans_out=False),
                name="task_open_due",
            ),
        ]

    def __str__(self) -> str:
        label = f"{self.order_label}. " if self.order_label else ""
        return f"{label}{self.content[:80]}"

    def save(self, *args, **kwargs):
        self.content = clean(self.content)
        self.search_key = fold(self.content)
        super().save(*args, **kwargs)

    def punctuality_on(self, today: date) -> Punctuality:
        return punctuality(
            status=self.status, due_date=self.due_date, completed_on=self.completed_on, today=today
        )

    @property
    def missing_ro(self):
        return missing_ro(self)

    @property
    def recurrence_rule(self) -> Recurrence | None:
        return Recurrence.from_json(self.recurrence)

    def beyond_plan(self, day: date) -> str:
        """Why `day` lies outside the time the plan gives the task (its phase, else the plan's
        last phase), in Vietnamese; "" when it does not. Uses `plan.phases` as prefetched."""
        if day is None:
            return ""
        if self.phase_id and self.phase.end and day > self.phase.end:
            return _("Hạn %(day)s vượt quá %(phase)s (đến %(end)s).") % {
                "day": day.strftime("%d/%m/%Y"),
                "phase": self.phase.name,
                "end": self.phase.end.strftime("%d/%m/%Y"),
            }
        ends = [phase.end for phase in self.plan.phases.all() if phase.end]
        if ends and day > max(ends):
            return _("Hạn %(day)s vượt quá thời gian của kế hoạch (đến %(end)s).") % {
                "day": day.strftime("%d/%m/%Y"),
                "end": max(ends).strftime("%d/%m/%Y"),
            }
        return ""

    # Labels for pages that list many tasks: get_status_display() and its kind translate every
    # choice of the field on each call.
    @property
    def status_label(self) -> str:
        return choice_label(Status, self.status)

    @property
    def deadline_kind_label(self) -> str:
        return choice_label(DeadlineKind, self.deadline_kind)

    @property
    def authority_display(self) -> str:
        if self.authority_user_id:
            return f"{self.authority_user.title} {self.authority_user}".strip()
        return self.authority_body


class Occurrence(models.Model):
    """One period (kỳ) of a recurring or continuous task, with its own due date and status."""

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="occurrences")
    label = models.CharField(_("kỳ"), max_length=100)
    period_start = models.DateField(_("từ ngày"))
    period_end = models.DateField(_("đến ngày"))
    due_date = models.DateField(_("hạn"))
    status = models.CharField(
        _("trạng thái"), max_length=20, choices=Status.choices, default=Status.NOT_STARTED
    )
    percent = models.PositiveSmallIntegerField(_("tiến độ (%)"), default=0)
    completed_on = models.DateField(_("ngày hoàn thành"), null=True, blank=True)
    last_update_at = models.DateTimeField(_("cập nhật lần cuối"), null=True, blank=True)

    history = HistoricalRecords()
    objects = PunctualityQuerySet.as_manager()

    class Meta:
        verbose_name = _("kỳ thực hiện")
        verbose_name_plural = _("kỳ thực hiện")
        ordering = ["task", "due_date"]
        constraints = [
            models.UniqueConstraint(fields=["task", "due_date"], name="occurrence_unique_due")
        ]
        indexes = [models.Index(fields=["status", "due_date"], name="occurrence_status_due")]

    def __str__(self) -> str:
        return f"{self.task} — {self.label}"

    def punctuality_on(self, today: date) -> Punctuality:
        return punctuality(
            status=self.status, due_date=self.due_date, completed_on=self.completed_on, today=today
        )


class AppendOnly(models.Model):
    """A record that is evidence: written once, never changed or deleted through the ORM."""

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if self.pk is not None and type(self).objects.filter(pk=self.pk).exists():
            raise ValueError(f"{type(self).__name__} is append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError(f"{type(self).__name__} is append-only")


class ProgressUpdate(AppendOnly):
    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="updates")
    occurrence = models.ForeignKey(
        Occurrence,
        verbose_name=_("kỳ"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="updates",
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("người cập nhật"), on_delete=models.PROTECT
    )
    created_at = models.DateTimeField(_("thời điểm"), db_index=True)
    percent = models.PositiveSmallIntegerField(_("tiến độ (%)"))
    status = models.CharField(_("trạng thái"), max_length=20, choices=Status.choices)
    achieved = models.TextField(_("kết quả đạt được"), blank=True)
    product_file = models.FileField(_("tệp sản phẩm"), upload_to="products/%Y/%m/", blank=True)
    product_link = models.URLField(_("đường dẫn sản phẩm"), max_length=500, blank=True)
    difficulties = models.TextField(_("khó khăn, vướng mắc"), blank=True)
    proposals = models.TextField(_("đề xuất, kiến nghị"), blank=True)
    delay_reason = models.TextField(_("lý do chậm trễ"), blank=True)
    delay_explanation = models.TextField(_("giải trình"), blank=True)

    class Meta:
        verbose_name = _("cập nhật tiến độ")
        verbose_name_plural = _("cập nhật tiến độ")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["task", "-created_at"], name="update_task_time")]

    def __str__(self) -> str:
        return f"{self.task_id} · {self.percent}% · {self.created_at:%d/%m/%Y}"


class CoordinationNote(AppendOnly):
    """A coordinating unit's word on a task another unit leads (ý kiến phối hợp): evidence of
    the coordination, kept with the task's history; the lead's progress stays the lead's."""

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="coordination_notes")
    unit = models.ForeignKey(
        Unit, verbose_name=_("đơn vị phối hợp"), on_delete=models.PROTECT, related_name="+"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("người ghi"), on_delete=models.PROTECT
    )
    created_at = models.DateTimeField(_("thời điểm"))
    text = models.TextField(_("ý kiến phối hợp"))

    class Meta:
        verbose_name = _("ý kiến phối hợp")
        verbose_name_plural = _("ý kiến phối hợp")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["task", "-created_at"], name="coordination_task_time")]

    def __str__(self) -> str:
        return f"{self.task_id} · {self.unit} · {self.created_at:%d/%m/%Y}"


class ChangeState(models.TextChoices):
    PENDING = "pending", _("Chờ quyết định")
    APPROVED = "approved", _("Đã đồng ý")
    REFUSED = "refused", _("Không đồng ý")


class DeadlineChange(models.Model):
    """A request to move a deadline, decided by the task's authority. The original is kept."""

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="deadline_changes")
    occurrence = models.ForeignKey(Occurrence, on_delete=models.CASCADE, null=True, blank=True)
    old_due_date = models.DateField(_("hạn hiện tại"), null=True, blank=True)
    new_due_date = models.DateField(_("hạn đề nghị"))
    reason = models.TextField(_("lý do"))
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người đề nghị"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    requested_at = models.DateTimeField(_("thời điểm đề nghị"))
    state = models.CharField(
        _("trạng thái"), max_length=20, choices=ChangeState.choices, default=ChangeState.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người quyết định"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("thời điểm quyết định"), null=True, blank=True)
    decision_comment = models.TextField(_("ý kiến"), blank=True)

    class Meta:
        verbose_name = _("đề nghị điều chỉnh thời hạn")
        verbose_name_plural = _("đề nghị điều chỉnh thời hạn")
        ordering = ["-requested_at"]
        # One pending request per task (or per period of a recurring task): two people asking
        # at the same moment both pass any check made before writing; the database decides.
        constraints = [
            models.UniqueConstraint(
                fields=["task"],
                condition=Q(state=ChangeState.PENDING, occurrence__isnull=True),
                name="one_pending_change_per_task",
            ),
            models.UniqueConstraint(
                fields=["occurrence"],
                condition=Q(state=ChangeState.PENDING, occurrence__isnull=False),
                name="one_pending_change_per_period",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.task_id}: {self.old_due_date} → {self.new_due_date}"

    @property
    def beyond_plan(self) -> str:
        return self.task.beyond_plan(self.new_due_date)


# --- Early warnings (cảnh báo sớm): the rules live in tasks.early_warnings, delivery in
# tasks.alerts. ------------------------------------------------------------------------------


def _validate_day_list(value: str) -> None:
    try:
        days = [int(part) for part in value.split(",") if part.strip()]
    except ValueError:
        days = []
    if not days or any(day < 0 for day in days):
        raise ValidationError(_("Nhập các số ngày cách nhau bởi dấu phẩy, ví dụ: 7,3,1."))


class WarningSettings(models.Model):
    """The thresholds of the early-warning rules, edited by an administrator (one row)."""

    due_soon_days = models.CharField(
        _("nhắc trước hạn (ngày)"),
        max_length=50,
        default="7,3,1",
        validators=[_validate_day_list],
        help_text=_(
            "Sắp đến hạn: nhắc khi còn từng ấy ngày đến hạn, ví dụ “7,3,1”. Mỗi mốc nhắc một lần; "
            "nhiệm vụ lần đầu được xét khi đã qua mốc lớn chỉ nhận mốc nhỏ nhất đã đến."
        ),
    )
    working_days = models.BooleanField(
        _("tính theo ngày làm việc"),
        default=False,
        help_text=_(
            "Bỏ chọn: đếm ngày theo lịch. Chọn: chỉ đếm ngày làm việc (trừ thứ Bảy, Chủ nhật "
            "và ngày lễ, Tết của Việt Nam)."
        ),
    )
    at_risk_elapsed_percent = models.PositiveSmallIntegerField(
        _("có nguy cơ chậm: thời gian đã qua tối thiểu (%)"),
        default=50,
        help_text=_(
            "Có nguy cơ chậm: chỉ xét khi đã qua ít nhất từng ấy phần trăm thời gian, tính từ "
            "ngày bắt đầu (hoặc ngày tạo nhiệm vụ, đầu kỳ) đến hạn."
        ),
    )
    at_risk_gap_points = models.PositiveSmallIntegerField(
        _("có nguy cơ chậm: tiến độ chậm hơn thời gian (điểm %)"),
        default=30,
        help_text=_(
            "Có nguy cơ chậm khi tiến độ (%) thấp hơn phần trăm thời gian đã qua trừ đi số điểm "
            "này. Ví dụ: đã qua 80% thời gian, tiến độ dưới 50% là có nguy cơ chậm."
        ),
    )
    overdue_repeat_days = models.PositiveSmallIntegerField(
        _("nhắc quá hạn lặp lại sau (ngày)"),
        default=7,
        help_text=_(
            "Quá hạn: nhắc ngày đầu tiên sau hạn, rồi cứ sau từng ấy ngày nhắc lại ở cấp cao hơn."
        ),
    )
    overdue_steps = models.PositiveSmallIntegerField(
        _("số lần nhắc quá hạn"),
        default=3,
        help_text=_(
            "Lần 1: người thực hiện (chưa phân công thì trưởng đơn vị); lần 2: thêm trưởng đơn "
            "vị; từ lần 3: thêm lãnh đạo phụ trách và Văn phòng. Sau lần cuối, nhiệm vụ còn "
            "trong danh sách cảnh báo và bản tổng hợp hằng tuần."
        ),
    )
    no_update_days = models.PositiveSmallIntegerField(
        _("lâu chưa cập nhật (ngày)"),
        default=14,
        help_text=_(
            "Nhắc khi nhiệm vụ đang thực hiện (hoặc nhiệm vụ thường xuyên) không được cập nhật "
            "tiến độ trong từng ấy ngày."
        ),
    )
    report_lead_days = models.PositiveSmallIntegerField(
        _("nhắc nộp báo cáo định kỳ trước (ngày)"),
        default=5,
        help_text=_(
            "Báo cáo định kỳ (kỳ của nhiệm vụ định kỳ có sản phẩm là báo cáo): nhắc đơn vị khi "
            "còn từng ấy ngày đến hạn nộp."
        ),
    )

    class Meta:
        verbose_name = _("thiết lập cảnh báo")
        verbose_name_plural = _("thiết lập cảnh báo")

    def __str__(self) -> str:
        return str(_("Thiết lập cảnh báo sớm"))

    def save(self, *args, **kwargs):
        self.pk = 1  # a singleton: the admin edits the one row
        super().save(*args, **kwargs)

    @classmethod
    def load(cls) -> WarningSettings:
        return cls.objects.get_or_create(pk=1)[0]

    @property
    def due_soon_list(self) -> list[int]:
        """The thresholds, largest first, without repeats."""
        days = {int(part) for part in self.due_soon_days.split(",") if part.strip()}
        return sorted(days, reverse=True)


class WarningRule(models.TextChoices):
    DUE_SOON = "due_soon", _("Sắp đến hạn")
    AT_RISK = "at_risk", _("Có nguy cơ chậm tiến độ")
    OVERDUE = "overdue", _("Quá hạn")
    NO_UPDATE = "no_update", _("Lâu chưa cập nhật tiến độ")
    REPORT_DUE = "report_due", _("Sắp đến hạn nộp báo cáo định kỳ")
    # Notices of decisions, sent through the same channels at the moment they happen.
    DEADLINE_REQUESTED = "deadline_requested", _("Đề nghị điều chỉnh hạn chờ quyết định")
    DEADLINE_DECIDED = "deadline_decided", _("Đề nghị điều chỉnh hạn đã có quyết định")
    ASSIGNED = "assigned", _("Được giao nhiệm vụ")
    COORDINATION_NOTE = "coordination_note", _("Ý kiến của đơn vị phối hợp")
    MENTIONED = "mentioned", _("Được nhắc đến trong ý kiến")
    COMMENTED = "commented", _("Ý kiến mới từ ngoài đơn vị chủ trì")


NOTICE_RULES = (
    WarningRule.DEADLINE_REQUESTED,
    WarningRule.DEADLINE_DECIDED,
    WarningRule.ASSIGNED,
    WarningRule.COORDINATION_NOTE,
    WarningRule.MENTIONED,
    WarningRule.COMMENTED,
)


class AlertState(models.TextChoices):
    PENDING = "pending", _("Chờ gửi")
    SENT = "sent", _("Đã gửi")
    FAILED = "failed", _("Gửi lỗi")
    ACKNOWLEDGED = "acknowledged", _("Đã tiếp nhận")
    RESOLVED = "resolved", _("Đã xong")


OPEN_ALERT_STATES = (AlertState.PENDING, AlertState.SENT, AlertState.FAILED)


class Alert(models.Model):
    """One warning about a task (or one period of it): unique per item, rule, threshold and the
    date it is about, so repeated or concurrent scans create it once."""

    task = models.ForeignKey(
        Task, verbose_name=_("nhiệm vụ"), on_delete=models.CASCADE, related_name="alerts"
    )
    occurrence = models.ForeignKey(
        Occurrence,
        verbose_name=_("kỳ"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="alerts",
    )
    rule = models.CharField(_("loại cảnh báo"), max_length=20, choices=WarningRule.choices)
    threshold = models.PositiveIntegerField(
        _("mốc"),
        default=0,
        help_text=_("Số ngày trước hạn, lần nhắc quá hạn, hoặc số ngày chưa cập nhật."),
    )
    reference_date = models.DateField(
        _("ngày căn cứ"),
        help_text=_("Hạn của nhiệm vụ khi cảnh báo; với “lâu chưa cập nhật”: lần cập nhật cuối."),
    )
    state = models.CharField(
        _("trạng thái"), max_length=20, choices=AlertState.choices, default=AlertState.PENDING
    )
    # The scan that created the row: lets a scan tell its own rows from those it ran into.
    batch = models.UUIDField(_("lượt quét"), db_index=True, editable=False)
    created_at = models.DateTimeField(_("thời điểm tạo"))
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người tiếp nhận"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    acknowledged_at = models.DateTimeField(_("thời điểm tiếp nhận"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("thời điểm xong"), null=True, blank=True)
    # A notice of a decision says what was decided, written when it happened; a warning's
    # sentence is made when it is shown, from the task as it is then.
    message = models.TextField(_("nội dung thông báo"), blank=True)

    class Meta:
        verbose_name = _("cảnh báo")
        verbose_name_plural = _("cảnh báo")
        ordering = ["-created_at", "-pk"]
        constraints = [
            # Two partial constraints instead of one: NULLs never conflict in a unique index.
            models.UniqueConstraint(
                fields=["task", "rule", "threshold", "reference_date"],
                condition=Q(occurrence__isnull=True),
                name="alert_unique_task",
            ),
            models.UniqueConstraint(
                fields=["occurrence", "rule", "threshold", "reference_date"],
                condition=Q(occurrence__isnull=False),
                name="alert_unique_occurrence",
            ),
        ]
        indexes = [models.Index(fields=["state", "rule"], name="alert_state_rule")]

    def __str__(self) -> str:
        return f"{self.get_rule_display()} · {self.task_id}"

    @property
    def item(self) -> Task | Occurrence:
        return self.occurrence or self.task


class Channel(models.TextChoices):
    IN_APP = "in_app", _("Trên cổng")
    EMAIL = "email", _("Thư điện tử")
    WEBHOOK = "webhook", _("Webhook (ứng dụng nhắn tin)")


class DeliveryState(models.TextChoices):
    PENDING = "pending", _("Chờ gửi")
    SENDING = "sending", _("Đang gửi")
    RETRY = "retry", _("Chờ gửi lại")
    SENT = "sent", _("Đã gửi")
    FAILED = "failed", _("Gửi lỗi")
    CANCELLED = "cancelled", _("Không gửi (đã xong)")


class Notification(models.Model):
    """A warning for one recipient on one channel: each recipient gets each warning once."""

    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="deliveries")
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người nhận"),
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    channel = models.CharField(_("kênh"), max_length=20, choices=Channel.choices)
    state = models.CharField(
        _("trạng thái"),
        max_length=20,
        choices=DeliveryState.choices,
        default=DeliveryState.PENDING,
    )
    attempts = models.PositiveSmallIntegerField(_("số lần gửi"), default=0)
    last_error = models.TextField(_("lỗi gần nhất"), blank=True)
    claimed_at = models.DateTimeField(_("bắt đầu gửi lúc"), null=True, blank=True)
    next_attempt_at = models.DateTimeField(_("gửi lại lúc"), null=True, blank=True)
    sent_at = models.DateTimeField(_("đã gửi lúc"), null=True, blank=True)
    read_at = models.DateTimeField(_("đã đọc lúc"), null=True, blank=True)
    created_at = models.DateTimeField(_("thời điểm tạo"))

    class Meta:
        verbose_name = _("thông báo")
        verbose_name_plural = _("thông báo")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["alert", "recipient", "channel"], name="notification_unique_recipient"
            )
        ]
        indexes = [
            # The header badge: a user's unread notifications in the portal.
            models.Index(fields=["recipient", "channel", "read_at"], name="notification_unread"),
            models.Index(fields=["state", "next_attempt_at"], name="notification_due"),
        ]

    def __str__(self) -> str:
        return f"{self.alert} → {self.recipient_id} ({self.channel})"


class NotificationPreference(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người dùng"),
        on_delete=models.CASCADE,
        related_name="notification_preference",
    )
    email = models.BooleanField(
        _("nhận cảnh báo qua thư điện tử"),
        default=True,
        help_text=_("Cảnh báo luôn hiện trên cổng; bỏ chọn để không nhận thêm thư."),
    )
    digest = models.BooleanField(
        _("nhận bản tổng hợp hằng tuần"),
        default=True,
        help_text=_("Gửi sáng thứ Hai cho Văn phòng và Lãnh đạo."),
    )
    webhook_url = models.URLField(
        _("địa chỉ webhook"),
        blank=True,
        validators=[validate_webhook_url],
        help_text=_("Tùy chọn: cảnh báo được gửi tới địa chỉ này (JSON) cho ứng dụng nhắn tin."),
    )

    class Meta:
        verbose_name = _("tùy chọn nhận cảnh báo")
        verbose_name_plural = _("tùy chọn nhận cảnh báo")

    def __str__(self) -> str:
        return str(self.user)


# Comments and attachments live in their own module; imported here so that Django finds them.
from tasks.comment_models import Attachment, Comment  # noqa: E402, F401
