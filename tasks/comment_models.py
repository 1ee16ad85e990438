"""Comments on a task (ý kiến trao đổi) and the files attached to comments and progress updates:
evidence, like the coordination notes, so written once and never changed through the ORM.
Imported by tasks.models, which is where Django looks for the app's models."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from tasks.models import AppendOnly, ProgressUpdate, Task


class Comment(AppendOnly):
    """One message in a task's thread; `mentions` are the people it named with @ who may see the
    task (they were notified). `token` is the form's: the same post sent twice is one comment."""

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("người viết"), on_delete=models.PROTECT
    )
    created_at = models.DateTimeField(_("thời điểm"))
    text = models.TextField(_("ý kiến"), blank=True)
    mentions = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người được nhắc đến"),
        blank=True,
        related_name="+",
    )
    token = models.UUIDField(default=uuid.uuid4, editable=False)

    class Meta:
        verbose_name = _("ý kiến trao đổi")
        verbose_name_plural = _("ý kiến trao đổi")
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["task", "author", "token"], name="comment_unique_token")
        ]
        indexes = [models.Index(fields=["task", "created_at"], name="comment_task_time")]

    def __str__(self) -> str:
        return f"{self.task_id} · {self.author_id} · {self.created_at:%d/%m/%Y}"


class Attachment(AppendOnly):
    """A file attached to exactly one comment or one progress update."""

    comment = models.ForeignKey(
        Comment, on_delete=models.CASCADE, null=True, blank=True, related_name="attachments"
    )
    update = models.ForeignKey(
        ProgressUpdate,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="attachments",
    )
    file = models.FileField(_("tệp"), upload_to="attachments/%Y/%m/")
    original_name = models.CharField(_("tên tệp"), max_length=255)
    size = models.PositiveBigIntegerField(_("dung lượng (byte)"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("người tải lên"), on_delete=models.PROTECT
    )
    created_at = models.DateTimeField(_("thời điểm"))

    class Meta:
        verbose_name = _("tệp đính kèm")
        verbose_name_plural = _("tệp đính kèm")
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(comment__isnull=False, update__isnull=True)
                | Q(comment__isnull=True, update__isnull=False),
                name="attachment_of_one_comment_or_update",
            )
        ]

    def __str__(self) -> str:
        return self.original_name
