"""Limits on the files people attach as evidence (a task's product, a target's figure): the
kinds an office produces, and a size the server and the reports can carry."""

from __future__ import annotations

from pathlib import PurePath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

EVIDENCE_EXTENSIONS = (
    ".pdf", ".doc", ".docx", ".xls", ".xlsx", ".odt", ".ods", ".ppt", ".pptx",
    ".jpg", ".jpeg", ".png", ".zip",
)  # fmt: skip


def validate_evidence_file(file) -> None:
    """Refuse a file of another kind, or larger than EVIDENCE_MAX_MB, with a Vietnamese message."""
    suffix = PurePath(file.name or "").suffix.lower()
    if suffix not in EVIDENCE_EXTENSIONS:
        raise ValidationError(
            _("Chỉ nhận tệp %(kinds)s.") % {"kinds": ", ".join(EVIDENCE_EXTENSIONS)},
            code="file_kind",
        )
    limit = settings.EVIDENCE_MAX_MB
    if file.size > limit * 1024 * 1024:
        raise ValidationError(
            _("Tệp lớn hơn %(mb)s MB, xin nén lại hoặc gửi đường dẫn.") % {"mb": limit},
            code="file_size",
        )
