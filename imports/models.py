from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class DraftState(models.TextChoices):
    READING = "reading", _("Đang đọc tệp")
    READY = "ready", _("Chờ xác nhận")
    FAILED = "failed", _("Không đọc được tệp")
    CONFIRMED = "confirmed", _("Đã nhập")


class ImportDraft(models.Model):
    """A table read but not yet imported: what the preview shows and the clerk corrects.

    Nothing of the plan or its tasks is written until the clerk confirms. An uploaded file is
    read in the background (`state` READING), in a process of its own; a confirmed draft stays
    as a record that it was confirmed, so that a second click is told so.
    """

    created_by = models.ForeignKey(
        "accounts.User", verbose_name=_("người nhập"), on_delete=models.CASCADE
    )
    created_at = models.DateTimeField(_("thời điểm"), auto_now_add=True)
    plan = models.ForeignKey(
        "plans.Plan", verbose_name=_("kế hoạch"), on_delete=models.CASCADE, null=True, blank=True
    )
    new_plan = models.JSONField(_("kế hoạch mới"), default=dict, blank=True)
    source_name = models.CharField(_("tệp nguồn"), max_length=255, blank=True)
    headers = models.JSONField(default=dict)
    rows = models.JSONField(default=list)
    problems = models.JSONField(default=list)
    # The column-mapping step: how each column was read, and the source rows themselves, so
    # that the clerk can map the columns again without sending the file again.
    columns = models.JSONField(_("các cột như đã hiểu"), default=list)
    header_line = models.PositiveIntegerField(_("dòng tiêu đề"), null=True, blank=True)
    header_key = models.CharField(max_length=1000, blank=True)
    grid = models.JSONField(_("các dòng nguồn"), default=list)
    footnotes = models.JSONField(_("chú thích dưới bảng"), default=list, blank=True)
    # The clerk's corrections of single rows, by source line: kept when the rows are read again.
    corrections = models.JSONField(_("chỉnh sửa từng dòng"), default=dict, blank=True)
    state = models.CharField(
        _("trạng thái"), max_length=20, choices=DraftState.choices, default=DraftState.READY
    )
    upload = models.FileField(_("tệp tải lên"), upload_to="imports/", blank=True)
    sheet = models.CharField(_("trang tính"), max_length=255, blank=True)
    sheets = models.JSONField(_("các trang tính"), default=list, blank=True)
    error = models.TextField(_("lỗi khi đọc"), blank=True)
    queued_at = models.DateTimeField(_("xếp hàng đọc lúc"), null=True, blank=True)
    reading_started_at = models.DateTimeField(_("bắt đầu đọc lúc"), null=True, blank=True)

    class Meta:
        verbose_name = _("bản nhập chờ xác nhận")
        verbose_name_plural = _("bản nhập chờ xác nhận")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["created_at"], name="importdraft_created_idx")]

    def __str__(self) -> str:
        return f"{self.source_name} ({self.created_at:%d/%m/%Y %H:%M})"


class ColumnMapping(models.Model):
    """The columns a clerk chose for a table, remembered for the next table with the same header
    (its header texts, normalised)."""

    header_key = models.CharField(_("tiêu đề (chuẩn hóa)"), max_length=1000, unique=True)
    mapping = models.JSONField(_("các cột"), default=dict)  # position → what the column is
    chosen_by = models.ForeignKey(
        "accounts.User", verbose_name=_("người chọn"), on_delete=models.SET_NULL, null=True
    )
    updated_at = models.DateTimeField(_("lần chọn cuối"), auto_now=True)

    class Meta:
        verbose_name = _("cách đọc cột đã ghi nhớ")
        verbose_name_plural = _("cách đọc cột đã ghi nhớ")

    def __str__(self) -> str:
        return self.header_key[:80]
